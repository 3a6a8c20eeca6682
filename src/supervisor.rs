//! Background work with an owner: nothing the emulator runs on its own is
//! ever silently gone.
//!
//! [`supervise`] runs a long-lived task (the realtime ticker) and, when it
//! panics, logs the panic, records it, and starts the task again.
//! [`guarded`] runs a one-off piece of work (a scheduler pass, a request's
//! handler) and records a panic in it. `/_mock/health` answers 503 with
//! the recorded failures, so a test run learns that something went wrong
//! even though the emulator went on.

use std::any::Any;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use serde::Serialize;

/// How long a task that panicked waits before it starts again, so a task
/// that always panics does not spin.
const RESTART_DELAY: Duration = Duration::from_millis(100);

/// Failures kept for the health check (the newest).
const KEPT: usize = 20;

/// A panic in a task or a request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// What panicked: `ticker`, `scheduler pass`, `request`.
    pub task: &'static str,
    /// The panic's message.
    pub message: String,
    /// When, on the wall clock.
    pub at: DateTime<Utc>,
}

/// The failures of the emulator's background work and requests.
#[derive(Debug, Default)]
pub struct Health {
    failures: Mutex<(u64, VecDeque<Failure>)>,
}

impl Health {
    /// Records that `task` panicked with `panic`.
    pub fn record(&self, task: &'static str, panic: &(dyn Any + Send)) {
        let message = panic_message(panic);
        tracing::error!(task, message, "panicked; the emulator goes on");
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.0 += 1;
        if failures.1.len() == KEPT {
            failures.1.pop_front();
        }
        failures.1.push_back(Failure { task, message, at: Utc::now() });
    }

    /// How many failures there were in all, and the newest of them.
    pub fn failures(&self) -> (u64, Vec<Failure>) {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        (failures.0, failures.1.iter().cloned().collect())
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Runs `future`; a panic in it is recorded as `task`'s and `None` is
/// returned.
///
/// A combinator, not an `async fn`: an `async fn` keeps the future it is
/// given twice in its own (as the argument, and as what it awaits), and
/// every request's future runs through here: at several kilobytes, the
/// copying was a tenth of a request's instructions.
pub fn guarded<'a, T: 'a>(
    task: &'static str,
    health: &'a Health,
    future: impl Future<Output = T> + 'a,
) -> impl Future<Output = Option<T>> + 'a {
    AssertUnwindSafe(future).catch_unwind().map(move |outcome| match outcome {
        Ok(value) => Some(value),
        Err(panic) => {
            health.record(task, &*panic);
            None
        }
    })
}

/// Runs the task `start` makes until it ends normally; each time it
/// panics, the panic is recorded and a new one is started.
pub async fn supervise<F, Fut>(task: &'static str, health: &Health, mut start: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    while guarded(task, health, start()).await.is_none() {
        tokio::time::sleep(RESTART_DELAY).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_task_that_panics_is_recorded_and_started_again() {
        let health = Health::default();
        let runs = AtomicU32::new(0);
        supervise("ticker", &health, || {
            let run = runs.fetch_add(1, Ordering::Relaxed);
            async move {
                if run < 2 {
                    panic!("run {run} failed");
                }
            }
        })
        .await;
        assert_eq!(runs.load(Ordering::Relaxed), 3, "started again until it ended normally");
        let (count, failures) = health.failures();
        assert_eq!(count, 2);
        assert_eq!(failures[1].task, "ticker");
        assert_eq!(failures[1].message, "run 1 failed");
    }

    #[tokio::test]
    async fn a_guarded_piece_of_work_reports_its_panic() {
        let health = Health::default();
        assert_eq!(guarded("pass", &health, async { 7 }).await, Some(7));
        let failed: Option<()> = guarded("pass", &health, async { panic!("boom") }).await;
        assert_eq!(failed, None);
        assert_eq!(health.failures().1[0].message, "boom");
    }
}
