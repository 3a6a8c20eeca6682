//! `smsmock healthcheck`: probes a running emulator, for a Docker
//! HEALTHCHECK in an image that has no shell and no curl.

use std::process::ExitCode;
use std::time::Duration;

use crate::config::HealthcheckArgs;

/// Exit 0 when the health URL answers 2xx within the timeout, else 1.
pub async fn run(args: &HealthcheckArgs, port: u16) -> ExitCode {
    let url = args.url.clone().unwrap_or_else(|| format!("http://127.0.0.1:{port}/_mock/health"));
    let client =
        match reqwest::Client::builder().timeout(Duration::from_millis(args.timeout_ms)).build() {
            Ok(client) => client,
            Err(err) => {
                eprintln!("healthcheck: {err}");
                return ExitCode::FAILURE;
            }
        };
    match client.get(&url).send().await {
        Ok(response) if response.status().is_success() => ExitCode::SUCCESS,
        Ok(response) => {
            eprintln!("healthcheck: {url} answered {}", response.status());
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("healthcheck: {url}: {err}");
            ExitCode::FAILURE
        }
    }
}
