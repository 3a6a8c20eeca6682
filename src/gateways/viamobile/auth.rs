//! Viamobile authentication (§2.2): `username` and `password` in the JSON
//! body of the POST endpoints, HTTP Basic on the GET endpoints.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::Extensions;
use axum::http::request::Parts;
use serde_json::Value;

use super::error::ViaError;
use crate::http::{Credentials, credentials, query_value};
use crate::state::AppState;
use crate::store::ViamobileAccount;
use crate::telemetry::note_account;

/// The caller of a Viamobile GET endpoint, authenticated by HTTP Basic.
pub struct BasicCaller(pub Arc<ViamobileAccount>);

impl FromRequestParts<AppState> for BasicCaller {
    type Rejection = ViaError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ViaError> {
        let Some(Credentials::Basic { user, password }) = credentials(&parts.headers) else {
            return Err(ViaError::unauthorized());
        };
        let account = state
            .engine
            .store()
            .authenticate_viamobile(&user, &password)
            .ok_or(ViaError::unauthorized())?;
        note_account(&parts.extensions, account.id());
        Ok(BasicCaller(account))
    }
}

/// The caller of a Viamobile GET endpoint: `?jwt=` from `/token/create`,
/// or HTTP Basic.
pub struct GetCaller(pub Arc<ViamobileAccount>);

impl FromRequestParts<AppState> for GetCaller {
    type Rejection = ViaError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ViaError> {
        match query_value(parts.uri.query(), "jwt") {
            Some(token) => {
                let account = super::token::verify(state, &token).ok_or(ViaError::unauthorized())?;
                note_account(&parts.extensions, account.id());
                Ok(GetCaller(account))
            }
            None => BasicCaller::from_request_parts(parts, state)
                .await
                .map(|BasicCaller(a)| GetCaller(a)),
        }
    }
}

/// Authenticates the `username` and `password` of a JSON body.
pub fn body_caller(
    state: &AppState,
    extensions: &Extensions,
    body: &Value,
) -> Result<Arc<ViamobileAccount>, ViaError> {
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    let (Some(username), Some(password)) = (field("username"), field("password")) else {
        return Err(ViaError::unauthorized());
    };
    let account = state
        .engine
        .store()
        .authenticate_viamobile(username, password)
        .ok_or(ViaError::unauthorized())?;
    note_account(extensions, account.id());
    Ok(account)
}
