//! Memory is bounded: the journals by size as well as by count, and what
//! a burst of connections took is given back when they close.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn the_request_journal_is_bounded_by_size() {
    const MAX_BYTES: usize = 1 << 20;
    let app = spawn_app_with(|config| config.request_journal_bytes = MAX_BYTES).await;
    let big = "x".repeat(16 * 1024);
    for n in 0..200 {
        let body = format!(r#"{{"n":{n},"pad":"{big}"}}"#);
        let request = app.post("/v2/contacts").bearer_auth(IP1_KEY);
        let _ = send(request.header("Content-Type", "application/json").body(body)).await;
    }
    let (_, calls) = send(app.get("/_mock/requests?limit=1000")).await;
    let calls = calls.as_array().unwrap();
    let held: usize = calls.iter().map(|call| call["body"].as_str().unwrap().len()).sum();
    assert!(held <= MAX_BYTES, "{held} bytes of bodies held");
    assert!(calls.len() >= 40, "the newest are kept: {}", calls.len());
    assert!(calls[0]["body"].as_str().unwrap().starts_with(r#"{"n":199,"#), "newest first");
    let (_, newest) = send(app.get("/_mock/requests?limit=1")).await;
    assert_eq!(newest.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_callback_journal_is_bounded_by_size() {
    let app = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.callback_journal_bytes = 16 * 1024;
    })
    .await;
    let batch = serde_json::json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi",
                                   "deliveryReportUrl": "http://127.0.0.1:9/dlr"});
    for _ in 0..20 {
        assert_eq!(app.send_batch(&batch).await.0, 201);
    }
    app.advance(10).await;
    let (_, attempts) = send(app.get("/_mock/callbacks")).await;
    let attempts: &Vec<Value> = attempts.as_array().unwrap();
    assert!(!attempts.is_empty() && attempts.len() < 60, "{} of 60 kept", attempts.len());
}

/// The resident memory of a process, in KiB.
fn resident_kib(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_taken_by_a_burst_of_connections_is_given_back() {
    // As many as this process may open, up to 10,000.
    let room = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let connections = usize::try_from(room.saturating_sub(100)).unwrap_or(0).min(10_000);
    assert!(connections >= 600, "only {room} files may be open");
    let (child, port) = start_binary(&["--max-connections", "20000"]).await;
    let pid = child.id();
    for _ in 0..20 {
        reqwest::get(format!("http://127.0.0.1:{port}/_mock/health")).await.unwrap();
    }
    let before = resident_kib(pid);

    let peak = tokio::task::spawn_blocking(move || {
        let mut open = Vec::with_capacity(connections);
        for _ in 0..connections {
            let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
            socket.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            open.push(socket);
        }
        for socket in &mut open {
            let mut answer = [0u8; 512];
            assert!(socket.read(&mut answer).unwrap() > 0);
        }
        let peak = resident_kib(pid);
        drop(open);
        peak
    })
    .await
    .unwrap();

    let deadline = Instant::now() + Duration::from_secs(5);
    let mut after = resident_kib(pid);
    while after > 2 * before && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = resident_kib(pid);
    }
    assert!(
        after <= 2 * before,
        "{connections} connections: {before} KiB before, {peak} KiB at the peak, {after} KiB after"
    );
    let _ = stop(child).await;
}
