//! The control token. With `--control-token`, every control route but the
//! health check and the OpenAPI document asks for
//! `Authorization: Bearer <token>`, so nobody else who can reach the port
//! reads the accounts' keys and passwords or replaces the state.

use axum::extract::{Request, State};
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ControlError;
use crate::http::{Credentials, Surface, credentials};
use crate::state::AppState;

/// Control routes that answer without the token: they hold no secret.
pub const OPEN: [&str; 2] = ["/_mock/health", "/_mock/openapi.json"];

/// The middleware: lets a control call through with the right token (or
/// when no token is set), else answers 401.
pub async fn require_control_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = state.control_token.as_deref() else { return next.run(request).await };
    let path = request.uri().path();
    if Surface::of_path(path) != Surface::Control || OPEN.contains(&path) {
        return next.run(request).await;
    }
    match credentials(request.headers()) {
        Some(Credentials::Bearer(given)) if same(&given, token) => next.run(request).await,
        _ => {
            let mut response = ControlError::new(
                StatusCode::UNAUTHORIZED,
                "the control API needs the control token: Authorization: Bearer <token>",
            )
            .into_response();
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"smsmock\""));
            response
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
    fn tokens_are_compared_whole() {
        assert!(same("s3cret", "s3cret"));
        assert!(!same("s3cret", "s3creT"));
        assert!(!same("s3cre", "s3cret"));
    }
}
