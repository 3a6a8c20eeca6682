use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;
    let (status, body) = send(app.get("/_mock/health")).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert!(body["version"].is_string());
}

#[tokio::test]
async fn accounts_lists_the_fixture_accounts_with_their_credentials() {
    let app = spawn_app().await;
    let (status, body) = send(app.get("/_mock/accounts")).await;
    assert_eq!(status, 200);
    let accounts = body.as_array().unwrap();
    let ip1 = accounts.iter().find(|a| a["id"] == IP1_ACCOUNT).unwrap();
    assert_eq!(ip1["gateway"], "ip1");
    assert_eq!(ip1["apiKeys"], json!([IP1_KEY]));
    assert_eq!(ip1["origin"], "fixtures");
    assert_eq!(ip1["senders"], json!(["46101606060", "Acme", "iP1", "iP1sms"]));
    assert_eq!(ip1["clock"]["mode"], "realtime");
    let via = accounts.iter().find(|a| a["id"] == VIA_USER).unwrap();
    assert_eq!(via["gateway"], "viamobile");
    assert_eq!(via["password"], VIA_PASSWORD);
    assert_eq!(via["dailyLimit"], 400);
}

#[tokio::test]
async fn a_created_ip1_account_works_with_its_generated_key() {
    let app = spawn_app().await;
    let request = app.post("/_mock/accounts").json(&json!({
        "gateway": "ip1", "currency": "EUR", "type": "international", "balance": 5.5
    }));
    let (status, created) = send(request).await;
    assert_eq!(status, 201, "{created}");
    let key = created["apiKeys"][0].as_str().unwrap();
    let (status, me) = send(app.get("/api/me").bearer_auth(key)).await;
    assert_eq!(status, 200);
    assert_eq!(me["Account"], created["id"]);
    assert_eq!(me["Balance"], 5.5);
    assert_eq!(me["Currency"], "EUR");
}

#[tokio::test]
async fn a_created_viamobile_account_works_with_its_credentials() {
    let app = spawn_app().await;
    let request = app.post("/_mock/accounts").json(&json!({
        "gateway": "viamobile", "username": "shop", "password": "s3cret", "dailyLimit": 10
    }));
    let (status, created) = send(request).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["username"], "shop");
    let (status, body) = send(app.get("/stats/limit").basic_auth("shop", Some("s3cret"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["response"]["msg"]["max"], 10);
}

#[tokio::test]
async fn creating_an_account_that_exists_or_is_invalid_is_refused() {
    let app = spawn_app().await;
    let taken = json!({"gateway": "ip1", "id": IP1_ACCOUNT});
    let (status, body) = send(app.post("/_mock/accounts").json(&taken)).await;
    assert_eq!(status, 409, "{body}");
    let taken_key = json!({"gateway": "ip1", "apiKeys": [IP1_KEY]});
    let (status, _) = send(app.post("/_mock/accounts").json(&taken_key)).await;
    assert_eq!(status, 409);
    let taken_name = json!({"gateway": "viamobile", "username": IP1_ACCOUNT});
    let (status, _) = send(app.post("/_mock/accounts").json(&taken_name)).await;
    assert_eq!(status, 409);
    let bad_id = json!({"gateway": "ip1", "id": "acme"});
    let (status, body) = send(app.post("/_mock/accounts").json(&bad_id)).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("ip1-"));
    let bad_sender = json!({"gateway": "ip1", "senders": ["A"]});
    let (status, _) = send(app.post("/_mock/accounts").json(&bad_sender)).await;
    assert_eq!(status, 400);
    let unknown_field = json!({"gateway": "ip1", "colour": "red"});
    let (status, _) = send(app.post("/_mock/accounts").json(&unknown_field)).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_full_reset_removes_accounts_created_at_run_time() {
    let app = spawn_app().await;
    let request = app.post("/_mock/accounts").json(&json!({"gateway": "ip1", "apiKeys": ["temp"]}));
    let (status, _) = send(request).await;
    assert_eq!(status, 201);
    let (status, body) = send(app.delete("/_mock/reset")).await;
    assert_eq!((status, body), (200, json!({"reset": "all"})));
    let (status, _) = send(app.get("/api/me").bearer_auth("temp")).await;
    assert_eq!(status, 401);
    let (status, _) = send(app.ip1_get("/api/me")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn resetting_one_account_leaves_it_usable_and_unknown_ones_are_404() {
    let app = spawn_app().await;
    let (status, body) = send(app.delete(&format!("/_mock/reset?account={IP1_ACCOUNT}"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["account"], IP1_ACCOUNT);
    let (status, _) = send(app.ip1_get("/api/me")).await;
    assert_eq!(status, 200);
    let (status, body) = send(app.delete("/_mock/reset?account=nobody")).await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
}

/// The control API's one rule: 400 for a body or query that is malformed
/// or invalid, 404 for an id or an account an operation acts on that does
/// not exist, 409 for a well-formed request the state refuses. An
/// `account` that is matched — a listing's filter, a rule's — is not looked
/// up: an unknown one matches nothing, or waits for the account.
#[tokio::test]
async fn control_status_codes_follow_one_rule() {
    let app = spawn_manual_app().await;
    let post = |path: &str, body: Value| app.post(path).json(&body);
    let cases = [
        // 400: malformed, or well-formed JSON of the wrong shape.
        (app.post("/_mock/rules").header("Content-Type", "application/json").body("{"), 400),
        (post("/_mock/rules", json!({"outcome": "exploded"})), 400),
        (post("/_mock/accounts", json!({"gateway": "ip1", "colour": "red"})), 400),
        (post("/_mock/clock/advance", json!({"seconds": "soon"})), 400),
        (post("/_mock/inbound", json!({"account": IP1_ACCOUNT, "sender": "46712345678"})), 400),
        (post("/_mock/faults", json!({"action": "status", "status": 500})), 400),
        (post("/_mock/verify", json!({"count": -1})), 400),
        (app.get("/_mock/requests?limit=many"), 400),
        // 404: what the call acts on is not there.
        (app.get("/_mock/clock?account=nobody"), 404),
        (post("/_mock/clock/advance", json!({"account": "nobody", "seconds": 1})), 404),
        (app.delete("/_mock/reset?account=nobody"), 404),
        (app.delete("/_mock/rules/999"), 404),
        (app.delete("/_mock/faults?id=999"), 404),
        (app.post("/_mock/callbacks/999/redeliver"), 404),
        (
            post(
                "/_mock/inbound",
                json!({"account": "nobody", "sender": "46712345678", "body": "x"}),
            ),
            404,
        ),
        // 409: fine requests that the state refuses.
        (post("/_mock/accounts", json!({"gateway": "ip1", "id": IP1_ACCOUNT})), 409),
        (
            post(
                "/_mock/clock/set",
                json!({"account": IP1_ACCOUNT, "time": "2001-01-01T00:00:00Z"}),
            ),
            409,
        ),
        (app.post("/_mock/state/save"), 409),
        // Matched, not looked up.
        (app.get("/_mock/messages?account=nobody"), 200),
        (app.get("/_mock/requests?account=nobody"), 200),
        (post("/_mock/rules", json!({"account": "later", "outcome": "expired"})), 201),
        (
            post(
                "/_mock/faults",
                json!({"account": "later", "times": 1, "action": "status", "status": 503}),
            ),
            201,
        ),
    ];
    for (request, expected) in cases {
        let request = request.build().unwrap();
        let described = format!("{} {}", request.method(), request.url());
        let response = app.client.execute(request).await.unwrap();
        let status = response.status().as_u16();
        let (_, body) = into_json(response).await;
        assert_eq!(status, expected, "{described}: {body}");
        if status >= 400 {
            assert!(body["error"].is_string(), "{described}: {body}");
        }
    }
    // The rule waited for its account.
    let (status, _) = send(post(
        "/_mock/accounts",
        json!({"gateway": "viamobile", "username": "later", "password": "pw"}),
    ))
    .await;
    assert_eq!(status, 201);
    let (_, rules) = send(app.get("/_mock/rules?account=later")).await;
    assert_eq!(rules.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_inbox_is_served_by_the_emulator_itself() {
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let app = spawn_app().await;
    for path in ["/", "/_mock/ui"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 302, "{path}");
        assert_eq!(response.headers()["location"], "/_mock/ui/");
    }
    for (path, kind, marker) in [
        ("/_mock/ui/", "text/html", "<title>smsmock"),
        ("/_mock/ui/messages.js", "text/javascript", "/_mock/messages"),
        ("/_mock/ui/common.js", "text/javascript", "/_mock/events"),
        ("/_mock/ui/app.css", "text/css", "prefers-color-scheme"),
        ("/_mock/ui/message?id=x", "text/html", "Delivery reports"),
        ("/_mock/ui/message.js", "text/javascript", "/redeliver"),
        ("/_mock/ui/requests", "text/html", "Requests"),
        ("/_mock/ui/requests.js", "text/javascript", "/_mock/requests/"),
        ("/_mock/ui/scenarios", "text/html", "Fail the next 2 sends with 503"),
        ("/_mock/ui/scenarios.js", "text/javascript", "/_mock/callbacks/failures"),
        ("/_mock/ui/state", "text/html", "Upload"),
        ("/_mock/ui/state.js", "text/javascript", "/_mock/state"),
        ("/_mock/ui/phone", "text/html", "Reply"),
        ("/_mock/ui/phone.js", "text/javascript", "/_mock/inbound"),
        ("/_mock/ui/accounts", "text/html", "Accounts"),
        ("/_mock/ui/accounts.js", "text/javascript", "/_mock/reset"),
    ] {
        let response = app.get(path).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with(kind), "{path}");
        let body = response.text().await.unwrap();
        assert!(body.contains(marker), "{path}");
        assert!(!body.contains("://"), "nothing is fetched from elsewhere: {path}");
    }
}

#[tokio::test]
async fn an_account_made_on_first_use_sends_at_once_and_is_found_by_its_key() {
    let app = spawn_app_with(|config| {
        config.accept_any_credentials = true;
        config.clock = smsmock::clock::ClockMode::Manual;
    })
    .await;
    // A fixture sender works on an account made on first use.
    let batch = json!({"sender": "Acme", "recipients": ["46701234567"], "body": "Code 1234"});
    let (status, sent) = app.send_batch_as("my-ci-key", &batch).await;
    assert_eq!(status, 201, "{sent}");
    let viamobile = json!({"username": "ci-user", "password": "pw",
        "message": {"text": "Hi", "sender": "Acme", "type": "gsm"},
        "recipients": [{"msisdn": 421903123456_u64, "id": 1}]});
    let (status, answer) = send(app.post("/json/send").json(&viamobile)).await;
    assert_eq!((status, &answer["response"]["status"]), (200, &json!(200)), "{answer}");

    // The key the test already has names its account in the control API.
    let (_, messages) = send(app.get("/_mock/messages?account=my-ci-key")).await;
    assert_eq!(messages.as_array().unwrap().len(), 1, "{messages}");
    let (_, calls) = send(app.get("/_mock/requests?account=my-ci-key")).await;
    assert_eq!(calls.as_array().unwrap().len(), 1, "{calls}");
    let advance = json!({"account": "my-ci-key", "seconds": 60});
    assert_eq!(send(app.post("/_mock/clock/advance").json(&advance)).await.0, 200);
    let (status, reset) = send(app.delete("/_mock/reset?account=my-ci-key")).await;
    assert_eq!(status, 200, "{reset}");
    assert!(reset["account"].as_str().unwrap().starts_with("ip1-"), "{reset}");
    let (_, messages) = send(app.get("/_mock/messages?account=my-ci-key")).await;
    assert_eq!(messages, json!([]));
    let (_, theirs) = send(app.get("/_mock/messages?account=ci-user")).await;
    assert_eq!(theirs.as_array().unwrap().len(), 1, "the other account keeps its own");
}
