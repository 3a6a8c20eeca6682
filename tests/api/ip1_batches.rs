//! Sending and reading batches and messages: the documents, templating,
//! pricing and balance, cancelling, and isolation between accounts.

use serde_json::{Value, json};

use crate::helpers::*;

fn minimal() -> Value {
    json!({"sender": "iP1", "recipients": ["46701234567", "46701234568"], "body": "Your table is ready."})
}

async fn balance(app: &TestApp, key: &str) -> f64 {
    let (_, me) = send(app.get("/api/me").bearer_auth(key)).await;
    me["Balance"].as_f64().unwrap()
}

#[tokio::test]
async fn a_send_answers_201_with_location_and_the_batch_document() {
    let app = spawn_app().await;
    let response =
        app.post("/v2/batches").bearer_auth(IP1_KEY).json(&minimal()).send().await.unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, batch) = into_json(response).await;
    assert_eq!(status, 201);
    let id = batch["id"].as_str().unwrap();
    assert_eq!(id.len(), 24);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(location, format!("/v2/batches/{id}"));
    assert_eq!(batch["sender"], "iP1");
    assert_eq!(batch["body"], "Your table is ready.");
    assert_eq!(batch["owner"], IP1_ACCOUNT);
    assert_eq!(batch["direction"], "mt");
    assert_eq!(batch["type"], "sms");
    assert_eq!(batch["datacoding"], "ucs");
    assert_eq!(batch["priority"], 1);
    assert_eq!(batch["templated"], false);
    assert_eq!(batch["status"], 111);
    assert_eq!(batch["deliveryWindows"], json!([]));
    assert_eq!(batch["tags"], json!([]));
    assert_eq!(batch["messageSummary"], json!({"101": {"messages": 2, "sms": 2}}));
    assert_eq!(batch["priceSummary"], json!({"total": 0.9, "currency": "SEK", "average": 0.45}));

    let (status, same) = send(app.ip1_get(&location)).await;
    assert_eq!(status, 200);
    assert_eq!(same, batch);
}

#[tokio::test]
async fn every_message_starts_accepted_with_its_segments_and_price() {
    let app = spawn_app().await;
    let mut body = minimal();
    body["body"] = json!("a".repeat(161));
    body["reference"] = json!("order-48812");
    let (_, batch) = app.send_batch(&body).await;
    let (status, messages) =
        send(app.ip1_get(&format!("/v2/batches/{}/messages", batch["id"].as_str().unwrap()))).await;
    assert_eq!(status, 200);
    let messages = messages.as_array().unwrap();
    assert_eq!(messages.len(), 2);
    let first = &messages[0];
    assert_eq!(first["batchId"], batch["id"]);
    assert_eq!(first["owner"], IP1_ACCOUNT);
    assert_eq!(first["sender"], "iP1");
    assert_eq!(first["recipient"], "46701234567");
    assert_eq!(first["direction"], "mt");
    assert_eq!(first["segments"], 2);
    assert_eq!(first["datacoding"], "gsm");
    assert_eq!(first["type"], "sms");
    assert_eq!(first["price"], 0.9);
    assert_eq!(first["currency"], "SEK");
    assert_eq!(first["reference"], "order-48812");
    assert_eq!(first["mcc"], "240");
    assert_eq!(first["statuses"].as_array().unwrap().len(), 1);
    assert_eq!(first["statuses"][0]["code"], 101);
    assert_eq!(first["statuses"][0]["duration"], 0);
    let created = first["statuses"][0]["created"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.contains('T'), "{created}");
    assert_eq!(first["modified"], created);
    assert_eq!(messages[1]["recipient"], "46701234568");
    assert_ne!(messages[0]["id"], messages[1]["id"]);
}

#[tokio::test]
async fn one_message_shows_its_whole_status_history() {
    let app = spawn_app().await;
    let mut body = minimal();
    body["recipients"] = json!(["123"]);
    let (_, batch) = app.send_batch(&body).await;
    let batch_id = batch["id"].as_str().unwrap();
    let (_, messages) = send(app.ip1_get(&format!("/v2/batches/{batch_id}/messages"))).await;
    let message_id = messages[0]["id"].as_str().unwrap();
    assert_eq!(
        messages[0]["statuses"],
        json!([{"created": messages[0]["modified"], "code": 405, "duration": 1}])
    );
    let (status, message) =
        send(app.ip1_get(&format!("/v2/batches/{batch_id}/messages/{message_id}"))).await;
    assert_eq!(status, 200);
    let codes: Vec<_> =
        message["statuses"].as_array().unwrap().iter().map(|s| s["code"].clone()).collect();
    assert_eq!(codes, [json!(101), json!(405)]);
    assert_eq!(message["price"], 0.0);
}

#[tokio::test]
async fn unknown_batch_and_message_ids_answer_404() {
    let app = spawn_app().await;
    let (_, batch) = app.send_batch(&minimal()).await;
    let batch_id = batch["id"].as_str().unwrap();
    for path in [
        "/v2/batches/5bc86b6e85c7209830f96936".to_owned(),
        "/v2/batches/not-an-id".to_owned(),
        "/v2/batches/5bc86b6e85c7209830f96936/messages".to_owned(),
        format!("/v2/batches/{batch_id}/messages/5bc86b6e85c7209830f96936"),
        format!("/v2/batches/{batch_id}/messages/{batch_id}"),
        format!("/v2/batches/{batch_id}/messages/xyz"),
    ] {
        let (status, body) = send(app.ip1_get(&path)).await;
        assert_ip1_problem(status, &body, 404);
    }
}

#[tokio::test]
async fn templating_renders_each_recipient_and_keeps_the_original_body() {
    let app = spawn_app().await;
    let body = json!({
        "sender": "Acme",
        "recipients": {
            "46701234567": {"name": "Anna", "sign": " /Bob"},
            "46707654321": {},
            "default": {"name": "customer", "sign": " /Acme"}
        },
        "body": "Hi {name}, your order has shipped.{sign} {untouched}"
    });
    let (status, batch) = app.send_batch(&body).await;
    assert_eq!(status, 201, "{batch}");
    assert_eq!(batch["templated"], true);
    assert_eq!(batch["body"], "Hi {name}, your order has shipped.{sign} {untouched}");
    let (_, messages) =
        send(app.ip1_get(&format!("/v2/batches/{}/messages", batch["id"].as_str().unwrap()))).await;
    assert_eq!(messages[0]["recipient"], "46701234567");
    assert_eq!(messages[0]["body"], "Hi Anna, your order has shipped. /Bob {untouched}");
    assert_eq!(messages[1]["recipient"], "46707654321");
    assert_eq!(messages[1]["body"], "Hi customer, your order has shipped. /Acme {untouched}");
}

#[tokio::test]
async fn segments_are_counted_on_each_recipients_rendered_text() {
    let app = spawn_app().await;
    let body = json!({
        "sender": "Acme",
        "recipients": {"46701234567": {"text": "a".repeat(160)}, "46701234568": {"text": "a".repeat(161)}},
        "body": "{text}"
    });
    let (_, batch) = app.send_batch(&body).await;
    assert_eq!(batch["messageSummary"], json!({"101": {"messages": 2, "sms": 3}}));
    assert_eq!(batch["priceSummary"]["total"], 1.35);
}

#[tokio::test]
async fn property_names_and_enums_are_read_in_any_case_or_as_codes() {
    let app = spawn_app().await;
    let body = json!({
        "Sender": "iP1", "RECIPIENTS": ["46701234567"], "Body": "Hello",
        "Type": "Flash", "Datacoding": "GSM", "Priority": "High",
        "DeliveryReportUrl": "https://client.example/dlr", "Reference": "ref", "Tags": ["a"]
    });
    let (status, batch) = app.send_batch(&body).await;
    assert_eq!(status, 201, "{batch}");
    assert_eq!(batch["type"], "flash");
    assert_eq!(batch["datacoding"], "gsm");
    assert_eq!(batch["priority"], 2);
    assert_eq!(batch["deliveryReportUrl"], "https://client.example/dlr");
    assert_eq!(batch["reference"], "ref");
    assert_eq!(batch["tags"], json!(["a"]));
    let codes = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi", "type": 0, "datacoding": 0});
    let (_, batch) = app.send_batch(&codes).await;
    assert_eq!(
        (batch["type"].as_str(), batch["datacoding"].as_str()),
        (Some("flash"), Some("gsm"))
    );
    let codes = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi", "type": 1, "datacoding": 2});
    let (_, batch) = app.send_batch(&codes).await;
    assert_eq!((batch["type"].as_str(), batch["datacoding"].as_str()), (Some("sms"), Some("ucs")));
}

#[tokio::test]
async fn the_balance_is_charged_with_the_priority_surcharge() {
    let app = spawn_app().await;
    let before = balance(&app, IP1_KEY).await;
    let mut body = minimal();
    body["priority"] = json!(2);
    let (_, batch) = app.send_batch(&body).await;
    // Two messages of one SMS at 0.45 SEK + 0.10 SEK surcharge.
    assert_eq!(batch["priceSummary"], json!({"total": 1.1, "currency": "SEK", "average": 0.55}));
    assert!((before - balance(&app, IP1_KEY).await - 1.1).abs() < 1e-9);

    let mut eur = minimal();
    eur["priority"] = json!(2);
    eur["recipients"] = json!(["421903123456"]);
    let (_, batch) = app.send_batch_as(IP1_OTHER_KEY, &eur).await;
    assert_eq!(batch["priceSummary"], json!({"total": 0.08, "currency": "EUR", "average": 0.08}));
    assert!((balance(&app, IP1_OTHER_KEY).await - 99.92).abs() < 1e-9);
}

#[tokio::test]
async fn a_send_the_balance_cannot_cover_leaves_every_message_at_402() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({"balance": 0.5})).await;
    let (status, batch) = app.send_batch_as(&key, &minimal()).await;
    assert_eq!(status, 201);
    assert_eq!(batch["messageSummary"], json!({"402": {"messages": 2, "sms": 2}}));
    assert_eq!(batch["priceSummary"]["total"], 0.0);
    assert_eq!(batch["status"], 112);
    assert_eq!(balance(&app, &key).await, 0.5);
    let mut one = minimal();
    one["recipients"] = json!(["46701234567"]);
    let (_, batch) = app.send_batch_as(&key, &one).await;
    assert_eq!(batch["messageSummary"], json!({"101": {"messages": 1, "sms": 1}}));
    assert!((balance(&app, &key).await - 0.05).abs() < 1e-9);
}

#[tokio::test]
async fn implausible_recipients_are_rejected_per_message_and_not_charged() {
    let app = spawn_app().await;
    let mut body = minimal();
    body["recipients"] = json!(["46701234567", "1234", "0701234567"]);
    let (_, batch) = app.send_batch(&body).await;
    assert_eq!(
        batch["messageSummary"],
        json!({"101": {"messages": 1, "sms": 1}, "405": {"messages": 2, "sms": 2}})
    );
    assert_eq!(batch["priceSummary"]["total"], 0.45);
}

#[tokio::test]
async fn a_batch_with_a_future_window_is_planned_and_can_be_cancelled_with_a_refund() {
    let app = spawn_app().await;
    let before = balance(&app, IP1_KEY).await;
    let mut body = minimal();
    body["deliveryWindows"] = json!([
        {"opens": "2099-06-02T07:00:00Z", "closes": "2099-06-02T16:00:00Z"},
        {"opens": "2099-06-03T09:00:00+02:00", "closes": "2099-06-03T18:00:00+02:00"}
    ]);
    let (_, batch) = app.send_batch(&body).await;
    assert_eq!(batch["status"], 101);
    assert_eq!(
        batch["deliveryWindows"][1],
        json!({"opens": "2099-06-03T07:00:00.000Z", "closes": "2099-06-03T16:00:00.000Z"})
    );
    let path = format!("/v2/batches/{}", batch["id"].as_str().unwrap());
    let (status, cancelled) = send(app.delete(&path).bearer_auth(IP1_KEY)).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], 203);
    assert_eq!(cancelled["messageSummary"], json!({"203": {"messages": 2, "sms": 2}}));
    assert_eq!(balance(&app, IP1_KEY).await, before);
    let (_, messages) = send(app.ip1_get(&format!("{path}/messages"))).await;
    let (_, message) =
        send(app.ip1_get(&format!("{path}/messages/{}", messages[0]["id"].as_str().unwrap())))
            .await;
    let codes: Vec<_> =
        message["statuses"].as_array().unwrap().iter().map(|s| s["code"].clone()).collect();
    assert_eq!(codes, [json!(101), json!(104), json!(203)]);
    assert_eq!(message["statuses"][2]["duration"], 1);
    let (status, still) = send(app.ip1_get(&path)).await;
    assert_eq!((status, still["status"].clone()), (200, json!(203)));
}

#[tokio::test]
async fn deleting_a_batch_that_was_already_processed_removes_it() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({"balance": 0})).await;
    let (_, batch) = app.send_batch_as(&key, &minimal()).await;
    let path = format!("/v2/batches/{}", batch["id"].as_str().unwrap());
    let (status, deleted) = send(app.delete(&path).bearer_auth(&key)).await;
    assert_eq!(status, 200);
    assert_eq!(deleted["id"], batch["id"]);
    let (status, body) = send(app.get(&path).bearer_auth(&key)).await;
    assert_ip1_problem(status, &body, 404);
    let (_, list) = send(app.get("/v2/batches").bearer_auth(&key)).await;
    assert_eq!(list, json!([]));
    let (status, _) = send(app.delete(&path).bearer_auth(&key)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn one_account_cannot_see_or_delete_anothers_batch() {
    let app = spawn_app().await;
    let (_, batch) = app.send_batch(&minimal()).await;
    let path = format!("/v2/batches/{}", batch["id"].as_str().unwrap());
    let (status, body) = send(app.get(&path).bearer_auth(IP1_OTHER_KEY)).await;
    assert_ip1_problem(status, &body, 404);
    let (status, _) = send(app.get(&format!("{path}/messages")).bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(status, 404);
    let (status, _) = send(app.delete(&path).bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(status, 404);
    let (_, list) = send(app.get("/v2/batches").bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(list, json!([]));
    let (_, conversation) =
        send(app.get("/v2/conversations/46701234567").bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(conversation, json!([]));
    let (status, _) = send(app.ip1_get(&path)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_reset_forgets_the_accounts_batches_and_restores_its_balance() {
    let app = spawn_app().await;
    app.send_batch(&minimal()).await;
    let (status, _) = send(app.delete(&format!("/_mock/reset?account={IP1_ACCOUNT}"))).await;
    assert_eq!(status, 200);
    let (_, list) = send(app.ip1_get("/v2/batches")).await;
    assert_eq!(list, json!([]));
    assert_eq!(balance(&app, IP1_KEY).await, 1000.0);
}
