//! Faults on the gateway APIs: rules that make matching calls answer an
//! error, wait, or lose their connection — for the next N calls, or at a
//! rate drawn from a seeded generator (so a run can be reproduced).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::domain::lifecycle::pattern_matches;

/// What a fault does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum FaultAction {
    /// Answer `status` with the gateway's error body (and `Retry-After`
    /// for 429 and 503).
    Status,
    /// Wait `delayMs`, then handle the call normally.
    Delay,
    /// Close the connection without answering; nothing is processed.
    Drop,
    /// Process the call (the write happens), then close the connection
    /// without the answer.
    DropResponse,
}

/// A fault rule as the control API, the fixtures and `--faults` take it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// `GET`, `POST`, ...; any when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Exact path, or a prefix ending in `*`; any when absent.
    #[serde(default)]
    pub path: Option<String>,
    /// `ip1` or `viamobile`; either when absent.
    #[serde(default)]
    pub gateway: Option<String>,
    /// iP.1 account id or Viamobile username.
    #[serde(default)]
    pub account: Option<String>,
    /// Apply to the next N matching calls (then the rule is spent).
    #[serde(default)]
    pub times: Option<u64>,
    /// Or apply to this share (0–1) of matching calls...
    #[serde(default)]
    pub rate: Option<f64>,
    /// ...drawn from a generator seeded with this (default 0).
    #[serde(default)]
    pub seed: Option<u64>,
    pub action: FaultAction,
    /// For `status`.
    #[serde(default)]
    pub status: Option<u16>,
    /// For `status` 429/503: the `Retry-After` seconds (default 1).
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
    /// For `delay`.
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

impl FaultSpec {
    pub fn check(&self) -> Result<(), String> {
        if self.times.is_some() == self.rate.is_some() {
            return Err("give either `times` (the next N calls) or `rate` (0 to 1, with an optional `seed`)".into());
        }
        if self.rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
            return Err("`rate` is between 0 and 1".into());
        }
        if self.gateway.as_deref().is_some_and(|g| g != "ip1" && g != "viamobile") {
            return Err("`gateway` is \"ip1\" or \"viamobile\"".into());
        }
        match self.action {
            FaultAction::Status if !self.status.is_some_and(|s| (400..600).contains(&s)) => {
                Err("`status` (400 to 599) is needed with the action \"status\"".into())
            }
            FaultAction::Delay if self.delay_ms.is_none_or(|d| d > 600_000) => {
                Err("`delayMs` (at most 600000) is needed with the action \"delay\"".into())
            }
            _ => Ok(()),
        }
    }
}

/// A call as fault rules see it.
pub struct Call<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub gateway: &'a str,
    pub account: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultView {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Calls this rule has hit so far.
    pub applied: u64,
    /// Calls this rule has matched so far; for a `rate`, each one drew
    /// from the seeded sequence, so an import goes on where it was.
    #[serde(default)]
    pub matched: u64,
}

crate::extended_schema!(FaultView, FaultSpec, "id": u64, "applied": u64, "matched": u64);

struct Fault {
    id: u64,
    spec: FaultSpec,
    applied: u64,
    matched: u64,
    rng: ChaCha8Rng,
}

impl Fault {
    fn matches(&self, call: &Call) -> bool {
        let spec = &self.spec;
        spec.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(call.method))
            && spec.path.as_deref().is_none_or(|p| pattern_matches(p, call.path))
            && spec.gateway.as_deref().is_none_or(|g| g == call.gateway)
            && spec.account.as_deref().is_none_or(|a| Some(a) == call.account)
    }

    fn spent(&self) -> bool {
        self.spec.times.is_some_and(|times| self.applied >= times)
    }
}

#[derive(Default)]
pub struct Faults {
    rules: Mutex<Vec<Fault>>,
    next_id: AtomicU64,
    /// How many rules there are, kept with every change: a call reads it
    /// without taking the rules' lock, which every gateway call would
    /// otherwise take, rules or not.
    count: AtomicUsize,
}

impl Faults {
    pub fn add(&self, spec: FaultSpec) -> FaultView {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let rng = ChaCha8Rng::seed_from_u64(spec.seed.unwrap_or(0));
        let view = FaultView { id, spec: spec.clone(), applied: 0, matched: 0 };
        let mut rules = self.lock();
        rules.push(Fault { id, spec, applied: 0, matched: 0, rng });
        self.counted(&rules);
        view
    }

    /// Replaces every rule (from a snapshot). A rate's seeded sequence goes
    /// on after the draws the rule had made.
    pub fn replace(&self, views: Vec<FaultView>) {
        let highest = views.iter().map(|v| v.id).max().unwrap_or(0);
        self.next_id.fetch_max(highest, Ordering::Relaxed);
        let mut rules = self.lock();
        *rules = views
            .into_iter()
            .map(|v| {
                let mut rng = ChaCha8Rng::seed_from_u64(v.spec.seed.unwrap_or(0));
                if v.spec.rate.is_some() {
                    for _ in 0..v.matched {
                        draw(&mut rng);
                    }
                }
                Fault { id: v.id, spec: v.spec, applied: v.applied, matched: v.matched, rng }
            })
            .collect();
        self.counted(&rules);
    }

    pub fn list(&self) -> Vec<FaultView> {
        self.lock()
            .iter()
            .map(|f| FaultView {
                id: f.id,
                spec: f.spec.clone(),
                applied: f.applied,
                matched: f.matched,
            })
            .collect()
    }

    /// True when there are no rules: calls need not be matched.
    pub fn is_empty(&self) -> bool {
        self.count.load(Ordering::Acquire) == 0
    }

    /// Keeps [`Faults::count`] with the rules just changed (under their
    /// lock).
    fn counted(&self, rules: &[Fault]) {
        self.count.store(rules.len(), Ordering::Release);
    }

    /// Removes one rule, or all; returns how many.
    pub fn remove(&self, id: Option<u64>) -> usize {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|f| id.is_some_and(|id| f.id != id));
        self.counted(&rules);
        before - rules.len()
    }

    /// Removes one account's rules, or every rule (`None`).
    pub fn remove_account(&self, account: Option<&str>) {
        let mut rules = self.lock();
        rules.retain(|f| account.is_some_and(|a| f.spec.account.as_deref() != Some(a)));
        self.counted(&rules);
    }

    /// The fault that hits this call, if any: the first matching rule that
    /// is not spent and, for a rate, whose draw falls under it.
    pub fn hit(&self, call: &Call) -> Option<FaultSpec> {
        let mut rules = self.lock();
        for fault in rules.iter_mut().filter(|f| f.matches(call) && !f.spent()) {
            fault.matched += 1;
            let hits = match fault.spec.rate {
                Some(rate) => draw(&mut fault.rng) < rate,
                None => true,
            };
            if hits {
                fault.applied += 1;
                return Some(fault.spec.clone());
            }
        }
        None
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The next draw of a rate, in [0, 1): the top 53 bits of the next 64, as
/// written here rather than by `rand`'s conversion, which may change.
fn draw(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(times: Option<u64>, rate: Option<f64>, seed: Option<u64>) -> FaultSpec {
        FaultSpec {
            method: Some("POST".into()),
            path: Some("/v2/*".into()),
            gateway: None,
            account: None,
            times,
            rate,
            seed,
            action: FaultAction::Status,
            status: Some(503),
            retry_after_seconds: None,
            delay_ms: None,
        }
    }

    const CALL: Call<'static> =
        Call { method: "POST", path: "/v2/batches", gateway: "ip1", account: None };

    #[test]
    fn the_next_n_calls_are_hit_then_the_rule_is_spent() {
        let faults = Faults::default();
        faults.add(spec(Some(2), None, None));
        assert!(faults.hit(&CALL).is_some());
        assert!(faults.hit(&CALL).is_some());
        assert!(faults.hit(&CALL).is_none());
        assert!(faults.hit(&Call { method: "GET", ..CALL }).is_none());
    }

    #[test]
    fn a_seeded_rate_repeats_the_same_sequence() {
        let run = || {
            let faults = Faults::default();
            faults.add(spec(None, Some(0.5), Some(42)));
            (0..32).map(|_| faults.hit(&CALL).is_some()).collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        assert!(first.contains(&true) && first.contains(&false));
    }

    #[test]
    fn an_imported_rate_goes_on_with_its_sequence() {
        let faults = Faults::default();
        faults.add(spec(None, Some(0.5), Some(7)));
        let hits = |faults: &Faults, n| (0..n).map(|_| faults.hit(&CALL).is_some()).collect();
        let whole: Vec<bool> = hits(&faults, 40);

        let first = Faults::default();
        first.add(spec(None, Some(0.5), Some(7)));
        let start: Vec<bool> = hits(&first, 25);
        let imported = Faults::default();
        imported.replace(first.list());
        let rest: Vec<bool> = hits(&imported, 15);
        assert_eq!([start, rest].concat(), whole);
        assert_eq!(imported.list()[0].matched, 40);
    }

    #[test]
    fn every_change_of_the_rules_tells_whether_there_are_any() {
        let faults = Faults::default();
        assert!(faults.is_empty());
        let first = faults.add(spec(Some(1), None, None));
        faults.add(spec(None, None, None));
        assert!(!faults.is_empty());
        faults.remove(Some(first.id));
        assert!(!faults.is_empty());
        let saved = faults.list();
        faults.remove_account(None);
        assert!(faults.is_empty());
        faults.replace(saved);
        assert!(!faults.is_empty());
        faults.remove(None);
        assert!(faults.is_empty());
    }

    #[test]
    fn specs_are_checked() {
        assert!(spec(Some(1), None, None).check().is_ok());
        assert!(spec(None, None, None).check().is_err());
        assert!(spec(None, Some(1.5), None).check().is_err());
        let mut delay = spec(Some(1), None, None);
        delay.action = FaultAction::Delay;
        assert!(delay.check().is_err());
    }
}
