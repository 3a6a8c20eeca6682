//! Logging: one line per request (method, path, status, latency, account),
//! for people or as JSON.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::Request;
use axum::http::{Extensions, Method, Uri};
use axum::response::Response;
use tracing::Level;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;
use crate::http::{Arrival, RequestNotes};
use crate::log_format::{LineFields, LineTime, RequestLine};
use crate::log_writer::{self, LogGuard, LogWriter};

/// Installs the global subscriber. A bad filter falls back to `info`.
///
/// Lines are formatted on the request's thread and written to stdout by a
/// thread of their own ([`log_writer`]). What is pending is written when
/// the returned guard is dropped: keep it until the end.
pub fn init(format: LogFormat, filter: &str) -> LogGuard {
    let filter = targets(filter);
    let (writer, guard) = log_writer::start(std::io::stdout());
    let ansi = colours();
    let direct =
        format == LogFormat::Human && !ansi && filter.would_enable(module_path!(), &Level::INFO);
    let layer = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_timer(LineTime)
        .with_ansi(ansi)
        .with_writer(writer.clone());
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
    if result.is_ok() && direct {
        let _ = DIRECT_LINES.set(writer);
    }
    guard
}

/// Where request lines go without tracing ([`RequestLine`] says why): set
/// when the subscriber writes plain human-readable lines and its filter
/// passes them, which is the default configuration; JSON lines, coloured
/// ones and a filter that drops them leave it unset, and request lines
/// then go through tracing.
static DIRECT_LINES: OnceLock<LogWriter> = OnceLock::new();

thread_local! {
    /// The buffer a thread writes its request lines in.
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Writes the request's line to the log directly; false when it must go
/// through tracing.
fn write_directly(line: &RequestLine<'_>, time: SystemTime) -> bool {
    let Some(writer) = DIRECT_LINES.get() else { return false };
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    LINE.with_borrow_mut(|buffer| {
        buffer.clear();
        let written = line.write(buffer, since_epoch);
        if written {
            writer.write_line(buffer.as_bytes());
        }
        written
    })
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

/// A handle to read a request's account after its handler ran.
pub struct AccountHandle(Arc<OnceLock<String>>);

impl AccountHandle {
    /// The account the request of these notes acts as, once
    /// authentication ran.
    pub fn of(notes: &RequestNotes) -> AccountHandle {
        AccountHandle(notes.account.clone())
    }

    pub fn get(&self) -> Option<String> {
        self.0.get().cloned()
    }
}

/// Records the account of the current request for its log line.
pub fn note_account(extensions: &Extensions, account: &str) {
    if let Some(notes) = extensions.get::<RequestNotes>() {
        let _ = notes.account.set(account.to_owned());
    }
}

/// A request's log line in the making: what it needs of the request,
/// taken as it arrives, written once it is answered.
pub struct RequestLog {
    arrived: Arrival,
    method: Method,
    /// Shares the request's buffer: no copy of the path.
    uri: Uri,
    account: Arc<OnceLock<String>>,
}

impl RequestLog {
    /// Notes the request's arrival on it ([`RequestNotes`]), for the
    /// layers and handlers inside.
    pub fn begin(request: &mut Request) -> RequestLog {
        let arrived = Arrival::now();
        let notes = RequestNotes { arrived: Some(arrived), ..RequestNotes::default() };
        let account = notes.account.clone();
        request.extensions_mut().insert(notes);
        let (method, uri) = (request.method().clone(), request.uri().clone());
        RequestLog { arrived, method, uri, account }
    }

    /// Writes the line of the answered request.
    pub fn finish(self, response: &Response) {
        let latency = self.arrived.instant.elapsed();
        let line = RequestLine {
            method: self.method.as_str(),
            path: self.uri.path(),
            status: response.status().as_u16(),
            latency_micros: u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
            account: self.account.get().map(String::as_str).unwrap_or("-"),
        };
        // The time the answer was done, without reading the clock again.
        if !write_directly(&line, self.arrived.wall + latency) {
            trace_request_line(&line);
        }
    }
}

/// The request's line as a tracing event: how it is logged when it is not
/// written directly, and what [`RequestLine::write`] is held to.
pub(crate) fn trace_request_line(line: &RequestLine<'_>) {
    tracing::info!(
        method = %line.method,
        path = line.path,
        status = line.status,
        // Whole microseconds: `0.286`, not `0.28635600000000003`.
        latency_ms = line.latency_micros as f64 / 1000.0,
        account = line.account,
        "request"
    );
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
