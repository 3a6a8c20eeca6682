//! One `POST /v2/batches` with 100,000 recipients, and the resident memory
//! each stored message costs.
//!
//! `cargo bench --bench batch_send` starts the release binary (body limit
//! raised to 8 MiB: 100,000 recipients are about 1.5 MB of JSON), sends 10
//! such batches (1,000,000 messages) to an account with enough balance,
//! and reports the time of each send and the growth of VmRSS per message.
//! Targets (issue): accepted in under 1 s; under 1 KiB per stored message.

// A failing unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::rss_kib;

#[tokio::main]
async fn main() {
    // A smoke run sends 2 batches of 1,000.
    let (recipients_per_batch, batches) = if common::smoke() { (1_000, 2) } else { (100_000, 10) };
    let server = common::start(&["--body-limit", &(8 * 1024 * 1024).to_string()]).await;
    let base = &server.base;
    let client = reqwest::Client::new();
    common::create_bench_account(base).await;

    let recipients: Vec<String> =
        (0..recipients_per_batch).map(|i| format!("46{:09}", 701_000_000 + i)).collect();
    let body = serde_json::to_vec(&json!({
        "sender": "iP1",
        "recipients": recipients,
        "body": "Your verification code is 123456. It expires in 10 minutes.",
        "reference": "bench",
    }))
    .unwrap();
    println!("request body: {:.1} MB, {recipients_per_batch} recipients", body.len() as f64 / 1e6);

    let rss_before = rss_kib(server.pid());
    let mut times = Vec::new();
    for _ in 0..batches {
        let started = Instant::now();
        let response = client
            .post(format!("{base}/v2/batches"))
            .bearer_auth(common::BENCH_KEY)
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        times.push(started.elapsed());
        assert_eq!(status, 201, "{answer}");
        assert_eq!(answer["messageSummary"]["101"]["messages"], recipients_per_batch);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_after = rss_kib(server.pid());

    let ms: Vec<String> =
        times.iter().map(|t| format!("{:.0}", t.as_secs_f64() * 1000.0)).collect();
    times.sort();
    println!(
        "POST /v2/batches with {recipients_per_batch} recipients: median {:.0} ms, max {:.0} ms (runs: {} ms)",
        times[batches / 2].as_secs_f64() * 1000.0,
        times[batches - 1].as_secs_f64() * 1000.0,
        ms.join(", ")
    );
    let messages = (recipients_per_batch * batches) as f64;
    let per_message = (rss_after.saturating_sub(rss_before) as f64 * 1024.0) / messages;
    println!(
        "resident memory: {rss_before} KiB before, {rss_after} KiB after {messages} messages: {per_message:.0} bytes per stored message"
    );
}
