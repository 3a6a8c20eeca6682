//! What the benchmarks share: starting the release binary on a free port,
//! stopping it, reading its resident memory, summarising timings. Each
//! benchmark uses a part of it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The binary measured: the one cargo built for the benchmark, or
/// `SMSMOCK_BENCH_BINARY` (the container image's, say, copied out of it).
pub fn binary() -> String {
    std::env::var("SMSMOCK_BENCH_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_smsmock").to_owned())
}

/// `SMSMOCK_BENCH_SMOKE=1`: run every part once, small, to show the
/// benchmark works (CI runs them so); the figures then mean nothing.
pub fn smoke() -> bool {
    std::env::var("SMSMOCK_BENCH_SMOKE").is_ok_and(|v| v == "1")
}

/// A running emulator, killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The binary on `port` with quiet logs and `extra` flags, not waited for.
pub fn spawn(port: u16, extra: &[&str]) -> Child {
    Command::new(binary())
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--log-level", "warn"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts")
}

/// The binary with `extra` flags, once it answers its health check.
pub async fn start(extra: &[&str]) -> Server {
    let port = free_port();
    let server = Server { child: spawn(port, extra), base: format!("http://127.0.0.1:{port}") };
    let client = reqwest::Client::new();
    while client.get(format!("{}/_mock/health", server.base)).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server
}

/// The key of the account [`create_bench_account`] makes.
pub const BENCH_KEY: &str = "bench-key";

/// An iP.1 account whose balance no benchmark runs out of, with the
/// senders the benchmarks use (`iP1` is always registered).
pub async fn create_bench_account(base: &str) {
    let account = serde_json::json!({"gateway": "ip1", "balance": 1e12, "apiKeys": [BENCH_KEY], "senders": ["Acme"]});
    let created = reqwest::Client::new()
        .post(format!("{base}/_mock/accounts"))
        .json(&account)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
}

/// VmRSS of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// `median X ms, max Y ms`.
pub fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!("median {:.1} ms, max {:.1} ms", ms(times[times.len() / 2]), ms(times[times.len() - 1]))
}
