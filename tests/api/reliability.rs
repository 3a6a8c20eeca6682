//! What a careless test or a busy CI fleet can do to the emulator must
//! never stop it: clocks stay in range, background work survives, time
//! arithmetic never overflows.

use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    server
}

/// Waits up to 5 s of wall time for `count` callbacks at `server`.
async fn await_callbacks(server: &MockServer, count: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while received_json(server).await.len() < count {
        assert!(std::time::Instant::now() < deadline, "callbacks did not arrive within 5 s");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_clock_beyond_year_9999_is_refused_and_delivery_goes_on() {
    let app = spawn_app_with(|config| config.clock_speed = 1000.0).await;
    for time in ["+262142-12-31T23:59:59", "10000-01-01T00:00:00Z"] {
        let set = json!({"account": IP1_OTHER_ACCOUNT, "time": time});
        let (status, body) = send(app.post("/_mock/clock/set").json(&set)).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].as_str().unwrap().contains("9999"), "{body}");
    }
    let far = json!({"account": IP1_OTHER_ACCOUNT, "seconds": 999_999_999_999.0});
    let (status, body) = send(app.post("/_mock/clock/advance").json(&far)).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) =
        send(app.post("/_mock/clock/advance").json(&json!({"duration": "P1000000W"}))).await;
    assert_eq!(status, 400, "{body}");

    let server = receiver().await;
    let batch = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi",
                       "deliveryReportUrl": format!("{}/dlr", server.uri())});
    let (status, _) = app.send_batch(&batch).await;
    assert_eq!(status, 201);
    await_callbacks(&server, 3).await;
    let (status, health) = send(app.get("/_mock/health")).await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "ok");
    let (status, _) = send(app.get("/_mock/accounts")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_clock_can_be_set_to_the_end_of_year_9999_and_keeps_working() {
    let app = spawn_manual_app().await;
    let server = receiver().await;
    let batch = json!({"sender": "iP1", "recipients": ["46700000002"], "body": "Hi",
                       "deliveryReportUrl": format!("{}/dlr", server.uri())});
    app.send_batch(&batch).await;
    let end = json!({"account": IP1_ACCOUNT, "time": "9999-12-31T23:59:00Z"});
    let (status, body) = send(app.post("/_mock/clock/set").json(&end)).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = send(app.get("/_mock/state")).await;
    assert_eq!(status, 200);
    let (status, body) = app.send_batch(&batch).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(app.post("/_mock/clock/advance").json(&json!({"seconds": 30}))).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_snapshot_with_a_clock_out_of_range_is_refused() {
    let app = spawn_app().await;
    let (_, mut snapshot) = send(app.get("/_mock/state")).await;
    snapshot["ip1Accounts"][0]["clockNow"] = Value::from("+262142-12-31T23:59:59Z");
    let (status, body) = send(app.put("/_mock/state").json(&snapshot)).await;
    assert!(status == 400, "{status} {body}");
    let (_, mut snapshot) = send(app.get("/_mock/state")).await;
    snapshot["ip1Accounts"][0]["clock"]["speed"] = json!(0.0);
    let (status, body) = send(app.put("/_mock/state").json(&snapshot)).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = send(app.get("/_mock/accounts")).await;
    assert_eq!(status, 200, "nothing was imported");
}

#[tokio::test]
async fn a_delivery_window_beyond_year_9999_is_refused() {
    let app = spawn_app().await;
    let batch = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi",
                       "deliveryWindows": [{"opens": "9999-12-31T00:00:00Z", "closes": "+262142-01-01T00:00:00Z"}]});
    let (status, body) = app.send_batch(&batch).await;
    assert_ip1_problem(status, &body, 400);
    assert!(body["errors"]["DeliveryWindows[0].Closes"].is_array(), "{body}");
}

mod connections {
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
        let idle: Vec<TcpStream> =
            (0..1000).map(|_| TcpStream::connect(&address).unwrap()).collect();
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
        assert!(
            waited >= Duration::from_millis(500) && waited < Duration::from_secs(4),
            "{waited:?}"
        );
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
}
