//! The one state handle every handler receives.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::config::UnregisteredSender;
use crate::faults::Faults;
use crate::requests::RequestJournal;
use crate::rules::Rules;
use crate::store::Store;
use crate::webhooks::Dispatcher;

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

/// What every handler shares.
pub struct Shared {
    pub store: Arc<Store>,
    /// Outcome rules set through the control API.
    pub rules: Arc<Rules>,
    /// Makes callback attempts and keeps their journal.
    pub dispatcher: Arc<Dispatcher>,
    pub unregistered_sender: UnregisteredSender,
    /// Fault rules on the gateway APIs.
    pub faults: Arc<Faults>,
    /// Every call to a gateway.
    pub requests: Arc<RequestJournal>,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Where state is kept across restarts (`--state-file`).
    pub state_file: Option<PathBuf>,
    /// When the server was built, for the health endpoint's uptime.
    pub started: Instant,
}
