//! Failure scripts: the emulator itself fails the first N attempts of each
//! callback, so a receiver's retry and idempotency logic can be tested.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// How a scripted attempt fails.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum FailureMode {
    /// Not sent at all, as if the connection failed: the receiver sees
    /// only the delay until the retry.
    #[value(name = "beforeSend", alias = "before-send")]
    #[serde(alias = "before-send")]
    BeforeSend,
    /// Sent, and the receiver's answer ignored: the receiver sees the
    /// same report again on the retry.
    #[value(name = "afterResponse", alias = "after-response")]
    #[serde(alias = "after-response")]
    AfterResponse,
    /// Sent, and recorded as timed out (as if the answer came too late):
    /// the receiver also sees duplicates.
    Timeout,
}

/// A failure script as the control API takes it; every given filter must
/// match.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailureSpec {
    #[serde(default)]
    pub account: Option<String>,
    /// Exact callback URL.
    #[serde(default)]
    pub url: Option<String>,
    /// The batch's client reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// How many first attempts of each callback fail.
    #[schema(value_type = u64, maximum = 4_294_967_295_u64)]
    pub fail_first: u32,
    #[serde(default = "default_mode")]
    pub mode: FailureMode,
}

fn default_mode() -> FailureMode {
    FailureMode::BeforeSend
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailureScript {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FailureSpec,
}

crate::extended_schema!(FailureScript, FailureSpec, "id": u64);

/// What a callback attempt is, for matching scripts.
pub struct AttemptContext<'a> {
    pub account: &'a str,
    pub url: &'a str,
    pub reference: Option<&'a str>,
    /// 1 for the first attempt.
    pub attempt: u32,
}

/// The scripts set through the control API, and the one from the command
/// line (`--dr-fail-first`), which applies to every callback.
pub struct FailureScripts {
    scripts: RwLock<Vec<FailureScript>>,
    next_id: AtomicU64,
    everywhere: Option<(u32, FailureMode)>,
}

impl FailureScripts {
    pub fn new(everywhere: Option<(u32, FailureMode)>) -> FailureScripts {
        FailureScripts { scripts: RwLock::default(), next_id: AtomicU64::new(0), everywhere }
    }

    pub fn add(&self, spec: FailureSpec) -> FailureScript {
        let script = FailureScript { id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1, spec };
        self.scripts.write().unwrap_or_else(|e| e.into_inner()).push(script.clone());
        script
    }

    /// Replaces every script (from a snapshot).
    pub fn replace(&self, scripts: Vec<FailureScript>) {
        let highest = scripts.iter().map(|s| s.id).max().unwrap_or(0);
        self.next_id.fetch_max(highest, Ordering::Relaxed);
        *self.scripts.write().unwrap_or_else(|e| e.into_inner()) = scripts;
    }

    pub fn list(&self) -> Vec<FailureScript> {
        self.scripts.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Removes one script, or all of them (`None`); returns how many.
    pub fn remove(&self, id: Option<u64>) -> usize {
        let mut scripts = self.scripts.write().unwrap_or_else(|e| e.into_inner());
        let before = scripts.len();
        scripts.retain(|s| id.is_some_and(|id| s.id != id));
        before - scripts.len()
    }

    /// Removes one account's scripts, or every script (`None`).
    pub fn remove_account(&self, account: Option<&str>) {
        let mut scripts = self.scripts.write().unwrap_or_else(|e| e.into_inner());
        scripts.retain(|s| account.is_some_and(|a| s.spec.account.as_deref() != Some(a)));
    }

    /// The failure this attempt must suffer, if any: the newest matching
    /// script decides, then the command-line one.
    pub fn failure_for(&self, attempt: &AttemptContext) -> Option<FailureMode> {
        let scripts = self.scripts.read().unwrap_or_else(|e| e.into_inner());
        let matching = scripts.iter().rev().find(|s| {
            let spec = &s.spec;
            spec.account.as_deref().is_none_or(|a| a == attempt.account)
                && spec.url.as_deref().is_none_or(|u| u == attempt.url)
                && spec.reference.as_deref().is_none_or(|r| Some(r) == attempt.reference)
        });
        let (fail_first, mode) = match matching {
            Some(script) => (script.spec.fail_first, script.spec.mode),
            None => self.everywhere?,
        };
        (attempt.attempt <= fail_first).then_some(mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(account: &str, attempt: u32) -> AttemptContext<'_> {
        AttemptContext { account, url: "http://x/dlr", reference: Some("r"), attempt }
    }

    #[test]
    fn the_first_n_attempts_of_matching_callbacks_fail() {
        let scripts = FailureScripts::new(None);
        scripts.add(FailureSpec {
            account: Some("ip1-1".into()),
            url: None,
            reference: None,
            fail_first: 2,
            mode: FailureMode::AfterResponse,
        });
        assert_eq!(scripts.failure_for(&attempt("ip1-1", 1)), Some(FailureMode::AfterResponse));
        assert_eq!(scripts.failure_for(&attempt("ip1-1", 2)), Some(FailureMode::AfterResponse));
        assert_eq!(scripts.failure_for(&attempt("ip1-1", 3)), None);
        assert_eq!(scripts.failure_for(&attempt("ip1-2", 1)), None);
        assert_eq!(scripts.remove(None), 1);
    }

    #[test]
    fn the_command_line_script_applies_everywhere_unless_overridden() {
        let scripts = FailureScripts::new(Some((1, FailureMode::BeforeSend)));
        assert_eq!(scripts.failure_for(&attempt("any", 1)), Some(FailureMode::BeforeSend));
        assert_eq!(scripts.failure_for(&attempt("any", 2)), None);
        scripts.add(FailureSpec {
            account: None,
            url: None,
            reference: None,
            fail_first: 0,
            mode: FailureMode::Timeout,
        });
        assert_eq!(scripts.failure_for(&attempt("any", 1)), None);
    }
}
