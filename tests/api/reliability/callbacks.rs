//! A receiver that hangs holds back only its own attempts: due callbacks
//! of different messages are attempted side by side, a clock call waits
//! for them at most one attempt timeout, and an attempt still under way
//! when its account is reset never reappears.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

/// One attempt's timeout in these tests.
const TIMEOUT_MS: u64 = 1000;

async fn hanging_receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .mount(&server)
        .await;
    server
}

async fn manual_app_with_short_timeouts() -> TestApp {
    spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.dr_timeout_ms = TIMEOUT_MS;
    })
    .await
}

async fn attempts(app: &TestApp, query: &str) -> Vec<Value> {
    let (_, attempts) = send(app.get(&format!("/_mock/callbacks?{query}"))).await;
    attempts.as_array().unwrap().clone()
}

/// Waits up to `within` for `count` attempts matching `query`.
async fn await_attempts(app: &TestApp, query: &str, count: usize, within: Duration) -> Duration {
    let started = Instant::now();
    while attempts(app, query).await.len() < count {
        assert!(started.elapsed() < within, "fewer than {count} attempts within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_due_at_different_times_to_a_hanging_receiver_take_one_timeout_not_one_each() {
    const MESSAGES: usize = 6;
    let app = manual_app_with_short_timeouts().await;
    let receiver = hanging_receiver().await;
    let setting = json!(format!("{}/incoming", receiver.uri()));
    let path = "/v2/me/sms/settings/IncomingCallbackUrl";
    assert_eq!(send(app.put(path).bearer_auth(IP1_KEY).json(&setting)).await.0, 200);
    // Every first attempt fails at once, so the retries fall due one
    // minute apart, ten minutes on.
    let script = json!({"account": IP1_ACCOUNT, "failFirst": 1, "mode": "beforeSend"});
    assert_eq!(send(app.post("/_mock/callbacks/failures").json(&script)).await.0, 201);
    let (_, clock) = send(app.get(&format!("/_mock/clock?account={IP1_ACCOUNT}"))).await;
    let now: chrono::DateTime<chrono::Utc> = clock["now"].as_str().unwrap().parse().unwrap();
    for k in 0..MESSAGES {
        let at = now - chrono::TimeDelta::minutes((MESSAGES - k) as i64);
        let sms = json!({"sender": "46712345678", "recipient": "46700100100", "body": format!("hi {k}"), "time": at.to_rfc3339()});
        let (status, body) = send(app.post("/_mock/inbound").json(&sms)).await;
        assert_eq!(status, 201, "{body}");
    }
    assert_eq!(attempts(&app, "outcome=failed").await.len(), MESSAGES);
    assert_eq!(send(app.delete("/_mock/callbacks/failures")).await.0, 200);

    let started = Instant::now();
    let pass = app.advance(600).await;
    let answered = started.elapsed();
    assert!(
        answered < Duration::from_millis(TIMEOUT_MS + 900),
        "the advance waited {answered:?}, more than one attempt timeout"
    );
    assert_eq!(
        pass["callbackAttempts"].as_u64().unwrap() + pass["callbacksInFlight"].as_u64().unwrap(),
        MESSAGES as u64,
        "{pass}"
    );
    let all = await_attempts(&app, "outcome=failed", 2 * MESSAGES, Duration::from_secs(10)).await;
    assert!(
        started.elapsed() < Duration::from_millis(2 * TIMEOUT_MS + 900),
        "{MESSAGES} retries at different times took {:?} (+{all:?}), not about one timeout",
        started.elapsed()
    );
    for attempt in attempts(&app, "outcome=failed").await.iter().skip(MESSAGES) {
        assert_eq!(attempt["error"], "timed out", "{attempt}");
        assert_eq!(attempt["attempt"], 2, "{attempt}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_keeps_its_reports_in_order_while_its_attempts_hang() {
    let app = manual_app_with_short_timeouts().await;
    let receiver = hanging_receiver().await;
    let batch = json!({"sender": "iP1", "recipients": ["46701234567", "46701234568"], "body": "Hi",
                       "deliveryReportUrl": format!("{}/dlr", receiver.uri())});
    assert_eq!(app.send_batch(&batch).await.0, 201);
    let started = Instant::now();
    let pass = app.advance(10).await;
    assert!(started.elapsed() < Duration::from_millis(TIMEOUT_MS + 900), "{:?}", started.elapsed());
    assert_eq!(pass["callbackAttempts"], 2, "both messages' first reports, side by side: {pass}");
    assert_eq!(pass["callbacksInFlight"], 4, "{pass}");

    // A state export in the meantime keeps the reports still to be made.
    let (_, state) = send(app.get("/_mock/state")).await;
    let pending = state["ip1Accounts"][0]["pendingCallbacks"].as_array().unwrap().len()
        + state["ip1Accounts"][1]["pendingCallbacks"].as_array().unwrap().len();
    assert_eq!(pending, 6, "retries and reports under way are exported");

    await_attempts(&app, "", 6, Duration::from_secs(10)).await;
    for message in 0..2 {
        let recipient = ["46701234567", "46701234568"][message];
        let codes: Vec<u64> = attempts(&app, "")
            .await
            .iter()
            .filter(|a| a["payload"]["recipient"] == recipient)
            .map(|a| a["code"].as_u64().unwrap())
            .collect();
        assert_eq!(codes, [101, 102, 201], "{recipient}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_under_way_when_its_account_is_reset_is_forgotten() {
    let app = manual_app_with_short_timeouts().await;
    let receiver = hanging_receiver().await;
    let batch = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi",
                       "deliveryReportUrl": format!("{}/dlr", receiver.uri())});
    assert_eq!(app.send_batch(&batch).await.0, 201);
    let pass = app.advance(0).await;
    assert_eq!(pass["callbacksInFlight"], 0, "{pass}");
    assert_eq!(attempts(&app, "").await.len(), 1, "the attempt timed out within the wait");

    assert_eq!(app.send_batch(&batch).await.0, 201);
    let short = json!({"seconds": 0});
    let waiting = tokio::spawn({
        let request = app.post("/_mock/clock/advance").json(&short);
        async move { send(request).await }
    });
    tokio::time::sleep(Duration::from_millis(TIMEOUT_MS / 4)).await;
    let (status, _) = send(app.delete(&format!("/_mock/reset?account={IP1_ACCOUNT}"))).await;
    assert_eq!(status, 200);
    let _ = waiting.await.unwrap();
    tokio::time::sleep(Duration::from_millis(TIMEOUT_MS)).await;
    assert_eq!(attempts(&app, "").await, Vec::<Value>::new(), "nothing from before the reset");
    let (_, state) = send(app.get("/_mock/state")).await;
    assert_eq!(state["ip1Accounts"][0]["pendingCallbacks"], json!([]), "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_realtime_clock_a_hanging_receiver_gets_every_due_attempt_side_by_side() {
    const MESSAGES: usize = 20;
    let app = spawn_app_with(|config| {
        config.clock_speed = 60.0;
        config.dr_timeout_ms = 500;
    })
    .await;
    let receiver = hanging_receiver().await;
    let batch = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi",
                       "deliveryReportUrl": format!("{}/dlr", receiver.uri())});
    let started = Instant::now();
    for _ in 0..MESSAGES {
        assert_eq!(app.send_batch(&batch).await.0, 201);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Three reports a message, one after another, 0.5 s each; the
    // messages side by side. One after another, they would take 30 s.
    let within = Duration::from_secs(6);
    await_attempts(&app, "outcome=failed", 3 * MESSAGES, within).await;
    assert!(started.elapsed() < within, "{:?}", started.elapsed());
    let (status, _) = send(app.get("/_mock/health")).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_under_a_failing_and_a_hanging_receiver_are_answered_at_once() {
    let app = spawn_app_with(|config| {
        config.clock_speed = 100.0;
        config.dr_timeout_ms = 2000;
    })
    .await;
    let hanging = hanging_receiver().await;
    let failing = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).mount(&failing).await;
    let until = Instant::now() + Duration::from_millis(1500);
    let clients = (0..8).map(|n| {
        let receiver = if n % 2 == 0 { hanging.uri() } else { failing.uri() };
        let batch = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi",
                           "deliveryReportUrl": format!("{receiver}/dlr")});
        let request = app.post("/v2/batches").bearer_auth(IP1_KEY).json(&batch);
        async move {
            let mut slowest = Duration::ZERO;
            let mut sent = 0;
            while Instant::now() < until {
                let started = Instant::now();
                let (status, body) = send(request.try_clone().unwrap()).await;
                assert_eq!(status, 201, "{body}");
                slowest = slowest.max(started.elapsed());
                sent += 1;
            }
            (sent, slowest)
        }
    });
    let results = futures::future::join_all(clients).await;
    let sent: usize = results.iter().map(|(sent, _)| sent).sum();
    let slowest = results.iter().map(|(_, slowest)| *slowest).max().unwrap();
    assert!(sent > 100, "only {sent} sends");
    assert!(
        slowest < Duration::from_millis(1000),
        "a send waited {slowest:?}: the API waited for a receiver"
    );
    let (status, health) = send(app.get("/_mock/health")).await;
    assert_eq!(status, 200, "{health}");
    let (_, attempts) = send(app.get("/_mock/callbacks?outcome=failed")).await;
    assert!(!attempts.as_array().unwrap().is_empty(), "the receivers were tried");
}
