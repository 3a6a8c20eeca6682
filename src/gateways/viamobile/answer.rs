//! Viamobile's success envelope, `{"response": {"status": 200, ...}}`,
//! around each endpoint's own fields.

use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use crate::http::json;
use crate::openapi::IntegerOrString;

/// A successful Viamobile answer.
#[derive(Serialize, ToSchema)]
pub struct Answer<T> {
    response: Success<T>,
}

#[derive(Serialize, ToSchema)]
pub struct Success<T> {
    /// Always 200: a number, or the string `"200"` for accounts that
    /// answer it as a string (send, validate and HLR only).
    #[schema(value_type = IntegerOrString)]
    status: Status,
    #[serde(flatten)]
    body: T,
}

/// `200` or `"200"`. The documentation types it as an integer, but the
/// provider's own HLR example shows a string, and client libraries written
/// against the real gateway compare it to `'200'`.
#[derive(Clone, Copy)]
enum Status {
    Number,
    Text,
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Status::Number => serializer.serialize_u16(200),
            Status::Text => serializer.serialize_str("200"),
        }
    }
}

impl<T: Serialize> Answer<T> {
    pub fn new(body: T) -> Answer<T> {
        Answer { response: Success { status: Status::Number, body } }
    }

    /// With `"status": "200"` when `as_string` (the account's
    /// `statusAsString`).
    pub fn with_status_text(body: T, as_string: bool) -> Answer<T> {
        let status = if as_string { Status::Text } else { Status::Number };
        Answer { response: Success { status, body } }
    }

    pub fn body(&self) -> &T {
        &self.response.body
    }

    /// The `200 OK` JSON response.
    pub fn into_response(self) -> axum::response::Response {
        json(axum::http::StatusCode::OK, &self)
    }
}
