//! smsmock: a local emulator of two SMS gateways, iP.1's REST API (v2 and
//! the older 1.0) and Viamobile's BSMS API, for tests. Point an SDK at it instead of the
//! real host and script what the real gateway would do.
//!
//! # Layout
//!
//! - [`entry`]: what the binary runs: the command line's command.
//! - [`config`]: command line and `SMSMOCK_*` environment variables.
//! - [`startup`]: builds the router, binds, serves, shuts down gracefully.
//! - [`server`]: connections within bounds: timeouts, a limit, shutdown;
//!   a [`watchdog`] a connection closes it when it sends no request head
//!   in time and asks it to finish at shutdown.
//! - [`state_file`]: `--state-file`: read at start, saved whole and often.
//! - [`state`]: the state handle handlers receive.
//! - [`fixtures`]: the accounts the emulator starts with.
//! - [`domain`]: accounts, money, senders, phone numbers; pure and unit-tested.
//! - [`engine`]: every change of state: sends, incoming SMS, due steps,
//!   reset, export and import; the owner of everything below.
//! - [`store`]: accounts as shards, each behind its own lock.
//! - [`clock`]: per-account virtual time.
//! - [`webhooks`]: callback attempts, retries, failure scripts, journal.
//! - [`rules`]: outcome rules set through the control API.
//! - [`faults`]: fault rules on the gateway APIs.
//! - [`requests`]: the journal of gateway calls.
//! - [`masking`]: credentials hidden in what the journal keeps.
//! - [`gateways`]: iP.1 and Viamobile: parse their wire formats, call the
//!   engine, render its answers; authentication, error formats, callback
//!   payloads.
//! - [`control`]: the `/_mock` control API for tests.
//! - [`http`]: what every surface shares: JSON answers, `Authorization`
//!   parsing, the surfaces and their error formats, the journal and faults
//!   layers, and lenient reading of request bodies.
//! - [`routes`]: routes registered from their handlers' OpenAPI annotations.
//! - [`openapi`]: the OpenAPI document of every route, generated from the code.
//! - [`telemetry`]: logging, one line per request; [`log_format`] writes
//!   a line as tracing-subscriber would, quicker; [`log_writer`] writes
//!   the lines to stdout off the requests' threads.
//! - [`supervisor`]: background tasks restarted after a panic; failures
//!   recorded for the health check.
//! - [`healthcheck`]: the `smsmock healthcheck` probe.
//! - [`ui`]: the web inbox at `/_mock/ui/`, a client of the control API.

/// Static musl builds take `memcpy` and `memmove` from here, not from musl
/// (crates/musl-memcpy says why): naming the crate links it into every
/// binary, the tests' too.
#[cfg(target_env = "musl")]
extern crate musl_memcpy;

pub mod clock;
pub mod config;
pub mod control;
pub mod ctl;
pub mod domain;
pub mod engine;
pub mod entry;
pub mod faults;
pub mod fixtures;
pub mod gateways;
pub mod healthcheck;
pub mod http;
pub mod log_format;
pub mod log_writer;
pub mod masking;
pub mod openapi;
pub mod requests;
pub mod routes;
pub mod rules;
pub mod server;
pub mod startup;
pub mod state;
pub mod state_file;
pub mod store;
pub mod supervisor;
pub mod telemetry;
pub mod ui;
pub mod watchdog;
pub mod webhooks;
