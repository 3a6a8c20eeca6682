//! Throughput of `POST /v2/batches` with one recipient (full validation,
//! storage, scheduling and journaling), against a bare axum handler that
//! only parses the same JSON, measured the same way in the same run.
//!
//! `cargo bench --bench send_throughput` starts the release binary, and
//! this benchmark's own executable as the bare server (a separate process
//! too, so both are measured alike). Each gets 2 s of warm-up, then 50
//! keep-alive connections send as fast as they are answered for 5 s; the
//! benchmark reports requests per second, p50 and p99 latency, and the
//! emulator's share of the bare handler's throughput.
//! Budget (DESIGN.md): at least 85% of the bare handler, p99 under 3 ms.

// A failing unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};

const CONNECTIONS: usize = 50;

/// Warm-up and measured time (0.2 s and 0.5 s in a smoke run).
fn durations() -> (Duration, Duration) {
    if common::smoke() {
        (Duration::from_millis(200), Duration::from_millis(500))
    } else {
        (Duration::from_secs(2), Duration::from_secs(5))
    }
}
/// Set in the environment of the child that serves the bare handler.
const BARE_SERVER: &str = "SMSMOCK_BENCH_BARE_SERVER_PORT";

/// The bare handler: parse the body, answer 201 with a small document.
async fn bare_send(Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let recipients = body["recipients"].as_array().map_or(0, Vec::len);
    (StatusCode::CREATED, Json(json!({"id": "0", "recipients": recipients})))
}

fn serve_bare(port: u16) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        axum::serve(listener, axum::Router::new().route("/v2/batches", post(bare_send)))
            .await
            .unwrap();
    });
}

struct Measured {
    requests_per_second: f64,
    p50: Duration,
    p99: Duration,
}

/// Sends from `CONNECTIONS` tasks until `until`; returns every latency
/// after `from`.
async fn load(url: &str, body: &[u8], from: Instant, until: Instant) -> Vec<Duration> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(CONNECTIONS).build().unwrap();
    let failed = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (client, url, body, failed) =
                (client.clone(), url.to_owned(), body.to_vec(), failed.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    let started = Instant::now();
                    let response = client
                        .post(&url)
                        .bearer_auth(common::BENCH_KEY)
                        .header("Content-Type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    match response {
                        Ok(response) if response.status() == StatusCode::CREATED => {
                            let _ = response.bytes().await;
                        }
                        _ => failed.store(true, Ordering::Relaxed),
                    }
                    if started >= from {
                        latencies.push(started.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    assert!(!failed.load(Ordering::Relaxed), "every send is answered 201");
    latencies
}

async fn measure(url: &str, body: &[u8]) -> Measured {
    let (warm_up, measured) = durations();
    let from = Instant::now() + warm_up;
    let mut latencies = load(url, body, from, from + measured).await;
    latencies.sort_unstable();
    Measured {
        requests_per_second: latencies.len() as f64 / measured.as_secs_f64(),
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
    }
}

fn report(name: &str, measured: &Measured) {
    println!(
        "{name}: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
        measured.requests_per_second,
        measured.p50.as_secs_f64() * 1000.0,
        measured.p99.as_secs_f64() * 1000.0
    );
}

fn main() {
    match std::env::var(BARE_SERVER) {
        Ok(port) => serve_bare(port.parse().unwrap()),
        Err(_) => tokio::runtime::Runtime::new().unwrap().block_on(compare()),
    }
}

async fn compare() {
    let body = serde_json::to_vec(&json!({
        "sender": "Acme",
        "recipients": ["46701234567"],
        "body": "Your verification code is 123456.",
        "reference": "bench",
    }))
    .unwrap();

    let bare_port = common::free_port();
    let mut bare = std::process::Command::new(std::env::current_exe().unwrap())
        .env(BARE_SERVER, bare_port.to_string())
        .spawn()
        .unwrap();
    let bare_url = format!("http://127.0.0.1:{bare_port}/v2/batches");
    while reqwest::Client::new().post(&bare_url).json(&json!({})).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let baseline = measure(&bare_url, &body).await;
    let _ = bare.kill();
    let _ = bare.wait();
    report("bare axum handler parsing the same JSON", &baseline);

    let emulator = common::start(&[]).await;
    common::create_bench_account(&emulator.base).await;
    let emulated = measure(&format!("{}/v2/batches", emulator.base), &body).await;
    report("smsmock POST /v2/batches, one recipient", &emulated);
    println!(
        "smsmock reaches {:.0}% of the bare handler's throughput",
        100.0 * emulated.requests_per_second / baseline.requests_per_second
    );
}
