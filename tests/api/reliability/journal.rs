//! The request journal tells the truth: a refused call is nobody's (the
//! account it named is kept apart), and no credential is kept in any form
//! a client may send it.

use serde_json::{Value, json};

use crate::helpers::*;

const SECRET: &str = "s3cretZ";

async fn journal(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, calls) = send(app.get(&format!("/_mock/requests?{query}"))).await;
    assert_eq!(status, 200, "{calls}");
    calls.as_array().unwrap().clone()
}

#[tokio::test]
async fn a_refused_call_is_not_the_account_it_named() {
    let app = spawn_app().await;
    let (status, _) = send(app.get("/api/me").basic_auth(IP1_ACCOUNT, Some("wrong"))).await;
    assert_eq!(status, 401);
    let (status, _) = send(app.get("/stats/limit").basic_auth(VIA_USER, Some("wrong"))).await;
    assert_eq!(status, 401);

    assert!(journal(&app, &format!("account={IP1_ACCOUNT}")).await.is_empty());
    assert!(journal(&app, &format!("account={VIA_USER}")).await.is_empty());
    let all = journal(&app, "").await;
    assert_eq!(all.len(), 2);
    let claimed: Vec<&Value> = all.iter().map(|call| &call["claimedAccount"]).collect();
    assert!(
        claimed.contains(&&json!(IP1_ACCOUNT)) && claimed.contains(&&json!(VIA_USER)),
        "{all:?}"
    );
    assert!(all.iter().all(|call| call["account"].is_null()), "{all:?}");
    let verify = json!({"request": {"path": "/api/me", "account": IP1_ACCOUNT}, "count": 0});
    let (_, verdict) = send(app.post("/_mock/verify").json(&verify)).await;
    assert_eq!(verdict["matched"], true, "{verdict}");

    let (status, _) = send(app.ip1_get("/api/me")).await;
    assert_eq!(status, 200);
    let mine = journal(&app, &format!("account={IP1_ACCOUNT}")).await;
    assert_eq!(mine.len(), 1, "proven credentials make it the account's");
    assert!(mine[0]["claimedAccount"].is_null());

    let reset = format!("/_mock/reset?account={IP1_ACCOUNT}");
    assert_eq!(send(app.delete(&reset)).await.0, 200);
    let left = journal(&app, "").await;
    assert_eq!(left.len(), 1, "the reset forgot the calls that named the account: {left:?}");
    assert_eq!(left[0]["claimedAccount"], VIA_USER);
}

#[tokio::test]
async fn credentials_are_masked_in_every_form() {
    let app = spawn_app().await;
    let calls = [
        app.get("/api/me").header("Proxy-Authorization", format!("Basic {SECRET}")),
        app.get(&format!("/get/send?id=1&msisdn=421903123456&text=x&Password={SECRET}&JWT={SECRET}")),
        app.post("/json/send")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("username=test&password={SECRET}")),
        app.post("/json/send")
            .header("Content-Type", "application/json")
            .body(format!(r#"{{"username":"test","password":"{SECRET}","messages":["#)),
        app.post("/json/send")
            .header("Content-Type", "application/json")
            .body(format!(r#"{{"auth":{{"username":"test","Password":"{SECRET}"}}}}"#)),
        app.post("/soap/sms")
            .header("Content-Type", "text/xml")
            .body(format!("<soap:Envelope><soap:Body><SendSms><username>test</username><ns:password>{SECRET}</ns:password></SendSms></soap:Body></soap:Envelope>")),
        app.post("/v2/batches").bearer_auth(SECRET).json(&json!({"body": "x"})),
    ];
    let count = calls.len();
    for call in calls {
        call.send().await.unwrap();
    }
    let (_, listing) = send(app.get("/_mock/requests")).await;
    assert_eq!(listing.as_array().unwrap().len(), count, "{listing}");
    let text = listing.to_string();
    assert!(!text.contains(SECRET), "a credential is in the journal: {text}");
    assert!(text.contains("***"));
    let (_, state) = send(app.get("/_mock/state")).await;
    assert!(!state["requests"].to_string().contains(SECRET));
}

#[tokio::test]
async fn a_journaled_call_keeps_its_answer_and_can_be_read_alone() {
    let app = spawn_app().await;
    let (status, me) = send(app.ip1_get("/api/me")).await;
    assert_eq!(status, 200);
    let (status, _) = send(app.get("/v2/batches/not-an-id").bearer_auth("nobody")).await;
    assert_eq!(status, 401);
    let calls = journal(&app, "").await;
    let (refused, answered) = (&calls[0], &calls[1]);
    let answer: Value = serde_json::from_str(answered["responseBody"].as_str().unwrap()).unwrap();
    assert_eq!(answer, me, "the journal keeps the answer the client got");
    assert!(refused["responseBody"].as_str().unwrap().contains("401"), "{refused}");

    let id = answered["id"].as_u64().unwrap();
    let (status, alone) = send(app.get(&format!("/_mock/requests/{id}"))).await;
    assert_eq!((status, &alone), (200, answered));
    for unknown in ["999", "x"] {
        let (status, body) = send(app.get(&format!("/_mock/requests/{unknown}"))).await;
        assert_eq!(status, 404, "{body}");
    }
}
