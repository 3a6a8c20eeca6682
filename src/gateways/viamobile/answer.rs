//! Viamobile's success envelope, `{"response": {"status": 200, ...}}`,
//! around each endpoint's own fields.

use serde::Serialize;
use utoipa::ToSchema;

use crate::http::json;

/// A successful Viamobile answer.
#[derive(Serialize, ToSchema)]
pub struct Answer<T> {
    response: Success<T>,
}

#[derive(Serialize, ToSchema)]
pub struct Success<T> {
    /// Always 200.
    status: u16,
    #[serde(flatten)]
    body: T,
}

impl<T: Serialize> Answer<T> {
    pub fn new(body: T) -> Answer<T> {
        Answer { response: Success { status: 200, body } }
    }

    pub fn body(&self) -> &T {
        &self.response.body
    }

    /// The `200 OK` JSON response.
    pub fn into_response(self) -> axum::response::Response {
        json(axum::http::StatusCode::OK, &self)
    }
}
