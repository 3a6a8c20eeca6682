//! Test scenarios: faults on the gateway APIs, the request journal,
//! message lookup and verification.

use serde_json::{Value, json};

use crate::helpers::*;

fn batch() -> Value {
    json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Your code is 482913"})
}

async fn add_fault(app: &TestApp, fault: Value) -> Value {
    let (status, created) = send(app.post("/_mock/faults").json(&fault)).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn batch_count(app: &TestApp) -> usize {
    let (_, list) = send(app.ip1_get("/v2/batches")).await;
    list.as_array().unwrap().len()
}

#[tokio::test]
async fn the_next_n_calls_answer_the_given_status_with_retry_after() {
    let app = spawn_app().await;
    add_fault(&app, json!({"method": "POST", "path": "/v2/batches", "times": 2, "action": "status", "status": 503, "retryAfterSeconds": 7})).await;
    for _ in 0..2 {
        let response =
            app.post("/v2/batches").bearer_auth(IP1_KEY).json(&batch()).send().await.unwrap();
        assert_eq!(response.headers()["retry-after"], "7");
        let (status, body) = into_json(response).await;
        assert_ip1_problem(status, &body, 503);
    }
    assert_eq!(batch_count(&app).await, 0, "a faulted call changes nothing");
    let (status, _) = app.send_batch(&batch()).await;
    assert_eq!(status, 201);
    let (_, faults) = send(app.get("/_mock/faults")).await;
    assert_eq!(faults[0]["applied"], 2);
}

#[tokio::test]
async fn viamobile_faults_answer_in_viamobile_format() {
    let app = spawn_app().await;
    add_fault(&app, json!({"gateway": "viamobile", "path": "/json/*", "times": 1, "action": "status", "status": 429})).await;
    let body = json!({"username": VIA_USER, "password": VIA_PASSWORD, "message": {"text": "x"}, "recipients": [{"msisdn": 421903123456_u64}]});
    let response = app.post("/json/send").json(&body).send().await.unwrap();
    assert_eq!(response.headers()["retry-after"], "1");
    let (status, answer) = into_json(response).await;
    assert_via_error(status, &answer, 429, 429);
    let (status, _) = send(app.post("/json/send").json(&body)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn faults_can_target_one_account() {
    let app = spawn_app().await;
    add_fault(
        &app,
        json!({"account": IP1_OTHER_ACCOUNT, "times": 5, "action": "status", "status": 500}),
    )
    .await;
    let (status, _) = app.send_batch(&batch()).await;
    assert_eq!(status, 201);
    let (status, _) = app.send_batch_as(IP1_OTHER_KEY, &batch()).await;
    assert_eq!(status, 500);
}

#[tokio::test]
async fn faults_match_the_account_of_a_viamobile_token_and_journal_it() {
    let app = spawn_app().await;
    let (_, token) =
        send(app.get(&format!("/token/create?username={VIA_USER}&password={VIA_PASSWORD}"))).await;
    let jwt = token["response"]["jwt"].as_str().unwrap().to_owned();
    add_fault(&app, json!({"account": VIA_USER, "times": 1, "action": "drop"})).await;
    let dropped = app.get(&format!("/stats/limit?jwt={jwt}")).send().await;
    assert!(dropped.is_err(), "the token's account was hit");
    let (status, _) = send(app.get(&format!("/stats/limit?jwt={jwt}"))).await;
    assert_eq!(status, 200, "the rule is spent, the token still valid");
    let (_, journal) = send(app.get("/_mock/requests?path=/stats/limit")).await;
    let calls: Vec<(Value, Value, Value)> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["account"].clone(), r["status"].clone(), r["fault"].clone()))
        .collect();
    assert_eq!(
        calls,
        [(json!(VIA_USER), json!(200), Value::Null), (json!(VIA_USER), json!(0), json!("drop"))]
    );
}

#[tokio::test]
async fn a_delay_fault_holds_the_answer() {
    let app = spawn_app().await;
    add_fault(&app, json!({"path": "/api/me", "times": 1, "action": "delay", "delayMs": 300}))
        .await;
    let started = std::time::Instant::now();
    let (status, _) = send(app.ip1_get("/api/me")).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_processing() {
    let app = spawn_app().await;
    add_fault(&app, json!({"method": "POST", "path": "/v2/batches", "times": 1, "action": "drop"}))
        .await;
    let result = app.post("/v2/batches").bearer_auth(IP1_KEY).json(&batch()).send().await;
    assert!(result.is_err(), "the client gets no answer");
    assert_eq!(batch_count(&app).await, 0);
    let (_, journal) = send(app.get("/_mock/requests?method=POST&path=/v2/batches")).await;
    assert_eq!(journal[0]["fault"], "drop");
    assert_eq!(journal[0]["status"], 0);
}

#[tokio::test]
async fn a_drop_response_fault_processes_the_call_then_drops_the_answer() {
    let app = spawn_app().await;
    add_fault(
        &app,
        json!({"method": "POST", "path": "/v2/batches", "times": 1, "action": "dropResponse"}),
    )
    .await;
    let result = app.post("/v2/batches").bearer_auth(IP1_KEY).json(&batch()).send().await;
    assert!(result.is_err(), "the client gets no answer");
    // A client that retries blindly sends twice; the journal shows both.
    let (status, _) = app.send_batch(&batch()).await;
    assert_eq!(status, 201);
    assert_eq!(batch_count(&app).await, 2, "the first write happened");
    let (_, journal) = send(app.get("/_mock/requests?method=POST&path=/v2/batches")).await;
    let entries: Vec<(Value, Value, Value)> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].clone(), r["fault"].clone(), r["droppedStatus"].clone()))
        .collect();
    assert_eq!(
        entries,
        [
            (json!(201), Value::Null, Value::Null),
            // What the client saw: no answer; what was processed: a 201.
            (json!(0), json!("dropResponse"), json!(201))
        ]
    );
}

#[tokio::test]
async fn a_seeded_rate_reproduces_the_same_sequence() {
    let run = || async {
        let app = spawn_app().await;
        add_fault(
            &app,
            json!({"path": "/api/me", "rate": 0.5, "seed": 7, "action": "status", "status": 502}),
        )
        .await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(send(app.ip1_get("/api/me")).await.0);
        }
        statuses
    };
    let first = run().await;
    assert_eq!(first, run().await);
    // The sequence is ChaCha8's for seed 7, fixed by its specification: a
    // seed gives these faults in every version of the emulator.
    let hits: String = first.iter().map(|s| if *s == 502 { 'x' } else { '.' }).collect();
    assert_eq!(hits, "xx...xx.x.xx.xx.xxxx", "{first:?}");
}

#[tokio::test]
async fn fault_rules_are_listed_removed_and_checked() {
    let app = spawn_app().await;
    let created = add_fault(&app, json!({"times": 1, "action": "status", "status": 500})).await;
    for bad in [
        json!({"action": "status", "status": 500}),
        json!({"times": 1, "action": "status"}),
        json!({"rate": 2, "action": "drop"}),
        json!({"times": 1, "action": "delay"}),
        json!({"times": 1, "action": "explode"}),
    ] {
        let (status, _) = send(app.post("/_mock/faults").json(&bad)).await;
        assert!((400..500).contains(&status), "{bad}");
    }
    let id = created["id"].as_u64().unwrap();
    let (status, _) = send(app.delete(&format!("/_mock/faults?id={id}"))).await;
    assert_eq!(status, 200);
    let (status, _) = send(app.delete(&format!("/_mock/faults?id={id}"))).await;
    assert_eq!(status, 404);
    let (_, list) = send(app.get("/_mock/faults")).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn faults_load_from_the_fixtures_and_the_faults_flag() {
    let dir = tempfile::tempdir().unwrap();
    let faults = dir.path().join("faults.json");
    std::fs::write(
        &faults,
        json!([{"path": "/api/me", "times": 1, "action": "status", "status": 503}]).to_string(),
    )
    .unwrap();
    let fixtures = dir.path().join("fixtures.json");
    let text = json!({"ip1": {"accounts": [{"id": "ip1-1", "apiKeys": ["k"]}]},
                      "faults": [{"path": "/api/me/account", "times": 1, "action": "status", "status": 500}]});
    std::fs::write(&fixtures, text.to_string()).unwrap();
    let app = spawn_app_with(|config| {
        config.faults = Some(faults);
        config.fixtures = Some(fixtures);
    })
    .await;
    let (status, _) = send(app.get("/api/me").bearer_auth("k")).await;
    assert_eq!(status, 503);
    let (status, _) = send(app.get("/api/me/account").bearer_auth("k")).await;
    assert_eq!(status, 500);
    let (status, _) = send(app.get("/api/me").bearer_auth("k")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_journal_records_calls_with_credentials_masked() {
    let app = spawn_app().await;
    app.send_batch(&batch()).await;
    send(app.post("/json/msisdnstatus").json(
        &json!({"username": VIA_USER, "password": VIA_PASSWORD, "msisdns": ["421903123456"]}),
    ))
    .await;
    send(app.get("/get/delivery?id=1&jwt=secret.token.value")).await;
    let (_, all) = send(app.get("/_mock/requests")).await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 3, "control calls are not journaled");
    assert_eq!(all[0]["path"], "/get/delivery", "newest first");
    assert_eq!(all[0]["query"], "id=1&jwt=***");
    assert_eq!(all[0]["status"], 401);
    let viamobile = &all[1];
    assert_eq!(viamobile["gateway"], "viamobile");
    assert_eq!(viamobile["account"], VIA_USER);
    assert!(viamobile["body"].as_str().unwrap().contains("\"password\":\"***\""));
    let ip1 = &all[2];
    assert_eq!(ip1["account"], IP1_ACCOUNT);
    assert_eq!(ip1["headers"]["authorization"], "Bearer ***");
    assert_eq!(ip1["status"], 201);
    assert!(ip1["latencyMs"].is_number() && ip1["time"].is_string());
    let (_, filtered) = send(
        app.get(&format!("/_mock/requests?account={IP1_ACCOUNT}&method=post&bodyContains=482913")),
    )
    .await;
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    let (_, none) = send(app.get("/_mock/requests?gateway=viamobile&status=500")).await;
    assert_eq!(none, json!([]));
    let (status, body) = send(app.get("/_mock/requests?status=abc")).await;
    assert_eq!(status, 400);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn messages_of_both_gateways_are_listed_newest_first_and_filtered() {
    let app = spawn_app().await;
    app.send_batch(&batch()).await;
    let body = json!({"username": VIA_USER, "password": VIA_PASSWORD, "message": {"text": "Kód 1234"}, "recipients": [{"msisdn": 421903123456_u64, "id": 9}]});
    send(app.post("/json/send").json(&body)).await;
    let (_, all) = send(app.get("/_mock/messages")).await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["gateway"], "viamobile");
    assert_eq!(all[0]["clientId"], 9);
    assert!(all[0]["bsmsId"].is_u64());
    assert_eq!(all[1]["gateway"], "ip1");
    assert_eq!(all[1]["status"], 101);
    let (_, by_text) = send(app.get("/_mock/messages?text=482913")).await;
    assert_eq!(by_text[0]["recipient"], "46701234567");
    let (_, by_account) =
        send(app.get(&format!("/_mock/messages?account={VIA_USER}&sender=InfoSMS"))).await;
    assert_eq!(by_account.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_latest_message_to_a_phone_carries_the_one_time_code() {
    let app = spawn_app().await;
    app.send_batch(
        &json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Your code is 111111"}),
    )
    .await;
    app.send_batch(
        &json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Your code is 222222"}),
    )
    .await;
    let (status, latest) = send(app.get("/_mock/phones/46701234567/messages/latest")).await;
    assert_eq!(status, 200);
    assert_eq!(latest["text"], "Your code is 222222");
    let (_, with_plus) = send(app.get("/_mock/phones/%2B46701234567/messages/latest")).await;
    assert_eq!(with_plus["text"], "Your code is 222222");
    let (status, body) = send(app.get("/_mock/phones/46709999999/messages/latest")).await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn verify_says_whether_it_happened_and_shows_near_misses() {
    let app = spawn_app().await;
    app.send_batch(&batch()).await;
    app.send_batch(&batch()).await;
    let check = json!({"request": {"method": "POST", "path": "/v2/batches", "account": IP1_ACCOUNT, "bodyContains": "482913"}, "count": 2});
    let (status, answer) = send(app.post("/_mock/verify").json(&check)).await;
    assert_eq!(status, 200);
    assert_eq!(answer, json!({"matched": true, "count": 2, "expected": 2}));
    let at_least = json!({"message": {"recipient": "46701234567", "text": "482913"}, "atLeast": 1});
    let (_, answer) = send(app.post("/_mock/verify").json(&at_least)).await;
    assert_eq!(answer["matched"], true);
    let wrong = json!({"message": {"recipient": "46701234567", "text": "999999"}});
    let (_, answer) = send(app.post("/_mock/verify").json(&wrong)).await;
    assert_eq!(answer["matched"], false);
    assert_eq!(answer["count"], 0);
    assert_eq!(answer["nearMisses"].as_array().unwrap().len(), 2);
    assert_eq!(answer["nearMisses"][0]["recipient"], "46701234567");
    let (status, _) = send(app.post("/_mock/verify").json(&json!({"count": 1}))).await;
    assert_eq!(status, 400);
}
