//! Reading Viamobile request bodies the way real clients send them: JSON
//! whatever the Content-Type says (`application/x-www-form-urlencoded` and
//! `text/xml` included, §2.3).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::Value;

use super::error::ViaError;
use crate::http::SurfaceError;

/// A request body parsed as JSON, with Viamobile's errors for a body that
/// is too large (413) or not JSON (400).
pub struct ViaBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for ViaBody {
    type Rejection = ViaError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ViaError> {
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ViaError::payload_too_large()
            } else {
                ViaError::bad_request()
            }
        })?;
        let value = serde_json::from_slice(&bytes).map_err(|_| ViaError::bad_request())?;
        Ok(ViaBody(value))
    }
}
