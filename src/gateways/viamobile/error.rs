//! Viamobile's error format: the HTTP status repeated in
//! `{"response": {"status", "code", "description"}}`.
//!
//! Codes 400, 404, 405 and 413 are our own: Viamobile documents no code
//! for malformed bodies, unknown routes or oversized requests, so those
//! answers carry the HTTP status as their code.

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::engine::submit::SendRefusal;
use crate::http::{SurfaceError, json};

/// A Viamobile error answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{description} ({code})")]
pub struct ViaError {
    pub status: StatusCode,
    pub code: u32,
    pub description: &'static str,
}

impl ViaError {
    const fn new(status: StatusCode, code: u32, description: &'static str) -> ViaError {
        ViaError { status, code, description }
    }

    /// 1000: unknown username or password, or a bad token.
    pub const fn unauthorized() -> ViaError {
        ViaError::new(StatusCode::UNAUTHORIZED, 1000, "Unauthorized")
    }

    /// 1010 on `/json/msisdnstatus`: the account may not use the service.
    pub const fn msisdn_status_not_permitted() -> ViaError {
        ViaError::new(StatusCode::UNAUTHORIZED, 1010, "MSISDN status not permitted")
    }

    /// 1010 on sending: an MSISDN that is not a number.
    pub const fn unknown_prefix() -> ViaError {
        ViaError::new(StatusCode::BAD_REQUEST, 1010, "Unknown prefix")
    }

    /// 1011: the destination network is not allowed for the account.
    pub const fn unknown_network() -> ViaError {
        ViaError::new(StatusCode::BAD_REQUEST, 1011, "Unknown network")
    }

    /// 1012: the sender is not allowed for the account.
    pub const fn unknown_sender() -> ViaError {
        ViaError::new(StatusCode::BAD_REQUEST, 1012, "Unknown sender")
    }

    /// 1013: a text over 480 characters.
    pub const fn message_too_long() -> ViaError {
        ViaError::new(StatusCode::BAD_REQUEST, 1013, "Message too long")
    }

    /// 1014: a client id that is not an integer.
    pub const fn id_not_integer() -> ViaError {
        ViaError::new(StatusCode::BAD_REQUEST, 1014, "ID not integer")
    }

    /// 2001: sending is switched off for the account.
    pub const fn sending_disabled() -> ViaError {
        ViaError::new(StatusCode::FORBIDDEN, 2001, "SMS sending disabled")
    }

    /// 2002: not enough credit, or the daily limit is used up.
    pub const fn not_enough_credit() -> ViaError {
        ViaError::new(StatusCode::PAYMENT_REQUIRED, 2002, "Not enough credit")
    }

    /// A body that is not JSON or not the documented shape.
    pub const fn bad_request() -> ViaError {
        ViaError::new(StatusCode::BAD_REQUEST, 400, "Bad request")
    }
}

/// Codes 404, 405 and 413 are our own: Viamobile documents none.
impl SurfaceError for ViaError {
    fn not_found(_: &str) -> ViaError {
        ViaError::new(StatusCode::NOT_FOUND, 404, "Not found")
    }

    fn method_not_allowed(_: &Method, _: &str) -> ViaError {
        ViaError::new(StatusCode::METHOD_NOT_ALLOWED, 405, "Method not allowed")
    }

    fn payload_too_large() -> ViaError {
        ViaError::new(StatusCode::PAYLOAD_TOO_LARGE, 413, "Request entity too large")
    }

    /// Any other status, with the status as its code.
    fn with_status(status: StatusCode) -> ViaError {
        ViaError {
            status,
            code: u32::from(status.as_u16()),
            description: status.canonical_reason().unwrap_or("Error"),
        }
    }

    const RESPONSE_NAME: &'static str = "ViamobileError";
    const DESCRIPTION: &'static str = "Viamobile error";
    const COMMON_STATUSES: &'static [&'static str] = &["400", "401", "404", "413"];

    fn schema_name() -> std::borrow::Cow<'static, str> {
        <ViaErrorEnvelope as utoipa::ToSchema>::name()
    }
}

/// The engine's refusals of a send, as Viamobile's codes.
impl From<SendRefusal> for ViaError {
    fn from(refusal: SendRefusal) -> ViaError {
        match refusal {
            SendRefusal::SendingDisabled => ViaError::sending_disabled(),
            SendRefusal::UnknownSender(_) | SendRefusal::UnregisteredSender(_) => {
                ViaError::unknown_sender()
            }
            SendRefusal::NoReachableNetwork => ViaError::unknown_network(),
            SendRefusal::NotEnoughCredit => ViaError::not_enough_credit(),
            SendRefusal::NeedsUcs2 { .. } | SendRefusal::EveryRecipientBlacklisted => {
                ViaError::bad_request()
            }
        }
    }
}

/// The body of every Viamobile error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ViaErrorEnvelope {
    response: ErrorBody,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ErrorBody {
    /// The HTTP status, repeated.
    status: u16,
    code: u32,
    description: &'static str,
}

impl IntoResponse for ViaError {
    fn into_response(self) -> Response {
        let body = ViaErrorEnvelope {
            response: ErrorBody {
                status: self.status.as_u16(),
                code: self.code,
                description: self.description,
            },
        };
        json(self.status, &body)
    }
}
