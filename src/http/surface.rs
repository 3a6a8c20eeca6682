//! The parts of the router, each with its own error format, and the one
//! place that tells which a path belongs to.
//!
//! Every surface's error type implements [`SurfaceError`]: the answers any
//! request can get whatever its route — no such route, a wrong method, a
//! body too large, a status a fault rule asks for — and how the OpenAPI
//! document describes them. [`Surface::errors`] picks the implementation
//! for a path; the 404/405 fallbacks, the journal and faults layers and
//! the OpenAPI builder all go through it.

use std::borrow::Cow;

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::VIAMOBILE_ROOTS;
use crate::control::error::ControlError;
use crate::domain::account::Gateway;
use crate::gateways::ip1::error::Ip1Error;
use crate::gateways::ip1::v1::error::V1Error;
use crate::gateways::viamobile::error::ViaError;
use crate::gateways::viamobile::soap::SoapFault;

/// The parts of the router, each with its own error format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Ip1,
    /// iP.1's older API under `/api/...` (but `/api/me`), whose errors are
    /// ASP.NET Web API's.
    Ip1V1,
    Viamobile,
    /// Viamobile's SOAP endpoint, whose errors are SOAP Faults.
    Soap,
    /// The control API under `/_mock`.
    Control,
    /// Anything else: answered like the control API.
    Other,
}

/// The legacy Viamobile base path.
pub const VIAMOBILE_LEGACY_BASE: &str = "/bsms/rest/v2";

/// Viamobile's SOAP endpoint under the legacy base path.
const VIAMOBILE_LEGACY_SOAP: &str = "/bsms/rest/v2/soap";

impl Surface {
    pub fn of_path(path: &str) -> Surface {
        let under = |root: &str| {
            path.strip_prefix(root).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/api/me") {
            Surface::Ip1
        } else if under("/api") {
            Surface::Ip1V1
        } else if under("/v2") || under("/me") {
            Surface::Ip1
        } else if under("/_mock") {
            Surface::Control
        } else if under("/soap") || under(VIAMOBILE_LEGACY_SOAP) {
            Surface::Soap
        } else if under(VIAMOBILE_LEGACY_BASE) || VIAMOBILE_ROOTS.iter().any(|root| under(root)) {
            Surface::Viamobile
        } else {
            Surface::Other
        }
    }

    /// The emulated gateway, for the gateways' surfaces.
    pub fn gateway(self) -> Option<Gateway> {
        match self {
            Surface::Ip1 | Surface::Ip1V1 => Some(Gateway::Ip1),
            Surface::Viamobile | Surface::Soap => Some(Gateway::Viamobile),
            Surface::Control | Surface::Other => None,
        }
    }

    /// The surface's error answers: the one dispatch from a path's surface
    /// to its format.
    pub fn errors(self) -> &'static ErrorFormat {
        match self {
            Surface::Ip1 => &IP1_ERRORS,
            Surface::Ip1V1 => &IP1_V1_ERRORS,
            Surface::Viamobile => &VIAMOBILE_ERRORS,
            Surface::Soap => &SOAP_ERRORS,
            Surface::Control | Surface::Other => &CONTROL_ERRORS,
        }
    }
}

/// The error answers every surface has, in its own format.
pub trait SurfaceError: IntoResponse + Sized {
    fn not_found(path: &str) -> Self;
    fn method_not_allowed(method: &Method, path: &str) -> Self;
    fn payload_too_large() -> Self;
    /// Any other status, as a fault rule asks for it.
    fn with_status(status: StatusCode) -> Self;

    /// How the OpenAPI document names the error answer...
    const RESPONSE_NAME: &'static str;
    /// ...describes it...
    const DESCRIPTION: &'static str;
    /// ...and which statuses every operation of the surface can answer.
    const COMMON_STATUSES: &'static [&'static str];
    /// The name of the error body's schema.
    fn schema_name() -> Cow<'static, str>;
}

/// A surface's [`SurfaceError`], as plain functions, so the surface of a
/// path can be chosen at run time.
pub struct ErrorFormat {
    pub not_found: fn(&str) -> Response,
    pub method_not_allowed: fn(&Method, &str) -> Response,
    pub payload_too_large: fn() -> Response,
    pub with_status: fn(StatusCode) -> Response,
    pub response_name: &'static str,
    pub description: &'static str,
    pub common_statuses: &'static [&'static str],
    pub schema_name: fn() -> Cow<'static, str>,
}

fn not_found<E: SurfaceError>(path: &str) -> Response {
    E::not_found(path).into_response()
}

fn method_not_allowed<E: SurfaceError>(method: &Method, path: &str) -> Response {
    E::method_not_allowed(method, path).into_response()
}

fn payload_too_large<E: SurfaceError>() -> Response {
    E::payload_too_large().into_response()
}

fn with_status<E: SurfaceError>(status: StatusCode) -> Response {
    E::with_status(status).into_response()
}

impl ErrorFormat {
    const fn of<E: SurfaceError>() -> ErrorFormat {
        ErrorFormat {
            not_found: not_found::<E>,
            method_not_allowed: method_not_allowed::<E>,
            payload_too_large: payload_too_large::<E>,
            with_status: with_status::<E>,
            response_name: E::RESPONSE_NAME,
            description: E::DESCRIPTION,
            common_statuses: E::COMMON_STATUSES,
            schema_name: E::schema_name,
        }
    }
}

static IP1_ERRORS: ErrorFormat = ErrorFormat::of::<Ip1Error>();
static IP1_V1_ERRORS: ErrorFormat = ErrorFormat::of::<V1Error>();
static VIAMOBILE_ERRORS: ErrorFormat = ErrorFormat::of::<ViaError>();
static SOAP_ERRORS: ErrorFormat = ErrorFormat::of::<SoapFault>();
static CONTROL_ERRORS: ErrorFormat = ErrorFormat::of::<ControlError>();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_their_surface() {
        assert_eq!(Surface::of_path("/v2/batches"), Surface::Ip1);
        assert_eq!(Surface::of_path("/api/me"), Surface::Ip1);
        assert_eq!(Surface::of_path("/api/me/children"), Surface::Ip1);
        assert_eq!(Surface::of_path("/api/contacts"), Surface::Ip1V1);
        assert_eq!(Surface::of_path("/api"), Surface::Ip1V1);
        assert_eq!(Surface::of_path("/json/send"), Surface::Viamobile);
        assert_eq!(Surface::of_path("/bsms/rest/v2/json/send"), Surface::Viamobile);
        assert_eq!(Surface::of_path("/soap"), Surface::Soap);
        assert_eq!(Surface::of_path("/bsms/rest/v2/soap"), Surface::Soap);
        assert_eq!(Surface::of_path("/soapy"), Surface::Other);
        assert_eq!(Surface::of_path("/_mock/health"), Surface::Control);
        assert_eq!(Surface::of_path("/v22"), Surface::Other);
        assert_eq!(Surface::of_path("/"), Surface::Other);
    }

    #[test]
    fn each_surface_answers_in_its_format() {
        let not_found = |path| (Surface::of_path(path).errors().not_found)(path);
        assert_eq!(not_found("/v2/nothing").status(), StatusCode::NOT_FOUND);
        let fault = (Surface::Viamobile.errors().with_status)(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(fault.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(Surface::Ip1.errors().response_name, "Ip1Problem");
    }
}
