//! Outcome rules set through the control API (`/_mock/rules`): messages
//! whose recipient, sender or text match end with a chosen outcome,
//! optionally after a delay. An account's own rules are tried before the
//! global ones, each in the order they were added; the first match wins.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::domain::lifecycle::{Fate, Outcome, pattern_matches};

/// A rule as the control API takes it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleSpec {
    /// iP.1 account id or Viamobile username; none = every account.
    #[serde(default)]
    pub account: Option<String>,
    /// Exact MSISDN, or a prefix followed by `*`.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub recipient: Option<String>,
    #[serde(default)]
    pub sender: Option<String>,
    /// Matches when the message text contains this.
    #[serde(default)]
    pub body_contains: Option<String>,
    pub outcome: Outcome,
    /// Final status code instead of the outcome's own.
    #[serde(default)]
    #[schema(maximum = 65535)]
    pub code: Option<u16>,
    /// Virtual seconds before the outcome, instead of the configured delay.
    #[serde(default)]
    #[schema(value_type = Option<u64>, maximum = 4_294_967_295_u64)]
    pub delay_seconds: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    pub id: u64,
    #[serde(flatten)]
    pub spec: RuleSpec,
}

crate::extended_schema!(Rule, RuleSpec, "id": u64);

impl Rule {
    fn matches(&self, recipient: &str, sender: &str, body: &str) -> bool {
        let spec = &self.spec;
        spec.recipient.as_deref().is_none_or(|p| pattern_matches(p, recipient))
            && spec.sender.as_deref().is_none_or(|s| s == sender)
            && spec.body_contains.as_deref().is_none_or(|t| body.contains(t))
    }
}

/// Every rule of every account.
#[derive(Default)]
pub struct Rules {
    rules: RwLock<Vec<Rule>>,
    /// How many rules there are, kept with every change (under the lock):
    /// a send with no rules set reads this alone, not the lock, whose
    /// read count both cores would write on every send.
    count: AtomicUsize,
    next_id: AtomicU64,
}

impl Rules {
    pub fn add(&self, spec: RuleSpec) -> Rule {
        let rule = Rule { id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1, spec };
        self.change(|rules| rules.push(rule.clone()));
        rule
    }

    /// Replaces every rule (from a snapshot).
    pub fn replace(&self, rules: Vec<Rule>) {
        let highest = rules.iter().map(|r| r.id).max().unwrap_or(0);
        self.next_id.fetch_max(highest, Ordering::Relaxed);
        self.change(|kept| *kept = rules);
    }

    /// Rules of one account (with the global ones), or all.
    pub fn list(&self, account: Option<&str>) -> Vec<Rule> {
        let rules = self.rules.read().unwrap_or_else(|e| e.into_inner());
        rules
            .iter()
            .filter(|r| {
                account.is_none_or(|a| r.spec.account.as_deref().is_none_or(|own| own == a))
            })
            .cloned()
            .collect()
    }

    pub fn remove(&self, id: u64) -> Option<Rule> {
        self.change(|rules| {
            let position = rules.iter().position(|r| r.id == id)?;
            Some(rules.remove(position))
        })
    }

    /// Removes one account's rules, or every rule; returns how many.
    pub fn clear(&self, account: Option<&str>) -> usize {
        self.change(|rules| {
            let before = rules.len();
            rules.retain(|r| account.is_some_and(|a| r.spec.account.as_deref() != Some(a)));
            before - rules.len()
        })
    }

    /// The fate the first matching rule gives a message.
    pub fn fate_for(
        &self,
        account: &str,
        recipient: &str,
        sender: &str,
        body: &str,
    ) -> Option<Fate> {
        if self.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let rules = self.rules.read().unwrap_or_else(|e| e.into_inner());
        let own = rules.iter().filter(|r| r.spec.account.as_deref() == Some(account));
        let global = rules.iter().filter(|r| r.spec.account.is_none());
        own.chain(global)
            .find(|r| r.matches(recipient, sender, body))
            .map(|r| Fate::new(r.spec.outcome, r.spec.code, r.spec.delay_seconds))
    }

    /// Changes the rules under their lock, and keeps [`Rules::count`]
    /// with them.
    fn change<R>(&self, f: impl FnOnce(&mut Vec<Rule>) -> R) -> R {
        let mut rules = self.rules.write().unwrap_or_else(|e| e.into_inner());
        let result = f(&mut rules);
        self.count.store(rules.len(), Ordering::Release);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(account: Option<&str>, recipient: Option<&str>, outcome: Outcome) -> RuleSpec {
        RuleSpec {
            account: account.map(String::from),
            recipient: recipient.map(String::from),
            sender: None,
            body_contains: None,
            outcome,
            code: None,
            delay_seconds: None,
        }
    }

    #[test]
    fn an_accounts_own_rules_come_before_global_ones() {
        let rules = Rules::default();
        rules.add(spec(None, Some("4670*"), Outcome::Expired));
        rules.add(spec(Some("ip1-1"), Some("46701234567"), Outcome::Undeliverable));
        let fate =
            |account| rules.fate_for(account, "46701234567", "Acme", "hi").map(|f| f.outcome);
        assert_eq!(fate("ip1-1"), Some(Outcome::Undeliverable));
        assert_eq!(fate("ip1-2"), Some(Outcome::Expired));
        assert_eq!(rules.fate_for("ip1-2", "4680", "Acme", "hi"), None);
        assert_eq!(rules.list(Some("ip1-2")).len(), 1);
        assert_eq!(rules.clear(Some("ip1-1")), 1);
        assert_eq!(rules.clear(None), 1);
        assert_eq!(fate("ip1-2"), None);
    }

    #[test]
    fn every_change_is_seen_by_the_next_send() {
        let rules = Rules::default();
        let fate = || rules.fate_for("ip1-1", "46701234567", "Acme", "hi").map(|f| f.outcome);
        let added = rules.add(spec(None, None, Outcome::Expired));
        assert_eq!(fate(), Some(Outcome::Expired));
        assert_eq!(rules.remove(added.id).map(|r| r.id), Some(added.id));
        assert_eq!(fate(), None);
        rules.replace(vec![Rule { id: 7, spec: spec(None, None, Outcome::Pending) }]);
        assert_eq!(fate(), Some(Outcome::Pending));
        rules.replace(Vec::new());
        assert_eq!(fate(), None);
    }
}
