//! Connections are bounded: a head must come within the header timeout,
//! idle sockets cannot crowd out the health check, and a shutdown ends
//! within its bound whatever clients do.

use std::io::{Read, Write};
use std::net::TcpStream;
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

/// Writes `pieces` to a new connection of `app`, one every `pause`, until
/// the server closes it or all are sent; returns how long after the first
/// piece it was closed and what it answered.
async fn trickle(app: &TestApp, pieces: Vec<Vec<u8>>, pause: Duration) -> (Duration, String) {
    let address = app.address.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || {
        let socket = TcpStream::connect(address).unwrap();
        let mut reader = socket.try_clone().unwrap();
        reader.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let started = Instant::now();
        let writer = std::thread::spawn(move || {
            let mut socket = socket;
            for piece in pieces {
                if socket.write_all(&piece).is_err() {
                    return;
                }
                std::thread::sleep(pause);
            }
        });
        let mut answer = Vec::new();
        let _ = reader.read_to_end(&mut answer);
        let closed_after = started.elapsed();
        writer.join().unwrap();
        (closed_after, String::from_utf8_lossy(&answer).into_owned())
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_trickled_in_longer_than_the_header_timeout_is_not_waited_for() {
    let app = spawn_app_with(|config| config.header_timeout = 1).await;
    let head = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Slow: one byte at a time\r\n\r\n";
    // 60 bytes, one every 100 ms: each comes well within the timeout, the
    // whole head does not.
    let bytes = head.iter().map(|byte| vec![*byte]).collect();
    let (closed_after, answer) = trickle(&app, bytes, Duration::from_millis(100)).await;
    assert!(closed_after < Duration::from_secs(3), "{closed_after:?}");
    assert!(closed_after >= Duration::from_millis(900), "closed early: {closed_after:?}");
    assert!(!answer.contains("200 OK"), "no answer to a head that came too late: {answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_is_closed_a_header_timeout_after_its_last_answer() {
    let app = spawn_app_with(|config| config.header_timeout = 1).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let (answered_after, closed_after, answer) = tokio::task::spawn_blocking(move || {
        let mut socket = TcpStream::connect(address).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        // Two answers, the second after most of a timeout: the wait for a
        // head starts again after each answer.
        let mut answer = Vec::new();
        let started = Instant::now();
        for _ in 0..2 {
            socket.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut chunk = [0u8; 4096];
            let n = socket.read(&mut chunk).unwrap();
            answer.extend_from_slice(&chunk[..n]);
            std::thread::sleep(Duration::from_millis(700));
        }
        let answered_after = started.elapsed();
        let _ = socket.read_to_end(&mut answer);
        (answered_after, started.elapsed(), String::from_utf8_lossy(&answer).into_owned())
    })
    .await
    .unwrap();
    assert_eq!(answer.matches("200 OK").count(), 2, "{answer}");
    let idle = closed_after - answered_after + Duration::from_millis(700);
    assert!(idle >= Duration::from_millis(900), "closed early, after {idle:?} idle");
    assert!(idle < Duration::from_secs(3), "closed after {idle:?} idle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_trickled_in_longer_than_the_header_timeout_is_still_answered() {
    let app = spawn_app_with(|config| config.header_timeout = 1).await;
    let body = br#"{"sender": "iP1", "recipients": ["46701234567"], "body": "Slowly"}"#;
    let head = format!(
        "POST /v2/batches HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {IP1_KEY}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // The head in one piece, then the body in ten over about two timeouts.
    let mut pieces = vec![head.into_bytes()];
    pieces.extend(body.chunks(body.len().div_ceil(10)).map(<[u8]>::to_vec));
    let (took, answer) = trickle(&app, pieces, Duration::from_millis(200)).await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(took >= Duration::from_millis(1200), "the body came slower than that: {took:?}");
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
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let (child, port) =
        start_binary(&["--shutdown-timeout", "1", "--state-file", path.to_str().unwrap()]).await;
    let mut half_head = TcpStream::connect(("127.0.0.1", port)).unwrap();
    half_head.write_all(b"POST /v2/batches HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut half_body = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "POST /v2/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {IP1_KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"sender\""
    );
    half_body.write_all(head.as_bytes()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let (status, took) = stop(child).await;
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_millis(3000), "shutdown took {took:?}");
    assert!(std::fs::read_to_string(&path).unwrap().contains("\"version\""), "state saved");
    drop((half_head, half_body));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_when_the_shutdown_begins_is_answered_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let (child, port) =
        start_binary(&["--shutdown-timeout", "5", "--state-file", path.to_str().unwrap()]).await;
    let body = br#"{"sender": "iP1", "recipients": ["46701234567"], "body": "Last words"}"#;
    let head = format!(
        "POST /v2/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {IP1_KEY}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
    socket.write_all(head.as_bytes()).unwrap();
    socket.write_all(&body[..10]).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let stopping = tokio::spawn(stop(child));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stopping.is_finished(), "the shutdown waits for the request in flight");
    let answer = tokio::task::spawn_blocking(move || {
        socket.write_all(&body[10..]).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut answer = Vec::new();
        // Read to the end: the connection is closed after the answer.
        let _ = socket.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
    let (status, took) = stopping.await.unwrap();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(3), "shutdown took {took:?}");
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(saved.contains("Last words"), "the answered send was saved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_sent_nothing_do_not_hold_up_a_shutdown() {
    let (child, port) = start_binary(&[]).await;
    let silent: Vec<TcpStream> =
        (0..3).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    // A kept-alive connection between requests, too.
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/_mock/health");
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, took) = stop(child).await;
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_millis(1000), "shutdown took {took:?}, not at once");
    drop(silent);
}
