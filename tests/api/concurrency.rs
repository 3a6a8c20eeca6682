//! Sends racing for the last of an account's balance, credit or daily
//! limit: what is answered is what is stored and charged, and no limit is
//! ever passed, however the sends interleave.
//!
//! A race shows only when two sends' checks overlap, so each test runs
//! several rounds on more worker threads than cores, which makes the
//! threads interleave often: a check made outside the write is caught
//! within a few rounds.

use futures::future::join_all;
use serde_json::{Value, json};

use crate::helpers::*;

/// Rounds of each race.
const ROUNDS: usize = 12;

/// A fresh Viamobile account; returns its username.
async fn viamobile_account(app: &TestApp, spec: Value) -> String {
    let mut spec = spec;
    spec["gateway"] = "viamobile".into();
    spec["password"] = "secret".into();
    let (status, body) = send(app.post("/_mock/accounts").json(&spec)).await;
    assert_eq!(status, 201, "{body}");
    body["username"].as_str().unwrap().to_owned()
}

/// A Viamobile send of `count` one-part messages to distinct numbers.
fn via_send(username: &str, first: u64, count: u64) -> Value {
    let recipients: Vec<Value> =
        (first..first + count).map(|n| json!({"msisdn": 421903000000_u64 + n, "id": n})).collect();
    json!({"username": username, "password": "secret",
           "message": {"text": "Hi", "sender": "InfoSMS"}, "recipients": recipients})
}

/// Sends `sends` Viamobile sends of `size` recipients at once; returns the
/// answers.
async fn race_viamobile(app: &TestApp, username: &str, sends: u64, size: u64) -> Vec<(u16, Value)> {
    let requests =
        (0..sends).map(|n| send(app.post("/json/send").json(&via_send(username, n * size, size))));
    join_all(requests).await
}

/// The answered `ok` recipients, checking every answer is all `ok` or a
/// 2002 refusal.
fn answered_ok(answers: &[(u16, Value)]) -> Vec<Value> {
    let mut ok = Vec::new();
    for (status, answer) in answers {
        match status {
            200 => {
                for recipient in answer["response"]["recipients"].as_array().unwrap() {
                    assert_eq!(recipient["status"], "ok", "{answer}");
                    assert!(recipient["bsmsId"].is_u64(), "{answer}");
                    ok.push(recipient.clone());
                }
            }
            402 => assert_eq!(answer["response"]["code"], 2002, "{answer}"),
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    ok
}

/// Every message the account has stored, newest first.
async fn stored(app: &TestApp, account: &str) -> Vec<Value> {
    let (status, body) =
        send(app.get(&format!("/_mock/messages?account={account}&limit=100000"))).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

async fn via_limit(app: &TestApp, username: &str) -> Value {
    let (_, limit) = send(app.get("/stats/limit").basic_auth(username, Some("secret"))).await;
    limit["response"]["msg"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_viamobile_sends_never_pass_the_daily_limit() {
    let app = spawn_manual_app().await;
    for _ in 0..ROUNDS / 4 {
        daily_limit_round(&app).await;
    }
}

async fn daily_limit_round(app: &TestApp) {
    let user = viamobile_account(app, json!({"dailyLimit": 1000, "credit": 10000.0})).await;
    let answers = race_viamobile(app, &user, 50, 100).await;
    let ok = answered_ok(&answers);
    assert_eq!(ok.len(), 1000, "exactly the limit is answered ok");
    assert_eq!(answers.iter().filter(|(status, _)| *status == 402).count(), 40);
    assert_eq!(via_limit(app, &user).await, json!({"sent": 1000, "remaining": 0, "max": 1000}));
    let messages = stored(app, &user).await;
    assert_eq!(messages.len(), 1000, "every ok is stored, every refusal stores nothing");
    assert!(messages.iter().all(|m| m["status"] == 101), "every ok is stored as sendable");
    let mut answered: Vec<u64> = ok.iter().map(|r| r["bsmsId"].as_u64().unwrap()).collect();
    let mut kept: Vec<u64> = messages.iter().map(|m| m["bsmsId"].as_u64().unwrap()).collect();
    answered.sort_unstable();
    kept.sort_unstable();
    assert_eq!(answered, kept, "the answered bsmsIds are the stored ones");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_single_recipient_sends_against_a_limit_of_ten() {
    let app = spawn_manual_app().await;
    for round in 0..ROUNDS * 3 {
        let user = viamobile_account(&app, json!({"dailyLimit": 10, "credit": 10000.0})).await;
        let answers = race_viamobile(&app, &user, 100, 1).await;
        assert_eq!(answered_ok(&answers).len(), 10, "round {round}");
        assert_eq!(via_limit(&app, &user).await["sent"], 10, "round {round}");
        assert_eq!(stored(&app, &user).await.len(), 10, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_viamobile_sends_never_spend_more_than_the_credit() {
    let app = spawn_manual_app().await;
    for _ in 0..ROUNDS {
        credit_round(&app).await;
    }
}

async fn credit_round(app: &TestApp) {
    // 0.07 EUR a message: the credit covers exactly 100 messages.
    let user = viamobile_account(app, json!({"dailyLimit": 100000, "credit": 7.0})).await;
    let answers = race_viamobile(app, &user, 50, 10).await;
    let ok = answered_ok(&answers);
    assert_eq!(ok.len(), 100);
    let charged: f64 = ok.iter().map(|r| r["price"].as_f64().unwrap()).sum();
    assert!((charged - 7.0).abs() < 1e-9, "{charged}");
    let (_, accounts) = send(app.get("/_mock/accounts")).await;
    let account = accounts.as_array().unwrap().iter().find(|a| a["id"] == user.as_str()).unwrap();
    assert_eq!(account["credit"], 0.0);
    assert_eq!(account["sentToday"], 100, "the usage counter is what was answered");
    assert_eq!(stored(app, &user).await.len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_ip1_sends_charge_exactly_what_the_balance_covers() {
    let app = spawn_manual_app().await;
    for _ in 0..ROUNDS {
        balance_round(&app).await;
    }
}

async fn balance_round(app: &TestApp) {
    // 0.45 SEK a message: the balance covers exactly 100 messages.
    let key = app.create_ip1_account(json!({"balance": 45.0})).await;
    let sends = (0..50u64).map(|n| {
        let recipients: Vec<String> = (0..10).map(|i| format!("4671{:07}", n * 10 + i)).collect();
        let body = json!({"sender": "iP1", "recipients": recipients, "body": "Hi"});
        let key = key.clone();
        async move { app.send_batch_as(&key, &body).await }
    });
    let answers = join_all(sends).await;
    let mut paid = 0;
    for (status, batch) in &answers {
        assert_eq!(*status, 201, "{batch}");
        let summary = &batch["messageSummary"];
        let stored = send(
            app.get(&format!("/v2/batches/{}", batch["id"].as_str().unwrap())).bearer_auth(&key),
        )
        .await
        .1;
        assert_eq!(stored["messageSummary"], *summary, "the answer is what was stored");
        assert_eq!(stored["priceSummary"], batch["priceSummary"]);
        match (summary.get("101"), summary.get("402")) {
            (Some(accepted), None) => {
                assert_eq!(accepted["messages"], 10, "{batch}");
                assert_eq!(batch["priceSummary"]["total"], 4.5);
                paid += 1;
            }
            (None, Some(unpaid)) => {
                assert_eq!(unpaid["messages"], 10, "{batch}");
                assert_eq!(batch["priceSummary"]["total"], 0.0);
            }
            _ => panic!("a batch is paid or unpaid as a whole: {batch}"),
        }
    }
    assert_eq!(paid, 10, "exactly the balance is spent");
    let (_, me) = send(app.get("/api/me").bearer_auth(&key)).await;
    assert_eq!(me["Balance"], 0.0);
}
