//! The blacklist and its effect on sending.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn numbers_are_added_read_listed_and_removed() {
    let app = spawn_app().await;
    let (status, entry) = send(
        app.post("/v2/blacklist").bearer_auth(IP1_KEY).json(&json!({"msisdn": "+46 70 123 45 67"})),
    )
    .await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!(entry["msisdn"], "46701234567");
    assert!(entry["created"].as_str().unwrap().ends_with('Z'));
    let (status, again) =
        send(app.post("/v2/blacklist").bearer_auth(IP1_KEY).json(&json!({"Phone": "46701234567"})))
            .await;
    assert_eq!(status, 200);
    assert_eq!(again, entry, "adding twice keeps the first entry");
    let (status, put) = send(app.put("/v2/blacklist/46701234568").bearer_auth(IP1_KEY)).await;
    assert_eq!(status, 200);
    let (status, put_again) = send(app.put("/v2/blacklist/46701234568").bearer_auth(IP1_KEY)).await;
    assert_eq!((status, &put_again), (200, &put));
    let (status, read) = send(app.ip1_get("/v2/blacklist/%2B46701234567")).await;
    assert_eq!((status, &read), (200, &entry));
    let response = app.ip1_get("/v2/blacklist?limit=1").send().await.unwrap();
    assert!(response.headers()["link"].to_str().unwrap().contains("rel=\"next\""));
    let (_, page) = into_json(response).await;
    assert_eq!(page, json!([entry]));
    let (status, removed) =
        send(app.delete("/v2/blacklist/46701234567").bearer_auth(IP1_KEY)).await;
    assert_eq!((status, &removed), (200, &entry));
    let (status, body) = send(app.ip1_get("/v2/blacklist/46701234567")).await;
    assert_ip1_problem(status, &body, 404);
    let (status, _) = send(app.delete("/v2/blacklist/46701234567").bearer_auth(IP1_KEY)).await;
    assert_eq!(status, 404);
    let (_, list) = send(app.ip1_get("/v2/blacklist")).await;
    assert_eq!(list, json!([put]));
}

#[tokio::test]
async fn invalid_numbers_are_refused() {
    let app = spawn_app().await;
    for body in [
        json!({"msisdn": "12"}),
        json!({"msisdn": "abc"}),
        json!({}),
        json!({"msisdn": true}),
        json!([]),
    ] {
        let (status, answer) =
            send(app.post("/v2/blacklist").bearer_auth(IP1_KEY).json(&body)).await;
        assert_ip1_problem(status, &answer, 400);
    }
    let (status, answer) = send(app.put("/v2/blacklist/12ab").bearer_auth(IP1_KEY)).await;
    assert_ip1_problem(status, &answer, 400);
    let (_, list) = send(app.ip1_get("/v2/blacklist")).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn blacklisted_recipients_are_not_delivered_nor_charged() {
    let app = spawn_manual_app().await;
    send(app.put("/v2/blacklist/46701234567").bearer_auth(IP1_KEY)).await;
    let body = json!({"sender": "iP1", "recipients": ["46701234567", "46701234568"], "body": "Hi"});
    let (status, batch) = app.send_batch(&body).await;
    assert_eq!(status, 201, "{batch}");
    assert_eq!(
        batch["messageSummary"],
        json!({"101": {"messages": 1, "sms": 1}, "406": {"messages": 1, "sms": 1}})
    );
    assert_eq!(batch["priceSummary"]["total"], 0.45);
    app.advance(600).await;
    let codes = app.status_codes(IP1_KEY, batch["id"].as_str().unwrap()).await;
    assert_eq!(codes, [vec![101, 406], vec![101, 102, 201]]);
}

#[tokio::test]
async fn a_batch_whose_every_recipient_is_blacklisted_is_refused() {
    let app = spawn_app().await;
    send(app.put("/v2/blacklist/46701234567").bearer_auth(IP1_KEY)).await;
    let body = json!({"sender": "iP1", "recipients": ["46701234567", "46701234567"], "body": "Hi"});
    let (status, answer) = app.send_batch(&body).await;
    assert_ip1_problem(status, &answer, 400);
    assert!(answer["errors"]["Recipients"][0].as_str().unwrap().contains("blacklist"));
    let (_, list) = send(app.ip1_get("/v2/batches")).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn blacklists_are_isolated_between_accounts() {
    let app = spawn_app().await;
    send(app.put("/v2/blacklist/46701234567").bearer_auth(IP1_KEY)).await;
    let (status, _) = send(app.get("/v2/blacklist/46701234567").bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(status, 404);
    let body = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"});
    let (status, batch) = app.send_batch_as(IP1_OTHER_KEY, &body).await;
    assert_eq!(status, 201);
    assert_eq!(batch["messageSummary"], json!({"101": {"messages": 1, "sms": 1}}));
}
