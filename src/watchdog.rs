//! A connection's watchdog: one task a connection that closes it when it
//! overstays the header timeout, and asks it to finish when the shutdown
//! begins. It wakes once a timeout, not once a request, so a request pays
//! for neither.
//!
//! **The header timeout.** A connection that has not sent a whole request
//! head within the timeout is closed: a new one, and a kept-alive one
//! waiting between requests. hyper's own header-read timeout does this by
//! making, registering and dropping a timer for every head it reads, which
//! cost each request about a thousand instructions and atomic operations on
//! the runtime's shared timer and handle. Here a request only writes down
//! when it began and when its answer was done (two plain stores on the
//! connection's own [`Watched`]); the watchdog sleeps until the earliest
//! moment the connection could have waited too long, looks, and closes it
//! or sleeps again. hyper reads the next head of a connection only once the
//! answer to the last is written, so from the moment a head is read (the
//! service is called) until its answer's body is done (dropped), the
//! connection is not waiting for a head; a streamed answer, such as the
//! event stream, keeps it open however long it runs. HTTP/2 connections
//! are exempt: they are pinged instead.
//!
//! **The shutdown.** hyper-util's graceful shutdown has every connection
//! poll a shared channel each time it is woken, taking a lock all
//! connections share. Here the watchdog waits for the shutdown instead and
//! then wakes its connection ([`serve_until_asked_to_finish`]), which looks
//! at one flag of its own each time it is polled.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use hyper::body::{Frame, SizeHint};
use hyper_util::server::graceful::GracefulConnection;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// `waiting_since` while a request is being answered.
const ANSWERING: u64 = u64::MAX;

/// What a connection tells its watchdog, and the watchdog it.
pub struct Watched {
    opened: Instant,
    /// Milliseconds from `opened` to when the last answer was done (0: none
    /// yet), or [`ANSWERING`].
    waiting_since: AtomicU64,
    /// Set for HTTP/2, which has no header timeout.
    exempt: AtomicBool,
    /// Set when the shutdown has begun: the connection is to finish what
    /// it is answering and close.
    finish: AtomicBool,
    /// Woken when `finish` is set.
    connection_task: Mutex<Option<Waker>>,
}

impl Watched {
    /// A connection opened now, waiting for its first head.
    pub fn opened() -> Arc<Watched> {
        Arc::new(Watched {
            opened: Instant::now(),
            waiting_since: AtomicU64::new(0),
            exempt: AtomicBool::new(false),
            finish: AtomicBool::new(false),
            connection_task: Mutex::new(None),
        })
    }

    /// The connection speaks HTTP/2: its watchdog never closes it.
    pub fn exempt(&self) {
        self.exempt.store(true, Ordering::Relaxed);
    }

    /// A head has been read: until the answer's body is done, the
    /// connection is not waiting for one.
    pub fn answering(self: &Arc<Watched>) -> Answering {
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

    /// Asks the connection to finish, and wakes it to see that.
    fn ask_to_finish(&self) {
        self.finish.store(true, Ordering::Release);
        let waker = self.connection_task.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Held by an answer until its body is done; then the connection waits for
/// its next head.
pub struct Answering(Arc<Watched>);

impl Drop for Answering {
    fn drop(&mut self) {
        let watched = &self.0;
        // Rounded up, so the connection is never closed early.
        let millis = watched.opened.elapsed().as_micros().div_ceil(1000);
        let millis = u64::try_from(millis).unwrap_or(ANSWERING - 1).min(ANSWERING - 1);
        watched.waiting_since.store(millis, Ordering::Relaxed);
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

/// Runs `connection` until it ends, finishing it gracefully (the answer in
/// progress completed, then closed) once its watchdog asks.
pub async fn serve_until_asked_to_finish<C: GracefulConnection>(
    watched: &Watched,
    connection: C,
) -> Result<(), C::Error> {
    let mut connection = std::pin::pin!(connection);
    // The waker last handed to the watchdog: a task's waker seldom
    // changes, so it is handed over again only when it does.
    let mut handed: Option<Waker> = None;
    let mut finishing = false;
    std::future::poll_fn(move |cx| {
        if !finishing {
            if !handed.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
                let mut task =
                    watched.connection_task.lock().unwrap_or_else(PoisonError::into_inner);
                *task = Some(cx.waker().clone());
                handed = task.clone();
            }
            // Looked at after the waker is handed over, so a request to
            // finish made in between still wakes this task.
            if watched.finish.load(Ordering::Acquire) {
                finishing = true;
                connection.as_mut().graceful_shutdown();
            }
        }
        connection.as_mut().poll(cx)
    })
    .await
}

/// Watches one connection (its task, `connection`) until it ends: closes
/// it (aborts the task) once it has waited longer than `timeout` for a
/// request head, and asks it to finish once `shutdown` is cancelled.
pub async fn watch(
    watched: Arc<Watched>,
    timeout: Duration,
    shutdown: CancellationToken,
    mut connection: JoinHandle<()>,
) {
    let mut deadline = watched.opened + timeout;
    let mut asked = false;
    loop {
        tokio::select! {
            _ = &mut connection => return,
            () = shutdown.cancelled(), if !asked => {
                asked = true;
                watched.ask_to_finish();
                continue;
            }
            () = tokio::time::sleep_until(deadline.into()) => {}
        }
        deadline = match watched.waiting_since() {
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
