//! When an answer is written: at once, or, under sustained load, once the
//! requests its worker thread already has are answered too.
//!
//! A runtime worker finds the requests that arrived while it was busy all
//! at once, and answers them one after the other. Written as soon as each
//! is made, every answer wakes the client, which on a shared machine takes
//! the core from the worker, reads that one answer and sleeps again; the
//! switches cost both sides more CPU than the answer itself (README,
//! Performance). So a worker that has been answering without running out
//! of work puts each finished request at the back of its queue once: the
//! requests it already has are handled first, their answers then go out
//! together, and the client reads several a wake.
//!
//! A worker answering a request now and then, or a client with one
//! connection, sees no difference: the wait costs a pass through the
//! worker's queue, which only pays when others are waiting in it. What the
//! log line and the request journal record is the request's own time,
//! taken before the wait.

use std::cell::Cell;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Answers a worker gives without running out of work before it counts as
/// under sustained load. Measured with one to fifty connections on two
/// cores: from three on, fewer connections lose nothing and many gain.
const SUSTAINED: u32 = 3;

thread_local! {
    /// Answers this thread gave since it last ran out of work.
    static STRETCH: Cell<u32> = const { Cell::new(0) };
    /// Whether its last stretch was sustained load: then the next
    /// stretch's answers wait from the first.
    static LOADED: Cell<bool> = const { Cell::new(false) };
}

/// Notes that this runtime worker ran out of work (the runtime's
/// `on_thread_unpark`, which runs whenever a worker has looked for work
/// and found none, whether it slept or not).
pub fn worker_ran_out_of_work() {
    let stretch = STRETCH.replace(0);
    LOADED.set(stretch >= SUSTAINED);
}

/// What an answer waits for before it is written: nothing, or one pass of
/// its worker's queue under sustained load.
pub fn before_writing() -> Pace {
    let stretch = STRETCH.get().saturating_add(1);
    STRETCH.set(stretch);
    Pace { wait: LOADED.get() || stretch > SUSTAINED }
}

/// A future ready at once, or after its task went to the back of its
/// worker's queue once. Waking the task from its own poll is how tokio
/// yields it: behind every task already queued, not first (its
/// `yield_now` instead waits until the worker has also polled for new
/// work, which cost a system call every time the queue ran dry).
pub struct Pace {
    wait: bool,
}

impl Future for Pace {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::take(&mut self.wait) {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waits(pace: Pace) -> bool {
        pace.wait
    }

    #[test]
    fn answers_wait_once_a_stretch_is_sustained_load() {
        worker_ran_out_of_work();
        worker_ran_out_of_work();
        let first: Vec<bool> = (0..5).map(|_| waits(before_writing())).collect();
        assert_eq!(first, [false, false, false, true, true]);
        // The last stretch was sustained: the next waits from the first.
        worker_ran_out_of_work();
        assert!(waits(before_writing()));
        // A short stretch ends that.
        worker_ran_out_of_work();
        let after_short: Vec<bool> = (0..4).map(|_| waits(before_writing())).collect();
        assert_eq!(after_short, [false, false, false, true]);
    }

    #[tokio::test]
    async fn a_waiting_answer_is_ready_after_one_pass() {
        let mut pace = Pace { wait: true };
        let mut polls = 0;
        std::future::poll_fn(|cx| {
            polls += 1;
            Pin::new(&mut pace).poll(cx)
        })
        .await;
        assert_eq!(polls, 2);
    }
}
