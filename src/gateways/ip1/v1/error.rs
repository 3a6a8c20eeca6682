//! The older API's error answers: ASP.NET Web API's JSON, `{"Message":
//! "..."}`, with `ModelState` (field → messages) when a request is invalid.
//! Every error has a JSON body — the vendor's SDK parses the body whatever
//! the status.

use std::collections::BTreeMap;

use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::engine::submit::SendRefusal;
use crate::http::{SurfaceError, json};

/// Everything an older-API endpoint can answer instead of success.
#[derive(Debug, thiserror::Error)]
pub enum V1Error {
    /// 400: fields and their messages.
    #[error("the request is invalid")]
    Invalid(BTreeMap<String, Vec<String>>),
    /// 400 with a message of its own.
    #[error("{0}")]
    BadRequest(String),
    #[error("authorization has been denied")]
    Unauthorized,
    /// 403: the balance does not cover the send.
    #[error("insufficient credits")]
    InsufficientCredits,
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed(String),
    /// 409: the account's state refuses a fine request.
    #[error("{0}")]
    Conflict(String),
    #[error("request entity too large")]
    PayloadTooLarge,
    /// Any other status, e.g. one a fault rule asks for.
    #[error("{0}")]
    Status(StatusCode),
}

impl V1Error {
    /// A failure of one field (`Phone`, `contact.Phone`…).
    pub fn field(field: &str, message: impl Into<String>) -> V1Error {
        V1Error::Invalid(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    /// 404 for an object of `kind` (`Contact`, `Group`…) that the account
    /// does not have.
    pub fn no(kind: &str, id: impl std::fmt::Display) -> V1Error {
        V1Error::NotFound(format!("{kind} {id} was not found."))
    }

    fn status(&self) -> StatusCode {
        match self {
            V1Error::Invalid(_) | V1Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            V1Error::Unauthorized => StatusCode::UNAUTHORIZED,
            V1Error::InsufficientCredits => StatusCode::FORBIDDEN,
            V1Error::NotFound(_) => StatusCode::NOT_FOUND,
            V1Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            V1Error::Conflict(_) => StatusCode::CONFLICT,
            V1Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            V1Error::Status(status) => *status,
        }
    }
}

/// The body of every older-API error.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = V1Error)]
pub struct V1ErrorBody {
    #[serde(rename = "Message")]
    message: String,
    /// Field → messages, for an invalid request.
    #[serde(rename = "ModelState", skip_serializing_if = "Option::is_none")]
    model_state: Option<BTreeMap<String, Vec<String>>>,
}

impl IntoResponse for V1Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let (message, model_state) = match self {
            V1Error::Invalid(fields) => ("The request is invalid.".to_owned(), Some(fields)),
            V1Error::BadRequest(message)
            | V1Error::NotFound(message)
            | V1Error::MethodNotAllowed(message)
            | V1Error::Conflict(message) => (message, None),
            V1Error::Unauthorized => {
                ("Authorization has been denied for this request.".to_owned(), None)
            }
            V1Error::InsufficientCredits => ("Insufficient credits.".to_owned(), None),
            V1Error::PayloadTooLarge => ("The request entity is too large.".to_owned(), None),
            V1Error::Status(status) => {
                (status.canonical_reason().unwrap_or("Error").to_owned(), None)
            }
        };
        let mut response = json(status, &V1ErrorBody { message, model_state });
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"api.ip1sms.com\""),
            );
        }
        response
    }
}

impl SurfaceError for V1Error {
    fn not_found(path: &str) -> V1Error {
        V1Error::NotFound(format!(
            "No HTTP resource was found that matches the request URI '{path}'."
        ))
    }

    fn method_not_allowed(method: &Method, _: &str) -> V1Error {
        V1Error::MethodNotAllowed(format!(
            "The requested resource does not support http method '{method}'."
        ))
    }

    fn payload_too_large() -> V1Error {
        V1Error::PayloadTooLarge
    }

    fn with_status(status: StatusCode) -> V1Error {
        V1Error::Status(status)
    }

    const RESPONSE_NAME: &'static str = "Ip1V1Error";
    const DESCRIPTION: &'static str = "iP.1 older API error";
    const COMMON_STATUSES: &'static [&'static str] = &["400", "401", "404", "413"];

    fn schema_name() -> std::borrow::Cow<'static, str> {
        <V1ErrorBody as utoipa::ToSchema>::name()
    }
}

/// The engine's refusals of a send.
impl From<SendRefusal> for V1Error {
    fn from(refusal: SendRefusal) -> V1Error {
        match refusal {
            SendRefusal::UnregisteredSender(sender) | SendRefusal::UnknownSender(sender) => {
                V1Error::field(
                    "From",
                    format!("The sender {sender:?} is not registered on the account."),
                )
            }
            SendRefusal::NeedsUcs2 { .. } => V1Error::field("Message", refusal.to_string()),
            SendRefusal::EveryRecipientBlacklisted | SendRefusal::NoReachableNetwork => {
                V1Error::BadRequest(
                    "No recipients remain after the blacklist is applied.".to_owned(),
                )
            }
            SendRefusal::SendingDisabled => V1Error::Status(StatusCode::FORBIDDEN),
            SendRefusal::NotEnoughCredit => V1Error::InsufficientCredits,
        }
    }
}

/// A path parameter that cannot be read names nothing that exists.
impl From<PathRejection> for V1Error {
    fn from(rejection: PathRejection) -> V1Error {
        V1Error::NotFound(rejection.body_text())
    }
}

impl From<BytesRejection> for V1Error {
    fn from(rejection: BytesRejection) -> V1Error {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            V1Error::PayloadTooLarge
        } else {
            V1Error::BadRequest(rejection.body_text())
        }
    }
}
