//! The Viamobile BSMS gateway: send, validate, delivery pull and push,
//! GET and JWT variants, HLR, limits, incoming push; every error code and
//! each leniency case; both base paths.

use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

fn send_body(recipients: Value) -> Value {
    json!({"username": VIA_USER, "password": VIA_PASSWORD,
           "message": {"text": "Text sms", "sender": "InfoSMS", "type": "gsm"},
           "recipients": recipients})
}

async fn via_post(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    send(app.post(path).json(body)).await
}

async fn create_account(app: &TestApp, spec: Value) -> (String, String) {
    let mut spec = spec;
    spec["gateway"] = "viamobile".into();
    let (status, body) = send(app.post("/_mock/accounts").json(&spec)).await;
    assert_eq!(status, 201, "{body}");
    (body["username"].as_str().unwrap().to_owned(), body["password"].as_str().unwrap().to_owned())
}

async fn credit(app: &TestApp, username: &str) -> f64 {
    let (_, accounts) = send(app.get("/_mock/accounts")).await;
    accounts.as_array().unwrap().iter().find(|a| a["id"] == username).unwrap()["credit"]
        .as_f64()
        .unwrap()
}

async fn pull(app: &TestApp, deliveries: Value) -> Value {
    let body = json!({"username": VIA_USER, "password": VIA_PASSWORD, "deliveries": deliveries});
    let (status, answer) = via_post(app, "/json/delivery", &body).await;
    assert_eq!(status, 200, "{answer}");
    answer["response"]["delivery"].clone()
}

#[tokio::test]
async fn a_send_answers_every_recipient_with_its_bsms_id_and_charges_credit() {
    let app = spawn_manual_app().await;
    let body = send_body(
        json!([{"msisdn": 421903123456_u64, "id": 123}, {"msisdn": 421903123457_u64, "id": 124}]),
    );
    let (status, answer) = via_post(&app, "/json/send", &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["response"]["status"], 200);
    let recipients = answer["response"]["recipients"].as_array().unwrap();
    assert_eq!(recipients.len(), 2);
    assert_eq!(recipients[0]["id"], 123);
    assert_eq!(recipients[0]["msisdn"], 421903123456_u64);
    assert_eq!(recipients[0]["status"], "ok");
    assert_eq!(recipients[0]["parts"], 1);
    assert_eq!(recipients[0]["price"], 0.07);
    let first = recipients[0]["bsmsId"].as_u64().unwrap();
    assert_eq!(recipients[1]["bsmsId"].as_u64().unwrap(), first + 1);
    assert!((credit(&app, VIA_USER).await - 99.86).abs() < 1e-9);
    let (_, limit) = send(app.via_get("/stats/limit")).await;
    assert_eq!(limit["response"]["msg"], json!({"sent": 2, "remaining": 398, "max": 400}));
}

#[tokio::test]
async fn validate_checks_and_prices_but_stores_nothing() {
    let app = spawn_manual_app().await;
    let body = send_body(json!([{"msisdn": 421903123456_u64, "id": 7}]));
    let (status, answer) = via_post(&app, "/json/validate", &body).await;
    assert_eq!(status, 200, "{answer}");
    let recipient = &answer["response"]["recipients"][0];
    assert_eq!(recipient["status"], "ok");
    assert_eq!(recipient["bsmsId"], Value::Null);
    assert_eq!(recipient["price"], 0.07);
    assert_eq!(credit(&app, VIA_USER).await, 100.0);
    let (_, limit) = send(app.via_get("/stats/limit")).await;
    assert_eq!(limit["response"]["msg"]["sent"], 0);
    assert_eq!(pull(&app, json!([{"id": 7}])).await, json!([]));
    let bad = send_body(json!([{"msisdn": 421903123456_u64, "id": "x"}]));
    let (status, answer) = via_post(&app, "/json/validate", &bad).await;
    assert_via_error(status, &answer, 400, 1014);
}

#[tokio::test]
async fn every_route_is_served_under_both_bases() {
    let app = spawn_manual_app().await;
    let body = send_body(json!([{"msisdn": 421903123456_u64, "id": 1}]));
    for base in ["", "/bsms/rest/v2"] {
        let (status, answer) = via_post(&app, &format!("{base}/json/send"), &body).await;
        assert_eq!(status, 200, "{base}: {answer}");
        let (status, _) = via_post(&app, &format!("{base}/json/validate"), &body).await;
        assert_eq!(status, 200);
        let (status, _) = via_post(
            &app,
            &format!("{base}/json/delivery"),
            &json!({"username": VIA_USER, "password": VIA_PASSWORD, "deliveries": [{"id": 1}]}),
        )
        .await;
        assert_eq!(status, 200);
        for path in [
            "/get/delivery?id=1",
            "/json/hlr?msisdn=421903123456",
            "/hlr/json?msisdn=421903123456",
            "/stats/limit",
            "/get/send?id=2&msisdn=421903123456&text=hi",
        ] {
            let (status, answer) = send(app.via_get(&format!("{base}{path}"))).await;
            assert_eq!(status, 200, "{base}{path}: {answer}");
        }
        let (status, answer) = send(
            app.get(&format!("{base}/token/create?username={VIA_USER}&password={VIA_PASSWORD}")),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    }
}

#[tokio::test]
async fn texts_are_counted_in_parts_up_to_480_characters() {
    let app = spawn_manual_app().await;
    let cases = [
        ("gsm", 160, 1),
        ("gsm", 161, 2),
        ("gsm", 306, 2),
        ("gsm", 307, 3),
        ("gsm", 480, 4),
        ("utf8", 70, 1),
        ("utf8", 71, 2),
        ("utf8", 480, 8),
    ];
    for (coding, length, parts) in cases {
        let mut body = send_body(json!([{"msisdn": 421903123456_u64}]));
        body["message"]["type"] = json!(coding);
        body["message"]["text"] = json!("ľ".repeat(length));
        let (status, answer) = via_post(&app, "/json/validate", &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["response"]["recipients"][0]["parts"], parts, "{coding} {length}");
    }
    let mut body = send_body(json!([{"msisdn": 421903123456_u64}]));
    body["message"]["text"] = json!("a".repeat(481));
    let (status, answer) = via_post(&app, "/json/send", &body).await;
    assert_via_error(status, &answer, 400, 1013);
    let body = send_body(json!([{"msisdn": 421903123456_u64, "text": "a".repeat(481)}]));
    let (status, answer) = via_post(&app, "/json/send", &body).await;
    assert_via_error(status, &answer, 400, 1013);
}

#[tokio::test]
async fn every_error_code_answers_in_the_envelope() {
    let app = spawn_manual_app().await;
    let (user, pass) =
        create_account(&app, json!({"allowedNetworks": [23101], "senders": ["InfoSMS", "Shop"]}))
            .await;
    let as_user = |recipients: Value| json!({"username": user, "password": pass, "message": {"text": "Hi", "sender": "Shop"}, "recipients": recipients});
    let (status, answer) =
        via_post(&app, "/json/send", &as_user(json!([{"msisdn": 421903123456_u64}]))).await;
    assert_via_error(status, &answer, 400, 1011);
    let (status, answer) = via_post(
        &app,
        "/json/send",
        &as_user(json!([{"msisdn": 421903123456_u64}, {"msisdn": 421905123456_u64}])),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let statuses: Vec<_> = answer["response"]["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].clone())
        .collect();
    assert_eq!(statuses, [json!("network_disabled"), json!("ok")]);

    let cases: Vec<(Value, u16, u32)> = vec![
        (
            json!({"username": VIA_USER, "password": "wrong", "message": {"text": "x"}, "recipients": [{"msisdn": 421903123456_u64}]}),
            401,
            1000,
        ),
        (
            json!({"message": {"text": "x"}, "recipients": [{"msisdn": 421903123456_u64}]}),
            401,
            1000,
        ),
        (send_body(json!([{"msisdn": "abc"}])), 400, 1010),
        (send_body(json!([{"msisdn": "4219031234x6"}])), 400, 1010),
        (send_body(json!([{"msisdn": 421903123456_u64, "id": "12a"}])), 400, 1014),
        (send_body(json!([{"msisdn": 421903123456_u64, "id": 1.5}])), 400, 1014),
        (send_body(json!([])), 400, 400),
        (send_body(json!("421903123456")), 400, 400),
    ];
    for (body, status_code, code) in cases {
        let (status, answer) = via_post(&app, "/json/send", &body).await;
        assert_via_error(status, &answer, status_code, code);
    }
    for sender in ["Unknown", "12345", "TwelveChars!"] {
        let mut body = send_body(json!([{"msisdn": 421903123456_u64}]));
        body["message"]["sender"] = json!(sender);
        let (status, answer) = via_post(&app, "/json/send", &body).await;
        assert_via_error(status, &answer, 400, 1012);
    }
    let (user, pass) = create_account(&app, json!({"sendingEnabled": false})).await;
    let body = json!({"username": user, "password": pass, "message": {"text": "x"}, "recipients": [{"msisdn": 421903123456_u64}]});
    let (status, answer) = via_post(&app, "/json/send", &body).await;
    assert_via_error(status, &answer, 403, 2001);
    let (user, pass) = create_account(&app, json!({"credit": 0.1})).await;
    let body = json!({"username": user, "password": pass, "message": {"text": "x"}, "recipients": [{"msisdn": 421903123456_u64}, {"msisdn": 421903123457_u64}]});
    let (status, answer) = via_post(&app, "/json/send", &body).await;
    assert_via_error(status, &answer, 402, 2002);
    assert_eq!(answer["response"]["description"], "Not enough credit");
    let (status, _) = via_post(&app, "/json/send", &body).await;
    assert_eq!(status, 402, "nothing was charged");
    let (status, answer) = send(app.post("/json/send").body("{\"username\": ")).await;
    assert_via_error(status, &answer, 400, 400);
}

#[tokio::test]
async fn the_daily_limit_counts_parts_per_virtual_day() {
    let app = spawn_manual_app().await;
    let (user, pass) = create_account(&app, json!({"dailyLimit": 3})).await;
    let body = |text: &str| json!({"username": user, "password": pass, "message": {"text": text}, "recipients": [{"msisdn": 421903123456_u64}]});
    let (status, _) = via_post(&app, "/json/send", &body(&"a".repeat(161))).await;
    assert_eq!(status, 200);
    let (status, answer) = via_post(&app, "/json/send", &body(&"a".repeat(161))).await;
    assert_via_error(status, &answer, 402, 2002);
    let (_, limit) = send(app.get("/stats/limit").basic_auth(&user, Some(&pass))).await;
    assert_eq!(limit["response"]["msg"], json!({"sent": 2, "remaining": 1, "max": 3}));
    app.advance(24 * 3600).await;
    let (_, limit) = send(app.get("/stats/limit").basic_auth(&user, Some(&pass))).await;
    assert_eq!(limit["response"]["msg"]["sent"], 0);
    let (status, _) = via_post(&app, "/json/send", &body(&"a".repeat(161))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn real_clients_leniencies_are_accepted() {
    let app = spawn_manual_app().await;
    let object_keyed = json!({"username": VIA_USER, "password": VIA_PASSWORD,
        "message": {"sender": "", "text": ""},
        "recipients": {"1700000001": {"msisdn": "+421903123456", "id": "1700000001", "text": "One"},
                       "1700000002": {"msisdn": "00421903123457", "id": 1700000002_i64, "text": "Two"}}});
    for content_type in
        ["application/x-www-form-urlencoded", "text/xml;charset=UTF-8", "application/json"]
    {
        let request = app
            .post("/json/send")
            .header("Content-Type", content_type)
            .body(object_keyed.to_string());
        let (status, answer) = send(request).await;
        assert_eq!(status, 200, "{content_type}: {answer}");
        let recipients = answer["response"]["recipients"].as_array().unwrap();
        assert_eq!(recipients[0]["id"], 1700000001_i64);
        assert_eq!(recipients[0]["msisdn"], 421903123456_u64);
        assert_eq!(recipients[1]["msisdn"], 421903123457_u64);
        assert!(recipients.iter().all(|r| r["status"] == "ok"));
    }
    let deliveries =
        pull(&app, json!({"1700000001": {"id": "1700000001"}, "x": {"bsmsId": 999}})).await;
    assert_eq!(
        deliveries.as_array().unwrap().len(),
        3,
        "the id was used three times; newest first"
    );
    let missing_text = json!({"username": VIA_USER, "password": VIA_PASSWORD,
        "recipients": [{"msisdn": 421903123456_u64, "text": "mine"}, {"msisdn": 421903123457_u64}]});
    let (status, answer) = via_post(&app, "/json/send", &missing_text).await;
    assert_via_error(status, &answer, 400, 400);
}

#[tokio::test]
async fn implausible_numbers_and_blacklisted_ones_are_reported_per_recipient() {
    let app = spawn_manual_app().await;
    let (status, _) = send(app.post("/_mock/inbound").json(&json!({"account": VIA_USER, "sender": "421903999999", "recipient": "421902028970", "body": "STOP"}))).await;
    assert_eq!(status, 201);
    let body = send_body(
        json!([{"msisdn": 421903999999_u64, "id": 1}, {"msisdn": 12345, "id": 2}, {"msisdn": 421903123456_u64, "id": 3}]),
    );
    let (status, answer) = via_post(&app, "/json/send", &body).await;
    assert_eq!(status, 200, "{answer}");
    let recipients = answer["response"]["recipients"].as_array().unwrap();
    let statuses: Vec<_> = recipients.iter().map(|r| r["status"].clone()).collect();
    assert_eq!(statuses, [json!("blacklist"), json!("error"), json!("ok")]);
    assert_eq!(recipients[0]["bsmsId"], Value::Null);
    assert_eq!(recipients[0]["price"], Value::Null);
    assert!(
        (credit(&app, VIA_USER).await - 99.93).abs() < 1e-9,
        "only the ok recipient is charged"
    );
}

#[tokio::test]
async fn delivery_pull_follows_the_lifecycle() {
    let app = spawn_manual_app().await;
    let body = send_body(
        json!([{"msisdn": 421903123456_u64, "id": 123}, {"msisdn": 421900000001_u64, "id": 124}, {"msisdn": 421900000002_u64}]),
    );
    let (_, answer) = via_post(&app, "/json/send", &body).await;
    let third = answer["response"]["recipients"][2]["bsmsId"].clone();
    let before =
        pull(&app, json!([{"id": 123}, {"id": 124}, {"bsmsId": third}, {"id": 999}])).await;
    let states: Vec<_> = before.as_array().unwrap().iter().map(|d| d["status"].clone()).collect();
    assert_eq!(states, [json!("waiting"), json!("waiting"), json!("waiting")]);
    let record = &before[0];
    assert_eq!(record["operator"], 23102);
    assert_eq!(record["price"], 0.07);
    assert_eq!(record["parts"], 1);
    assert!(record["bsmsId"].is_u64());
    let received = record["received"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(received, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{received}"
    );
    assert_eq!(before[2]["id"], Value::Null);

    app.advance(60).await;
    let after = pull(&app, json!([{"id": 123}, {"id": 124}])).await;
    let states: Vec<_> = after.as_array().unwrap().iter().map(|d| d["status"].clone()).collect();
    assert_eq!(states, [json!("delivered"), json!("undeliverable")]);
    app.advance(49 * 3600).await;
    let expired = pull(&app, json!([{"bsmsId": third}])).await;
    assert_eq!(expired[0]["status"], "expired");
    let (status, answer) = via_post(
        &app,
        "/json/delivery",
        &json!({"username": VIA_USER, "password": VIA_PASSWORD, "deliveries": [{}]}),
    )
    .await;
    assert_via_error(status, &answer, 400, 400);
}

#[tokio::test]
async fn get_send_and_get_delivery_take_basic_auth_or_a_jwt() {
    let app = spawn_manual_app().await;
    let (status, answer) =
        send(app.via_get("/get/send?id=55&msisdn=421903123456&text=Hello%20there&sender=Acme"))
            .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["response"]["recipients"][0]["status"], "ok");
    let (_, token) =
        send(app.get(&format!("/token/create?username={VIA_USER}&password={VIA_PASSWORD}"))).await;
    let jwt = token["response"]["jwt"].as_str().unwrap().to_owned();
    assert_eq!(jwt.split('.').count(), 3);
    let (status, delivery) = send(app.get(&format!("/get/delivery?id=55&jwt={jwt}"))).await;
    assert_eq!(status, 200, "{delivery}");
    assert_eq!(delivery["response"]["delivery"][0]["status"], "waiting");
    let (status, _) =
        send(app.get(&format!("/get/send?id=56&msisdn=421903123456&text=x&jwt={jwt}"))).await;
    assert_eq!(status, 200);
    let (status, answer) = send(app.via_get("/get/send?id=57&msisdn=421903123456")).await;
    assert_via_error(status, &answer, 400, 400);
    let (status, answer) = send(app.via_get("/get/delivery?id=abc")).await;
    assert_via_error(status, &answer, 400, 1014);
}

#[tokio::test]
async fn tokens_expire_after_24_virtual_hours_and_tampering_is_refused() {
    let app = spawn_manual_app().await;
    let (status, answer) =
        send(app.get(&format!("/token/create?username={VIA_USER}&password=wrong"))).await;
    assert_via_error(status, &answer, 401, 1000);
    let (_, token) =
        send(app.get(&format!("/token/create?username={VIA_USER}&password={VIA_PASSWORD}"))).await;
    let jwt = token["response"]["jwt"].as_str().unwrap().to_owned();
    let mut tampered = jwt.clone();
    tampered.pop();
    tampered.push(if jwt.ends_with('A') { 'B' } else { 'A' });
    let (status, answer) = send(app.get(&format!("/get/delivery?id=1&jwt={tampered}"))).await;
    assert_via_error(status, &answer, 401, 1000);
    let (status, answer) = send(app.get("/get/delivery?id=1&jwt=not.a.token")).await;
    assert_via_error(status, &answer, 401, 1000);
    app.advance(24 * 3600 - 1).await;
    let (status, _) = send(app.get(&format!("/get/delivery?id=1&jwt={jwt}"))).await;
    assert_eq!(status, 200);
    app.advance(1).await;
    let (status, answer) = send(app.get(&format!("/get/delivery?id=1&jwt={jwt}"))).await;
    assert_via_error(status, &answer, 401, 1000);
}

#[tokio::test]
async fn a_scheduled_send_waits_for_its_local_time() {
    let app = spawn_manual_app().await;
    let (_, clock) = send(app.get(&format!("/_mock/clock?account={VIA_USER}"))).await;
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    let at = (now + chrono::TimeDelta::hours(2)).with_timezone(&chrono_tz::Europe::Bratislava);
    for (id, spelling) in [
        (1, at.format("%Y-%m-%d %H:%M:%S").to_string()),
        (2, at.format("%Y-%m-%dT%H:%M:%S").to_string()),
    ] {
        let mut body = send_body(json!([{"msisdn": 421903123456_u64, "id": id}]));
        body["message"]["time_to_send"] = json!(spelling);
        let (status, answer) = via_post(&app, "/json/send", &body).await;
        assert_eq!(status, 200, "{answer}");
    }
    app.advance(3600).await;
    let waiting = pull(&app, json!([{"id": 1}, {"id": 2}])).await;
    assert!(waiting.as_array().unwrap().iter().all(|d| d["status"] == "waiting"), "{waiting}");
    app.advance(3600 + 10).await;
    let delivered = pull(&app, json!([{"id": 1}, {"id": 2}])).await;
    assert!(
        delivered.as_array().unwrap().iter().all(|d| d["status"] == "delivered"),
        "{delivered}"
    );
    let mut bad = send_body(json!([{"msisdn": 421903123456_u64}]));
    bad["message"]["time_to_send"] = json!("tomorrow");
    let (status, answer) = via_post(&app, "/json/send", &bad).await;
    assert_via_error(status, &answer, 400, 400);
}

#[tokio::test]
async fn delivery_pushes_report_final_states_and_agree_with_the_pull() {
    let app = spawn_manual_app().await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let (user, pass) =
        create_account(&app, json!({"deliveryPushUrl": format!("{}/dlr", server.uri())})).await;
    let body = json!({"username": user, "password": pass, "message": {"text": "Hi"},
                      "recipients": [{"msisdn": 421903123456_u64, "id": 1}, {"msisdn": 421900000001_u64, "id": 2}]});
    let (status, _) = via_post(&app, "/json/send", &body).await;
    assert_eq!(status, 200);
    app.advance(60).await;
    // Each message's pushes go in order; two messages' pushes go
    // independently, so they may arrive either way round.
    let mut pushes = received_json(&server).await;
    pushes.sort_by_key(|push| push["id"].as_i64());
    let seen: Vec<(Value, Value)> =
        pushes.iter().map(|p| (p["id"].clone(), p["status"].clone())).collect();
    assert_eq!(
        seen,
        [(json!(1), json!("delivered")), (json!(2), json!("undeliverable"))],
        "final states only: `waiting` is not pushed by default"
    );
    assert!(pushes[0].get("bsmsId").is_none());
    assert_eq!(pushes[0]["operator"], 23102);
    let pulled = {
        let body =
            json!({"username": user, "password": pass, "deliveries": [{"id": 1}, {"id": 2}]});
        via_post(&app, "/json/delivery", &body).await.1["response"]["delivery"].clone()
    };
    assert_eq!(pulled[0]["status"], pushes[0]["status"]);
    assert_eq!(pulled[0]["received"], pushes[0]["received"]);
    assert_eq!(pulled[1]["status"], pushes[1]["status"]);
    // The engine's own view of the same messages: iP.1 status codes.
    let (_, engine) = send(app.get(&format!("/_mock/messages?account={user}"))).await;
    let mut codes: Vec<(i64, u64)> = engine
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["clientId"].as_i64().unwrap(), m["status"].as_u64().unwrap()))
        .collect();
    codes.sort();
    assert_eq!(codes, [(1, 201), (2, 500)]);
}

#[tokio::test]
async fn an_account_that_pushes_waiting_gets_it_at_submit_time() {
    let app = spawn_manual_app().await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let url = format!("{}/dlr", server.uri());
    let (user, pass) =
        create_account(&app, json!({"deliveryPushUrl": url, "pushWaiting": true})).await;
    let (_, accounts) = send(app.get("/_mock/accounts")).await;
    let account = accounts.as_array().unwrap().iter().find(|a| a["id"] == user.as_str()).unwrap();
    assert_eq!(account["pushWaiting"], true);
    let body = json!({"username": user, "password": pass, "message": {"text": "Hi"},
                      "recipients": [{"msisdn": 421903123456_u64, "id": 1}]});
    via_post(&app, "/json/send", &body).await;
    app.advance(60).await;
    let states: Vec<Value> =
        received_json(&server).await.iter().map(|p| p["status"].clone()).collect();
    assert_eq!(states, [json!("waiting"), json!("delivered")]);
}

#[tokio::test]
async fn the_push_waiting_flag_is_the_default_of_accounts_that_do_not_say() {
    let app = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.viamobile_push_waiting = true;
    })
    .await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let url = format!("{}/dlr", server.uri());
    let (quiet, _) =
        create_account(&app, json!({"deliveryPushUrl": url, "pushWaiting": false})).await;
    let (_, accounts) = send(app.get("/_mock/accounts")).await;
    for account in accounts.as_array().unwrap().iter().filter(|a| a["gateway"] == "viamobile") {
        assert_eq!(account["pushWaiting"], account["id"] != quiet.as_str(), "{account}");
    }
}

#[tokio::test]
async fn pushes_are_retried_five_times_with_doubling_waits() {
    let app = spawn_manual_app().await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let url = format!("{}/dlr", server.uri());
    let (user, pass) = create_account(&app, json!({"deliveryPushUrl": url})).await;
    let body = json!({"username": user, "password": pass, "message": {"text": "Hi"},
                      "recipients": [{"msisdn": 421903123456_u64, "id": 1}]});
    via_post(&app, "/json/send", &body).await;
    app.advance(3 * 3600).await;
    let (_, journal) = send(app.get(&format!("/_mock/callbacks?account={user}"))).await;
    let journal = journal.as_array().unwrap();
    let times: Vec<chrono::DateTime<chrono::Utc>> =
        journal.iter().map(|a| a["virtualTime"].as_str().unwrap().parse().unwrap()).collect();
    let outcomes: Vec<&str> = journal.iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["failed", "failed", "failed", "failed", "failed", "dropped"]);
    let waits: Vec<i64> = times.windows(2).take(4).map(|w| (w[1] - w[0]).num_seconds()).collect();
    assert_eq!(waits, [60, 120, 240, 480], "1, 2, 4 and 8 minutes apart");
}

#[tokio::test]
async fn the_push_schedule_is_configurable() {
    let app = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.viamobile_push_attempts = 3;
        config.viamobile_push_retry_interval = 10;
    })
    .await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let (user, _) =
        create_account(&app, json!({"incomingPushUrl": format!("{}/mo", server.uri())})).await;
    let inbound = json!({"account": user, "sender": "421903123456", "recipient": "421902028970", "body": "Hi"});
    send(app.post("/_mock/inbound").json(&inbound)).await;
    app.advance(29).await;
    assert_eq!(server.received_requests().await.unwrap().len(), 2, "at 0 and 10 s");
    app.advance(1).await;
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "and at 30 s");
    app.advance(3600).await;
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "then dropped");
}

/// `response.status` of a send, validate, GET send and HLR lookup by
/// `user`, and of a refused send.
async fn answered_statuses(app: &TestApp, user: &str, pass: &str) -> (Vec<Value>, Value) {
    let body = json!({"username": user, "password": pass, "message": {"text": "Hi"},
                      "recipients": [{"msisdn": 421903123456_u64, "id": 1}]});
    let mut statuses = Vec::new();
    for path in ["/json/send", "/json/validate"] {
        let (status, answer) = via_post(app, path, &body).await;
        assert_eq!(status, 200, "{answer}");
        statuses.push(answer["response"]["status"].clone());
    }
    for path in ["/get/send?id=2&msisdn=421903123456&text=Hi", "/json/hlr?msisdn=421903123456"] {
        let (status, answer) = send(app.get(path).basic_auth(user, Some(pass))).await;
        assert_eq!(status, 200, "{answer}");
        statuses.push(answer["response"]["status"].clone());
    }
    let mut refused = body.clone();
    refused["message"]["sender"] = json!("Nobody");
    let (status, answer) = via_post(app, "/json/send", &refused).await;
    assert_via_error(status, &answer, 400, 1012);
    (statuses, answer["response"]["status"].clone())
}

#[tokio::test]
async fn an_account_may_answer_the_status_as_a_string() {
    let app = spawn_manual_app().await;
    let (statuses, refused) = answered_statuses(&app, VIA_USER, VIA_PASSWORD).await;
    assert_eq!(statuses, vec![json!(200); 4], "an integer by default");
    assert_eq!(refused, json!(400));

    let (user, pass) = create_account(&app, json!({"statusAsString": true})).await;
    let (statuses, refused) = answered_statuses(&app, &user, &pass).await;
    assert_eq!(statuses, vec![json!("200"); 4]);
    assert_eq!(refused, json!(400), "error answers are unchanged");
    let (_, delivery) = via_post(
        &app,
        "/json/delivery",
        &json!({"username": user, "password": pass, "deliveries": [{"id": 1}]}),
    )
    .await;
    assert_eq!(delivery["response"]["status"], 200, "only send, validate and HLR change");
    let (_, accounts) = send(app.get("/_mock/accounts")).await;
    let account = accounts.as_array().unwrap().iter().find(|a| a["id"] == user.as_str()).unwrap();
    assert_eq!(account["statusAsString"], true);
}

#[tokio::test]
async fn the_status_as_string_flag_is_the_default_of_accounts_that_do_not_say() {
    let app = spawn_app_with(|config| config.viamobile_status_as_string = true).await;
    let (statuses, _) = answered_statuses(&app, VIA_USER, VIA_PASSWORD).await;
    assert_eq!(statuses, vec![json!("200"); 4], "a fixture account follows the flag");
    let (user, pass) = create_account(&app, json!({"statusAsString": false})).await;
    let (statuses, _) = answered_statuses(&app, &user, &pass).await;
    assert_eq!(statuses, vec![json!(200); 4], "an account that says otherwise keeps its choice");
}

#[tokio::test]
async fn hlr_lookups_answer_the_number_status_and_network() {
    let app = spawn_app().await;
    let (status, answer) = send(app.via_get("/json/hlr?msisdn=421903123456")).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({"response": {"status": 200, "hlr-status": "VALID", "msisdn": 421903123456_u64, "mccmnc": 23102}})
    );
    let (_, absent) = send(app.via_get("/hlr/json?msisdn=421900000001")).await;
    assert_eq!(absent["response"]["hlr-status"], "ABSENT-NUMBER");
    let (_, barred) = send(app.via_get("/json/hlr?msisdn=421900000006")).await;
    assert_eq!(barred["response"]["hlr-status"], "CALL-BARRED");
    let (_, invalid) = send(app.via_get("/json/hlr?msisdn=12")).await;
    assert_eq!(invalid["response"]["hlr-status"], "INVALID-NUMBER");
    let (status, answer) = send(app.via_get("/json/hlr")).await;
    assert_via_error(status, &answer, 400, 400);
    let (status, answer) = send(app.get("/json/hlr?msisdn=421903123456")).await;
    assert_via_error(status, &answer, 401, 1000);
}

#[tokio::test]
async fn an_incoming_sms_is_pushed_with_a_verifiable_hmac() {
    use hmac::{Hmac, Mac};
    let app = spawn_manual_app().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("OK"))
        .mount(&server)
        .await;
    let (user, _) = create_account(
        &app,
        json!({"incomingPushUrl": format!("{}/mo", server.uri()), "hmacKey": "s3cret"}),
    )
    .await;
    let inbound = json!({"gateway": "viamobile", "account": user, "sender": "421903123456", "recipient": "421902028970", "body": "Test message"});
    let (status, answer) = send(app.post("/_mock/inbound").json(&inbound)).await;
    assert_eq!(status, 201, "{answer}");
    let pushes = received_json(&server).await;
    assert_eq!(pushes.len(), 1);
    let push = &pushes[0];
    assert_eq!(push["msisdn"], "+421903123456");
    assert_eq!(push["address"], "+421902028970");
    assert_eq!(push["gtw"], 23102);
    assert_eq!(push["message"], "Test message");
    let concatenated =
        format!("{}{}{}{}{}", push["id"], "+421903123456", "+421902028970", 23102, "Test message");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"s3cret").unwrap();
    mac.update(concatenated.as_bytes());
    assert_eq!(push["hash"], hex::encode(mac.finalize().into_bytes()));
    let (_, journal) = send(app.get(&format!("/_mock/callbacks?account={user}"))).await;
    assert_eq!(journal[0]["outcome"], "delivered");
    assert_eq!(journal[0]["kind"], "viamobileIncoming");
}

#[tokio::test]
async fn an_incoming_push_without_ok_in_the_answer_is_retried() {
    let app = spawn_manual_app().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("received"))
        .mount(&server)
        .await;
    let (user, _) =
        create_account(&app, json!({"incomingPushUrl": format!("{}/mo", server.uri())})).await;
    let inbound = json!({"account": user, "sender": "421903123456", "recipient": "421902028970", "body": "Hi"});
    send(app.post("/_mock/inbound").json(&inbound)).await;
    app.advance(60).await;
    let (_, journal) = send(app.get(&format!("/_mock/callbacks?account={user}"))).await;
    let outcomes: Vec<_> =
        journal.as_array().unwrap().iter().map(|a| a["outcome"].clone()).collect();
    assert_eq!(outcomes, [json!("failed"), json!("failed")]);
    assert_eq!(journal[0]["error"], "the receiver did not answer OK");
}

const SEND_SMS: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:bsms="http://bsms.viamobile.sk/">
  <soapenv:Header/>
  <soapenv:Body>
    <bsms:SendSms>
      <sender>InfoSMS</sender>
      <encoding>gsm</encoding>
      <message><id>321</id><msisdn>421903123456</msisdn><text>Text &amp; more</text></message>
      <message><id>322</id><msisdn>421900000006</msisdn><text>Second</text></message>
    </bsms:SendSms>
  </soapenv:Body>
</soapenv:Envelope>"#;

async fn soap(app: &TestApp, action: &str, body: &str, auth: bool) -> (u16, String) {
    let mut request = app
        .post("/soap")
        .header("Content-Type", "text/xml;charset=UTF-8")
        .header("SOAPAction", format!("\"http://bsms.viamobile.sk/{action}\""))
        .body(body.to_owned());
    if auth {
        request = request.basic_auth(VIA_USER, Some(VIA_PASSWORD));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/xml"));
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn soap_send_sms_and_get_delivery_status() {
    let app = spawn_manual_app().await;
    let (status, answer) = soap(&app, "SendSms", SEND_SMS, true).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("<ns1:SendSmsResponse>"), "{answer}");
    assert_eq!(answer.matches("<ns1:messageStatus>").count(), 2);
    assert!(
        answer.contains("<ns1:id>321</ns1:id><ns1:status>ok</ns1:status><ns1:bsmsId>"),
        "{answer}"
    );
    assert!(answer.contains("<ns1:parts>1</ns1:parts>"));
    let delivery = pull(&app, json!([{"id": 321}])).await;
    assert_eq!(delivery.as_array().unwrap().len(), 1, "the SOAP send was stored");

    let query = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:bsms="http://bsms.viamobile.sk/">
      <soapenv:Body><bsms:messageIds><id>321</id><id>999</id></bsms:messageIds></soapenv:Body></soapenv:Envelope>"#;
    let (status, answer) = soap(&app, "GetDeliveryStatus", query, true).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer.matches("<ns1:messageDeliveryStatus>").count(), 1, "{answer}");
    assert!(answer.contains("<ns1:id>321</ns1:id><ns1:status>ok</ns1:status><ns1:price>0.07</ns1:price><ns1:parts>1</ns1:parts>"), "{answer}");
}

#[tokio::test]
async fn soap_errors_are_faults_with_the_numeric_code() {
    let app = spawn_manual_app().await;
    let (status, answer) = soap(&app, "SendSms", SEND_SMS, false).await;
    assert_eq!(status, 500, "SOAP 1.1 sends every fault with 500");
    assert!(answer.contains("<faultcode>1000</faultcode>"), "{answer}");
    let unknown_sender = SEND_SMS.replace("<sender>InfoSMS</sender>", "<sender>Nobody</sender>");
    let (status, answer) = soap(&app, "SendSms", &unknown_sender, true).await;
    assert_eq!(status, 500);
    assert!(answer.contains("<faultcode>1012</faultcode>"), "{answer}");
    let (status, answer) = soap(&app, "SendSms", "<not xml", true).await;
    assert_eq!(status, 500);
    assert!(answer.contains("<faultcode>400</faultcode>"), "{answer}");
    let too_long = SEND_SMS.replace("Second", &"a".repeat(481));
    let (status, answer) = soap(&app, "SendSms", &too_long, true).await;
    assert_eq!(status, 500);
    assert!(answer.contains("<faultcode>1013</faultcode>"), "{answer}");
    let (status, answer) = soap(&app, "SendSms", &"x".repeat(2 << 20), true).await;
    assert_eq!(status, 500);
    assert!(answer.contains("<faultcode>413</faultcode>"), "{answer}");
    let response = app.get("/soap").send().await.unwrap();
    assert_eq!(response.status(), 500, "no ?wsdl is a fault too");
    assert!(response.text().await.unwrap().contains("<faultcode>400</faultcode>"));
}

#[tokio::test]
async fn the_wsdl_describes_both_operations() {
    let app = spawn_app().await;
    for base in ["", "/bsms/rest/v2"] {
        let response = app.get(&format!("{base}/soap?wsdl")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let wsdl = response.text().await.unwrap();
        assert!(wsdl.contains("soapAction=\"http://bsms.viamobile.sk/SendSms\""));
        assert!(wsdl.contains("soapAction=\"http://bsms.viamobile.sk/GetDeliveryStatus\""));
    }
}

#[tokio::test]
async fn token_create_reads_the_first_of_repeated_parameters() {
    let app = spawn_app().await;
    let (status, body) =
        send(app.get("/token/create?username=test&username=other&password=test")).await;
    assert_eq!(status, 200);
    assert!(body["response"]["jwt"].is_string());

    let (status, body) =
        send(app.get("/token/create?username=other&username=test&password=test")).await;
    assert_via_error(status, &body, 401, 1000);
}
