//! What a careless client or a kill costs, measured on the release binary:
//!
//! - how long a SIGTERM takes with a half-sent request open (the bound is
//!   `--shutdown-timeout`, 5 s);
//! - resident memory before, during and after a burst of 10,000
//!   connections;
//! - callback attempts per second to a receiver that never answers, and
//!   how late a healthy receiver's reports arrive meanwhile;
//! - what a SIGKILL loses with the default `--state-save-interval`;
//! - the API's p99 under sends whose reports go to a failing and to a
//!   hanging receiver, next to sends whose reports go to a healthy one
//!   and sends without reports.
//!
//! `cargo bench --bench reliability`; `SMSMOCK_BENCH_SMOKE=1` runs every
//! part small.

// A failing unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn main() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        shutdown_with_a_half_sent_request().await;
        connection_burst().await;
        hanging_receiver().await;
        sigkill().await;
        load_with_faults().await;
    });
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

fn terminate(pid: u32) {
    Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
}

async fn shutdown_with_a_half_sent_request() {
    for (what, bytes) in [
        ("half a request head", "POST /v2/batches HTTP/1.1\r\nHost: x\r\n".to_owned()),
        (
            "a head and half its body",
            "POST /v2/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ip1-default-key\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"sender\""
                .to_owned(),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        let port = common::free_port();
        let mut child = common::spawn(port, &["--state-file", state.to_str().unwrap()]);
        let base = format!("http://127.0.0.1:{port}");
        while reqwest::get(format!("{base}/_mock/health")).await.is_err() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut open = TcpStream::connect(("127.0.0.1", port)).unwrap();
        open.write_all(bytes.as_bytes()).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        terminate(child.id());
        let status = child.wait().unwrap();
        println!(
            "SIGTERM with {what} open: stopped in {}, exit {}, state saved: {}",
            seconds(started.elapsed()),
            status.code().unwrap_or(-1),
            state.exists()
        );
        drop(open);
    }
}

async fn connection_burst() {
    let connections = if common::smoke() { 500 } else { 10_000 };
    let server = common::start(&["--max-connections", "20000"]).await;
    for _ in 0..20 {
        reqwest::get(format!("{}/_mock/health", server.base)).await.unwrap();
    }
    let pid = server.pid();
    let before = common::rss_kib(pid);
    let port: u16 = server.base.rsplit(':').next().unwrap().parse().unwrap();
    let peak = tokio::task::spawn_blocking(move || {
        let mut open = Vec::with_capacity(connections);
        for _ in 0..connections {
            let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
            socket.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            open.push(socket);
        }
        for socket in &mut open {
            let mut answer = [0u8; 512];
            let _ = socket.read(&mut answer).unwrap();
        }
        common::rss_kib(pid)
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = common::rss_kib(pid);
    println!(
        "resident memory around a burst of {connections} connections: {before} KiB before, {peak} KiB with them open, {after} KiB 2 s after they closed ({:.2}x)",
        after as f64 / before as f64
    );
}

/// A receiver that accepts connections and never answers.
async fn never_answering_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{address}/dlr")
}

/// A receiver that answers `status` at once, counting what it got.
async fn answering_receiver(status: u16) -> (String, Arc<AtomicUsize>) {
    let received = Arc::new(AtomicUsize::new(0));
    let count = received.clone();
    let app = axum::Router::new().route(
        "/dlr",
        axum::routing::post(move || {
            count.fetch_add(1, Ordering::Relaxed);
            async move { axum::http::StatusCode::from_u16(status).unwrap() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/dlr"), received)
}

async fn send(client: &reqwest::Client, base: &str, body: &Value) -> Duration {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/v2/batches"))
        .bearer_auth(common::BENCH_KEY)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let _ = response.bytes().await;
    started.elapsed()
}

async fn hanging_receiver() {
    let (messages, window) =
        if common::smoke() { (20, Duration::from_secs(2)) } else { (500, Duration::from_secs(20)) };
    let server = common::start(&["--clock-speed", "10"]).await;
    common::create_bench_account(&server.base).await;
    let client = reqwest::Client::new();
    let hanging = never_answering_receiver().await;
    let (healthy, received) = answering_receiver(200).await;
    let started = Instant::now();
    for n in 0..messages {
        let url = if n % 10 == 0 { &healthy } else { &hanging };
        let body = json!({"sender": "Acme", "recipients": ["46701234567"], "body": "x", "deliveryReportUrl": url});
        send(&client, &server.base, &body).await;
    }
    let healthy_reports = (messages / 10 + usize::from(messages % 10 != 0)) * 3;
    let mut healthy_done = None;
    while started.elapsed() < window {
        if healthy_done.is_none() && received.load(Ordering::Relaxed) >= healthy_reports {
            healthy_done = Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let url = format!("{}/_mock/callbacks?url={}", server.base, urlencode(&hanging));
    let attempts: Value = client.get(url).send().await.unwrap().json().await.unwrap();
    let attempts = attempts.as_array().unwrap().len();
    println!(
        "a receiver that never answers (5 s timeout): {attempts} attempts in {} = {:.1} per second; the healthy receiver had all {healthy_reports} reports after {}",
        seconds(window),
        attempts as f64 / window.as_secs_f64(),
        healthy_done.map_or("never".to_owned(), seconds)
    );
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn sigkill() {
    let (duration, pause) = if common::smoke() {
        (Duration::from_secs(2), Duration::from_millis(50))
    } else {
        (Duration::from_secs(12), Duration::from_millis(20))
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let port = common::free_port();
    let mut child = common::spawn(port, &["--state-file", state.to_str().unwrap()]);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    while client.get(format!("{base}/_mock/health")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    common::create_bench_account(&base).await;
    let mut sent = Vec::new();
    let started = Instant::now();
    while started.elapsed() < duration {
        let body = json!({"sender": "Acme", "recipients": ["46701234567"], "body": "x"});
        let answer: Value = client
            .post(format!("{base}/v2/batches"))
            .bearer_auth(common::BENCH_KEY)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        sent.push((Instant::now(), answer["id"].as_str().unwrap().to_owned()));
        tokio::time::sleep(pause).await;
    }
    child.kill().unwrap();
    let killed = Instant::now();
    child.wait().unwrap();

    let restarted = common::start(&["--state-file", state.to_str().unwrap()]).await;
    let mut lost = Vec::new();
    for (at, id) in &sent {
        let url = format!("{}/v2/batches/{id}", restarted.base);
        let found = client.get(url).bearer_auth(common::BENCH_KEY).send().await;
        if !found.is_ok_and(|response| response.status().is_success()) {
            lost.push(*at);
        }
    }
    let span = lost.first().map_or(Duration::ZERO, |first| killed - *first);
    println!(
        "SIGKILL with the default 5 s save interval: {} of {} accepted sends lost, those of the last {}",
        lost.len(),
        sent.len(),
        seconds(span)
    );
}

async fn load_with_faults() {
    let (clients, duration) = if common::smoke() {
        (5, Duration::from_millis(500))
    } else {
        (20, Duration::from_secs(5))
    };
    let server = common::start(&["--clock-speed", "100"]).await;
    common::create_bench_account(&server.base).await;
    let (healthy, _) = answering_receiver(200).await;
    let (failing, _) = answering_receiver(500).await;
    let hanging = never_answering_receiver().await;
    for (what, url) in [
        ("no reports", None),
        ("reports to a healthy receiver", Some(healthy)),
        ("reports to a failing receiver", Some(failing)),
        ("reports to a hanging receiver", Some(hanging)),
    ] {
        let mut body = json!({"sender": "Acme", "recipients": ["46701234567"], "body": "x"});
        if let Some(url) = url {
            body["deliveryReportUrl"] = json!(url);
        }
        let until = Instant::now() + duration;
        let tasks: Vec<_> = (0..clients)
            .map(|_| {
                let (base, body) = (server.base.clone(), body.clone());
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    let mut latencies = Vec::new();
                    while Instant::now() < until {
                        latencies.push(send(&client, &base, &body).await);
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await.unwrap());
        }
        latencies.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "sends with {what}: {} sends, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            latencies.len(),
            ms(latencies[latencies.len() / 2]),
            ms(latencies[latencies.len() * 99 / 100]),
            ms(latencies[latencies.len() - 1])
        );
    }
}
