//! Clocks stay in range and time arithmetic never overflows: one bad
//! control call must not stop delivery.

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
