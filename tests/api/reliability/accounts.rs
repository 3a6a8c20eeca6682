//! Accounts made on first use are bounded: a refused call never makes one,
//! and beyond `--max-accounts` unseen credentials answer the gateway's 401.

use serde_json::Value;

use crate::helpers::*;

async fn account_count(app: &TestApp) -> usize {
    let (_, accounts) = send(app.get("/_mock/accounts")).await;
    accounts.as_array().unwrap().len()
}

#[tokio::test]
async fn a_refused_call_creates_no_account() {
    let app = spawn_app_with(|config| config.accept_any_credentials = true).await;
    let before = account_count(&app).await;
    for (user, key) in
        [(IP1_ACCOUNT, "wrong"), ("not-an-account-id", "some-key"), ("ip1-77777", "")]
    {
        let (status, body) = send(app.get("/api/me").basic_auth(user, Some(key))).await;
        assert_ip1_problem(status, &body, 401);
    }
    let (status, body) = send(app.get("/api/me").header("Authorization", "Basic !!!")).await;
    assert_ip1_problem(status, &body, 401);
    let (status, body) = send(app.get("/stats/limit").basic_auth("", Some("pw"))).await;
    assert_via_error(status, &body, 401, 1000);
    assert_eq!(account_count(&app).await, before, "no account was made");

    let (status, body) = send(app.get("/api/me").basic_auth("ip1-77777", Some("k"))).await;
    assert_eq!(status, 200, "a free, well-formed id with a key makes one: {body}");
    assert_eq!(body["Account"], "ip1-77777");
    assert_eq!(account_count(&app).await, before + 1);
}

#[tokio::test]
async fn beyond_max_accounts_unseen_credentials_answer_401() {
    let fixtures = spawn_app().await;
    let fixture_count = account_count(&fixtures).await;
    let app = spawn_app_with(|config| {
        config.accept_any_credentials = true;
        config.max_accounts = fixture_count + 2;
    })
    .await;
    for key in ["first-key", "second-key"] {
        assert_eq!(send(app.get("/api/me").bearer_auth(key)).await.0, 200, "{key}");
    }
    let (status, body) = send(app.get("/api/me").bearer_auth("third-key")).await;
    assert_ip1_problem(status, &body, 401);
    let (status, body) = send(app.get("/stats/limit").basic_auth("newcomer", Some("pw"))).await;
    assert_via_error(status, &body, 401, 1000);
    assert_eq!(account_count(&app).await, fixture_count + 2);
    for key in [IP1_KEY, "first-key"] {
        assert_eq!(send(app.get("/api/me").bearer_auth(key)).await.0, 200, "known keys still work");
    }

    let (status, _): (u16, Value) = send(app.delete("/_mock/reset")).await;
    assert_eq!(status, 200);
    assert_eq!(send(app.get("/api/me").bearer_auth("third-key")).await.0, 200, "room again");
}
