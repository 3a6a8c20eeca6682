//! A request whose handler panics is answered, not dropped: 500 in its
//! surface's error format, with the panic logged and recorded for
//! `/_mock/health`. The account's data stays usable (its lock recovers
//! from poisoning).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;

use super::Surface;
use crate::state::AppState;
use crate::supervisor::guarded;

/// The middleware: runs the rest of the request, and answers a panic.
pub async fn catch_panics<F: Future<Output = Response>>(
    state: &AppState,
    surface: Surface,
    request: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    match guarded("request", &state.engine.health, next(request)).await {
        Some(response) => response,
        None => (surface.errors().with_status)(StatusCode::INTERNAL_SERVER_ERROR),
    }
}
