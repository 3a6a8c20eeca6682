//! The control API's error format: `{"error": "...", "detail": ...}` with a
//! 4xx status.

use axum::extract::rejection::JsonRejection;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::account::AccountError;
use crate::http::lenient::whole_floats_as_integers;
use crate::http::{SurfaceError, json};

#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ControlError {
    pub status: StatusCode,
    pub error: String,
    pub detail: Option<Value>,
}

impl ControlError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> ControlError {
        ControlError { status, error: error.into(), detail: None }
    }

    pub fn bad_request(error: impl Into<String>) -> ControlError {
        ControlError::new(StatusCode::BAD_REQUEST, error)
    }

    pub fn unknown_account(name: &str) -> ControlError {
        ControlError::new(StatusCode::NOT_FOUND, format!("no account {name:?}"))
    }
}

/// The body of every control API error.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ControlErrorBody {
    /// What went wrong, in a sentence.
    error: String,
    /// More about it, when there is more: the parser's message, the
    /// near misses of a verification, ...
    detail: Option<Value>,
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        json(self.status, &ControlErrorBody { error: self.error, detail: self.detail })
    }
}

impl SurfaceError for ControlError {
    fn not_found(path: &str) -> ControlError {
        ControlError::new(StatusCode::NOT_FOUND, format!("no route for {path}"))
    }

    fn method_not_allowed(method: &Method, path: &str) -> ControlError {
        ControlError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not allowed on {path}"),
        )
    }

    fn payload_too_large() -> ControlError {
        ControlError::new(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
    }

    fn with_status(status: StatusCode) -> ControlError {
        ControlError::new(status, status.canonical_reason().unwrap_or("error"))
    }

    const RESPONSE_NAME: &'static str = "ControlError";
    const DESCRIPTION: &'static str = "control API error";
    const COMMON_STATUSES: &'static [&'static str] = &["400", "404", "413", "415"];

    fn schema_name() -> std::borrow::Cow<'static, str> {
        <ControlErrorBody as utoipa::ToSchema>::name()
    }
}

impl From<JsonRejection> for ControlError {
    fn from(rejection: JsonRejection) -> ControlError {
        let status = rejection.status();
        let error = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "request body too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "expected Content-Type: application/json",
            _ => "invalid JSON body",
        };
        let status = if status.is_client_error() { status } else { StatusCode::BAD_REQUEST };
        ControlError { status, error: error.to_owned(), detail: Some(rejection.body_text().into()) }
    }
}

impl From<AccountError> for ControlError {
    fn from(err: AccountError) -> ControlError {
        let status = match err {
            AccountError::Taken(_) => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        };
        ControlError::new(status, err.to_string())
    }
}

impl From<QueryRejection> for ControlError {
    fn from(rejection: QueryRejection) -> ControlError {
        ControlError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid query string".to_owned(),
            detail: Some(rejection.body_text().into()),
        }
    }
}

impl From<PathRejection> for ControlError {
    fn from(rejection: PathRejection) -> ControlError {
        ControlError {
            status: StatusCode::NOT_FOUND,
            error: "no such resource".to_owned(),
            detail: Some(rejection.body_text().into()),
        }
    }
}

/// Path parameters whose rejections answer in the control API's format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ControlError))]
pub struct ControlPath<T>(pub T);

/// A query string whose rejections answer in the control API's format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ControlError))]
pub struct ControlQuery<T>(pub T);

/// A JSON body whose rejections answer in the control API's format. A
/// whole number written as a float (`3.0`) counts as an integer, as JSON
/// Schema counts it.
pub struct ControlJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ControlJson<T> {
    type Rejection = ControlError;

    async fn from_request(request: Request, state: &S) -> Result<ControlJson<T>, ControlError> {
        let axum::Json(mut value) = axum::Json::<Value>::from_request(request, state).await?;
        whole_floats_as_integers(&mut value);
        serde_path_to_error::deserialize(value).map(ControlJson).map_err(|err| ControlError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid JSON body".to_owned(),
            detail: Some(
                format!("Failed to deserialize the JSON body into the target type: {err}").into(),
            ),
        })
    }
}
