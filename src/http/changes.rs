//! The changes layer: notes every call that can change what the state
//! file holds — every gateway call (the request journal records it) and
//! every control call but a read — so the periodic save writes only when
//! something changed.

use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;

use super::Surface;
use crate::state::AppState;

pub async fn note_changes<F: Future<Output = Response>>(
    state: &AppState,
    surface: Surface,
    request: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let read = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let changes = !(read && surface == Surface::Control);
    let response = next(request).await;
    if changes {
        state.engine.note_change();
    }
    response
}
