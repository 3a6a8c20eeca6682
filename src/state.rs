//! The one state handle every handler receives.

use std::sync::Arc;
use std::time::Instant;

use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    /// When the server was built, for the health endpoint's uptime.
    pub started: Instant,
}
