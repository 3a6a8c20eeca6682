//! Where iP.1's API behaves as the real gateway's (ASP.NET Core) does
//! rather than as its documentation's wording might suggest: trailing
//! slashes, paging of every collection, ordering, content types, auth.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_trailing_slash_is_accepted_on_every_route() {
    let app = spawn_app().await;
    let (status, sent) = send(
        app.post("/v2/batches/")
            .bearer_auth(IP1_KEY)
            .json(&json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let batch = sent["id"].as_str().unwrap();
    for path in [
        "/v2/batches/".to_owned(),
        format!("/v2/batches/{batch}/"),
        format!("/v2/batches/{batch}/messages/?limit=1"),
        "/v2/contacts/".to_owned(),
        "/v2/me/senders/".to_owned(),
        "/api/me/".to_owned(),
    ] {
        let (status, body) = send(app.ip1_get(&path)).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, journal) = send(app.get("/_mock/requests?limit=1")).await;
    assert_eq!(journal[0]["path"], "/api/me", "the journal shows the route's path");
    let (status, body) = send(app.ip1_get("/v2/nothing/")).await;
    assert_ip1_problem(status, &body, 404);
    let (status, _) = send(app.post("/json/send/").json(&json!({}))).await;
    assert_eq!(status, 404, "Viamobile's paths are kept as sent");
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array().unwrap().iter().map(|s| s[field].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn senders_are_sorted_as_a_person_reads_them_and_paginated() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({"senders": ["Zeta", "Acme", "beta"]})).await;
    let (_, list) = send(app.get("/v2/me/senders").bearer_auth(&key)).await;
    assert_eq!(names(&list, "sender"), ["Acme", "beta", "iP1", "iP1sms", "Zeta"]);

    let response = app
        .get("/v2/me/senders?start=1&limit=2&order=desc")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-total-count"], "5");
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains("/v2/me/senders?start=3&limit=2&order=DESC>; rel=\"next\""), "{link}");
    let (status, page) = into_json(response).await;
    assert_eq!(status, 200);
    assert_eq!(names(&page, "sender"), ["iP1sms", "iP1"]);
    let (status, body) = send(app.get("/v2/me/senders?order=up").bearer_auth(&key)).await;
    assert_ip1_problem(status, &body, 400);
}

#[tokio::test]
async fn landing_elements_are_paginated_in_their_order_and_located_when_added() {
    let app = spawn_app().await;
    let elements = json!([
        {"type": "Text", "content": "third", "order": 3},
        {"type": "Title", "content": "first", "order": 1},
    ]);
    let (_, page) = send(
        app.post("/v2/landings")
            .bearer_auth(IP1_KEY)
            .json(&json!({"name": "P", "elements": elements})),
    )
    .await;
    assert_eq!(names(&page["elements"], "content"), ["first", "third"]);
    let base = format!("/v2/landings/{}/elements", page["id"].as_str().unwrap());
    let response = app
        .post(&base)
        .bearer_auth(IP1_KEY)
        .json(&json!({"type": "Text", "content": "second", "order": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (_, added) = into_json(response).await;
    assert_eq!(location, format!("{base}/{}", added["id"].as_str().unwrap()));
    let (status, read) = send(app.ip1_get(&location)).await;
    assert_eq!((status, &read), (200, &added), "the Location reads the element");
    // An id in the body is the emulator's to give: a copy gets its own.
    let mut copy = added.clone();
    copy["content"] = json!("copy");
    let response = app.post(&base).bearer_auth(IP1_KEY).json(&copy).send().await.unwrap();
    let copy_location = response.headers()["location"].to_str().unwrap().to_owned();
    let (_, copy) = into_json(response).await;
    assert_ne!(copy["id"], added["id"]);
    assert_eq!(copy_location, format!("{base}/{}", copy["id"].as_str().unwrap()));

    let (_, all) = send(app.ip1_get(&base)).await;
    assert_eq!(names(&all, "content"), ["first", "second", "copy", "third"]);
    let response = app.ip1_get(&format!("{base}?start=1&limit=1")).send().await.unwrap();
    assert_eq!(response.headers()["x-total-count"], "4");
    assert!(response.headers()["link"].to_str().unwrap().contains("rel=\"next\""));
    let (_, second) = into_json(response).await;
    assert_eq!(names(&second, "content"), ["second"]);
    // Moving an element moves it in the list.
    let first = all[0]["id"].as_str().unwrap();
    send(
        app.put(&format!("{base}/{first}"))
            .bearer_auth(IP1_KEY)
            .json(&json!({"type": "Title", "content": "first", "order": 9})),
    )
    .await;
    let (_, all) = send(app.ip1_get(&base)).await;
    assert_eq!(names(&all, "content"), ["second", "copy", "third", "first"]);
}

#[tokio::test]
async fn bodies_are_read_as_json_under_every_media_type_aspnet_reads() {
    let app = spawn_app().await;
    let body = r#"{"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"}"#;
    for media_type in [
        "text/json",
        "application/json; charset=utf-8",
        "application/problem+json",
        "text/json; charset=utf-8",
    ] {
        let (status, answer) = send(
            app.post("/v2/batches")
                .bearer_auth(IP1_KEY)
                .header("Content-Type", media_type)
                .body(body),
        )
        .await;
        assert_eq!(status, 201, "{media_type}: {answer}");
    }
    for media_type in ["text/plain", "application/xml"] {
        let (status, answer) = send(
            app.post("/v2/batches")
                .bearer_auth(IP1_KEY)
                .header("Content-Type", media_type)
                .body(body),
        )
        .await;
        assert_ip1_problem(status, &answer, 415);
    }
}

#[tokio::test]
async fn an_implausible_recipient_gets_no_network_codes() {
    let app = spawn_app().await;
    let body = json!({"sender": "iP1", "recipients": ["46701234567", "4670123"], "body": "Hi"});
    let (status, sent) = app.send_batch(&body).await;
    assert_eq!(status, 201, "{sent}");
    let path = format!("/v2/batches/{}/messages", sent["id"].as_str().unwrap());
    let (_, messages) = send(app.ip1_get(&path)).await;
    let networks: Vec<(Value, Value, Value)> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["recipient"].clone(), m["mcc"].clone(), m["mnc"].clone()))
        .collect();
    assert_eq!(
        networks,
        [
            (json!("46701234567"), json!("240"), json!("01")),
            (json!("4670123"), Value::Null, Value::Null)
        ]
    );
}

#[tokio::test]
async fn a_character_that_would_straddle_two_parts_moves_whole_and_is_counted() {
    let app = spawn_app().await;
    let (status, before) = send(app.ip1_get("/api/me")).await;
    assert_eq!(status, 200);
    // 306 septets fit two parts of 153 by length, but the € (escape + e)
    // at septets 153–154 moves to the second part, so three are sent.
    let gsm = format!("{}€{}", "a".repeat(152), "a".repeat(152));
    // 134 UTF-16 units fit two parts of 67, but the emoji's surrogate pair
    // at units 67–68 moves to the second part.
    let ucs = format!("{}😀{}", "a".repeat(66), "ł".repeat(66));
    let mut charged = 0.0;
    for (body, datacoding) in [(gsm, "gsm"), (ucs, "ucs")] {
        let (status, sent) = app
            .send_batch(&json!({"sender": "iP1", "recipients": ["46701234567"], "body": body}))
            .await;
        assert_eq!(status, 201, "{sent}");
        let path = format!("/v2/batches/{}/messages", sent["id"].as_str().unwrap());
        let (_, messages) = send(app.ip1_get(&path)).await;
        assert_eq!(messages[0]["segments"], 3, "{datacoding}");
        assert_eq!(messages[0]["datacoding"], datacoding);
        assert!((messages[0]["price"].as_f64().unwrap() - 3.0 * 0.45).abs() < 1e-9);
        charged += 3.0 * 0.45;
    }
    let (_, after) = send(app.ip1_get("/api/me")).await;
    let spent = before["Balance"].as_f64().unwrap() - after["Balance"].as_f64().unwrap();
    assert!((spent - charged).abs() < 1e-9, "the balance pays for every part sent: {spent}");
}
