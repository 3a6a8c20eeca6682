//! The control token. With `--control-token`, every control route but the
//! health check and the OpenAPI document asks for
//! `Authorization: Bearer <token>`, so nobody else who can reach the port
//! reads the accounts' keys and passwords or replaces the state.
//!
//! The web inbox's pages hold no secret and load without it; they ask for
//! the token once and keep it in the cookie [`COOKIE`], which the control
//! routes take too (a browser's `EventSource` cannot send a header). The
//! inbox sets it `SameSite=Strict`, so no other site's page makes calls
//! with it.

use axum::extract::Request;
use axum::http::header::{COOKIE as COOKIE_HEADER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::future::Either;
use percent_encoding::percent_decode_str;

use super::error::ControlError;
use crate::http::{Credentials, Surface, credentials};
use crate::state::AppState;
use crate::ui::HOME;

/// Control routes that answer without the token: they hold no secret.
pub const OPEN: [&str; 2] = ["/_mock/health", "/_mock/openapi.json"];

/// The cookie the inbox keeps the token in.
pub const COOKIE: &str = "smsmock_control_token";

/// The token a call gives: `Authorization: Bearer`, or the inbox's cookie.
fn given_token(headers: &HeaderMap) -> Option<String> {
    if let Some(Credentials::Bearer(given)) = credentials(headers) {
        return Some(given.to_owned());
    }
    headers
        .get_all(COOKIE_HEADER)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| percent_decode_str(value).decode_utf8().ok())
        .map(|value| value.into_owned())
}

/// The middleware: lets a control call through with the right token (or
/// when no token is set), else answers 401.
///
/// A combinator rather than an `async fn`: the rest of the request is its
/// future, with nothing kept beside it (an `async fn` keeps its arguments
/// apart from what it awaits), as every request's future is moved whole.
pub fn require_control_token<F: Future<Output = Response>>(
    state: &AppState,
    surface: Surface,
    request: Request,
    next: impl FnOnce(Request) -> F,
) -> impl Future<Output = Response> {
    match refusal(state, surface, &request) {
        Some(refused) => Either::Left(std::future::ready(refused)),
        None => Either::Right(next(request)),
    }
}

/// The 401 for a control call without the right token; `None` lets the
/// call through.
fn refusal(state: &AppState, surface: Surface, request: &Request) -> Option<Response> {
    let token = state.control_token.as_deref()?;
    let path = request.uri().path();
    let page = path
        .strip_prefix(HOME.trim_end_matches('/'))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if surface != Surface::Control || OPEN.contains(&path) || page {
        return None;
    }
    match given_token(request.headers()) {
        Some(given) if same(&given, token) => None,
        _ => {
            let mut response = ControlError::new(
                StatusCode::UNAUTHORIZED,
                "the control API needs the control token: Authorization: Bearer <token>",
            )
            .into_response();
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"smsmock\""));
            Some(response)
        }
    }
}

/// Compares in time that does not depend on where the texts differ.
fn same(given: &str, token: &str) -> bool {
    given.len() == token.len()
        && given.bytes().zip(token.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_the_header_or_the_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE_HEADER,
            HeaderValue::from_static("a=1; smsmock_control_token=s%3Bc+r%20t"),
        );
        assert_eq!(given_token(&headers).as_deref(), Some("s;c+r t"));
        headers.insert("authorization", HeaderValue::from_static("Bearer other"));
        assert_eq!(given_token(&headers).as_deref(), Some("other"));
        assert_eq!(given_token(&HeaderMap::new()), None);
    }

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same("s3cret", "s3cret"));
        assert!(!same("s3cret", "s3creT"));
        assert!(!same("s3cre", "s3cret"));
    }
}
