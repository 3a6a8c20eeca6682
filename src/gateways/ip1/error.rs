//! iP.1's error format: ASP.NET Core problem details, with a
//! field → messages map for validation failures.

use std::collections::BTreeMap;

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Serialize;

use crate::engine::submit::SendRefusal;
use crate::http::{SurfaceError, json};

/// Validation messages by field name, as ASP.NET reports them.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Everything an iP.1 endpoint can answer instead of success.
#[derive(Debug, thiserror::Error)]
pub enum Ip1Error {
    #[error("one or more validation errors occurred")]
    Validation(FieldErrors),
    #[error("missing or unknown credentials")]
    Unauthorized,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("request body is not JSON")]
    UnsupportedMediaType,
    /// Any other status, e.g. one a fault rule asks for.
    #[error("{0}")]
    Status(StatusCode),
}

impl Ip1Error {
    /// A validation failure of one field.
    pub fn field(field: &str, message: impl Into<String>) -> Ip1Error {
        Ip1Error::Validation(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    fn status(&self) -> StatusCode {
        match self {
            Ip1Error::Validation(_) => StatusCode::BAD_REQUEST,
            Ip1Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Ip1Error::NotFound => StatusCode::NOT_FOUND,
            Ip1Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Ip1Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Ip1Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Ip1Error::Status(status) => *status,
        }
    }

    /// The RFC section ASP.NET Core links as the problem `type`.
    fn type_uri(&self) -> &'static str {
        match self {
            Ip1Error::Validation(_) => "https://tools.ietf.org/html/rfc7231#section-6.5.1",
            Ip1Error::Unauthorized => "https://tools.ietf.org/html/rfc7235#section-3.1",
            Ip1Error::NotFound => "https://tools.ietf.org/html/rfc7231#section-6.5.4",
            Ip1Error::MethodNotAllowed => "https://tools.ietf.org/html/rfc7231#section-6.5.5",
            Ip1Error::PayloadTooLarge => "https://tools.ietf.org/html/rfc7231#section-6.5.11",
            Ip1Error::UnsupportedMediaType => "https://tools.ietf.org/html/rfc7231#section-6.5.13",
            Ip1Error::Status(status) if status.is_server_error() => {
                "https://tools.ietf.org/html/rfc7231#section-6.6.1"
            }
            Ip1Error::Status(_) => "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Ip1Error::Validation(_) => "One or more validation errors occurred.",
            Ip1Error::Unauthorized => "Unauthorized",
            Ip1Error::NotFound => "Not Found",
            Ip1Error::MethodNotAllowed => "Method Not Allowed",
            Ip1Error::PayloadTooLarge => "Payload Too Large",
            Ip1Error::UnsupportedMediaType => "Unsupported Media Type",
            Ip1Error::Status(status) => status.canonical_reason().unwrap_or("Error"),
        }
    }
}

/// ASP.NET Core's problem details, the body of every iP.1 error.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProblemDetails {
    /// The RFC section of the status.
    #[serde(rename = "type")]
    type_uri: &'static str,
    title: &'static str,
    status: u16,
    /// A W3C trace id: `00-<32 hex>-<16 hex>-00`.
    trace_id: String,
    /// Validation messages by field; only on validation failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BTreeMap<String, Vec<String>>>)]
    errors: Option<FieldErrors>,
}

/// A W3C trace id in the form ASP.NET Core puts in `traceId`.
fn trace_id() -> String {
    let mut rng = rand::rng();
    format!("00-{:032x}-{:016x}-00", rng.random::<u128>(), rng.random::<u64>())
}

impl IntoResponse for Ip1Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let errors = match &self {
            Ip1Error::Validation(errors) => Some(errors.clone()),
            _ => None,
        };
        let body = ProblemDetails {
            type_uri: self.type_uri(),
            title: self.title(),
            status: status.as_u16(),
            trace_id: trace_id(),
            errors,
        };
        let mut response = json(status, &body);
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl SurfaceError for Ip1Error {
    fn not_found(_: &str) -> Ip1Error {
        Ip1Error::NotFound
    }

    fn method_not_allowed(_: &Method, _: &str) -> Ip1Error {
        Ip1Error::MethodNotAllowed
    }

    fn payload_too_large() -> Ip1Error {
        Ip1Error::PayloadTooLarge
    }

    fn with_status(status: StatusCode) -> Ip1Error {
        Ip1Error::Status(status)
    }

    const RESPONSE_NAME: &'static str = "Ip1Problem";
    const DESCRIPTION: &'static str = "iP.1 problem details";
    const COMMON_STATUSES: &'static [&'static str] = &["400", "401", "404", "413", "415"];

    fn schema_name() -> std::borrow::Cow<'static, str> {
        <ProblemDetails as utoipa::ToSchema>::name()
    }
}

/// The engine's refusals of a send, as validation failures of the field
/// they concern.
impl From<SendRefusal> for Ip1Error {
    fn from(refusal: SendRefusal) -> Ip1Error {
        match refusal {
            SendRefusal::UnregisteredSender(sender) => Ip1Error::field(
                "Sender",
                format!("The sender {sender:?} is not registered on the account."),
            ),
            SendRefusal::NeedsUcs2 { .. } => Ip1Error::field("Body", refusal.to_string()),
            SendRefusal::EveryRecipientBlacklisted => Ip1Error::field(
                "Recipients",
                "No recipients remain after the blacklist is applied.",
            ),
            SendRefusal::UnknownSender(_) => Ip1Error::field("Sender", refusal.to_string()),
            SendRefusal::NoReachableNetwork => Ip1Error::field("Recipients", refusal.to_string()),
            SendRefusal::SendingDisabled => Ip1Error::Status(StatusCode::FORBIDDEN),
            SendRefusal::NotEnoughCredit => Ip1Error::Status(StatusCode::PAYMENT_REQUIRED),
        }
    }
}

/// A path parameter that cannot be read names nothing that exists.
impl From<PathRejection> for Ip1Error {
    fn from(_: PathRejection) -> Ip1Error {
        Ip1Error::NotFound
    }
}

/// Rejections of the JSON extractor, in iP.1's format.
impl From<JsonRejection> for Ip1Error {
    fn from(rejection: JsonRejection) -> Ip1Error {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Ip1Error::UnsupportedMediaType,
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Ip1Error::PayloadTooLarge,
            other => Ip1Error::field("$", other.body_text()),
        }
    }
}
