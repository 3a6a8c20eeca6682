//! The changes layer: notes every call that can change what the state
//! file holds — every gateway call (the request journal records it) and
//! every control call but a read — so the periodic save writes only when
//! something changed.

use axum::extract::Request;
use axum::http::Method;

use super::Surface;
use crate::state::AppState;

/// Whether a request can change what the state file holds, told before
/// it runs and noted once it is answered.
#[derive(Clone, Copy)]
pub struct Change(bool);

impl Change {
    /// Every gateway call, and every control call but a read.
    pub fn of(request: &Request, surface: Surface) -> Change {
        let read = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        Change(!(read && surface == Surface::Control))
    }

    /// Notes the change, if the request made one, once it is answered.
    pub fn note(self, state: &AppState) {
        if self.0 {
            state.engine.note_change();
        }
    }
}
