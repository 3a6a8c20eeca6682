//! The state file (`--state-file`): everything the engine holds, read at
//! start, and written on `POST /_mock/state/save`, every
//! `--state-save-interval` while anything changed, and at shutdown.
//!
//! A save writes a temporary file next to it (mode 0600: the file holds
//! every key and password), flushes it to disk, renames it over the old
//! one and flushes the directory, so the file is always one whole
//! snapshot, old or new, even after a power cut. Saves take turns. A
//! SIGKILL loses at most what changed since the last save.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::engine::Engine;
use crate::engine::snapshot::{Snapshot, SnapshotError, VERSION};

pub struct StateFile {
    path: PathBuf,
    /// Held while a save writes: saves take turns.
    turn: Mutex<()>,
    /// The engine's change count the last save wrote.
    saved_changes: AtomicU64,
}

impl StateFile {
    pub fn new(path: PathBuf) -> StateFile {
        StateFile { path, turn: Mutex::new(()), saved_changes: AtomicU64::new(0) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fails when a save could not write the file — its directory does not
    /// exist or is not writable — so start-up stops at once rather than
    /// losing the state at shutdown. Writes and removes the temporary file
    /// a save would use.
    pub fn check_writable(&self) -> Result<(), SnapshotError> {
        let temporary = temporary_path(&self.path);
        let written = write_private(&temporary).and_then(|_| std::fs::remove_file(&temporary));
        written.map_err(|source| SnapshotError::Write { path: self.path.clone(), source })
    }

    /// The snapshot in the file, or `None` when there is no file yet.
    pub fn load(&self) -> Result<Option<Snapshot>, SnapshotError> {
        let path = &self.path;
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(SnapshotError::Read { path: path.clone(), source }),
        };
        let snapshot: Snapshot = serde_json::from_slice(&text).map_err(|err| {
            SnapshotError::Invalid { path: path.clone(), problem: err.to_string() }
        })?;
        if snapshot.version != VERSION {
            return Err(SnapshotError::Invalid {
                path: path.clone(),
                problem: format!("version {} is not {VERSION}", snapshot.version),
            });
        }
        Ok(Some(snapshot))
    }

    /// Writes everything now; returns the bytes written. Blocks: call it
    /// off the async workers ([`StateFile::save_in_background`]) but at
    /// shutdown.
    pub fn save(&self, engine: &Engine) -> Result<usize, SnapshotError> {
        let _turn = self.turn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let changes = engine.changes();
        let bytes = serde_json::to_vec(&engine.export()).map_err(|err| SnapshotError::Invalid {
            path: self.path.clone(),
            problem: err.to_string(),
        })?;
        write_whole(&self.path, &bytes)
            .map_err(|source| SnapshotError::Write { path: self.path.clone(), source })?;
        self.saved_changes.store(changes, Ordering::Relaxed);
        Ok(bytes.len())
    }

    /// [`StateFile::save`] on a thread of its own.
    pub async fn save_in_background(
        self: &Arc<Self>,
        engine: &Arc<Engine>,
    ) -> Result<usize, SnapshotError> {
        let (file, engine) = (self.clone(), engine.clone());
        tokio::task::spawn_blocking(move || file.save(&engine)).await.unwrap_or_else(|err| {
            Err(SnapshotError::Write {
                path: self.path.clone(),
                source: std::io::Error::other(err),
            })
        })
    }

    /// Saves every `interval` when anything changed since the last save,
    /// until `stop` is cancelled.
    pub async fn save_periodically(
        self: Arc<Self>,
        engine: Arc<Engine>,
        interval: Duration,
        stop: CancellationToken,
    ) {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(interval) => {}
            }
            if engine.changes() == self.saved_changes.load(Ordering::Relaxed) {
                continue;
            }
            if let Err(err) = self.save_in_background(&engine).await {
                tracing::error!(%err, "periodic save failed; trying again next time");
            }
        }
    }
}

/// Where a save writes before it renames: next to the file.
fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Creates (or empties) a file only its owner may read (mode 0600).
fn write_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    // A temporary file left from before keeps its mode: set it.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok(file)
}

/// Replaces `path` with `bytes` so that it is always whole: a temporary
/// file (0600) flushed to disk, renamed over it, and the directory
/// flushed.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = temporary_path(path);
    let mut file = write_private(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)?;
    #[cfg(unix)]
    {
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        std::fs::File::open(directory)?.sync_all()?;
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_file_is_replaced_whole_and_readable_by_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_whole(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(!dir.path().join("state.json.tmp").exists());
    }
}
