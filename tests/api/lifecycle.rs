//! The virtual clock, the message lifecycle, outcomes (magic numbers,
//! rules, delivery windows) and delivery reports, with a manual clock and
//! a wiremock receiver: no sleeps.

use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/dlr"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

fn with_reports(server: &MockServer, recipients: Value) -> Value {
    json!({
        "sender": "Acme", "recipients": recipients, "body": "Your code is 1234",
        "deliveryReportUrl": format!("{}/dlr", server.uri()), "reference": "order-1"
    })
}

async fn send_id(app: &TestApp, body: &Value) -> String {
    let (status, batch) = app.send_batch(body).await;
    assert_eq!(status, 201, "{batch}");
    batch["id"].as_str().unwrap().to_owned()
}

fn codes(reports: &[Value]) -> Vec<u64> {
    reports.iter().map(|r| r["code"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn the_default_path_sends_three_reports_in_order() {
    let app = spawn_manual_app().await;
    let server = receiver(200).await;
    let batch_id = send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    assert!(received_json(&server).await.is_empty(), "nothing moves before the clock does");

    let pass = app.advance(600).await;
    assert_eq!(pass["statusChanges"], 2);
    assert_eq!(pass["callbackAttempts"], 3);
    let reports = received_json(&server).await;
    assert_eq!(codes(&reports), [101, 102, 201]);
    let (_, messages) = send(app.ip1_get(&format!("/v2/batches/{batch_id}/messages"))).await;
    let message_id = &messages[0]["id"];
    for report in &reports {
        assert_eq!(&report["id"], message_id);
        assert_eq!(&report["messageId"], message_id);
        assert_eq!(report["batchId"], batch_id);
        assert_eq!(report["recipient"], "46701234567");
        assert_eq!(report["owner"], IP1_ACCOUNT);
        assert_eq!(report["sender"], "Acme");
        assert_eq!(report["segments"], 1);
        assert_eq!(report["price"], 0.45);
        assert_eq!(report["currency"], "sek");
        assert_eq!(report["reference"], "order-1");
    }
    let durations: Vec<_> = reports.iter().map(|r| r["duration"].clone()).collect();
    assert_eq!(durations, [json!(0), json!(0), json!(1)]);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].headers["content-type"], "application/json");

    let (_, batch) = send(app.ip1_get(&format!("/v2/batches/{batch_id}"))).await;
    assert_eq!(batch["status"], 112);
    assert_eq!(batch["messageSummary"], json!({"201": {"messages": 1, "sms": 1}}));
    let (_, message) = send(
        app.ip1_get(&format!("/v2/batches/{batch_id}/messages/{}", message_id.as_str().unwrap())),
    )
    .await;
    let times: Vec<_> =
        message["statuses"].as_array().unwrap().iter().map(|s| s["created"].clone()).collect();
    assert_eq!(times[0], reports[0]["created"]);
    assert_eq!(times[2], reports[2]["created"]);
}

#[tokio::test]
async fn statuses_step_after_the_configured_virtual_delays() {
    let app = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.queued_after = Some(10);
        config.delivered_after = Some(60);
    })
    .await;
    let batch_id =
        send_id(&app, &json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"})).await;
    app.advance(9).await;
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101]]);
    app.advance(1).await;
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101, 102]]);
    let (_, batch) = send(app.ip1_get(&format!("/v2/batches/{batch_id}"))).await;
    assert_eq!(batch["status"], 111);
    app.advance(59).await;
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101, 102]]);
    let pass = app.advance(1).await;
    assert_eq!(pass["events"][0]["type"], "statusChange");
    assert_eq!(pass["events"][0]["code"], 201);
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101, 102, 201]]);
}

#[tokio::test]
async fn the_detailed_path_walks_every_step() {
    let app = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.detailed_statuses = true;
    })
    .await;
    let batch_id =
        send_id(&app, &json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"})).await;
    app.advance(3600).await;
    assert_eq!(
        app.status_codes(IP1_KEY, &batch_id).await,
        [vec![101, 102, 103, 110, 111, 112, 113, 201]]
    );
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_three_attempts_ten_minutes_apart() {
    let app = spawn_manual_app().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("\"code\":201"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let body = json!({"sender": "Acme", "recipients": ["46701234567"], "body": "Hi",
                      "deliveryReportUrl": format!("{}/dlr", server.uri())});
    let batch_id = send_id(&app, &body).await;
    app.advance(3600).await;

    assert_eq!(codes(&received_json(&server).await), [101, 102, 201, 201, 201]);
    let (_, attempts) = send(app.get(&format!("/_mock/callbacks?batch={batch_id}"))).await;
    let delivery: Vec<&Value> =
        attempts.as_array().unwrap().iter().filter(|a| a["code"] == 201).collect();
    assert_eq!(delivery.len(), 3);
    let numbers: Vec<_> = delivery.iter().map(|a| a["attempt"].clone()).collect();
    assert_eq!(numbers, [json!(1), json!(2), json!(3)]);
    let outcomes: Vec<_> = delivery.iter().map(|a| a["outcome"].clone()).collect();
    assert_eq!(outcomes, [json!("failed"), json!("failed"), json!("delivered")]);
    assert_eq!(delivery[0]["status"], 503);
    let time = |a: &Value| {
        chrono::DateTime::parse_from_rfc3339(a["virtualTime"].as_str().unwrap()).unwrap()
    };
    assert_eq!((time(delivery[1]) - time(delivery[0])).num_seconds(), 600);
    assert_eq!((time(delivery[2]) - time(delivery[1])).num_seconds(), 600);
    app.advance(7200).await;
    assert_eq!(received_json(&server).await.len(), 5, "nothing after success");
}

#[tokio::test]
async fn a_receiver_that_never_answers_200_gets_ten_attempts_then_the_report_is_dropped() {
    let app = spawn_manual_app().await;
    let server = receiver(201).await;
    let batch_id = send_id(&app, &with_reports(&server, json!(["46700000003"]))).await;
    // 46700000003 is rejected at once: two reports (101 and 405), each tried 10 times.
    let pass = app.advance(6 * 3600).await;
    assert_eq!(pass["callbackAttempts"], 20);
    assert_eq!(pass["callbacksDropped"], 2);
    assert_eq!(received_json(&server).await.len(), 20);
    let (_, dropped) =
        send(app.get(&format!("/_mock/callbacks?batch={batch_id}&outcome=dropped"))).await;
    assert_eq!(dropped.as_array().unwrap().len(), 2);
    assert_eq!(dropped[0]["attempt"], 10);
    app.advance(24 * 3600).await;
    assert_eq!(received_json(&server).await.len(), 20, "a dropped report is never sent again");
}

#[tokio::test]
async fn any_2xx_counts_as_received_when_configured() {
    let app = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.dr_accept_any_2xx = true;
    })
    .await;
    let server = receiver(204).await;
    send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    app.advance(3600).await;
    assert_eq!(codes(&received_json(&server).await), [101, 102, 201]);
}

#[tokio::test]
async fn retry_interval_and_attempts_are_configurable() {
    let app = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.dr_retry_interval = 30;
        config.dr_max_attempts = 3;
    })
    .await;
    let server = receiver(500).await;
    send_id(&app, &with_reports(&server, json!(["46700000003"]))).await;
    let pass = app.advance(60).await;
    assert_eq!(pass["callbackAttempts"], 6);
    assert_eq!(pass["callbacksDropped"], 2);
}

#[tokio::test]
async fn failure_script_before_send_delays_without_the_receiver_seeing_anything() {
    let app = spawn_manual_app().await;
    let server = receiver(200).await;
    let script = json!({"account": IP1_ACCOUNT, "failFirst": 2, "mode": "beforeSend"});
    let (status, created) = send(app.post("/_mock/callbacks/failures").json(&script)).await;
    assert_eq!(status, 201, "{created}");
    send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    // Attempts at +0 and +600 s fail unseen; the third, at +1200 s, arrives.
    app.advance(1199).await;
    assert!(received_json(&server).await.is_empty(), "first and second attempts are never sent");
    app.advance(1).await;
    assert_eq!(codes(&received_json(&server).await), [101]);
    app.advance(600).await;
    assert_eq!(codes(&received_json(&server).await), [101, 102, 201]);
    let (_, failed) = send(app.get("/_mock/callbacks?outcome=failed")).await;
    assert_eq!(failed.as_array().unwrap().len(), 6);
    assert_eq!(failed[0]["scripted"], "beforeSend");
    assert!(failed[0]["status"].is_null());
}

#[tokio::test]
async fn failure_script_after_response_makes_the_receiver_see_duplicates() {
    let app = spawn_manual_app().await;
    let server = receiver(200).await;
    let script = json!({"reference": "order-1", "failFirst": 1, "mode": "afterResponse"});
    send(app.post("/_mock/callbacks/failures").json(&script)).await;
    send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    app.advance(3600).await;
    assert_eq!(codes(&received_json(&server).await), [101, 102, 201, 101, 102, 201]);
    let (_, list) = send(app.get("/_mock/callbacks/failures")).await;
    assert_eq!(list[0]["mode"], "afterResponse");
    let (status, _) = send(app.delete("/_mock/callbacks/failures")).await;
    assert_eq!(status, 200);
    let (_, list) = send(app.get("/_mock/callbacks/failures")).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn failure_script_timeout_records_a_timeout_and_retries() {
    let app = spawn_manual_app().await;
    let server = receiver(200).await;
    let script = json!({"url": format!("{}/dlr", server.uri()), "failFirst": 1, "mode": "timeout"});
    send(app.post("/_mock/callbacks/failures").json(&script)).await;
    send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    app.advance(3600).await;
    let (_, failed) = send(app.get("/_mock/callbacks?outcome=failed")).await;
    assert_eq!(failed.as_array().unwrap().len(), 3);
    assert!(failed[0]["error"].as_str().unwrap().contains("timeout"));
    assert_eq!(failed[0]["scripted"], "timeout");
    assert_eq!(received_json(&server).await.len(), 6, "the receiver saw every timed-out attempt");
}

#[tokio::test]
async fn dr_fail_first_applies_to_every_report() {
    let app = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.dr_fail_first = 1;
        config.dr_fail_mode = smsmock::webhooks::failures::FailureMode::AfterResponse;
    })
    .await;
    let server = receiver(200).await;
    send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    app.advance(3600).await;
    assert_eq!(received_json(&server).await.len(), 6);
}

#[tokio::test]
async fn a_journaled_callback_can_be_redelivered() {
    let app = spawn_manual_app().await;
    let server = receiver(200).await;
    send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    app.advance(600).await;
    let (_, attempts) = send(app.get("/_mock/callbacks?outcome=delivered")).await;
    let id = attempts[2]["id"].as_u64().unwrap();
    let (status, again) = send(app.post(&format!("/_mock/callbacks/{id}/redeliver"))).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["redelivery"], true);
    assert_eq!(again["outcome"], "delivered");
    assert_eq!(codes(&received_json(&server).await), [101, 102, 201, 201]);
    let (status, _) = send(app.post("/_mock/callbacks/99999/redeliver")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_journal_filters_by_account_message_url_and_outcome() {
    let app = spawn_manual_app().await;
    let server = receiver(200).await;
    let batch_id =
        send_id(&app, &with_reports(&server, json!(["46701234567", "46701234568"]))).await;
    app.advance(600).await;
    let (_, all) = send(app.get(&format!("/_mock/callbacks?account={IP1_ACCOUNT}"))).await;
    assert_eq!(all.as_array().unwrap().len(), 6);
    let message = all[0]["messageId"].as_str().unwrap();
    let (_, one) = send(app.get(&format!("/_mock/callbacks?message={message}"))).await;
    assert_eq!(one.as_array().unwrap().len(), 3);
    assert!(one.as_array().unwrap().iter().all(|a| a["batchId"] == batch_id));
    assert_eq!(one[0]["payload"]["messageId"], message);
    assert!(one[0]["wallTime"].is_string() && one[0]["latencyMs"].is_number());
    let url = format!("{}/dlr", server.uri());
    let (_, by_url) = send(app.get(&format!("/_mock/callbacks?url={url}"))).await;
    assert_eq!(by_url.as_array().unwrap().len(), 6);
    let (_, none) = send(app.get(&format!("/_mock/callbacks?account={IP1_OTHER_ACCOUNT}"))).await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn every_magic_number_ends_its_own_way() {
    let app = spawn_manual_app().await;
    let recipients: Vec<String> = (0..=6).map(|d| format!("4670000000{d}")).collect();
    let batch_id =
        send_id(&app, &json!({"sender": "iP1", "recipients": recipients, "body": "Hi"})).await;
    app.advance(49 * 3600).await;
    let finals: Vec<u64> =
        app.status_codes(IP1_KEY, &batch_id).await.iter().map(|c| *c.last().unwrap()).collect();
    assert_eq!(finals, [201, 500, 202, 405, 403, 102, 406]);
    let (_, batch) = send(app.ip1_get(&format!("/v2/batches/{batch_id}"))).await;
    // Rejected at once: not charged. Delivered, undeliverable, expired and pending are.
    assert_eq!(batch["priceSummary"]["total"], 1.8);
    assert_eq!(batch["status"], 111, "the pending message keeps the batch ongoing");
}

#[tokio::test]
async fn rules_choose_outcomes_by_recipient_sender_or_text_with_a_delay() {
    let app = spawn_manual_app().await;
    let rule = json!({"account": IP1_ACCOUNT, "recipient": "467012*", "outcome": "undeliverable", "delaySeconds": 30});
    let (status, created) = send(app.post("/_mock/rules").json(&rule)).await;
    assert_eq!(status, 201, "{created}");
    let text_rule = json!({"bodyContains": "EXPIRE", "outcome": "expired", "delaySeconds": 120});
    send(app.post("/_mock/rules").json(&text_rule)).await;
    let sender_rule = json!({"sender": "Acme", "outcome": "undeliverable", "code": 512});
    send(app.post("/_mock/rules").json(&sender_rule)).await;

    let first = send_id(
        &app,
        &json!({"sender": "iP1", "recipients": ["46701234567", "46709876543"], "body": "Hi"}),
    )
    .await;
    let second = send_id(
        &app,
        &json!({"sender": "iP1", "recipients": ["46709876543"], "body": "please EXPIRE"}),
    )
    .await;
    let third =
        send_id(&app, &json!({"sender": "Acme", "recipients": ["46709876543"], "body": "Hi"}))
            .await;
    // Queued after 1 s, then the rule's 30 s instead of the usual 5 s.
    app.advance(30).await;
    assert_eq!(app.status_codes(IP1_KEY, &first).await, [vec![101, 102], vec![101, 102, 201]]);
    app.advance(1).await;
    assert_eq!(app.status_codes(IP1_KEY, &first).await, [vec![101, 102, 500], vec![101, 102, 201]]);
    app.advance(90).await;
    assert_eq!(app.status_codes(IP1_KEY, &second).await, [vec![101, 102, 202]]);
    assert_eq!(app.status_codes(IP1_KEY, &third).await, [vec![101, 102, 512]]);

    let (_, rules) = send(app.get(&format!("/_mock/rules?account={IP1_ACCOUNT}"))).await;
    assert_eq!(rules.as_array().unwrap().len(), 3);
    let id = created["id"].as_u64().unwrap();
    let (status, _) = send(app.delete(&format!("/_mock/rules/{id}"))).await;
    assert_eq!(status, 200);
    let (status, _) = send(app.delete(&format!("/_mock/rules/{id}"))).await;
    assert_eq!(status, 404);
    let (_, cleared) = send(app.delete("/_mock/rules")).await;
    assert_eq!(cleared["removed"], 2);
    let fourth =
        send_id(&app, &json!({"sender": "Acme", "recipients": ["46701234567"], "body": "EXPIRE"}))
            .await;
    app.advance(60).await;
    assert_eq!(app.status_codes(IP1_KEY, &fourth).await, [vec![101, 102, 201]]);
}

#[tokio::test]
async fn bad_rules_are_refused() {
    let app = spawn_app().await;
    for bad in [
        json!({"outcome": "exploded"}),
        json!({"recipient": "4670*"}),
        json!({"outcome": "expired", "colour": "red"}),
    ] {
        let (status, body) = send(app.post("/_mock/rules").json(&bad)).await;
        assert!((400..500).contains(&status), "{bad}: {status} {body}");
        assert!(body["error"].is_string());
    }
}

#[tokio::test]
async fn a_planned_batch_waits_for_its_window() {
    let app = spawn_manual_app().await;
    let (_, clock) = send(app.get(&format!("/_mock/clock?account={IP1_ACCOUNT}"))).await;
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    let opens = now + chrono::TimeDelta::hours(1);
    let closes = now + chrono::TimeDelta::hours(2);
    let mut body = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"});
    body["deliveryWindows"] = json!([{"opens": opens.to_rfc3339(), "closes": closes.to_rfc3339()}]);
    let batch_id = send_id(&app, &body).await;
    app.advance(600).await;
    let (_, batch) = send(app.ip1_get(&format!("/v2/batches/{batch_id}"))).await;
    assert_eq!(batch["status"], 101);
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101, 102]]);
    app.advance(3000).await;
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101, 102, 201]]);
    let (_, batch) = send(app.ip1_get(&format!("/v2/batches/{batch_id}"))).await;
    assert_eq!(batch["status"], 112);
}

#[tokio::test]
async fn a_message_whose_last_window_closes_first_expires() {
    let app = spawn_manual_app().await;
    let (_, clock) = send(app.get(&format!("/_mock/clock?account={IP1_ACCOUNT}"))).await;
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    let mut body = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"});
    let window = json!({"opens": (now - chrono::TimeDelta::hours(1)).to_rfc3339(), "closes": (now + chrono::TimeDelta::seconds(3)).to_rfc3339()});
    body["deliveryWindows"] = json!([window]);
    let batch_id = send_id(&app, &body).await;
    app.advance(60).await;
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101, 102, 202]]);
}

#[tokio::test]
async fn a_cancelled_batch_goes_no_further() {
    let app = spawn_manual_app().await;
    let server = receiver(200).await;
    let batch_id = send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    let (status, _) =
        send(app.delete(&format!("/v2/batches/{batch_id}")).bearer_auth(IP1_KEY)).await;
    assert_eq!(status, 200);
    app.advance(3600).await;
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101, 104, 203]]);
    assert_eq!(codes(&received_json(&server).await), [101]);
}

#[tokio::test]
async fn each_account_has_its_own_clock() {
    let app = spawn_manual_app().await;
    let mine =
        send_id(&app, &json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"})).await;
    let theirs =
        send_id(&app, &json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"})).await;
    let _ = theirs;
    let (_, other_before) =
        send(app.get(&format!("/_mock/clock?account={IP1_OTHER_ACCOUNT}"))).await;
    let other_batch = {
        let (status, batch) = app
            .send_batch_as(
                IP1_OTHER_KEY,
                &json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"}),
            )
            .await;
        assert_eq!(status, 201);
        batch["id"].as_str().unwrap().to_owned()
    };
    let (status, pass) = send(
        app.post("/_mock/clock/advance")
            .json(&json!({"account": IP1_ACCOUNT, "duration": "PT10M"})),
    )
    .await;
    assert_eq!(status, 200, "{pass}");
    assert_eq!(pass["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(app.status_codes(IP1_KEY, &mine).await, [vec![101, 102, 201]]);
    assert_eq!(app.status_codes(IP1_OTHER_KEY, &other_batch).await, [vec![101]]);
    let (_, other_after) =
        send(app.get(&format!("/_mock/clock?account={IP1_OTHER_ACCOUNT}"))).await;
    assert_eq!(other_before["now"], other_after["now"]);
    let (_, mine_now) = send(app.get(&format!("/_mock/clock?account={IP1_ACCOUNT}"))).await;
    assert_ne!(mine_now["now"], other_after["now"]);
}

#[tokio::test]
async fn realtime_mode_with_a_high_speed_moves_messages_on_its_own() {
    let app = spawn_app_with(|config| config.clock_speed = 1000.0).await;
    let server = receiver(200).await;
    let batch_id = send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    // 6 virtual seconds are 6 ms of wall time; poll for up to 5 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let done = app.status_codes(IP1_KEY, &batch_id).await == [vec![101, 102, 201]]
            && received_json(&server).await.len() == 3;
        if done {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not delivered within 5 s");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(codes(&received_json(&server).await), [101, 102, 201]);
}

/// Waits (up to 5 s of wall time) until `server` has received `count`
/// reports; a realtime clock moves them on its own.
async fn await_reports(server: &MockServer, count: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let received = received_json(server).await;
        if received.len() >= count {
            return received;
        }
        assert!(std::time::Instant::now() < deadline, "{} of {count} within 5 s", received.len());
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn switching_a_manual_clock_to_realtime_moves_what_was_waiting() {
    let app = spawn_manual_app().await;
    let server = receiver(200).await;
    send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    let realtime = json!({"account": IP1_ACCOUNT, "mode": "realtime", "speed": 1000});
    assert_eq!(send(app.put("/_mock/clock").json(&realtime)).await.0, 200);
    assert_eq!(codes(&await_reports(&server, 3).await), [101, 102, 201]);
}

#[tokio::test]
async fn a_failed_report_is_retried_on_its_own_in_realtime() {
    // Ten virtual minutes between attempts are 0.6 s of wall time.
    let app = spawn_app_with(|config| config.clock_speed = 1000.0).await;
    let script = json!({"account": IP1_ACCOUNT, "failFirst": 1, "mode": "beforeSend"});
    assert_eq!(send(app.post("/_mock/callbacks/failures").json(&script)).await.0, 201);
    let server = receiver(200).await;
    send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    let mut reports = codes(&await_reports(&server, 3).await);
    reports.sort_unstable();
    assert_eq!(reports, [101, 102, 201], "every first attempt failed, every retry came");
}

#[tokio::test]
async fn an_imported_snapshot_moves_on_in_realtime() {
    let manual = spawn_manual_app().await;
    let server = receiver(200).await;
    send_id(&manual, &with_reports(&server, json!(["46701234567"]))).await;
    let (_, mut snapshot) = send(manual.get("/_mock/state")).await;
    for account in snapshot["ip1Accounts"].as_array_mut().unwrap() {
        account["clock"] = json!({"mode": "realtime", "speed": 1000.0});
    }
    let app = spawn_app().await;
    let (status, body) = send(app.put("/_mock/state").json(&snapshot)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(codes(&await_reports(&server, 3).await), [101, 102, 201]);
}

#[tokio::test]
async fn the_clock_api_reads_sets_and_configures_clocks() {
    let app = spawn_manual_app().await;
    let (status, all) = send(app.get("/_mock/clock")).await;
    assert_eq!(status, 200);
    assert_eq!(all["newAccounts"]["mode"], "manual");
    assert!(all["accounts"].as_array().unwrap().len() >= 3);
    let (_, clock) = send(app.get(&format!("/_mock/clock?account={IP1_ACCOUNT}"))).await;
    assert_eq!(clock["mode"], "manual");
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();

    let later = (now + chrono::TimeDelta::days(1)).to_rfc3339();
    let (status, set) =
        send(app.post("/_mock/clock/set").json(&json!({"account": IP1_ACCOUNT, "time": later})))
            .await;
    assert_eq!(status, 200, "{set}");
    let (_, clock) = send(app.get(&format!("/_mock/clock?account={IP1_ACCOUNT}"))).await;
    let moved = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    assert_eq!((moved - now).num_seconds(), 86400);
    let (status, body) = send(
        app.post("/_mock/clock/set")
            .json(&json!({"account": IP1_ACCOUNT, "time": now.to_rfc3339()})),
    )
    .await;
    assert_eq!(status, 409, "the time is fine, the clock is past it");
    assert!(body["error"].as_str().unwrap().contains("forward"));

    let (status, configured) = send(
        app.put("/_mock/clock")
            .json(&json!({"account": IP1_ACCOUNT, "mode": "realtime", "speed": 60})),
    )
    .await;
    assert_eq!(status, 200, "{configured}");
    assert_eq!(configured[0]["speed"], 60.0);
    for bad in [
        json!({}),
        json!({"seconds": -1}),
        json!({"duration": "ten minutes"}),
        json!({"seconds": 1, "duration": "PT1S"}),
    ] {
        let (status, _) = send(app.post("/_mock/clock/advance").json(&bad)).await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, _) =
        send(app.post("/_mock/clock/advance?account=nobody").json(&json!({"seconds": 1}))).await;
    assert_eq!(status, 404);
    let (status, _) = send(app.put("/_mock/clock").json(&json!({"speed": 0}))).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_advance_lists_its_events_in_time_order_up_to_a_cap() {
    let app = spawn_manual_app().await;
    let server = receiver(200).await;
    send_id(&app, &with_reports(&server, json!(["46701234567", "46701234568"]))).await;
    let (_, pass) =
        send(app.post("/_mock/clock/advance").json(&json!({"seconds": 60, "events": 3}))).await;
    assert_eq!(pass["statusChanges"], 4);
    assert_eq!(pass["callbackAttempts"], 6);
    assert_eq!(pass["truncated"], true);
    let events = pass["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    let times: Vec<&str> =
        events.iter().map(|e| e["time"].as_str().or(e["virtualTime"].as_str()).unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
}

#[tokio::test]
async fn an_unregistered_sender_can_end_at_403_instead_of_400() {
    let app = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.unregistered_sender = smsmock::config::UnregisteredSender::SenderRejected;
    })
    .await;
    let batch_id =
        send_id(&app, &json!({"sender": "Stranger", "recipients": ["46701234567"], "body": "Hi"}))
            .await;
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101, 403]]);
    let (_, batch) = send(app.ip1_get(&format!("/v2/batches/{batch_id}"))).await;
    assert_eq!(batch["priceSummary"]["total"], 0.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_receiver_never_slows_the_api() {
    let app = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.dr_timeout_ms = 1500;
    })
    .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(30)))
        .mount(&server)
        .await;
    send_id(&app, &with_reports(&server, json!(["46701234567"]))).await;
    let advance = app.post("/_mock/clock/advance").json(&json!({"seconds": 0})).send();
    let pass = tokio::spawn(advance);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let (status, _) = send(app.ip1_get("/v2/batches")).await;
    assert_eq!(status, 200);
    let (status, _) = app
        .send_batch(&json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"}))
        .await;
    assert_eq!(status, 201);
    assert!(
        started.elapsed() < std::time::Duration::from_millis(500),
        "the API waited for the receiver"
    );
    let pass: Value = pass.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(pass["events"][0]["error"], "timed out");
    assert_eq!(pass["events"][0]["outcome"], "failed");
}

#[tokio::test]
async fn the_fixtures_can_replace_the_magic_numbers_and_the_delays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("magic.json");
    let fixtures = json!({
        "ip1": {"accounts": [{"id": "ip1-1", "apiKeys": ["k"]}]},
        "lifecycle": {"queuedAfterSeconds": 2, "deliveredAfterSeconds": 20},
        "magicNumbers": [{"number": "4670555*", "outcome": "expired", "delaySeconds": 10}]
    });
    std::fs::write(&path, fixtures.to_string()).unwrap();
    let app = spawn_app_with(|config| {
        config.fixtures = Some(path);
        config.clock = smsmock::clock::ClockMode::Manual;
    })
    .await;
    let body = json!({"sender": "iP1", "recipients": ["46705551234", "46700000001"], "body": "Hi"});
    let (status, batch) = app.send_batch_as("k", &body).await;
    assert_eq!(status, 201, "{batch}");
    let batch_id = batch["id"].as_str().unwrap();
    app.advance(12).await;
    assert_eq!(app.status_codes("k", batch_id).await, [vec![101, 102, 202], vec![101, 102]]);
    app.advance(10).await;
    assert_eq!(
        app.status_codes("k", batch_id).await[1],
        [101, 102, 201],
        "the default table is gone"
    );
}
