//! Virtual numbers: the number an account's incoming SMS are sent to. Each
//! is one account's; an account without one gets one when an SMS is
//! injected for it.

use serde_json::{Value, json};

use crate::helpers::*;

async fn account_view(app: &TestApp, id: &str) -> Value {
    let (_, accounts) = send(app.get("/_mock/accounts")).await;
    accounts.as_array().unwrap().iter().find(|a| a["id"] == id).unwrap().clone()
}

#[tokio::test]
async fn two_accounts_cannot_share_a_virtual_number() {
    let app = spawn_app().await;
    for taken in [
        json!({"gateway": "ip1", "virtualNumber": "46700100100"}),
        json!({"gateway": "ip1", "virtualNumber": "+46700100100"}),
        json!({"gateway": "viamobile", "virtualNumber": "46700100200"}),
        json!({"gateway": "ip1", "virtualNumber": "421902028970"}),
    ] {
        let (status, body) = send(app.post("/_mock/accounts").json(&taken)).await;
        assert_eq!(status, 409, "{taken}: {body}");
        assert!(body["error"].as_str().unwrap().contains("virtual number"), "{body}");
    }
    let (_, accounts) = send(app.get("/_mock/accounts")).await;
    assert_eq!(accounts.as_array().unwrap().len(), 3, "nothing was created");
    let (status, _) = send(
        app.post("/_mock/accounts")
            .json(&json!({"gateway": "ip1", "virtualNumber": "46700100300"})),
    )
    .await;
    assert_eq!(status, 201);
}

#[test]
fn fixtures_that_share_a_virtual_number_stop_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixtures.json");
    let fixtures = json!({
        "ip1": {"accounts": [{"id": "ip1-1", "apiKeys": ["a"], "virtualNumber": "46700000123"}]},
        "viamobile": {"accounts": [{"username": "u", "password": "p", "virtualNumber": "+46700000123"}]}
    });
    std::fs::write(&path, fixtures.to_string()).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_smsmock"))
        .args(["--port", "0", "--fixtures", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("fixtures.json")
            && stderr.contains("virtual number 46700000123")
            && stderr.contains("ip1-1"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_sms_to_an_account_without_a_number_gives_it_one() {
    let app = spawn_manual_app().await;
    let key = app.create_ip1_account(json!({})).await;
    let (_, me) = send(app.get("/api/me").bearer_auth(&key)).await;
    let id = me["Account"].as_str().unwrap().to_owned();
    assert_eq!(account_view(&app, &id).await["virtualNumber"], Value::Null);
    let inbound = json!({"account": id, "sender": "46712345678", "body": "Hi"});
    let (status, answer) = send(app.post("/_mock/inbound").json(&inbound)).await;
    assert_eq!(status, 201, "{answer}");
    let number = account_view(&app, &id).await["virtualNumber"].as_str().unwrap().to_owned();
    assert_eq!(number, "46766000001", "the first of the generated numbers");
    assert_eq!(answer["message"]["recipient"], number.as_str());
    // The number is the account's now: a second SMS goes to it, and it
    // finds the account on its own.
    let by_number = json!({"recipient": number, "sender": "46712345678", "body": "Again"});
    let (status, again) = send(app.post("/_mock/inbound").json(&by_number)).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["message"]["owner"], id.as_str());
    let (status, _) =
        send(app.post("/_mock/accounts").json(&json!({"gateway": "ip1", "virtualNumber": number})))
            .await;
    assert_eq!(status, 409, "a generated number is taken too");

    // A Viamobile account gets the next one; its push's address is it.
    let (status, created) =
        send(app.post("/_mock/accounts").json(&json!({"gateway": "viamobile"}))).await;
    assert_eq!(status, 201);
    let user = created["username"].as_str().unwrap().to_owned();
    let inbound = json!({"account": user, "sender": "421903123456", "body": "Ahoj"});
    let (status, answer) = send(app.post("/_mock/inbound").json(&inbound)).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["message"]["address"], "+46766000002");
    assert_eq!(account_view(&app, &user).await["virtualNumber"], "46766000002");
}

#[tokio::test]
async fn the_default_viamobile_account_has_a_number_of_its_own() {
    let app = spawn_manual_app().await;
    let inbound = json!({"recipient": "421902028970", "sender": "421903123456", "body": "Ahoj"});
    let (status, answer) = send(app.post("/_mock/inbound").json(&inbound)).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["message"]["address"], "+421902028970");
    let (_, requests) = send(app.get(&format!("/_mock/messages?account={VIA_USER}"))).await;
    assert_eq!(requests.as_array().unwrap().len(), 1, "{requests}");
}
