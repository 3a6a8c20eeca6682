//! An idle emulator with many accounts: its CPU use, and how late a due
//! step fires on a realtime clock.
//!
//! `cargo bench --bench idle` starts the release binary with
//! `--accept-any-credentials` and a realtime clock, makes 10,000 accounts
//! (one `GET /api/me` each, with its own key), then:
//! 1. reads the process's CPU time (utime + stime) over 10 idle seconds.
//!    Target: under 1% of a core.
//! 2. sends 200 one-recipient batches, 10 ms apart, with a
//!    `deliveryReportUrl` on a local receiver, and measures each report of
//!    a later step (102 after 1 s, 201 after 6 s) from its due time (the
//!    report's `created`, in virtual time, which a speed-1 clock keeps
//!    with the wall clock) to its arrival. Target: within 5 ms.
//!
//! With `SMSMOCK_BENCH_SMOKE=1` (CI) it does the same with 100 accounts,
//! one idle second and 10 batches, to show it runs.

// A failing unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Clock ticks per second of `/proc/<pid>/stat`'s times (`CLK_TCK`).
const TICKS_PER_SECOND: f64 = 100.0;

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / TICKS_PER_SECOND
}

async fn make_accounts(base: &str, count: usize) {
    let client = reqwest::Client::new();
    for chunk in (0..count).collect::<Vec<_>>().chunks(100) {
        let requests = chunk.iter().map(|n| {
            let request = client.get(format!("{base}/api/me")).bearer_auth(format!("idle-{n}"));
            async move { assert_eq!(request.send().await.unwrap().status(), 200) }
        });
        futures::future::join_all(requests).await;
    }
}

/// A receiver that notes when each report arrives.
async fn start_receiver() -> (String, Arc<Mutex<Vec<(DateTime<Utc>, Value)>>>) {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let noted = arrivals.clone();
    let receiver = axum::Router::new().route(
        "/dlr",
        axum::routing::post(move |axum::Json(report): axum::Json<Value>| {
            let noted = noted.clone();
            async move {
                noted.lock().unwrap().push((Utc::now(), report));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/dlr", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    (url, arrivals)
}

fn percentile(sorted: &[f64], share: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * share).round() as usize]
}

#[tokio::main]
async fn main() {
    let smoke = common::smoke();
    let (accounts, idle, batches) = if smoke {
        (100, Duration::from_secs(1), 10)
    } else {
        (10_000, Duration::from_secs(10), 200)
    };
    // Room for the accounts it makes beside the fixtures' (the default
    // bound is 10,000 in all).
    let room = (accounts + 100).to_string();
    let server = common::start(&["--accept-any-credentials", "--max-accounts", &room]).await;
    make_accounts(&server.base, accounts).await;

    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = cpu_seconds(server.pid());
    let started = Instant::now();
    tokio::time::sleep(idle).await;
    let share = (cpu_seconds(server.pid()) - before) / started.elapsed().as_secs_f64();
    println!(
        "idle CPU with {accounts} accounts: {:.2}% of a core over {} s",
        share * 100.0,
        idle.as_secs()
    );

    let (url, arrivals) = start_receiver().await;
    let client = reqwest::Client::new();
    let batch = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi",
                       "deliveryReportUrl": url});
    for _ in 0..batches {
        let sent = client
            .post(format!("{}/v2/batches", server.base))
            .bearer_auth("idle-0")
            .json(&batch)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 201);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let expected = batches * 3;
    let deadline = Instant::now() + Duration::from_secs(20);
    while arrivals.lock().unwrap().len() < expected {
        assert!(Instant::now() < deadline, "reports did not all arrive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut lateness: Vec<f64> = arrivals
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, report)| report["code"] != 101)
        .map(|(arrived, report)| {
            let due: DateTime<Utc> = report["created"].as_str().unwrap().parse().unwrap();
            (*arrived - due).num_microseconds().unwrap() as f64 / 1000.0
        })
        .collect();
    lateness.sort_by(f64::total_cmp);
    println!(
        "due steps fired late by (due time to the report's arrival, {} reports): median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lateness.len(),
        percentile(&lateness, 0.5),
        percentile(&lateness, 0.99),
        lateness[lateness.len() - 1]
    );
}
