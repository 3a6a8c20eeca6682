//! Settings, senders, sub-accounts, landing pages and incoming SMS.

use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

#[tokio::test]
async fn settings_are_set_read_and_fall_back_to_their_default_under_both_prefixes() {
    let app = spawn_app().await;
    for prefix in ["/v2/me/sms/settings", "/me/sms/settings"] {
        let (status, all) = send(app.ip1_get(prefix)).await;
        assert_eq!((status, all), (200, json!({"IncomingCallbackUrl": null})));
        let (status, unset) = send(app.ip1_get(&format!("{prefix}/IncomingCallbackUrl"))).await;
        assert_ip1_problem(status, &unset, 404);
        let url = "https://client.example/mo";
        let path = format!("{prefix}/IncomingCallbackUrl");
        let (status, set) = send(app.put(&path).bearer_auth(IP1_KEY).json(&json!(url))).await;
        assert_eq!((status, &set), (200, &json!({"name": "IncomingCallbackUrl", "value": url})));
        let (_, read) = send(app.ip1_get(&format!("{prefix}/incomingcallbackurl"))).await;
        assert_eq!(read, set);
        let (status, _) = send(
            app.put(&path).bearer_auth(IP1_KEY).json(&json!({"value": "https://other.example/mo"})),
        )
        .await;
        assert_eq!(status, 200);
        let (_, all) = send(app.ip1_get(prefix)).await;
        assert_eq!(all, json!({"IncomingCallbackUrl": "https://other.example/mo"}));
        let (status, deleted) = send(app.delete(&path).bearer_auth(IP1_KEY)).await;
        assert_eq!((status, deleted), (200, json!({"name": "IncomingCallbackUrl", "value": null})));
        let (status, read) = send(app.ip1_get(&path)).await;
        assert_ip1_problem(status, &read, 404);
        let (_, all) = send(app.ip1_get(prefix)).await;
        assert_eq!(all, json!({"IncomingCallbackUrl": null}), "the list still shows it");
    }
}

#[tokio::test]
async fn bad_settings_are_refused() {
    let app = spawn_app().await;
    let path = "/v2/me/sms/settings/IncomingCallbackUrl";
    for bad in [json!("not a url"), json!("/relative"), json!(5), json!({"value": 5}), json!({})] {
        let (status, body) = send(app.put(path).bearer_auth(IP1_KEY).json(&bad)).await;
        assert_ip1_problem(status, &body, 400);
    }
    let (status, body) = send(app.ip1_get("/v2/me/sms/settings/NoSuchSetting")).await;
    assert_ip1_problem(status, &body, 404);
    let (status, _) = send(
        app.put("/v2/me/sms/settings/NoSuchSetting")
            .bearer_auth(IP1_KEY)
            .json(&json!("https://x.example")),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn senders_are_registered_listed_and_unregistered() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({"senders": []})).await;
    let (status, list) = send(app.get("/v2/me/senders").bearer_auth(&key)).await;
    assert_eq!(status, 200);
    let names: Vec<_> = list.as_array().unwrap().iter().map(|s| s["sender"].clone()).collect();
    assert_eq!(names, [json!("iP1"), json!("iP1sms")]);
    let (status, registered) = send(app.put("/v2/me/senders/TestNOS").bearer_auth(&key)).await;
    assert_eq!(status, 200);
    assert_eq!(registered["sender"], "TestNOS");
    let (status, again) = send(app.put("/v2/me/senders/TestNOS").bearer_auth(&key)).await;
    assert_eq!((status, &again), (200, &registered), "idempotent, keeps the first created");
    let (_, numeric) = send(app.put("/v2/me/senders/%2B46101606060").bearer_auth(&key)).await;
    assert_eq!(numeric["sender"], "46101606060");
    let (_, by_body) =
        send(app.put("/v2/me/senders").bearer_auth(&key).json(&json!({"sender": "Company"}))).await;
    assert_eq!(by_body["sender"], "Company");
    let (_, list) = send(app.get("/v2/me/senders").bearer_auth(&key)).await;
    let names: Vec<_> =
        list.as_array().unwrap().iter().map(|s| s["sender"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["46101606060", "Company", "iP1", "iP1sms", "TestNOS"]);
    let (status, read) = send(app.get("/v2/me/senders/TestNOS").bearer_auth(&key)).await;
    assert_eq!((status, &read), (200, &registered));
    let (status, removed) = send(app.delete("/v2/me/senders/TestNOS").bearer_auth(&key)).await;
    assert_eq!((status, &removed), (200, &registered));
    let (status, body) = send(app.get("/v2/me/senders/TestNOS").bearer_auth(&key)).await;
    assert_ip1_problem(status, &body, 404);
    let (status, _) = send(app.delete("/v2/me/senders/TestNOS").bearer_auth(&key)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn invalid_senders_cannot_be_registered() {
    let app = spawn_app().await;
    for bad in ["Ab", "Abcdefghijkl", "1234567890123456", "Acme%20AB"] {
        let (status, body) =
            send(app.put(&format!("/v2/me/senders/{bad}")).bearer_auth(IP1_KEY)).await;
        assert_ip1_problem(status, &body, 400);
    }
    let (status, body) =
        send(app.put("/v2/me/senders").bearer_auth(IP1_KEY).json(&json!({}))).await;
    assert_ip1_problem(status, &body, 400);
}

#[tokio::test]
async fn sender_registration_gates_sending() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    let body = json!({"sender": "NewBrand", "recipients": ["46701234567"], "body": "Hi"});
    let (status, _) = app.send_batch_as(&key, &body).await;
    assert_eq!(status, 400);
    send(app.put("/v2/me/senders/NewBrand").bearer_auth(&key)).await;
    let (status, _) = app.send_batch_as(&key, &body).await;
    assert_eq!(status, 201);
    send(app.delete("/v2/me/senders/NewBrand").bearer_auth(&key)).await;
    let (status, _) = app.send_batch_as(&key, &body).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_sub_account_is_created_read_listed_and_renamed_by_its_parent() {
    let app = spawn_app().await;
    let response = app
        .post("/api/me/children")
        .bearer_auth(IP1_KEY)
        .json(&json!({"Name": "Support team"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (_, child) = into_json(response).await;
    let id = child["ID"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ip1-") && id != IP1_ACCOUNT);
    assert_eq!(location, format!("/api/me/children/{id}"));
    assert_eq!(child["Parent"], IP1_ACCOUNT);
    assert_eq!(child["Name"], "Support team");
    assert_eq!(child["Balance"], 0.0);
    assert_eq!(child["Currency"], "SEK");
    assert_eq!(child["Type"], "Swedish");
    let child_key = child["Key"].as_str().unwrap().to_owned();
    assert_ne!(child_key, IP1_KEY);

    let (status, read) = send(app.ip1_get(&location)).await;
    assert_eq!((status, &read), (200, &child));
    let (_, list) = send(app.ip1_get("/api/me/children")).await;
    assert_eq!(list, json!([child]));
    let (status, renamed) =
        send(app.put(&location).bearer_auth(IP1_KEY).json(&json!({"ID": id, "Name": "Helpdesk"})))
            .await;
    assert_eq!(status, 200);
    assert_eq!(renamed["Name"], "Helpdesk");
    let (status, body) =
        send(app.put(&location).bearer_auth(IP1_KEY).json(&json!({"ID": "ip1-1", "Name": "X"})))
            .await;
    assert_ip1_problem(status, &body, 400);
    for without_id in [json!({"Name": "X"}), json!({"ID": null, "Name": "X"})] {
        let (status, body) = send(app.put(&location).bearer_auth(IP1_KEY).json(&without_id)).await;
        assert_ip1_problem(status, &body, 400);
        assert_eq!(body["errors"]["ID"][0], "The ID field is required.");
    }
    let (_, read) = send(app.ip1_get(&location)).await;
    assert_eq!(read["Name"], "Helpdesk", "a refused rename changes nothing");
    let (status, body) =
        send(app.post("/api/me/children").bearer_auth(IP1_KEY).json(&json!({"Name": " "}))).await;
    assert_ip1_problem(status, &body, 400);

    // The child is a full account of its own.
    let (status, me) = send(app.get("/api/me/account").bearer_auth(&child_key)).await;
    assert_eq!(status, 200);
    assert_eq!(me["ID"], id.as_str());
    assert_eq!(me["Parent"], IP1_ACCOUNT);
    let (_, batches) = send(app.get("/v2/batches").bearer_auth(&child_key)).await;
    assert_eq!(batches, json!([]));
}

#[tokio::test]
async fn only_the_parent_can_see_a_sub_account() {
    let app = spawn_app().await;
    let (_, first) =
        send(app.post("/api/me/children").bearer_auth(IP1_KEY).json(&json!({"Name": "A"}))).await;
    let (_, second) =
        send(app.post("/api/me/children").bearer_auth(IP1_KEY).json(&json!({"Name": "B"}))).await;
    let first_key = first["Key"].as_str().unwrap();
    let second_path = format!("/api/me/children/{}", second["ID"].as_str().unwrap());
    let (status, _) = send(app.get(&second_path).bearer_auth(first_key)).await;
    assert_eq!(status, 404, "a sibling cannot read it");
    let (status, _) =
        send(app.get(&format!("/api/me/children/{IP1_ACCOUNT}")).bearer_auth(first_key)).await;
    assert_eq!(status, 404, "a child cannot read its parent");
    let (status, _) = send(app.get(&second_path).bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(status, 404, "a stranger cannot read it");
    let (status, _) =
        send(app.put(&second_path).bearer_auth(IP1_OTHER_KEY).json(&json!({"Name": "X"}))).await;
    assert_eq!(status, 404);
    let (_, theirs) = send(app.get("/api/me/children").bearer_auth(first_key)).await;
    assert_eq!(theirs, json!([]));
    let (_, mine) = send(app.ip1_get("/api/me/children")).await;
    assert_eq!(mine.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn landing_pages_are_created_read_updated_and_deleted() {
    let app = spawn_app().await;
    let body = json!({"name": "Welcome Page", "elements": [
        {"type": "Title", "content": "Welcome", "level": 1, "bold": false, "backgroundColor": "#f7f7f7"}
    ]});
    let (status, page) = send(app.post("/v2/landings").bearer_auth(IP1_KEY).json(&body)).await;
    assert_eq!(status, 201, "{page}");
    let id = page["id"].as_str().unwrap().to_owned();
    assert_eq!(page["name"], "Welcome Page");
    assert_eq!(page["views"], json!({}));
    assert_eq!(page["link"], format!("https://landing.ip1.net/{id}"));
    assert!(page["shortLink"].as_str().unwrap().starts_with("https://url.ip1.net/"));
    assert!(page["lastModified"].as_str().unwrap().ends_with('Z'));
    let element = &page["elements"][0];
    assert_eq!(element["type"], "Title");
    assert_eq!(element["order"], 0);
    assert_eq!(element["id"].as_str().unwrap().len(), 24);

    let path = format!("/v2/landings/{id}");
    let (_, read) = send(app.ip1_get(&path)).await;
    assert_eq!(read, page);
    let (_, list) = send(app.ip1_get("/v2/landings")).await;
    assert_eq!(list, json!([page]));
    let (status, updated) =
        send(app.put(&path).bearer_auth(IP1_KEY).json(&json!({"name": "Renamed", "elements": []})))
            .await;
    assert_eq!(status, 200);
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(updated["elements"], page["elements"], "PUT keeps the elements");
    assert_eq!(updated["link"], page["link"]);
    let (status, deleted) = send(app.delete(&path).bearer_auth(IP1_KEY)).await;
    assert_eq!(status, 200);
    assert_eq!(deleted["name"], "Renamed");
    let (status, body) = send(app.ip1_get(&path)).await;
    assert_ip1_problem(status, &body, 404);
}

#[tokio::test]
async fn landing_page_elements_are_listed_read_added_and_updated() {
    let app = spawn_app().await;
    let (_, page) = send(
        app.post("/v2/landings")
            .bearer_auth(IP1_KEY)
            .json(&json!({"name": "P", "elements": [{"type": "Title", "content": "Hi"}]})),
    )
    .await;
    let base = format!("/v2/landings/{}/elements", page["id"].as_str().unwrap());
    let (status, elements) = send(app.ip1_get(&base)).await;
    assert_eq!(status, 200);
    assert_eq!(elements, page["elements"]);
    let element_id = elements[0]["id"].as_str().unwrap().to_owned();
    let (status, one) = send(app.ip1_get(&format!("{base}/{element_id}"))).await;
    assert_eq!((status, &one), (200, &elements[0]));
    let (status, updated) = send(
        app.put(&format!("{base}/{element_id}"))
            .bearer_auth(IP1_KEY)
            .json(&json!({"type": "Title", "content": "Hello", "bold": true})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["id"], element_id.as_str());
    assert_eq!(updated["content"], "Hello");
    let (status, added) = send(
        app.post(&base).bearer_auth(IP1_KEY).json(&json!({"type": "Text", "content": "More"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(added["order"], 1);
    let (_, elements) = send(app.ip1_get(&base)).await;
    assert_eq!(elements.as_array().unwrap().len(), 2);
    let (status, body) = send(
        app.put(&format!("{base}/{element_id}"))
            .bearer_auth(IP1_KEY)
            .json(&json!({"content": "no type"})),
    )
    .await;
    assert_ip1_problem(status, &body, 400);
    let (status, _) = send(app.ip1_get(&format!("{base}/5bc86b6e85c7209830f96936"))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_landing_pages_are_refused_and_pages_are_isolated() {
    let app = spawn_app().await;
    for bad in [
        json!({}),
        json!({"name": " "}),
        json!({"name": 5}),
        json!({"name": "P", "elements": [{"content": "x"}]}),
        json!({"name": "P", "elements": [{"type": "Title", "order": "first"}]}),
    ] {
        let (status, body) = send(app.post("/v2/landings").bearer_auth(IP1_KEY).json(&bad)).await;
        assert_ip1_problem(status, &body, 400);
    }
    let (_, page) =
        send(app.post("/v2/landings").bearer_auth(IP1_KEY).json(&json!({"name": "Mine"}))).await;
    let path = format!("/v2/landings/{}", page["id"].as_str().unwrap());
    let (status, _) = send(app.get(&path).bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(status, 404);
    let (status, _) = send(app.delete(&path).bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(status, 404);
}

async fn mo_receiver(failures: u64) -> MockServer {
    let server = MockServer::start().await;
    if failures > 0 {
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .up_to_n_times(failures)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    server
}

#[tokio::test]
async fn an_incoming_sms_is_stored_listed_and_posted_to_the_callback_url() {
    let app = spawn_manual_app().await;
    let server = mo_receiver(0).await;
    let url = format!("{}/mo", server.uri());
    send(app.put("/v2/me/sms/settings/IncomingCallbackUrl").bearer_auth(IP1_KEY).json(&json!(url)))
        .await;
    let inbound =
        json!({"sender": "+46712345678", "recipient": "46700100100", "body": "Hi my name is earl"});
    let (status, answer) = send(app.post("/_mock/inbound").json(&inbound)).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["pass"]["callbackAttempts"], 1);

    let received = received_json(&server).await;
    assert_eq!(received.len(), 1);
    let payload = &received[0];
    assert_eq!(payload["owner"], IP1_ACCOUNT);
    assert_eq!(payload["sender"], "46712345678");
    assert_eq!(payload["recipient"], "46700100100");
    assert_eq!(payload["body"], "Hi my name is earl");
    assert_eq!(payload["direction"], "mo");
    assert_eq!(payload["segments"], 1);
    assert_eq!(payload["statuses"][0]["code"], 201);
    assert_eq!(payload["statuses"][0]["duration"], 1);
    assert!(payload.get("price").is_none() && payload.get("reference").is_none());
    assert_eq!(payload["mcc"], "240");

    let (_, incoming) = send(app.ip1_get("/v2/batches?direction=mo")).await;
    assert_eq!(incoming.as_array().unwrap().len(), 1);
    assert_eq!(incoming[0]["status"], 201);
    assert_eq!(incoming[0]["direction"], "mo");
    assert_eq!(incoming[0]["id"], payload["batchId"]);
    let (_, messages) = send(
        app.ip1_get(&format!("/v2/batches/{}/messages", payload["batchId"].as_str().unwrap())),
    )
    .await;
    assert_eq!(messages[0]["id"], payload["id"]);
    let (_, conversation) = send(app.ip1_get("/v2/conversations/46712345678/mo")).await;
    assert_eq!(conversation[0]["body"], "Hi my name is earl");
    let (_, summary) = send(app.ip1_get("/v2/conversations/46712345678/summary")).await;
    assert_eq!(summary["mobileOriginatedMessages"], json!({"201": {"messages": 1, "sms": 1}}));
    let (_, journal) = send(app.get("/_mock/callbacks?outcome=delivered")).await;
    assert_eq!(journal[0]["kind"], "incomingSms");
}

#[tokio::test]
async fn the_incoming_callback_is_retried_like_delivery_reports() {
    let app = spawn_manual_app().await;
    let server = mo_receiver(2).await;
    send(
        app.put("/v2/me/sms/settings/IncomingCallbackUrl")
            .bearer_auth(IP1_KEY)
            .json(&json!(format!("{}/mo", server.uri()))),
    )
    .await;
    let (status, answer) = send(
        app.post("/_mock/inbound")
            .json(&json!({"account": IP1_ACCOUNT, "sender": "46712345678", "body": "Hello"})),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        answer["message"]["recipient"], "46700100100",
        "the account's virtual number by default"
    );
    assert_eq!(received_json(&server).await.len(), 1);
    app.advance(1200).await;
    assert_eq!(received_json(&server).await.len(), 3);
    let (_, attempts) = send(app.get(&format!("/_mock/callbacks?account={IP1_ACCOUNT}"))).await;
    let outcomes: Vec<_> =
        attempts.as_array().unwrap().iter().map(|a| a["outcome"].clone()).collect();
    assert_eq!(outcomes, [json!("failed"), json!("failed"), json!("delivered")]);
}

#[tokio::test]
async fn failure_scripts_apply_to_incoming_callbacks() {
    let app = spawn_manual_app().await;
    let server = mo_receiver(0).await;
    send(
        app.put("/v2/me/sms/settings/IncomingCallbackUrl")
            .bearer_auth(IP1_KEY)
            .json(&json!(format!("{}/mo", server.uri()))),
    )
    .await;
    send(
        app.post("/_mock/callbacks/failures")
            .json(&json!({"account": IP1_ACCOUNT, "failFirst": 1, "mode": "afterResponse"})),
    )
    .await;
    send(
        app.post("/_mock/inbound")
            .json(&json!({"account": IP1_ACCOUNT, "sender": "46712345678", "body": "Hello"})),
    )
    .await;
    app.advance(600).await;
    assert_eq!(received_json(&server).await.len(), 2, "a duplicate, as scripted");
}

#[tokio::test]
async fn without_a_callback_url_the_incoming_sms_is_only_stored() {
    let app = spawn_manual_app().await;
    let (status, answer) = send(
        app.post("/_mock/inbound")
            .json(&json!({"account": IP1_ACCOUNT, "sender": "46712345678", "body": "Hi"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(answer["pass"]["callbackAttempts"], 0);
    let (_, list) = send(app.ip1_get("/v2/batches")).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn stop_blacklists_the_sender() {
    let app = spawn_manual_app().await;
    let (status, answer) = send(
        app.post("/_mock/inbound")
            .json(&json!({"account": IP1_ACCOUNT, "sender": "46712345678", "body": "  stop \n"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(answer["blacklisted"], true);
    let (status, entry) = send(app.ip1_get("/v2/blacklist/46712345678")).await;
    assert_eq!(status, 200);
    assert_eq!(entry["msisdn"], "46712345678");
    let (status, _) = app
        .send_batch(&json!({"sender": "iP1", "recipients": ["46712345678"], "body": "Offer"}))
        .await;
    assert_eq!(status, 400, "nobody left to send to");
    let (_, answer) = send(
        app.post("/_mock/inbound")
            .json(&json!({"account": IP1_ACCOUNT, "sender": "46712345679", "body": "STOP please"})),
    )
    .await;
    assert_eq!(answer["blacklisted"], false);
}

#[tokio::test]
async fn bad_inbound_requests_are_refused() {
    let app = spawn_app().await;
    for (bad, expected) in [
        (json!({"sender": "46712345678", "body": "x"}), 400),
        (json!({"account": "nobody", "sender": "46712345678", "body": "x"}), 404),
        (json!({"recipient": "46799999999", "sender": "46712345678", "body": "x"}), 404),
        (json!({"account": IP1_ACCOUNT, "sender": "12", "body": "x"}), 400),
        // Fine requests that the account's state refuses: the clock is not
        // there yet; the account is of the other gateway.
        (
            json!({"account": IP1_ACCOUNT, "sender": "46712345678", "body": "x", "time": "2999-01-01T00:00:00Z"}),
            409,
        ),
        (json!({"account": VIA_USER, "gateway": "ip1", "sender": "46712345678", "body": "x"}), 409),
        (json!({"account": IP1_ACCOUNT, "sender": "46712345678"}), 400),
    ] {
        let (status, body) = send(app.post("/_mock/inbound").json(&bad)).await;
        assert_eq!(status, expected, "{bad}: {body}");
        assert!(body["error"].is_string());
    }
}
