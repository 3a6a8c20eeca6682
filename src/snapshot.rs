//! State snapshots: everything the emulator holds (accounts with their
//! data and clocks, rules, faults, failure scripts, both journals) as one
//! JSON document, exported and imported through `/_mock/state` and kept
//! across restarts with `--state-file` (written atomically: a temporary
//! file, then a rename).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::ClockSettings;
use crate::domain::account::{Ip1Profile, ViamobileProfile};
use crate::faults::FaultView;
use crate::requests::RequestRecord;
use crate::rules::Rule;
use crate::scheduler::plan_all_steps;
use crate::state::AppState;
use crate::store::AccountSnapshot;
use crate::webhooks::failures::FailureScript;
use crate::webhooks::journal::{AttemptRecord, Filter};

/// The snapshot format; a file of another version is refused.
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Snapshot {
    pub version: u32,
    pub saved_at: DateTime<Utc>,
    pub new_account_clock: ClockSettings,
    pub ip1_accounts: Vec<AccountSnapshot<Ip1Profile>>,
    pub viamobile_accounts: Vec<AccountSnapshot<ViamobileProfile>>,
    pub rules: Vec<Rule>,
    pub faults: Vec<FaultView>,
    pub failure_scripts: Vec<FailureScript>,
    /// Callback attempts, oldest first.
    pub callbacks: Vec<AttemptRecord>,
    /// Gateway calls, oldest first.
    pub requests: Vec<RequestRecord>,
}

/// Why a snapshot could not be read or used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read state file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("state file {path} is not a valid snapshot: {problem}")]
    Invalid { path: PathBuf, problem: String },
    #[error("cannot write state file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Everything, as it is now.
pub fn export(state: &AppState) -> Snapshot {
    let (ip1_accounts, viamobile_accounts) = state.store.snapshot();
    let mut requests = state.requests.all();
    requests.reverse();
    Snapshot {
        version: VERSION,
        saved_at: Utc::now(),
        new_account_clock: state.store.new_account_clock(),
        ip1_accounts,
        viamobile_accounts,
        rules: state.rules.list(None),
        faults: state.faults.list(),
        failure_scripts: state.dispatcher.failures.list(),
        callbacks: state.dispatcher.journal.list(&Filter::default()),
        requests,
    }
}

/// Replaces everything with a snapshot's content.
pub fn import(state: &AppState, snapshot: Snapshot) -> Result<(), String> {
    if snapshot.version != VERSION {
        return Err(format!("snapshot version {} is not {VERSION}", snapshot.version));
    }
    let (ip1, viamobile) = state.store.restore(
        snapshot.ip1_accounts,
        snapshot.viamobile_accounts,
        snapshot.new_account_clock,
    );
    let timing = state.store.timing();
    let mut highest_job = 0;
    let mut highest_bsms = 0;
    for account in &ip1 {
        account.write(|data| {
            plan_all_steps(data, timing);
            highest_job = highest_job.max(data.callbacks.keys().copied().max().unwrap_or(0));
        });
    }
    for account in &viamobile {
        account.write(|data| {
            plan_all_steps(data, timing);
            highest_job = highest_job.max(data.callbacks.keys().copied().max().unwrap_or(0));
            let mut position = 0;
            while let Some(batch) = data.messaging.batch_at(position) {
                highest_bsms =
                    highest_bsms.max(batch.messages.iter().map(|m| m.bsms_id).max().unwrap_or(0));
                position += 1;
            }
        });
    }
    highest_job = highest_job.max(snapshot.callbacks.iter().map(|r| r.job_id).max().unwrap_or(0));
    state.dispatcher.job_ids_after(highest_job);
    crate::gateways::viamobile::send::bsms_ids_after(highest_bsms);
    state.rules.replace(snapshot.rules);
    state.faults.replace(snapshot.faults);
    state.dispatcher.failures.replace(snapshot.failure_scripts);
    state.dispatcher.journal.replace(snapshot.callbacks);
    state.requests.replace(snapshot.requests);
    Ok(())
}

/// Reads a state file.
pub fn load(path: &Path) -> Result<Snapshot, SnapshotError> {
    let text = std::fs::read(path)
        .map_err(|source| SnapshotError::Read { path: path.to_owned(), source })?;
    let snapshot: Snapshot = serde_json::from_slice(&text).map_err(|err| {
        SnapshotError::Invalid { path: path.to_owned(), problem: err.to_string() }
    })?;
    if snapshot.version != VERSION {
        return Err(SnapshotError::Invalid {
            path: path.to_owned(),
            problem: format!("version {} is not {VERSION}", snapshot.version),
        });
    }
    Ok(snapshot)
}

/// Writes everything to `path` atomically; returns the bytes written.
pub fn save(state: &AppState, path: &Path) -> Result<usize, SnapshotError> {
    let bytes = serde_json::to_vec(&export(state)).map_err(|err| SnapshotError::Invalid {
        path: path.to_owned(),
        problem: err.to_string(),
    })?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let write = |source| SnapshotError::Write { path: path.to_owned(), source };
    std::fs::write(&temporary, &bytes).map_err(write)?;
    std::fs::rename(&temporary, path).map_err(write)?;
    Ok(bytes.len())
}
