//! Black-box tests: every test starts its own emulator on port 0 and talks
//! to it over HTTP, as a client would.

// A failing unwrap is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod auth;
mod concurrency;
mod control;
mod errors;
mod events;
mod ip1_account_surface;
mod ip1_batches;
mod ip1_blacklist;
mod ip1_contacts;
mod ip1_fidelity;
mod ip1_listing;
mod ip1_send_validation;
mod ip1_v1;
mod isolation;
mod lifecycle;
mod messages;
mod openapi;
mod reliability;
mod scenarios;
mod startup;
mod state;
mod viamobile;
mod virtual_numbers;
mod waiting;
