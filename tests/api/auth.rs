use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn ip1_bearer_key_reads_its_own_account() {
    let app = spawn_app().await;
    let (status, body) = send(app.ip1_get("/api/me")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"Account": IP1_ACCOUNT, "Organization": "Example AB", "Type": "Swedish",
               "Balance": 1000.0, "Currency": "SEK"})
    );
}

#[tokio::test]
async fn ip1_account_details_show_the_key_used_in_pascal_case() {
    let app = spawn_app().await;
    let (status, body) = send(app.ip1_get("/api/me/account")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"Key": IP1_KEY, "Parent": null, "Type": "Swedish", "Balance": 1000.0,
               "Currency": "SEK", "ID": IP1_ACCOUNT, "Name": "Default account"})
    );
}

#[tokio::test]
async fn ip1_accepts_basic_auth_with_account_id_and_key() {
    let app = spawn_app().await;
    let request = app.get("/api/me").basic_auth(IP1_ACCOUNT, Some(IP1_KEY));
    let (status, body) = send(request).await;
    assert_eq!(status, 200);
    assert_eq!(body["Account"], IP1_ACCOUNT);
}

#[tokio::test]
async fn ip1_v2_takes_bearer_keys_only_unless_basic_is_switched_on() {
    let app = spawn_app().await;
    let (status, body) = send(app.get("/v2/batches").basic_auth(IP1_ACCOUNT, Some(IP1_KEY))).await;
    assert_ip1_problem(status, &body, 401);
    let (status, body) =
        send(app.get("/v2/me/sms/settings").basic_auth(IP1_ACCOUNT, Some(IP1_KEY))).await;
    assert_ip1_problem(status, &body, 401);
    let (_, journal) = send(app.get("/_mock/requests?limit=1")).await;
    assert_eq!(journal[0]["account"], json!(null), "refused credentials prove nothing");
    assert_eq!(journal[0]["claimedAccount"], IP1_ACCOUNT);
    let (status, details) =
        send(app.get("/api/me/account").basic_auth(IP1_ACCOUNT, Some(IP1_KEY))).await;
    assert_eq!(status, 200, "the older API keeps HTTP Basic");
    assert_eq!(details["Key"], IP1_KEY, "the key of the Basic credentials");

    let app = spawn_app_with(|config| config.ip1_v2_basic_auth = true).await;
    let (status, body) = send(app.get("/v2/batches").basic_auth(IP1_ACCOUNT, Some(IP1_KEY))).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        send(app.get("/v2/batches").basic_auth(IP1_OTHER_ACCOUNT, Some(IP1_KEY))).await;
    assert_ip1_problem(status, &body, 401);
}

#[tokio::test]
async fn ip1_basic_auth_with_another_accounts_id_is_refused() {
    let app = spawn_app().await;
    let request = app.get("/api/me").basic_auth(IP1_OTHER_ACCOUNT, Some(IP1_KEY));
    let (status, body) = send(request).await;
    assert_ip1_problem(status, &body, 401);
}

#[tokio::test]
async fn ip1_missing_or_unknown_credentials_get_a_problem_details_401() {
    let app = spawn_app().await;
    let response = app.get("/api/me").send().await.unwrap();
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let (status, body) = into_json(response).await;
    assert_ip1_problem(status, &body, 401);
    assert_eq!(body["title"], "Unauthorized");

    let (status, body) = send(app.get("/api/me/account").bearer_auth("nope")).await;
    assert_ip1_problem(status, &body, 401);
    let (status, body) = send(app.get("/api/me").header("Authorization", "Token x")).await;
    assert_ip1_problem(status, &body, 401);
}

#[tokio::test]
async fn viamobile_basic_auth_reads_the_daily_limit() {
    let app = spawn_app().await;
    let (status, body) = send(app.via_get("/stats/limit")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"response": {"status": 200, "msg": {"sent": 0, "remaining": 400, "max": 400}}})
    );
}

#[tokio::test]
async fn viamobile_routes_are_also_served_under_the_legacy_base() {
    let app = spawn_app().await;
    let (status, body) = send(app.via_get("/bsms/rest/v2/stats/limit")).await;
    assert_eq!(status, 200);
    assert_eq!(body["response"]["msg"]["max"], 400);
}

#[tokio::test]
async fn viamobile_bad_credentials_get_code_1000() {
    let app = spawn_app().await;
    let expected =
        json!({"response": {"status": 401, "code": 1000, "description": "Unauthorized"}});
    let (status, body) = send(app.get("/stats/limit").basic_auth(VIA_USER, Some("wrong"))).await;
    assert_eq!((status, &body), (401, &expected));
    let (status, body) = send(app.get("/stats/limit")).await;
    assert_eq!((status, &body), (401, &expected));
    let (status, body) = send(app.get("/stats/limit").bearer_auth(IP1_KEY)).await;
    assert_eq!((status, &body), (401, &expected));
}

#[tokio::test]
async fn viamobile_body_credentials_authenticate_json_posts() {
    let app = spawn_app().await;
    let request = app.post("/json/msisdnstatus").json(&json!({
        "username": VIA_USER, "password": VIA_PASSWORD,
        "msisdns": ["421903123456", 421904123456_u64, "12"]
    }));
    let (status, body) = send(request).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"response": {"status": 200, "msisdns": [
            {"msisdn": "421903123456", "status": "ACTIVE"},
            {"msisdn": "421904123456", "status": "ACTIVE"},
            {"msisdn": "12", "status": "INVALID"}
        ]}})
    );
    let request = app.post("/json/msisdnstatus").json(&json!({
        "username": VIA_USER, "password": "wrong", "msisdns": []
    }));
    let (status, body) = send(request).await;
    assert_via_error(status, &body, 401, 1000);
}

#[tokio::test]
async fn viamobile_msisdn_status_answers_1010_when_not_enabled() {
    let app = spawn_app().await;
    let new_account = json!({"gateway": "viamobile", "username": "nostatus",
                             "password": "pw", "msisdnStatusEnabled": false});
    let (status, _) = send(app.post("/_mock/accounts").json(&new_account)).await;
    assert_eq!(status, 201);
    let request = app.post("/json/msisdnstatus").json(&json!({
        "username": "nostatus", "password": "pw", "msisdns": ["421903123456"]
    }));
    let (status, body) = send(request).await;
    assert_via_error(status, &body, 401, 1010);
}

#[tokio::test]
async fn unseen_credentials_are_refused_by_default() {
    let app = spawn_app().await;
    let (status, body) = send(app.get("/api/me").bearer_auth("fresh-key")).await;
    assert_ip1_problem(status, &body, 401);
    let (status, body) = send(app.get("/stats/limit").basic_auth("fresh", Some("pw"))).await;
    assert_via_error(status, &body, 401, 1000);
}

#[tokio::test]
async fn with_accept_any_credentials_each_unseen_key_gets_its_own_account() {
    let app = spawn_app_with(|config| config.accept_any_credentials = true).await;
    let (status, first) = send(app.get("/api/me").bearer_auth("suite-a-key")).await;
    assert_eq!(status, 200);
    let (_, second) = send(app.get("/api/me").bearer_auth("suite-b-key")).await;
    let (_, first_again) = send(app.get("/api/me").bearer_auth("suite-a-key")).await;
    assert_ne!(first["Account"], second["Account"]);
    assert_eq!(first["Account"], first_again["Account"]);
    assert!(first["Account"].as_str().unwrap().starts_with("ip1-"));
    assert_eq!(first["Organization"], "Test organization AB", "it looks like a real account");
    let (_, details) = send(app.get("/api/me/account").bearer_auth("suite-a-key")).await;
    assert_eq!(details["Name"], "Test account");

    let request = app.get("/api/me").basic_auth("ip1-4242", Some("suite-c-key"));
    let (_, named) = send(request).await;
    assert_eq!(named["Account"], "ip1-4242");

    let (status, _) = send(app.get("/stats/limit").basic_auth("suite-a", Some("pw"))).await;
    assert_eq!(status, 200);
    let (status, body) = send(app.get("/stats/limit").basic_auth("suite-a", Some("other"))).await;
    assert_via_error(status, &body, 401, 1000);
}

#[tokio::test]
async fn two_accounts_never_see_each_others_data() {
    let app = spawn_app().await;
    let (_, mine) = send(app.ip1_get("/api/me/account")).await;
    let (_, theirs) = send(app.get("/api/me/account").bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(mine["ID"], IP1_ACCOUNT);
    assert_eq!(theirs["ID"], IP1_OTHER_ACCOUNT);
    assert_eq!(theirs["Currency"], "EUR");
    assert_eq!(theirs["Type"], "international");
    assert_eq!(theirs["Key"], IP1_OTHER_KEY);
}
