//! The header timeout of an HTTP/1 connection, kept once per connection
//! rather than once per request.
//!
//! A connection that has not sent a whole request head within the timeout
//! is closed: a new one, and a kept-alive one waiting between requests.
//! hyper's own header-read timeout does this by making, registering and
//! dropping a timer for every head it reads, which cost each request about
//! a thousand instructions and atomic operations on the runtime's shared
//! timer and handle. Here a request only writes down when it began and when its
//! answer was done ([`Heads`], two plain stores on the connection's own
//! memory), and one watchdog task a connection ([`close_when_overstayed`])
//! sleeps until the earliest moment the connection could have waited too
//! long, looks, and closes it or sleeps again: with clients that keep their
//! connections alive it wakes once a timeout, not once a request.
//!
//! hyper reads the next head of a connection only once the answer to the
//! last is written, so from the moment a head is read (the service is
//! called) until its answer's body is done (dropped), the connection is not
//! waiting for a head; a streamed answer, such as the event stream, keeps
//! it open however long it runs. HTTP/2 connections are exempt: they are
//! pinged instead.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use hyper::body::{Frame, SizeHint};
use tokio::task::JoinHandle;

/// `waiting_since` while a request is being answered.
const ANSWERING: u64 = u64::MAX;

/// What a connection's watchdog reads: whether a request is being
/// answered, and if not, since when the connection has waited for a head.
pub struct Heads {
    opened: Instant,
    /// Milliseconds from `opened` to when the last answer was done (0: none
    /// yet), or [`ANSWERING`].
    waiting_since: AtomicU64,
    /// Set for HTTP/2, which has no header timeout.
    exempt: AtomicBool,
}

impl Heads {
    /// A connection opened now, waiting for its first head.
    pub fn opened() -> Arc<Heads> {
        Arc::new(Heads {
            opened: Instant::now(),
            waiting_since: AtomicU64::new(0),
            exempt: AtomicBool::new(false),
        })
    }

    /// The connection speaks HTTP/2: its watchdog never closes it.
    pub fn exempt(&self) {
        self.exempt.store(true, Ordering::Relaxed);
    }

    /// A head has been read: until the answer's body is done, the
    /// connection is not waiting for one.
    pub fn answering(self: &Arc<Heads>) -> Answering {
        self.waiting_since.store(ANSWERING, Ordering::Relaxed);
        Answering(self.clone())
    }

    /// When the connection has been waiting for a head since, if it is.
    fn waiting_since(&self) -> Option<Instant> {
        match self.waiting_since.load(Ordering::Relaxed) {
            _ if self.exempt.load(Ordering::Relaxed) => None,
            ANSWERING => None,
            millis => Some(self.opened + Duration::from_millis(millis)),
        }
    }
}

/// Held by an answer until its body is done; then the connection waits for
/// its next head.
pub struct Answering(Arc<Heads>);

impl Drop for Answering {
    fn drop(&mut self) {
        let heads = &self.0;
        // Rounded up, so the connection is never closed early.
        let millis = heads.opened.elapsed().as_micros().div_ceil(1000);
        let millis = u64::try_from(millis).unwrap_or(ANSWERING - 1).min(ANSWERING - 1);
        heads.waiting_since.store(millis, Ordering::Relaxed);
    }
}

/// An answer's body, which marks the connection waiting again once it is
/// done with.
pub struct Answer {
    body: Body,
    _answering: Answering,
}

impl Answer {
    pub fn new(body: Body, answering: Answering) -> Answer {
        Answer { body, _answering: answering }
    }
}

impl hyper::body::Body for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Closes `connection` (aborts its task) once it has waited longer than
/// `timeout` for a request head; returns when the connection's task ends
/// either way.
pub async fn close_when_overstayed(
    heads: Arc<Heads>,
    timeout: Duration,
    mut connection: JoinHandle<()>,
) {
    let mut deadline = heads.opened + timeout;
    loop {
        tokio::select! {
            _ = &mut connection => return,
            () = tokio::time::sleep_until(deadline.into()) => {}
        }
        deadline = match heads.waiting_since() {
            Some(since) if since.elapsed() >= timeout => {
                connection.abort();
                return;
            }
            Some(since) => since + timeout,
            // Answering now: it cannot overstay before a whole timeout
            // from now.
            None => Instant::now() + timeout,
        };
    }
}
