//! The binary itself: start-up, fixtures errors, healthcheck, SIGTERM.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::*;

const BINARY: &str = env!("CARGO_BIN_EXE_smsmock");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts the binary on a free port and waits until it answers.
async fn start_binary(extra: &[&str]) -> (Child, String) {
    let port = free_port().to_string();
    let child = Command::new(BINARY)
        .args(["--host", "127.0.0.1", "--port", &port, "--log-level", "warn"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.get(format!("{address}/_mock/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the binary did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (child, address)
}

#[tokio::test]
async fn the_binary_serves_both_gateways_with_the_default_fixtures() {
    let (mut child, address) = start_binary(&[]).await;
    let client = reqwest::Client::new();
    let me = client.get(format!("{address}/api/me")).bearer_auth(IP1_KEY).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let limit = client
        .get(format!("{address}/stats/limit"))
        .basic_auth(VIA_USER, Some(VIA_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(limit.status(), 200);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn sigterm_stops_the_binary_cleanly() {
    let (mut child, _) = start_binary(&[]).await;
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Multi-threaded: the blocking child processes must not stall the server.
#[tokio::test(flavor = "multi_thread")]
async fn healthcheck_exits_0_against_a_running_emulator_and_1_otherwise() {
    let app = spawn_app().await;
    let url = app.url("/_mock/health");
    let ok = Command::new(BINARY).args(["healthcheck", "--url", &url]).output().unwrap();
    assert!(ok.status.success());
    let closed = format!("http://127.0.0.1:{}/_mock/health", free_port());
    let down = Command::new(BINARY).args(["healthcheck", "--url", &closed]).output().unwrap();
    assert_eq!(down.status.code(), Some(1));
    let not_health = app.url("/_mock/nothing");
    let wrong = Command::new(BINARY).args(["healthcheck", "--url", &not_health]).output().unwrap();
    assert_eq!(wrong.status.code(), Some(1));
}

#[test]
fn a_bad_fixtures_file_stops_start_up_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("broken.json", "{ not json", "key must be a string"),
        ("badid.json", r#"{"ip1": {"accounts": [{"id": "x", "apiKeys": ["k"]}]}}"#, "ip1-"),
        (
            "sender.json",
            r#"{"ip1": {"accounts": [{"id": "ip1-1", "apiKeys": ["k"], "senders": ["A"]}]}}"#,
            "not a valid sender",
        ),
    ];
    for (name, text, problem) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let output = Command::new(BINARY)
            .args(["--port", "0", "--fixtures", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(name) && stderr.contains(problem), "{name}: {stderr}");
    }
    let missing = dir.path().join("missing.json");
    let output = Command::new(BINARY)
        .args(["--port", "0", "--fixtures", missing.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.json"));
}

#[tokio::test]
async fn fixtures_from_a_file_replace_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.json");
    let fixtures =
        r#"{"ip1": {"accounts": [{"id": "ip1-5", "apiKeys": ["mine"], "currency": "EUR"}]}}"#;
    std::fs::write(&path, fixtures).unwrap();
    let app = spawn_app_with(|config| config.fixtures = Some(path)).await;
    let (status, body) = send(app.get("/api/me").bearer_auth("mine")).await;
    assert_eq!(status, 200);
    assert_eq!(body["Account"], "ip1-5");
    let (status, _) = send(app.ip1_get("/api/me")).await;
    assert_eq!(status, 401);
}
