//! The one state handle every handler receives.

use std::sync::Arc;
use std::time::Instant;

use crate::engine::Engine;
use crate::state_file::StateFile;

/// Cloned for every request and every extractor, so it is one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What every handler shares: the engine, and the settings of the HTTP
/// side. Aligned as [`Engine`] is, for the same reason.
#[repr(align(128))]
pub struct Shared {
    /// Everything the emulator holds, and every change to it.
    pub engine: Arc<Engine>,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Where state is kept across restarts (`--state-file`).
    pub state_file: Option<Arc<StateFile>>,
    /// When the server was built, for the health endpoint's uptime.
    pub started: Instant,
    /// What the control API asks for, when set (`--control-token`).
    pub control_token: Option<String>,
    /// HTTP Basic is accepted on iP.1's v2 routes (`--ip1-v2-basic-auth`).
    pub ip1_v2_basic_auth: bool,
}
