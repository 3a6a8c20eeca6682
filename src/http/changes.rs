//! The changes layer: notes every call that can change what the state
//! file holds — every gateway call (the request journal records it) and
//! every control call but a read — so the periodic save writes only when
//! something changed.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use super::Surface;
use crate::state::AppState;

pub async fn note_changes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let read = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let changes = !(read && Surface::of_path(request.uri().path()) == Surface::Control);
    let response = next.run(request).await;
    if changes {
        state.engine.note_change();
    }
    response
}
