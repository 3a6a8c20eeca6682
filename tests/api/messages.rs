//! The control API's messages: a listing paged on the server, and one
//! message with its history and the callbacks waiting for a retry.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

async fn listed(app: &TestApp, query: &str) -> (Vec<Value>, String) {
    let response = app.get(&format!("/_mock/messages?{query}")).send().await.unwrap();
    let total = response.headers()["x-total-count"].to_str().unwrap().to_owned();
    let (status, body) = into_json(response).await;
    assert_eq!(status, 200, "{body}");
    (body.as_array().unwrap().clone(), total)
}

#[tokio::test]
async fn messages_are_paged_newest_first_with_the_total() {
    let app = spawn_manual_app().await;
    for n in 1..=5 {
        let body = json!({"sender": "iP1", "recipients": [format!("4670000000{n}")], "body": format!("n{n}")});
        assert_eq!(app.send_batch(&body).await.0, 201);
    }
    let (page, total) = listed(&app, "limit=2").await;
    assert_eq!(total, "5");
    let texts: Vec<&str> = page.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["n5", "n4"]);
    let (page, _) = listed(&app, "limit=2&offset=2").await;
    assert_eq!(page[0]["text"], "n3");
    let (page, total) = listed(&app, "limit=2&offset=4").await;
    assert_eq!((page.len(), total.as_str()), (1, "5"));
    let (page, total) = listed(&app, "offset=50").await;
    assert_eq!((page.len(), total.as_str()), (0, "5"));
    // The total counts what the filters let through.
    let (page, total) = listed(&app, "text=n2&limit=1").await;
    assert_eq!((page.len(), total.as_str()), (1, "1"));
    let (page, total) = listed(&app, "gateway=viamobile").await;
    assert_eq!((page.len(), total.as_str()), (0, "0"));
    let (page, total) = listed(&app, "gateway=ip1&limit=0").await;
    assert_eq!((page.len(), total.as_str()), (0, "5"));
    for bad in ["gateway=sms", "offset=-1", "limit=many"] {
        let (status, body) = send(app.get(&format!("/_mock/messages?{bad}"))).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

#[tokio::test]
async fn a_message_shows_its_history_and_the_next_retry() {
    let app = spawn_manual_app().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/dlr"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let script = json!({"failFirst": 2, "mode": "beforeSend"});
    assert_eq!(send(app.post("/_mock/callbacks/failures").json(&script)).await.0, 201);
    let batch = json!({
        "sender": "Acme", "recipients": ["46701234567"], "body": "Ö is two bytes in UCS-2",
        "deliveryReportUrl": format!("{}/dlr", server.uri()), "reference": "order-9"
    });
    let (status, sent) = app.send_batch(&batch).await;
    assert_eq!(status, 201, "{sent}");
    let (listed, _) = listed(&app, "recipient=46701234567").await;
    let id = listed[0]["messageId"].as_str().unwrap().to_owned();

    app.advance(1).await;
    let (status, message) = send(app.get(&format!("/_mock/messages/{id}"))).await;
    assert_eq!(status, 200, "{message}");
    assert_eq!(message["messageId"], id.as_str());
    assert_eq!(message["batchId"], sent["id"]);
    assert_eq!(message["text"], "Ö is two bytes in UCS-2");
    assert_eq!(message["gateway"], "ip1");
    assert_eq!(message["segments"], 1);
    assert!(message["price"].as_f64().unwrap() > 0.0);
    assert_eq!(message["currency"], "SEK");
    assert_eq!(message["reference"], "order-9");
    assert_eq!(message["deliveryReportUrl"], format!("{}/dlr", server.uri()));
    let names: Vec<&str> = message["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "Accepted");
    // The first report failed once (scripted) and waits for its retry.
    let pending = message["pendingCallbacks"].as_array().unwrap();
    assert!(!pending.is_empty(), "{message}");
    assert_eq!(pending[0]["code"], 101);
    assert_eq!(pending[0]["attempts"], 1);
    assert_eq!(pending[0]["kind"], "deliveryReport");
    let due = chrono::DateTime::parse_from_rfc3339(pending[0]["due"].as_str().unwrap()).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(message["now"].as_str().unwrap()).unwrap();
    assert_eq!((due - now).num_seconds(), 599, "retried 600 s after the first attempt");

    // Once every report got through, nothing waits and the history is whole.
    app.advance(3600).await;
    let (_, message) = send(app.get(&format!("/_mock/messages/{id}"))).await;
    assert_eq!(message["pendingCallbacks"], json!([]));
    let last = message["statuses"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["code"].as_u64(), last["name"].as_str()),
        (Some(201), Some("DeliveredToHandset"))
    );
    assert_eq!(message["status"], 201);

    for unknown in ["000000000000000000000000", "not-an-id"] {
        let (status, body) = send(app.get(&format!("/_mock/messages/{unknown}"))).await;
        assert_eq!(status, 404, "{body}");
        assert!(body["error"].as_str().unwrap().contains("no message"));
    }
}

#[tokio::test]
async fn a_viamobile_message_has_no_currency_and_is_found_by_gateway() {
    let app = spawn_manual_app().await;
    let body = json!({"username": VIA_USER, "password": VIA_PASSWORD,
        "message": {"text": "hello", "sender": "InfoSMS", "type": "gsm"},
        "recipients": [{"msisdn": 421903123456_u64, "id": 1}]});
    let (status, sent) = send(app.post("/json/send").json(&body)).await;
    assert_eq!(status, 200, "{sent}");
    let (page, total) = listed(&app, "gateway=viamobile").await;
    assert_eq!(total, "1");
    let (status, message) =
        send(app.get(&format!("/_mock/messages/{}", page[0]["messageId"].as_str().unwrap()))).await;
    assert_eq!(status, 200, "{message}");
    assert_eq!(message["gateway"], "viamobile");
    assert!(message.get("currency").is_none());
    assert_eq!(message["encoding"], "gsm");
}

#[tokio::test]
async fn a_phone_filter_finds_its_messages_both_ways() {
    let app = spawn_manual_app().await;
    let batch =
        json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Reply STOP to stop"});
    assert_eq!(app.send_batch(&batch).await.0, 201);
    let reply = json!({"account": IP1_ACCOUNT, "sender": "46701234567", "body": "STOP"});
    assert_eq!(send(app.post("/_mock/inbound").json(&reply)).await.0, 201);
    let (both, total) = listed(&app, "phone=%2B46701234567").await;
    assert_eq!(total, "2");
    let texts: Vec<&str> = both.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["STOP", "Reply STOP to stop"], "newest first");
    let (sent, _) = listed(&app, "recipient=46701234567").await;
    assert_eq!(sent.len(), 1, "the recipient filter keeps one direction");
    let verify = json!({"message": {"phone": "46701234567"}, "count": 2});
    let (_, verdict) = send(app.post("/_mock/verify").json(&verify)).await;
    assert_eq!(verdict["matched"], true, "{verdict}");
}
