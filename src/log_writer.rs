//! Log lines on their way to stdout, off the requests' threads.
//!
//! A request formats its line and appends it to a shared buffer; a thread
//! of its own writes what gathered in one write. Under load that is one
//! write every few milliseconds instead of one per line; idle, the thread
//! sleeps until a line arrives and writes it at once (within
//! [`GATHER`]). Lines are never dropped: when a reader of stdout falls
//! behind by `MAX_PENDING` bytes (4 MiB), requests wait for it. What is pending
//! is written when the [`LogGuard`] is dropped.
//!
//! Why not `tracing-appender`'s non-blocking writer: it wakes its thread
//! and writes once per line, which at 35,000 requests a second took a
//! tenth of the emulator's CPU on two cores.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long the thread lets lines gather after the first one arrives.
pub const GATHER: Duration = Duration::from_millis(2);

/// Bytes pending before requests wait for stdout.
const MAX_PENDING: usize = 4 * 1024 * 1024;

#[derive(Default)]
struct Pending {
    lines: Vec<u8>,
    closing: bool,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    /// A line arrived in an empty buffer, or the guard is dropped.
    arrived: Condvar,
    /// The buffer was taken to be written.
    taken: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where the subscriber writes its lines.
#[derive(Clone)]
pub struct LogWriter(Arc<Shared>);

/// Writes what is pending and stops the thread when dropped.
pub struct LogGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the thread that writes to `out`.
pub fn start(out: impl Write + Send + 'static) -> (LogWriter, LogGuard) {
    let shared = Arc::new(Shared::default());
    let writing = shared.clone();
    let thread = std::thread::Builder::new()
        .name("smsmock-log".to_owned())
        .spawn(move || write_lines(&writing, out))
        .ok();
    (LogWriter(shared.clone()), LogGuard { shared, thread })
}

/// The thread: waits for a line, lets others gather, writes them all.
fn write_lines(shared: &Shared, mut out: impl Write) {
    let mut batch = Vec::new();
    loop {
        let mut pending = shared.lock();
        while pending.lines.is_empty() && !pending.closing {
            pending = shared.arrived.wait(pending).unwrap_or_else(PoisonError::into_inner);
        }
        if !pending.closing {
            drop(pending);
            std::thread::sleep(GATHER);
            pending = shared.lock();
        }
        let closing = pending.closing;
        std::mem::swap(&mut batch, &mut pending.lines);
        drop(pending);
        shared.taken.notify_all();
        // Nowhere to report a failed write to: the line is lost, not the
        // request.
        let _ = out.write_all(&batch).and_then(|()| out.flush());
        batch.clear();
        if closing && shared.lock().lines.is_empty() {
            return;
        }
    }
}

impl Shared {
    /// Appends a line, waiting while stdout is `MAX_PENDING` behind.
    fn append(&self, line: &[u8]) {
        let mut pending = self.lock();
        while pending.lines.len() > MAX_PENDING && !pending.closing {
            pending = self.taken.wait(pending).unwrap_or_else(PoisonError::into_inner);
        }
        let first = pending.lines.is_empty();
        pending.lines.extend_from_slice(line);
        drop(pending);
        if first {
            self.arrived.notify_one();
        }
    }
}

/// The writer of one line: borrows the [`LogWriter`]'s buffer instead of
/// counting one more reference to it (an atomic that every thread
/// writing lines would contend for).
pub struct LineWriter<'a>(&'a Shared);

impl Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        self.0.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogWriter {
    /// Appends a whole line (or several), waiting while stdout is
    /// `MAX_PENDING` behind.
    pub fn write_line(&self, line: &[u8]) {
        self.0.append(line);
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> LineWriter<'a> {
        LineWriter(&self.0)
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.arrived.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Write` whose bytes, and the number of writes, the test can read.
    #[derive(Clone, Default)]
    struct Recorded(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Recorded {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let mut recorded = self.0.lock().unwrap();
            recorded.0.extend_from_slice(bytes);
            recorded.1 += 1;
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_from_many_threads_arrive_whole_in_few_writes_and_all_by_the_drop() {
        let out = Recorded::default();
        let (writer, guard) = start(out.clone());
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for n in 0..1000 {
                        writer
                            .make_writer()
                            .write_all(format!("thread {thread} line {n}\n").as_bytes())
                            .unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        drop(guard);
        let (bytes, writes) = out.0.lock().unwrap().clone();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text.lines().count(), 4000);
        for thread in 0..4 {
            let numbers: Vec<usize> = text
                .lines()
                .filter_map(|line| line.strip_prefix(&format!("thread {thread} line ")))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(numbers, (0..1000).collect::<Vec<_>>(), "thread {thread}'s lines in order");
        }
        assert!(writes < 1000, "{writes} writes for 4,000 lines");
    }

    #[test]
    fn a_lone_line_is_written_without_waiting_for_more() {
        let out = Recorded::default();
        let (writer, _guard) = start(out.clone());
        writer.make_writer().write_all(b"alone\n").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while out.0.lock().unwrap().0.is_empty() {
            assert!(std::time::Instant::now() < deadline, "the line was never written");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(out.0.lock().unwrap().0, b"alone\n");
    }
}
