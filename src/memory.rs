//! Giving memory back after a burst of connections.
//!
//! Each connection takes about 9 KiB while open (buffers, its task).
//! glibc's allocator keeps what the connections' threads freed in their
//! arenas, so after 10,000 connections closed the process stayed at ten
//! times its resident size. When the open connections fall to a quarter
//! of a peak of at least [`BURST`], the emulator waits a moment for the
//! rest of the burst to close, then asks glibc to return its free pages
//! (`malloc_trim`). The musl build (the container image's) uses jemalloc,
//! set to return them by itself within a second; there this does nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Open connections that count as a burst.
pub const BURST: usize = 256;

/// How long after a burst fell off memory is given back.
const SETTLE: Duration = Duration::from_millis(500);

/// Follows the open connections, and gives memory back after bursts.
#[derive(Default)]
pub struct Bursts {
    open: AtomicUsize,
    /// The most open at once since memory was last given back.
    peak: AtomicUsize,
    /// Whether giving memory back is under way.
    releasing: AtomicBool,
}

impl Bursts {
    pub fn opened(&self) {
        let open = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(open, Ordering::Relaxed);
    }

    /// Counts a closed connection; after a burst, gives memory back in a
    /// moment (on a thread of its own: it walks every arena).
    pub fn closed(self: &Arc<Self>) {
        let open = self.open.fetch_sub(1, Ordering::Relaxed).saturating_sub(1);
        let peak = self.peak.load(Ordering::Relaxed);
        if peak < BURST || open > peak / 4 || self.releasing.swap(true, Ordering::AcqRel) {
            return;
        }
        let bursts = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(SETTLE).await;
            let _ = tokio::task::spawn_blocking(release_freed_memory).await;
            bursts.peak.store(bursts.open.load(Ordering::Relaxed), Ordering::Relaxed);
            bursts.releasing.store(false, Ordering::Release);
        });
    }
}

/// Asks the allocator to return the memory it holds free to the system;
/// true when it did.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release_freed_memory() -> bool {
    // SAFETY: malloc_trim takes no pointers and touches only glibc's own
    // free lists, which it locks arena by arena.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Elsewhere the allocator returns memory by itself.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_freed_memory() -> bool {
    false
}
