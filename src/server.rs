//! Serving connections within bounds, whatever clients do.
//!
//! - A connection that has not sent a whole request head within the header
//!   timeout — a new one, or a kept-alive one waiting between requests —
//!   is closed (by its [`crate::watchdog`]). HTTP/2 connections are pinged as
//!   often and closed when the ping goes unanswered.
//! - At most `max_connections` are open at once; beyond that, new
//!   connections wait in the kernel's queue until one closes. At start the
//!   process raises its limit of open files to the hard limit, and the
//!   connection limit stays below what that allows.
//! - On shutdown the listener closes at once, connections that have sent
//!   nothing yet are closed, requests in flight get the grace period to
//!   finish, and then every connection left is dropped.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::http::pipeline::Pipeline;
use crate::watchdog::{Answer, Watched, serve_until_asked_to_finish, watch};

/// Files kept free of connections: the state file, the fixtures, logs.
const SPARE_FILES: u64 = 64;

/// How long accepting pauses after a failed accept (out of files, say).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// HTTP/2's connection preface, which a connection's first bytes are
/// checked against to tell the protocol.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What a connection's first bytes say it speaks.
enum Protocol {
    Http1,
    Http2,
}

/// Waits until a connection has sent enough to tell HTTP/1 from HTTP/2
/// (the header timeout bounds the wait: [`crate::watchdog`]); `None`
/// when it closed first.
async fn first_bytes(stream: &tokio::net::TcpStream) -> Option<Protocol> {
    let mut start = [0u8; H2_PREFACE.len()];
    loop {
        match stream.peek(&mut start).await {
            Ok(0) | Err(_) => return None,
            Ok(n) if n == start.len() && start == H2_PREFACE => return Some(Protocol::Http2),
            Ok(n) if n == start.len() || !H2_PREFACE.starts_with(&start[..n]) => {
                return Some(Protocol::Http1);
            }
            // Part of the HTTP/2 preface: wait for the rest.
            Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// What hyper calls for each request of one connection: the pipeline, with
/// the connection's [`Watched`] told when an answer begins and ends.
struct Answerer {
    app: Pipeline,
    watched: Arc<Watched>,
}

impl hyper::service::Service<Request<Incoming>> for Answerer {
    type Response = Response<Answer>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Answer>, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let answering = self.watched.answering();
        let app = self.app.clone();
        pinned_with(move || {
            app.answer(request.map(Body::new), move |response| {
                Ok(response.map(|body| Answer::new(body, answering)))
            })
        })
    }
}

/// `Box::pin(make())`, with the box's memory taken first: the future is
/// then made straight into it. Made first, as `Box::pin` takes it, the
/// request's future (two and a half kilobytes, most of it room for what
/// it awaits later) was built on the stack and copied whole into the box,
/// a tenth of the copying a `GET /api/me` did.
fn pinned_with<F>(make: impl FnOnce() -> F) -> Pin<Box<F>> {
    let slot = Box::new_uninit();
    Box::into_pin(Box::write(slot, make()))
}

/// The bounds of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    /// Longest wait for a whole request head.
    pub header_timeout: Duration,
    /// Longest wait for requests in flight at shutdown.
    pub shutdown_grace: Duration,
}

/// Connections the kernel holds for the server before it accepts them: a
/// burst of connections beyond it would wait a second each (a SYN
/// retransmit). The kernel caps it at `net.core.somaxconn`.
const BACKLOG: u32 = 4096;

/// Binds a listening socket with room for bursts of connections.
pub fn listen(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(BACKLOG)
}

/// Raises the soft limit of open files as far as allowed; returns how many
/// connections that leaves room for (`None` when it is unknown).
pub fn room_for_connections() -> Option<usize> {
    let files = rlimit::increase_nofile_limit(u64::MAX).ok()?;
    usize::try_from(files.saturating_sub(SPARE_FILES)).ok()
}

/// Serves `app` on `listener` until `shutdown` completes, then stops
/// within `limits.shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    app: Pipeline,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    // hyper's own header-read timeout times every head; ours, each
    // connection (crate::watchdog).
    builder.http1().header_read_timeout(None);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_timeout))
        .keep_alive_timeout(limits.header_timeout);
    let connections = TaskTracker::new();
    let closing = CancellationToken::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match stream {
            Ok((stream, _)) => stream,
            Err(err) => {
                tracing::warn!(%err, "cannot accept a connection; trying again shortly");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (builder, shutdown_begun) = (builder.clone(), closing.clone());
        let watched = Watched::opened();
        let answerer = Answerer { app: app.clone(), watched: watched.clone() };
        let own = watched.clone();
        let connection = connections.spawn(async move {
            // A connection that has sent nothing when the shutdown begins
            // holds no request: it is closed at once (pools and browsers
            // open such connections ahead of need).
            let protocol = tokio::select! {
                protocol = first_bytes(&stream) => protocol,
                () = shutdown_begun.cancelled() => None,
            };
            if let Some(protocol) = protocol {
                if let Protocol::Http2 = protocol {
                    own.exempt();
                }
                let connection =
                    builder.serve_connection_with_upgrades(TokioIo::new(stream), answerer);
                let _ = serve_until_asked_to_finish(&own, connection).await;
            }
            drop(slot);
        });
        tokio::spawn(watch(watched, limits.header_timeout, closing.clone(), connection));
    }
    drop(listener);
    closing.cancel();
    connections.close();
    tokio::select! {
        () = connections.wait() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                grace = ?limits.shutdown_grace,
                "connections still open at the end of the shutdown grace; dropping them"
            );
        }
    }
}
