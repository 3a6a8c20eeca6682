//! Connections are bounded: a head must come within the header timeout,
//! idle sockets cannot crowd out the health check, and a shutdown ends
//! within its bound whatever clients do.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_idle_sockets_do_not_stop_the_health_check() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let idle: Vec<TcpStream> = (0..1000).map(|_| TcpStream::connect(&address).unwrap()).collect();
    let started = Instant::now();
    let (status, _) = send(app.get("/_mock/health")).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_no_head_is_closed_after_the_header_timeout() {
    let app = spawn_app_with(|config| config.header_timeout = 1).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let (closed_after, answer) = tokio::task::spawn_blocking(move || {
        let mut socket = TcpStream::connect(address).unwrap();
        socket.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n").unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let _ = socket.read_to_end(&mut answer);
        (started.elapsed(), answer)
    })
    .await
    .unwrap();
    assert!(closed_after < Duration::from_secs(3), "{closed_after:?}");
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"), "no answer to half a head");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_limit_holds_new_connections_until_one_closes() {
    let app = spawn_app_with(|config| {
        config.max_connections = 4;
        config.header_timeout = 1;
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(&address).unwrap()).collect();
    let started = Instant::now();
    let (status, _) = send(app.get("/_mock/health")).await;
    assert_eq!(status, 200, "answered once the idle ones were closed");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(500) && waited < Duration::from_secs(4), "{waited:?}");
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_request_does_not_hold_up_a_shutdown_and_the_state_is_saved() {
    let binary = env!("CARGO_BIN_EXE_smsmock");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(binary)
        .args(["--port", &port.to_string(), "--log-level", "error", "--shutdown-timeout", "1"])
        .args(["--state-file", path.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while reqwest::get(format!("{base}/_mock/health")).await.is_err() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut half_head = TcpStream::connect(("127.0.0.1", port)).unwrap();
    half_head.write_all(b"POST /v2/batches HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut half_body = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "POST /v2/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {IP1_KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"sender\""
    );
    half_body.write_all(head.as_bytes()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("the shutdown did not finish within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = started.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_millis(3000), "shutdown took {took:?}");
    assert!(std::fs::read_to_string(&path).unwrap().contains("\"version\""), "state saved");
    drop((half_head, half_body));
}
