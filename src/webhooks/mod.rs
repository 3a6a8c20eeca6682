//! Callbacks to the customer's receivers: delivery reports and incoming
//! SMS. Each callback is a job; the scheduler decides when an
//! attempt is due, and the [`Dispatcher`] makes it: one HTTP POST, with a
//! timeout, failure scripts, and bounded parallelism — over all accounts,
//! and per receiver, so a hanging receiver cannot take every slot. No
//! lock is held while a request is in flight.

pub mod failures;
pub mod journal;
pub mod slots;
pub mod targets;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

use self::failures::{AttemptContext, FailureMode, FailureScripts};
use self::journal::{AttemptRecord, CallbackKind, CallbackOutcome, Journal};
use self::slots::Slots;
use self::targets::{CheckedResolver, Targets};
use crate::domain::account::Gateway;
use crate::domain::id::ObjectId;

/// Longest piece of a receiver's answer kept in the journal.
const EXCERPT_BYTES: usize = 512;

/// How a gateway retries a callback that was not received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    /// Virtual time before the first retry.
    pub interval: TimeDelta,
    /// Each retry waits twice as long as the one before.
    pub doubling: bool,
    /// Attempts in all, the first included; then dropped.
    pub max_attempts: u32,
}

impl Retries {
    /// iP.1's: every 10 minutes, 10 attempts.
    pub const IP1: Retries =
        Retries { interval: TimeDelta::minutes(10), doubling: false, max_attempts: 10 };
    /// Viamobile's pushes: 1, 2, 4 and 8 minutes apart, 5 attempts.
    pub const VIAMOBILE: Retries =
        Retries { interval: TimeDelta::minutes(1), doubling: true, max_attempts: 5 };

    /// How long after attempt number `attempt` (1 for the first) failed
    /// the next one is due.
    pub fn after(&self, attempt: u32) -> TimeDelta {
        if !self.doubling {
            return self.interval;
        }
        let factor = 1_i32.checked_shl(attempt.saturating_sub(1).min(30)).unwrap_or(i32::MAX);
        self.interval.checked_mul(factor).unwrap_or(TimeDelta::MAX)
    }
}

/// When an attempt counts as received, and how failures are retried.
#[derive(Debug, Clone, Copy)]
pub struct CallbackPolicy {
    /// iP.1's callbacks' retries (10 × 10 minutes).
    pub ip1: Retries,
    /// Viamobile's pushes' retries (5 attempts, doubling from 1 minute).
    pub viamobile: Retries,
    /// Wall-clock limit of one attempt.
    pub timeout: Duration,
    /// Count any 2xx as received, not only 200.
    pub accept_any_2xx: bool,
    /// Attempts in flight at once, over all accounts; one receiver gets
    /// at most half of them.
    pub concurrency: usize,
}

impl Default for CallbackPolicy {
    fn default() -> Self {
        CallbackPolicy {
            ip1: Retries::IP1,
            viamobile: Retries::VIAMOBILE,
            timeout: Duration::from_secs(5),
            accept_any_2xx: false,
            concurrency: 64,
        }
    }
}

impl CallbackPolicy {
    /// The retries of a gateway's callbacks.
    pub fn retries(&self, gateway: Gateway) -> &Retries {
        match gateway {
            Gateway::Ip1 => &self.ip1,
            Gateway::Viamobile => &self.viamobile,
        }
    }
}

/// One callback waiting for its next attempt.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CallbackJob {
    pub id: u64,
    pub kind: CallbackKind,
    pub url: Arc<str>,
    pub payload: Arc<str>,
    pub batch_id: ObjectId,
    pub message_id: ObjectId,
    pub code: u16,
    pub reference: Option<Arc<str>>,
    /// Attempts made so far.
    pub attempts: u32,
}

/// A callback taken off its account's timetable for an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight {
    /// When the attempt was due (virtual time).
    pub due: DateTime<Utc>,
    pub job: u64,
    /// Unique over the emulator's life: an attempt that ends after its
    /// account was reset or replaced finds its ticket gone and is
    /// forgotten.
    pub ticket: u64,
}

pub struct Dispatcher {
    /// Built on the first callback: setting up TLS costs milliseconds and
    /// megabytes that start-up should not pay.
    client: OnceLock<reqwest::Client>,
    slots: Slots,
    targets: Arc<Targets>,
    /// The last [`InFlight::ticket`] given.
    tickets: AtomicU64,
    pub policy: CallbackPolicy,
    pub journal: Journal,
    pub failures: FailureScripts,
}

impl Dispatcher {
    pub fn new(
        policy: CallbackPolicy,
        failures: FailureScripts,
        journal: Journal,
        targets: Targets,
    ) -> Dispatcher {
        Dispatcher {
            client: OnceLock::new(),
            slots: Slots::new(policy.concurrency),
            targets: Arc::new(targets),
            tickets: AtomicU64::new(0),
            policy,
            journal,
            failures,
        }
    }

    fn client(&self) -> &reqwest::Client {
        self.client.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(self.policy.timeout)
                .user_agent(concat!("smsmock/", env!("CARGO_PKG_VERSION")))
                .redirect(reqwest::redirect::Policy::none())
                .dns_resolver(Arc::new(CheckedResolver(self.targets.clone())))
                .build()
                .unwrap_or_default()
        })
    }

    /// A new ticket for an attempt.
    pub fn ticket(&self) -> u64 {
        self.tickets.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Forgets one account's attempts and failure scripts, or all of them.
    pub fn reset(&self, account: Option<&str>) {
        self.journal.clear(account);
        self.failures.remove_account(account);
    }

    fn is_received(&self, status: u16) -> bool {
        status == 200 || (self.policy.accept_any_2xx && (200..300).contains(&status))
    }

    /// Why an answer with this status was not taken as received, with the
    /// switch that would take a 2xx.
    fn not_received(&self, status: u16) -> String {
        if (200..300).contains(&status) {
            format!(
                "receiver answered {status}, not 200 (start with --dr-accept-any-2xx to count any 2xx as received)"
            )
        } else {
            format!("receiver answered {status}, not 200")
        }
    }

    /// Makes attempt number `attempt` of a job (failure scripts apply
    /// unless it is a redelivery); the caller journals the record.
    pub async fn attempt(
        &self,
        account: &str,
        job: &CallbackJob,
        attempt: u32,
        virtual_time: DateTime<Utc>,
        redelivery: bool,
    ) -> AttemptRecord {
        let context =
            AttemptContext { account, url: &job.url, reference: job.reference.as_deref(), attempt };
        let scripted = if redelivery { None } else { self.failures.failure_for(&context) };
        let wall_time = Utc::now();
        let started = Instant::now();
        let (status, excerpt, error) = match scripted {
            Some(FailureMode::BeforeSend) => {
                (None, None, Some("simulated connection error (failure script)".to_owned()))
            }
            _ => self.post(job).await,
        };
        let answered_ok = job.kind != CallbackKind::ViamobileIncoming
            || excerpt.as_deref().is_some_and(|body| body.trim() == "OK");
        let received = scripted.is_none()
            && error.is_none()
            && status.is_some_and(|s| self.is_received(s))
            && answered_ok;
        let error = match scripted {
            Some(FailureMode::AfterResponse) => Some("answer ignored by failure script".to_owned()),
            Some(FailureMode::Timeout) => Some("simulated timeout (failure script)".to_owned()),
            _ if !received && error.is_none() && !answered_ok => {
                Some("the receiver did not answer OK".to_owned())
            }
            _ if !received && error.is_none() => status.map(|s| self.not_received(s)),
            _ => error,
        };
        AttemptRecord {
            wall_time,
            outcome: if received { CallbackOutcome::Delivered } else { CallbackOutcome::Failed },
            status,
            response_excerpt: excerpt,
            error,
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            scripted,
            redelivery,
            ..AttemptRecord::of(account, job, attempt, virtual_time)
        }
    }

    /// Journals that a job was given up.
    pub fn record_dropped(
        &self,
        account: &str,
        job: &CallbackJob,
        virtual_time: DateTime<Utc>,
    ) -> AttemptRecord {
        self.journal.record(AttemptRecord {
            outcome: CallbackOutcome::Dropped,
            error: Some(format!("dropped after {} attempts", job.attempts)),
            ..AttemptRecord::of(account, job, job.attempts, virtual_time)
        })
    }

    /// One POST; returns the status, the start of the answer, or the error.
    async fn post(&self, job: &CallbackJob) -> (Option<u16>, Option<String>, Option<String>) {
        if let Some(reason) = self.refusal(&job.url) {
            return (None, None, Some(reason));
        }
        let _slot = self.slots.acquire(&job.url).await;
        let request = self
            .client()
            .post(&*job.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(job.payload.to_string());
        match request.send().await {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let mut body = Vec::new();
                while body.len() < EXCERPT_BYTES {
                    match response.chunk().await {
                        Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                body.truncate(EXCERPT_BYTES);
                (Some(status), Some(String::from_utf8_lossy(&body).into_owned()), None)
            }
            Err(err) => (None, None, Some(failure(&err, &job.url))),
        }
    }

    /// Why the URL may not be called, when the targets refuse it before
    /// any name is resolved: an address written in the URL, or a refused
    /// name. (Names are checked again, address by address, as they are
    /// resolved.)
    fn refusal(&self, url: &str) -> Option<String> {
        let url = reqwest::Url::parse(url).ok()?;
        match url.host()? {
            url::Host::Domain(name) => self.targets.refuse_host(name),
            url::Host::Ipv4(ip) => self.targets.refuse_address(&ip.to_string(), ip.into()),
            url::Host::Ipv6(ip) => self.targets.refuse_address(&ip.to_string(), ip.into()),
        }
    }
}

/// Why a request failed: `timed out`, or its kind (connection refused,
/// DNS, TLS) then the error and its causes; for a refused loopback address, the
/// container trap (there, 127.0.0.1 is the container itself).
fn failure(err: &reqwest::Error, url: &str) -> String {
    if err.is_timeout() {
        return "timed out".to_owned();
    }
    let causes = with_causes(err);
    let lower = causes.to_lowercase();
    let kind = if lower.contains("connection refused") {
        "connection refused"
    } else if lower.contains("dns error") || lower.contains("lookup address") {
        "DNS: the name does not resolve"
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        "TLS"
    } else if err.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let loopback = reqwest::Url::parse(url).ok().is_some_and(|url| match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    });
    let hint = if kind == "connection refused" && loopback {
        " (if smsmock runs in a container, its localhost is the container itself: \
         reach a receiver on the host as host.docker.internal with Docker, run with \
         --add-host=host.docker.internal:host-gateway, or host.containers.internal with \
         Podman, and one in another container by its service name)"
    } else {
        ""
    };
    format!("{kind}: {causes}{hint}")
}

/// An error and its causes, on one line: reqwest's own message ("error
/// sending request") hides why, such as a refused target.
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_fixed_or_doubling_intervals() {
        assert_eq!(Retries::IP1.after(1), TimeDelta::minutes(10));
        assert_eq!(Retries::IP1.after(9), TimeDelta::minutes(10));
        let waits: Vec<_> = (1..5).map(|a| Retries::VIAMOBILE.after(a).num_minutes()).collect();
        assert_eq!(waits, [1, 2, 4, 8]);
        assert!(Retries::VIAMOBILE.after(u32::MAX) > TimeDelta::days(365), "saturates");
    }
}
