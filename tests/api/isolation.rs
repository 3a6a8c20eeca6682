//! Emulators do not share anything, and resets forget exactly what they
//! say: two emulators in one process have their own id sequences and
//! token secrets, a full reset starts the sequences again, a snapshot
//! carries them, and an account's reset forgets that account's rules,
//! faults, failure scripts and journal entries, and nothing of another's.

use serde_json::{Value, json};

use crate::helpers::*;

fn via_send_body(msisdn: u64) -> Value {
    json!({"username": VIA_USER, "password": VIA_PASSWORD,
           "message": {"text": "Hi", "sender": "InfoSMS"},
           "recipients": [{"msisdn": msisdn, "id": 1}]})
}

/// The `bsmsId` of a one-recipient Viamobile send.
async fn bsms_id(app: &TestApp) -> u64 {
    let (status, answer) = send(app.post("/json/send").json(&via_send_body(421903123456))).await;
    assert_eq!(status, 200, "{answer}");
    answer["response"]["recipients"][0]["bsmsId"].as_u64().unwrap()
}

async fn token(app: &TestApp) -> String {
    let path = format!("/token/create?username={VIA_USER}&password={VIA_PASSWORD}");
    let (status, body) = send(app.get(&path)).await;
    assert_eq!(status, 200, "{body}");
    body["response"]["jwt"].as_str().unwrap().to_owned()
}

/// The Viamobile incoming id of an incoming SMS, as pushed.
async fn incoming_id(app: &TestApp) -> u64 {
    let inbound = json!({"account": VIA_USER, "sender": "421903123456",
                         "recipient": "421902028970", "body": "Hi"});
    let (status, body) = send(app.post("/_mock/inbound").json(&inbound)).await;
    assert_eq!(status, 201, "{body}");
    body["message"]["id"].as_u64().unwrap()
}

#[tokio::test]
async fn two_emulators_in_one_process_number_their_messages_independently() {
    let (one, two) = (spawn_manual_app().await, spawn_manual_app().await);
    assert_eq!(bsms_id(&one).await, 1_000_000);
    assert_eq!(bsms_id(&one).await, 1_000_001);
    assert_eq!(bsms_id(&two).await, 1_000_000, "the second emulator has its own sequence");
    assert_eq!(incoming_id(&one).await, 1);
    assert_eq!(incoming_id(&two).await, 1);
    assert_eq!(incoming_id(&two).await, 2);
}

#[tokio::test]
async fn a_token_of_one_emulator_is_refused_by_another() {
    let (one, two) = (spawn_app().await, spawn_app().await);
    let jwt = token(&one).await;
    let (status, _) = send(one.get(&format!("/stats/limit?jwt={jwt}"))).await;
    assert_eq!(status, 200);
    let (status, body) = send(two.get(&format!("/stats/limit?jwt={jwt}"))).await;
    assert_via_error(status, &body, 401, 1000);
}

#[tokio::test]
async fn a_full_reset_starts_the_sequences_again() {
    let app = spawn_manual_app().await;
    bsms_id(&app).await;
    incoming_id(&app).await;
    let (status, _) = send(app.delete("/_mock/reset")).await;
    assert_eq!(status, 200);
    assert_eq!(bsms_id(&app).await, 1_000_000);
    assert_eq!(incoming_id(&app).await, 1);
    let jwt = token(&app).await;
    send(app.delete("/_mock/reset")).await;
    let (status, _) = send(app.get(&format!("/stats/limit?jwt={jwt}"))).await;
    assert_eq!(status, 200, "tokens of fixture accounts survive a reset");
}

#[tokio::test]
async fn a_snapshot_carries_every_sequence_and_the_token_secret() {
    let (one, two) = (spawn_manual_app().await, spawn_manual_app().await);
    bsms_id(&one).await;
    incoming_id(&one).await;
    let jwt = token(&one).await;
    let (_, snapshot) = send(one.get("/_mock/state")).await;
    let (status, body) = send(two.put("/_mock/state").json(&snapshot)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(bsms_id(&two).await, 1_000_001);
    assert_eq!(incoming_id(&two).await, 2);
    let (status, _) = send(two.get(&format!("/stats/limit?jwt={jwt}"))).await;
    assert_eq!(status, 200, "the token secret came with the snapshot");

    let mut older = snapshot.clone();
    older.as_object_mut().unwrap().remove("sequences");
    let three = spawn_manual_app().await;
    let (status, body) = send(three.put("/_mock/state").json(&older)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(bsms_id(&three).await, 1_000_001, "new ids follow the highest stored");
}

/// Gives `account` one of everything that can be scoped to an account:
/// an outcome rule, a fault rule, a failure script, a journaled call and a
/// journaled callback attempt.
async fn leave_traces(app: &TestApp, account: &str, key: &str, receiver: &str) {
    let rule = json!({"account": account, "recipient": "46709*", "outcome": "expired"});
    assert_eq!(send(app.post("/_mock/rules").json(&rule)).await.0, 201);
    let fault = json!({"account": account, "path": "/nowhere", "times": 1, "action": "drop"});
    assert_eq!(send(app.post("/_mock/faults").json(&fault)).await.0, 201);
    let script = json!({"account": account, "failFirst": 1});
    assert_eq!(send(app.post("/_mock/callbacks/failures").json(&script)).await.0, 201);
    let batch = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi",
                       "deliveryReportUrl": receiver});
    let (status, body) = app.send_batch_as(key, &batch).await;
    assert_eq!(status, 201, "{body}");
    let advance = json!({"account": account, "seconds": 0});
    assert_eq!(send(app.post("/_mock/clock/advance").json(&advance)).await.0, 200);
}

async fn count(app: &TestApp, path: &str) -> usize {
    let (status, body) = send(app.get(path)).await;
    assert_eq!(status, 200, "{path}: {body}");
    body.as_array().unwrap().len()
}

#[tokio::test]
async fn an_accounts_reset_forgets_its_rules_faults_scripts_and_journal_entries_only() {
    let app = spawn_manual_app().await;
    let receiver = wiremock::MockServer::start().await;
    let url = format!("{}/dlr", receiver.uri());
    leave_traces(&app, IP1_ACCOUNT, IP1_KEY, &url).await;
    leave_traces(&app, IP1_OTHER_ACCOUNT, IP1_OTHER_KEY, &url).await;
    let mine = |path: &str| format!("{path}?account={IP1_ACCOUNT}");
    let theirs = |path: &str| format!("{path}?account={IP1_OTHER_ACCOUNT}");
    for (path, before) in [("/_mock/requests", 1), ("/_mock/callbacks", 1)] {
        assert_eq!(count(&app, &mine(path)).await, before, "{path}");
    }

    let (status, body) = send(app.delete(&mine("/_mock/reset"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"reset": "account", "account": IP1_ACCOUNT}));

    assert_eq!(count(&app, &mine("/_mock/requests")).await, 0);
    assert_eq!(count(&app, &mine("/_mock/callbacks")).await, 0);
    assert_eq!(count(&app, &theirs("/_mock/requests")).await, 1);
    assert_eq!(count(&app, &theirs("/_mock/callbacks")).await, 1);
    let (_, rules) = send(app.get("/_mock/rules")).await;
    let (_, faults) = send(app.get("/_mock/faults")).await;
    let (_, scripts) = send(app.get("/_mock/callbacks/failures")).await;
    for (name, list) in [("rules", rules), ("faults", faults), ("scripts", scripts)] {
        let owners: Vec<_> =
            list.as_array().unwrap().iter().map(|r| r["account"].clone()).collect();
        assert_eq!(owners, [json!(IP1_OTHER_ACCOUNT)], "{name}");
    }
    let (_, batches) = send(app.ip1_get("/v2/batches")).await;
    assert_eq!(batches, json!([]));
    let (_, batches) = send(app.get("/v2/batches").bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(batches.as_array().unwrap().len(), 1);

    let (status, body) = send(app.delete("/_mock/reset?account=nobody")).await;
    assert_eq!(status, 404, "{body}");
}
