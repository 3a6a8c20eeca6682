//! State snapshots: everything the engine holds (accounts with their data
//! and clocks, rules, faults, failure scripts, both journals, the id
//! sequences) as one JSON document, exported and imported through
//! `/_mock/state` and kept across restarts with `--state-file`
//! ([`crate::state_file`]).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::run::plan_all_steps;
use super::sequences::SavedSequences;
use super::{Engine, WRITE};
use crate::clock::ClockSettings;
use crate::domain::account::{Ip1Profile, ViamobileProfile};
use crate::domain::time::in_range;
use crate::faults::FaultView;
use crate::requests::RequestRecord;
use crate::rules::Rule;
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
    /// Id sequences and the token secret; a snapshot written before they
    /// were kept has none, and new ids then follow the highest it holds.
    #[serde(default)]
    pub sequences: Option<SavedSequences>,
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

impl Engine {
    /// Everything, as it is now.
    pub fn export(&self) -> Snapshot {
        let Engine {
            store,
            rules,
            faults,
            requests,
            callbacks,
            sequences,
            unregistered_sender: _,
            wakeups: _,
            health: _,
            background: _,
            changes: _,
            message_updates: _,
            events: _,
        } = self;
        let (ip1_accounts, viamobile_accounts) = store.snapshot();
        let mut requests = requests.all();
        requests.reverse();
        Snapshot {
            version: VERSION,
            saved_at: Utc::now(),
            new_account_clock: store.new_account_clock(),
            ip1_accounts,
            viamobile_accounts,
            rules: rules.list(None),
            faults: faults.list(),
            failure_scripts: callbacks.failures.list(),
            callbacks: callbacks.journal.list(&Filter::default()),
            requests,
            sequences: Some(sequences.save()),
        }
    }

    /// Replaces everything with a snapshot's content. The timetable of
    /// status steps is planned again from the messages.
    pub fn import(&self, snapshot: Snapshot) -> Result<(), String> {
        let Snapshot {
            version,
            saved_at: _,
            new_account_clock,
            ip1_accounts,
            viamobile_accounts,
            rules: saved_rules,
            faults: saved_faults,
            failure_scripts,
            callbacks: attempts,
            requests: calls,
            sequences: saved_sequences,
        } = snapshot;
        if version != VERSION {
            return Err(format!("snapshot version {version} is not {VERSION}"));
        }
        check_clocks(&new_account_clock, &ip1_accounts, &viamobile_accounts)?;
        let Engine {
            store,
            rules,
            faults,
            requests,
            callbacks,
            sequences,
            unregistered_sender: _,
            wakeups,
            health: _,
            background: _,
            changes: _,
            message_updates: _,
            events: _,
        } = self;
        if let Some(saved) = &saved_sequences {
            sequences.load(saved)?;
        }
        let (ip1, viamobile) =
            store.restore(ip1_accounts, viamobile_accounts, new_account_clock, &WRITE);
        let timing = store.timing();
        let mut highest_job = attempts.iter().map(|r| r.job_id).max().unwrap_or(0);
        let mut highest_bsms = 0;
        let mut highest_number = 0;
        for account in &ip1 {
            account.write(&WRITE, |data| {
                plan_all_steps(data, timing);
                highest_job = highest_job.max(data.callbacks.keys().copied().max().unwrap_or(0));
                highest_number = data
                    .messaging
                    .all_batches()
                    .map(|batch| batch.first_number + batch.messages.len() as u64)
                    .fold(highest_number, u64::max);
            });
        }
        for account in &viamobile {
            account.write(&WRITE, |data| {
                plan_all_steps(data, timing);
                highest_job = highest_job.max(data.callbacks.keys().copied().max().unwrap_or(0));
                highest_bsms = data
                    .messaging
                    .all_batches()
                    .flat_map(|batch| batch.messages.iter().map(|m| m.bsms_id))
                    .fold(highest_bsms, u64::max);
            });
        }
        if saved_sequences.is_none() {
            sequences.follow(highest_bsms, highest_job, highest_number);
        }
        wakeups.clear();
        self.note_messages();
        for account in &ip1 {
            self.wake(account);
        }
        for account in &viamobile {
            self.wake(account);
        }
        rules.replace(saved_rules);
        faults.replace(saved_faults);
        callbacks.failures.replace(failure_scripts);
        callbacks.journal.replace(attempts);
        requests.replace(calls);
        Ok(())
    }
}

/// Refuses clocks a running emulator could not have: beyond the end of
/// year 9999, or with a speed out of range.
fn check_clocks(
    new_account_clock: &ClockSettings,
    ip1: &[AccountSnapshot<Ip1Profile>],
    viamobile: &[AccountSnapshot<ViamobileProfile>],
) -> Result<(), String> {
    if !new_account_clock.is_valid() {
        return Err("newAccountClock.speed must be above 0 and at most 1000000".to_owned());
    }
    let clocks = ip1
        .iter()
        .map(|a| (&a.id, a.clock_now, a.clock))
        .chain(viamobile.iter().map(|a| (&a.id, a.clock_now, a.clock)));
    for (id, now, settings) in clocks {
        if !in_range(now) {
            return Err(format!("the clock of {id} is not between years 1 and 9999"));
        }
        if !settings.is_valid() {
            return Err(format!("the clock speed of {id} must be above 0 and at most 1000000"));
        }
    }
    Ok(())
}
