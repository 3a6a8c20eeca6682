//! Command line and environment: every flag can also be set with an
//! `SMSMOCK_*` variable, which is how the container image is configured.

use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::clock::ClockMode;
use crate::webhooks::failures::FailureMode;
use crate::webhooks::targets::Allowed;

pub const DEFAULT_PORT: u16 = 8080;

/// Most memory each journal takes by default: 64 MiB.
pub const DEFAULT_JOURNAL_BYTES: usize = 64 << 20;

/// Accounts there may be at most when unseen credentials create them.
pub const DEFAULT_MAX_ACCOUNTS: usize = 10_000;
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// smsmock: a local emulator of the iP.1 REST API v2 and the Viamobile
/// BSMS JSON API, for tests.
#[derive(Debug, Parser)]
#[command(name = "smsmock", version, about, args_conflicts_with_subcommands = false)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeConfig,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Exit 0 when a running emulator answers its health check, 1 otherwise
    /// (a Docker HEALTHCHECK for an image without a shell).
    Healthcheck(HealthcheckArgs),
    /// Script a running emulator from a shell step: advance its clocks,
    /// read the latest message to a phone, reset, verify.
    Ctl(CtlArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CtlArgs {
    /// The emulator; by default 127.0.0.1 and --port.
    #[arg(long, env = "SMSMOCK_URL")]
    pub url: Option<String>,
    /// The control token, when the emulator has one.
    #[arg(long, env = "SMSMOCK_CONTROL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[command(subcommand)]
    pub command: CtlCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CtlCommand {
    /// Move the virtual clock forward and run what falls due: `90s`, `10m`,
    /// `2h`, `1d` or `PT10M`.
    Advance {
        duration: String,
        /// One account's clock (id, API key or username); all by default.
        #[arg(long)]
        account: Option<String>,
    },
    /// Print the newest message sent to a phone (exit 1 if there is none).
    Latest {
        #[arg(long)]
        phone: String,
        /// Print only its one-time code: the first run of 4 to 8 digits.
        #[arg(long)]
        code: bool,
        /// Wait for one this long (`10s`, at most 60 s) if none is there yet.
        #[arg(long)]
        wait: Option<String>,
    },
    /// Forget one account's doings, or go back to the fixtures.
    Reset {
        #[arg(long)]
        account: Option<String>,
    },
    /// Check a request or message happened, as `POST /_mock/verify` takes it:
    /// `'{"message": {"recipient": "46701234567"}, "atLeast": 1}'`. Exit 1
    /// when it did not.
    Verify { json: String },
}

#[derive(Debug, Clone, Args)]
pub struct HealthcheckArgs {
    /// URL to probe; by default the health endpoint on 127.0.0.1 and --port.
    #[arg(long, env = "SMSMOCK_HEALTHCHECK_URL")]
    pub url: Option<String>,
    /// Give up after this many milliseconds.
    #[arg(long, env = "SMSMOCK_HEALTHCHECK_TIMEOUT_MS", default_value_t = 2000)]
    pub timeout_ms: u64,
}

/// Everything the server needs to start.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address or host name to listen on: loopback by default (the
    /// container image sets 0.0.0.0). A name listens on the first address
    /// it resolves to, IPv4 first (`localhost`: 127.0.0.1).
    #[arg(long, env = "SMSMOCK_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "SMSMOCK_PORT", default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Once listening, write the port to this file (for `--port 0` in
    /// scripts).
    #[arg(long, env = "SMSMOCK_PORT_FILE")]
    pub port_file: Option<PathBuf>,
    /// Fixtures file with the accounts to start with; without it the
    /// built-in fixtures/default.json is used.
    #[arg(long, env = "SMSMOCK_FIXTURES")]
    pub fixtures: Option<PathBuf>,
    /// Unseen API keys and usernames create a fresh isolated account on
    /// first use instead of answering 401.
    #[arg(long, env = "SMSMOCK_ACCEPT_ANY_CREDENTIALS", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub accept_any_credentials: bool,
    /// With `--accept-any-credentials`: how many accounts there may be at
    /// most; beyond it, unseen credentials answer 401 again.
    #[arg(long, env = "SMSMOCK_MAX_ACCOUNTS", default_value_t = DEFAULT_MAX_ACCOUNTS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000_000))]
    pub max_accounts: usize,
    /// How every account's virtual clock moves.
    #[arg(long, env = "SMSMOCK_CLOCK", value_enum, default_value_t = ClockMode::Realtime)]
    pub clock: ClockMode,
    /// Virtual seconds per wall-clock second in realtime mode.
    #[arg(long, env = "SMSMOCK_CLOCK_SPEED", default_value_t = 1.0, value_parser = parse_speed)]
    pub clock_speed: f64,
    /// Log lines for people or as JSON objects.
    #[arg(long, env = "SMSMOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
    /// Log filter, e.g. `info`, `warn` or `smsmock=debug`.
    #[arg(long, env = "SMSMOCK_LOG", default_value = "info")]
    pub log_level: String,
    /// Largest request body in bytes; larger ones answer 413 in the
    /// gateway's own format.
    #[arg(long, env = "SMSMOCK_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,
    /// Virtual seconds from 101 Accepted to 102 Queued (default: the
    /// fixtures' `lifecycle`, else 1).
    #[arg(long, env = "SMSMOCK_QUEUED_AFTER")]
    pub queued_after: Option<u32>,
    /// Virtual seconds from the last step to the final status (default:
    /// the fixtures' `lifecycle`, else 5).
    #[arg(long, env = "SMSMOCK_DELIVERED_AFTER")]
    pub delivered_after: Option<u32>,
    /// Virtual seconds a message that expires waits before 202 (default:
    /// the fixtures' `lifecycle`, else 172800 = 48 h).
    #[arg(long, env = "SMSMOCK_EXPIRES_AFTER")]
    pub expires_after: Option<u32>,
    /// Walk 103, 110, 111, 112 and 113 before the final status.
    #[arg(long, env = "SMSMOCK_DETAILED_STATUSES", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub detailed_statuses: bool,
    /// Accept HTTP Basic (`account:key`) on iP.1's v2 routes too, not only
    /// on `/api/...` (the real v2 takes Bearer keys only).
    #[arg(long, env = "SMSMOCK_IP1_V2_BASIC_AUTH", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub ip1_v2_basic_auth: bool,
    /// What a send from a valid but unregistered sender gets: a 400
    /// (`reject`) or a batch whose messages end at 403 (`sender-rejected`).
    #[arg(long, env = "SMSMOCK_UNREGISTERED_SENDER", value_enum, default_value_t = UnregisteredSender::Reject)]
    pub unregistered_sender: UnregisteredSender,
    /// Virtual seconds between attempts of an iP.1 callback.
    #[arg(long, env = "SMSMOCK_DR_RETRY_INTERVAL", default_value_t = 600)]
    pub dr_retry_interval: u32,
    /// Attempts of an iP.1 callback in all, the first included; then it is
    /// dropped.
    #[arg(long, env = "SMSMOCK_DR_MAX_ATTEMPTS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub dr_max_attempts: u32,
    /// Virtual seconds before the first retry of a Viamobile push; each
    /// later retry waits twice as long as the one before.
    #[arg(long, env = "SMSMOCK_VIAMOBILE_PUSH_RETRY_INTERVAL", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub viamobile_push_retry_interval: u32,
    /// Attempts of a Viamobile push in all, the first included; then it is
    /// dropped.
    #[arg(long, env = "SMSMOCK_VIAMOBILE_PUSH_ATTEMPTS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub viamobile_push_attempts: u32,
    /// Push `waiting` when a Viamobile message is sent, not only its final
    /// state (for accounts that do not say).
    #[arg(long, env = "SMSMOCK_VIAMOBILE_PUSH_WAITING", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub viamobile_push_waiting: bool,
    /// Viamobile's successful answers carry `"status": "200"`, a string,
    /// instead of `200` (for accounts that do not say).
    #[arg(long, env = "SMSMOCK_VIAMOBILE_STATUS_AS_STRING", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub viamobile_status_as_string: bool,
    /// Wall-clock milliseconds one callback attempt may take.
    #[arg(long, env = "SMSMOCK_DR_TIMEOUT_MS", default_value_t = 5000)]
    pub dr_timeout_ms: u64,
    /// Count any 2xx answer to a callback as received, not only 200.
    #[arg(long, env = "SMSMOCK_DR_ACCEPT_ANY_2XX", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub dr_accept_any_2xx: bool,
    /// Treat the first N attempts of every callback as failed.
    #[arg(long, env = "SMSMOCK_DR_FAIL_FIRST", default_value_t = 0)]
    pub dr_fail_first: u32,
    /// How `--dr-fail-first` fails an attempt.
    #[arg(long, env = "SMSMOCK_DR_FAIL_MODE", value_enum, default_value_t = FailureMode::BeforeSend)]
    pub dr_fail_mode: FailureMode,
    /// Callback attempts in flight at once.
    #[arg(long, env = "SMSMOCK_CALLBACK_CONCURRENCY", default_value_t = 64)]
    pub callback_concurrency: usize,
    /// Callback attempts the journal keeps (the oldest go first).
    #[arg(long, env = "SMSMOCK_CALLBACK_JOURNAL_SIZE", default_value_t = 10_000)]
    pub callback_journal_size: usize,
    /// Gateway calls the request journal keeps (the oldest go first).
    #[arg(long, env = "SMSMOCK_REQUEST_JOURNAL_SIZE", default_value_t = 10_000)]
    pub request_journal_size: usize,
    /// Most memory the callback journal's attempts take, in bytes (the
    /// oldest go first).
    #[arg(long, env = "SMSMOCK_CALLBACK_JOURNAL_BYTES", default_value_t = DEFAULT_JOURNAL_BYTES)]
    pub callback_journal_bytes: usize,
    /// Most memory the request journal's calls take, in bytes (the oldest
    /// go first).
    #[arg(long, env = "SMSMOCK_REQUEST_JOURNAL_BYTES", default_value_t = DEFAULT_JOURNAL_BYTES)]
    pub request_journal_bytes: usize,
    /// A JSON file with an array of fault rules to start with.
    #[arg(long, env = "SMSMOCK_FAULTS")]
    pub faults: Option<PathBuf>,
    /// Keep all state in this file: loaded at start (when it exists),
    /// written every `--state-save-interval` when anything changed, at
    /// shutdown and on `POST /_mock/state/save`.
    #[arg(long, env = "SMSMOCK_STATE_FILE")]
    pub state_file: Option<PathBuf>,
    /// Seconds between saves of the state file while anything changes (0:
    /// only at shutdown and when asked): what a SIGKILL can lose.
    #[arg(long, env = "SMSMOCK_STATE_SAVE_INTERVAL", default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub state_save_interval: u64,
    /// Most connections open at once; more wait until one closes.
    #[arg(long, env = "SMSMOCK_MAX_CONNECTIONS", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Seconds a connection may take to send a whole request head, and
    /// stay idle between requests; then it is closed.
    #[arg(long, env = "SMSMOCK_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds a shutdown waits for requests in flight before it drops the
    /// connections left and saves the state file.
    #[arg(long, env = "SMSMOCK_SHUTDOWN_TIMEOUT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub shutdown_timeout: u64,
    /// A token the control API (`/_mock`, but for its health check and
    /// OpenAPI document) then asks for: `Authorization: Bearer <token>`.
    #[arg(long, env = "SMSMOCK_CONTROL_TOKEN")]
    pub control_token: Option<String>,
    /// Where callbacks may go: hosts, addresses or networks (CIDR),
    /// comma-separated or repeated. Without it, anywhere but link-local
    /// addresses and cloud metadata services.
    #[arg(long, env = "SMSMOCK_CALLBACK_ALLOW", value_delimiter = ',')]
    pub callback_allow: Vec<Allowed>,
}

/// What a send from a valid but unregistered iP.1 sender gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnregisteredSender {
    /// 400, field `Sender`, nothing created.
    Reject,
    /// The batch is created and every message ends at 403 SenderRejected.
    SenderRejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
    if speed.is_finite() && speed > 0.0 && speed <= 1e6 {
        Ok(speed)
    } else {
        Err("the clock speed must be above 0 and at most 1000000".to_owned())
    }
}

impl Default for ServeConfig {
    /// The flags' defaults, for tests and embedding (no environment read).
    fn default() -> Self {
        ServeConfig {
            host: "127.0.0.1".to_owned(),
            port: DEFAULT_PORT,
            port_file: None,
            fixtures: None,
            accept_any_credentials: false,
            max_accounts: DEFAULT_MAX_ACCOUNTS,
            clock: ClockMode::Realtime,
            clock_speed: 1.0,
            log_format: LogFormat::Human,
            log_level: "info".to_owned(),
            body_limit: DEFAULT_BODY_LIMIT,
            queued_after: None,
            delivered_after: None,
            expires_after: None,
            detailed_statuses: false,
            ip1_v2_basic_auth: false,
            unregistered_sender: UnregisteredSender::Reject,
            dr_retry_interval: 600,
            dr_max_attempts: 10,
            viamobile_push_retry_interval: 60,
            viamobile_push_attempts: 5,
            viamobile_push_waiting: false,
            viamobile_status_as_string: false,
            dr_timeout_ms: 5000,
            dr_accept_any_2xx: false,
            dr_fail_first: 0,
            dr_fail_mode: FailureMode::BeforeSend,
            callback_concurrency: 64,
            callback_journal_size: 10_000,
            request_journal_size: 10_000,
            callback_journal_bytes: DEFAULT_JOURNAL_BYTES,
            request_journal_bytes: DEFAULT_JOURNAL_BYTES,
            faults: None,
            state_file: None,
            state_save_interval: 5,
            max_connections: 4096,
            header_timeout: 10,
            shutdown_timeout: 5,
            control_token: None,
            callback_allow: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_and_defaults_agree_with_default() {
        let cli = Cli::try_parse_from(["smsmock"]).unwrap();
        let defaults = ServeConfig::default();
        assert_eq!(cli.serve.port, defaults.port);
        assert_eq!(cli.serve.host, "127.0.0.1", "loopback unless told otherwise");
        assert_eq!(cli.serve.host, defaults.host);
        assert_eq!(cli.serve.body_limit, defaults.body_limit);
        assert_eq!(cli.serve.dr_max_attempts, defaults.dr_max_attempts);
        assert_eq!(cli.serve.dr_retry_interval, defaults.dr_retry_interval);
        assert_eq!(cli.serve.callback_journal_size, defaults.callback_journal_size);
        assert_eq!(cli.serve.viamobile_push_attempts, defaults.viamobile_push_attempts);
        assert_eq!(cli.serve.viamobile_push_retry_interval, defaults.viamobile_push_retry_interval);
        assert!(Cli::try_parse_from(["smsmock", "--dr-max-attempts", "0"]).is_err());
        let cli = Cli::try_parse_from([
            "smsmock",
            "--port",
            "9000",
            "--accept-any-credentials",
            "--clock",
            "manual",
            "--clock-speed",
            "60",
            "--log-format",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.serve.port, 9000);
        assert!(cli.serve.accept_any_credentials);
        assert_eq!(cli.serve.clock, ClockMode::Manual);
        assert_eq!(cli.serve.clock_speed, 60.0);
        assert_eq!(cli.serve.log_format, LogFormat::Json);
        assert!(Cli::try_parse_from(["smsmock", "--clock-speed", "0"]).is_err());
    }

    #[test]
    fn callback_targets_parse_as_hosts_addresses_and_networks() {
        let cli = Cli::try_parse_from([
            "smsmock",
            "--callback-allow",
            "10.0.0.0/8,receiver.internal",
            "--callback-allow",
            "fd00::1",
        ])
        .unwrap();
        assert_eq!(cli.serve.callback_allow.len(), 3);
        assert!(Cli::try_parse_from(["smsmock", "--callback-allow", "10.0.0.0/33"]).is_err());
    }

    #[test]
    fn failure_modes_are_spelled_as_in_the_api_and_the_old_way_too() {
        for (given, mode) in [
            ("afterResponse", FailureMode::AfterResponse),
            ("after-response", FailureMode::AfterResponse),
            ("beforeSend", FailureMode::BeforeSend),
            ("timeout", FailureMode::Timeout),
        ] {
            let cli = Cli::try_parse_from(["smsmock", "--dr-fail-mode", given]).unwrap();
            assert_eq!(cli.serve.dr_fail_mode, mode, "{given}");
        }
    }

    #[test]
    fn healthcheck_is_a_subcommand() {
        let cli = Cli::try_parse_from(["smsmock", "healthcheck", "--url", "http://x/"]).unwrap();
        let Some(Command::Healthcheck(args)) = cli.command else { panic!("no subcommand") };
        assert_eq!(args.url.as_deref(), Some("http://x/"));
    }
}
