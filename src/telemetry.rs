//! Logging: one line per request (method, path, status, latency, account),
//! for people or as JSON.

use std::io::IsTerminal;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::Request;
use axum::http::Extensions;
use axum::response::Response;
use tracing::Level;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;
use crate::log_format::{LineFields, LineTime};
use crate::log_writer::{self, LogGuard};

/// Installs the global subscriber. A bad filter falls back to `info`.
///
/// Lines are formatted on the request's thread and written to stdout by a
/// thread of their own ([`log_writer`]). What is pending is written when
/// the returned guard is dropped: keep it until the end.
pub fn init(format: LogFormat, filter: &str) -> LogGuard {
    let filter = targets(filter);
    let (writer, guard) = log_writer::start(std::io::stdout());
    let layer = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_timer(LineTime)
        .with_ansi(colours())
        .with_writer(writer);
    let registry = tracing_subscriber::registry();
    let result = match format {
        LogFormat::Human => {
            registry.with(layer.fmt_fields(LineFields).with_filter(filter)).try_init()
        }
        LogFormat::Json => {
            registry.with(layer.json().flatten_event(true).with_filter(filter)).try_init()
        }
    };
    // Already installed (e.g. twice in one test process): keep the first.
    let _ = result;
    guard
}

/// The filter `--log-level` gives: `LEVEL`, `target=LEVEL`, or a
/// comma-separated list of them. A bad filter falls back to `info`.
fn targets(filter: &str) -> Targets {
    filter.parse().unwrap_or_else(|_| Targets::new().with_default(Level::INFO))
}

/// Colours only for a person at a terminal, and never with `NO_COLOR` set
/// (to anything but the empty string; see no-color.org).
fn colours() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Where authentication writes the account a request acted as, so the
/// request's log line can name it.
#[derive(Clone, Default)]
struct AccountSlot(Arc<OnceLock<String>>);

/// The account the current request acted as, once authentication ran.
pub fn noted_account(extensions: &Extensions) -> Option<AccountHandle> {
    extensions.get::<AccountSlot>().map(|slot| AccountHandle(slot.clone()))
}

/// A handle to read a request's account after its handler ran.
pub struct AccountHandle(AccountSlot);

impl AccountHandle {
    pub fn get(&self) -> Option<String> {
        self.0.0.get().cloned()
    }
}

/// Records the account of the current request for its log line.
pub fn note_account(extensions: &Extensions, account: &str) {
    if let Some(slot) = extensions.get::<AccountSlot>() {
        let _ = slot.0.set(account.to_owned());
    }
}

/// Middleware that logs every request once it is answered.
pub async fn log_requests<F: Future<Output = Response>>(
    mut request: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let slot = AccountSlot::default();
    request.extensions_mut().insert(slot.clone());
    let method = request.method().clone();
    // Shares the request's buffer: no copy of the path.
    let uri = request.uri().clone();
    let started = Instant::now();
    let response = next(request).await;
    tracing::info!(
        %method,
        path = uri.path(),
        status = response.status().as_u16(),
        // Whole microseconds: `0.286`, not `0.28635600000000003`.
        latency_ms = started.elapsed().as_micros() as f64 / 1000.0,
        account = slot.0.get().map(String::as_str).unwrap_or("-"),
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_filter_names_levels_and_targets() {
        let info = targets("info");
        assert!(info.would_enable("smsmock", &Level::INFO));
        assert!(!info.would_enable("smsmock", &Level::DEBUG));
        let some = targets("warn,smsmock=debug");
        assert!(some.would_enable("smsmock::http", &Level::DEBUG));
        assert!(!some.would_enable("hyper", &Level::INFO));
        assert!(some.would_enable("hyper", &Level::WARN));
        let bad = targets("smsmock=loud");
        assert!(bad.would_enable("anything", &Level::INFO));
        assert!(!bad.would_enable("anything", &Level::DEBUG));
    }
}
