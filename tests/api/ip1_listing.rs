//! Batch lists with filters, pagination and `Link` headers, and
//! conversations.

use serde_json::{Value, json};

use crate::helpers::*;

fn batch(recipient: &str, reference: &str, tags: Value) -> Value {
    json!({"sender": "iP1", "recipients": [recipient], "body": "Hi", "reference": reference, "tags": tags})
}

async fn send_five(app: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, tags) in [json!(["a"]), json!(["b"]), json!(["a", "c"]), json!([]), json!(["c"])]
        .into_iter()
        .enumerate()
    {
        let (status, sent) = app.send_batch(&batch("46701234567", &format!("ref-{i}"), tags)).await;
        assert_eq!(status, 201);
        ids.push(sent["id"].as_str().unwrap().to_owned());
    }
    ids
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn lists_are_bare_arrays_oldest_first_without_summaries() {
    let app = spawn_app().await;
    let sent = send_five(&app).await;
    let (status, list) = send(app.ip1_get("/v2/batches")).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&list), sent);
    assert!(list[0].get("messageSummary").is_none() && list[0].get("priceSummary").is_none());
    assert_eq!(list[0]["status"], 111);
}

#[tokio::test]
async fn pages_follow_start_limit_and_order_with_link_headers() {
    let app = spawn_app().await;
    let sent = send_five(&app).await;
    let response = app.ip1_get("/v2/batches?start=2&limit=2").send().await.unwrap();
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["x-total-count"], "5");
    let (_, page) = into_json(response).await;
    assert_eq!(ids(&page), sent[2..4]);
    let host = app.address.trim_start_matches("http://");
    for expected in [
        format!("<http://{host}/v2/batches?start=2&limit=2&order=ASC>; rel=\"self\""),
        format!("<http://{host}/v2/batches?start=0&limit=2&order=ASC>; rel=\"first\""),
        format!("<http://{host}/v2/batches?start=0&limit=2&order=ASC>; rel=\"prev\""),
        format!("<http://{host}/v2/batches?start=4&limit=2&order=ASC>; rel=\"next\""),
        format!("<http://{host}/v2/batches?start=4&limit=2&order=ASC>; rel=\"last\""),
    ] {
        assert!(link.contains(&expected), "{expected} not in {link}");
    }

    let response = app.ip1_get("/v2/batches?limit=2&order=desc").send().await.unwrap();
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    assert!(!link.contains("rel=\"prev\""), "{link}");
    let (_, page) = into_json(response).await;
    assert_eq!(ids(&page), [sent[4].clone(), sent[3].clone()]);

    let response = app.ip1_get("/v2/batches?start=4&limit=2").send().await.unwrap();
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    assert!(!link.contains("rel=\"next\""), "{link}");
    let (_, page) = into_json(response).await;
    assert_eq!(ids(&page), [sent[4].clone()]);

    let (_, beyond) = send(app.ip1_get("/v2/batches?start=50")).await;
    assert_eq!(beyond, json!([]));
}

#[tokio::test]
async fn bad_paging_values_answer_400_and_limits_are_clamped() {
    let app = spawn_app().await;
    for query in ["start=abc", "limit=ten", "order=sideways", "direction=up"] {
        let (status, body) = send(app.ip1_get(&format!("/v2/batches?{query}"))).await;
        assert_ip1_problem(status, &body, 400);
    }
    send_five(&app).await;
    let (_, page) = send(app.ip1_get("/v2/batches?limit=0")).await;
    assert_eq!(page.as_array().unwrap().len(), 1);
    let response = app.ip1_get("/v2/batches?limit=5000").send().await.unwrap();
    assert!(response.headers()["link"].to_str().unwrap().contains("limit=1000"));
}

#[tokio::test]
async fn filters_select_by_tags_reference_and_direction_and_stay_in_the_links() {
    let app = spawn_app().await;
    let sent = send_five(&app).await;
    let (_, tagged) = send(app.ip1_get("/v2/batches?tags=a")).await;
    assert_eq!(ids(&tagged), [sent[0].clone(), sent[2].clone()]);
    let (_, any) = send(app.ip1_get("/v2/batches?tags=b&tags=c")).await;
    assert_eq!(ids(&any), [sent[1].clone(), sent[2].clone(), sent[4].clone()]);
    let (_, referenced) = send(app.ip1_get("/v2/batches?reference=ref-3")).await;
    assert_eq!(ids(&referenced), [sent[3].clone()]);
    let (_, outgoing) = send(app.ip1_get("/v2/batches?direction=mt")).await;
    assert_eq!(ids(&outgoing).len(), 5);
    let (_, incoming) = send(app.ip1_get("/v2/batches?direction=MO")).await;
    assert_eq!(incoming, json!([]));
    let response = app.ip1_get("/v2/batches?tags=c&limit=1").send().await.unwrap();
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains("start=1&limit=1&order=ASC&tags=c>; rel=\"next\""), "{link}");
}

#[tokio::test]
async fn batch_messages_paginate_too() {
    let app = spawn_app().await;
    let recipients: Vec<String> = (0..7).map(|i| format!("4670123456{i}")).collect();
    let (_, sent) =
        app.send_batch(&json!({"sender": "iP1", "recipients": recipients, "body": "Hi"})).await;
    let path = format!("/v2/batches/{}/messages", sent["id"].as_str().unwrap());
    let response = app.ip1_get(&format!("{path}?start=5&limit=5")).send().await.unwrap();
    assert_eq!(response.headers()["x-total-count"], "7");
    assert!(
        response.headers()["link"]
            .to_str()
            .unwrap()
            .contains(&format!("{path}?start=0&limit=5&order=ASC>; rel=\"prev\""))
    );
    let (_, page) = into_json(response).await;
    let got: Vec<_> = page.as_array().unwrap().iter().map(|m| m["recipient"].clone()).collect();
    assert_eq!(got, [json!("46701234565"), json!("46701234566")]);
}

#[tokio::test]
async fn conversations_list_the_messages_with_one_participant() {
    let app = spawn_app().await;
    app.send_batch(&batch("46701234567", "one", json!([]))).await;
    app.send_batch(&batch("46709999999", "other", json!([]))).await;
    app.send_batch(&json!({"sender": "iP1", "recipients": ["46701234567", "46701234567"], "body": "x".repeat(200)})).await;

    let (status, all) = send(app.ip1_get("/v2/conversations/46701234567")).await;
    assert_eq!(status, 200);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|m| m["recipient"] == "46701234567" && m["direction"] == "mt"));
    let (_, with_plus) = send(app.ip1_get("/v2/conversations/%2B46701234567/mt")).await;
    assert_eq!(with_plus.as_array().unwrap().len(), 3);
    let (_, incoming) = send(app.ip1_get("/v2/conversations/46701234567/mo")).await;
    assert_eq!(incoming, json!([]));
    let (_, page) =
        send(app.ip1_get("/v2/conversations/46701234567?start=1&limit=1&order=DESC")).await;
    assert_eq!(page[0]["body"], "x".repeat(200));

    let (status, summary) = send(app.ip1_get("/v2/conversations/46701234567/summary")).await;
    assert_eq!(status, 200);
    assert_eq!(
        summary,
        json!({
            "participant": "46701234567",
            "totalMessageCount": 3,
            "totalSmsCount": 5,
            "mobileTerminatedMessages": {"101": {"messages": 3, "sms": 5}},
            "mobileOriginatedMessages": {}
        })
    );
}

#[tokio::test]
async fn an_unknown_participant_has_an_empty_conversation() {
    let app = spawn_app().await;
    let (status, list) = send(app.ip1_get("/v2/conversations/46700000000")).await;
    assert_eq!((status, list), (200, json!([])));
    let (_, summary) = send(app.ip1_get("/v2/conversations/Acme/summary")).await;
    assert_eq!(summary["totalMessageCount"], 0);
    assert_eq!(summary["participant"], "Acme");
}
