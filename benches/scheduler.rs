//! The scheduler under load: advancing a manual clock over 1,000,000
//! pending messages, and delivery-report throughput to a local receiver.
//!
//! `cargo bench --bench scheduler` starts the release binary with a manual
//! clock, then:
//! 1. sends 10 batches of 100,000 recipients (no report URL) and times one
//!    `POST /_mock/clock/advance` that moves all 1,000,000 messages through
//!    101 → 102 → 201 (2,000,000 status changes). Target: under 2 s.
//! 2. sends 10,000 recipients with a `deliveryReportUrl` pointing at a
//!    local axum receiver answering 200, and times the advance that makes
//!    their 30,000 reports. Target: over 5,000 callbacks per second.

// A failing unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value, json};

use common::Server;

/// The emulator with a manual clock and room for 100,000 recipients.
async fn start_emulator() -> (Server, String) {
    let server =
        common::start(&["--clock", "manual", "--body-limit", &(8 * 1024 * 1024).to_string()]).await;
    let base = server.base.clone();
    (server, base)
}

async fn post(client: &reqwest::Client, url: String, key: Option<&str>, body: &Value) -> Value {
    let mut request = client.post(url).json(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status}: {answer}");
    answer
}

/// Moves every clock ten minutes on, listing no events.
async fn advance_ten_minutes(client: &reqwest::Client, base: &str) -> Value {
    let url = format!("{base}/_mock/clock/advance");
    post(client, url, None, &json!({"seconds": 600, "events": 0})).await
}

fn recipients(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("46{:09}", 701_000_000 + i)).collect()
}

async fn advance_one_million() {
    // A smoke run advances over 2 batches of 1,000.
    let (per_batch, batches) = if common::smoke() { (1_000, 2) } else { (100_000, 10) };
    let (_server, base) = start_emulator().await;
    let client = reqwest::Client::new();
    common::create_bench_account(&base).await;
    let batch = json!({"sender": "iP1", "recipients": recipients(per_batch), "body": "Your code is 123456"});
    for _ in 0..batches {
        post(&client, format!("{base}/v2/batches"), Some(common::BENCH_KEY), &batch).await;
    }
    let started = Instant::now();
    let pass = advance_ten_minutes(&client, &base).await;
    let elapsed = started.elapsed();
    let messages = per_batch * batches;
    assert_eq!(pass["statusChanges"], 2 * messages);
    println!(
        "advance over {messages} pending messages ({} status changes): {:.0} ms",
        2 * messages,
        elapsed.as_secs_f64() * 1000.0
    );
}

async fn callback_throughput() {
    // A smoke run makes 300 reports.
    let messages = if common::smoke() { 100 } else { 10_000 };
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let receiver = axum::Router::new().route(
        "/dlr",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver_url = format!("http://{}/dlr", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let (_server, base) = start_emulator().await;
    let client = reqwest::Client::new();
    common::create_bench_account(&base).await;
    let batch = json!({
        "sender": "iP1", "recipients": recipients(messages), "body": "Your code is 123456",
        "deliveryReportUrl": receiver_url,
    });
    post(&client, format!("{base}/v2/batches"), Some(common::BENCH_KEY), &batch).await;
    let started = Instant::now();
    let pass = advance_ten_minutes(&client, &base).await;
    let elapsed = started.elapsed().as_secs_f64();
    let attempts = pass["callbackAttempts"].as_u64().unwrap();
    assert_eq!(attempts as usize, 3 * messages);
    assert_eq!(received.load(Ordering::Relaxed), 3 * messages);
    println!(
        "delivery reports to a local receiver: {attempts} in {:.0} ms = {:.0} callbacks per second",
        elapsed * 1000.0,
        attempts as f64 / elapsed
    );
}

#[tokio::main]
async fn main() {
    advance_one_million().await;
    callback_throughput().await;
}
