use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn unknown_routes_answer_json_404_in_each_surfaces_format() {
    let app = spawn_app().await;
    let (status, body) = send(app.ip1_get("/v2/nothing-here")).await;
    assert_ip1_problem(status, &body, 404);
    let (status, body) = send(app.via_get("/json/nothing-here")).await;
    assert_via_error(status, &body, 404, 404);
    let (status, body) = send(app.via_get("/bsms/rest/v2/nothing")).await;
    assert_via_error(status, &body, 404, 404);
    let (status, body) = send(app.get("/_mock/nothing")).await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
    let (status, body) = send(app.get("/nothing-here")).await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn wrong_methods_answer_json_405_with_allow() {
    let app = spawn_app().await;
    let response = app.delete("/api/me").bearer_auth(IP1_KEY).send().await.unwrap();
    assert!(response.headers().contains_key("allow"));
    let (status, body) = into_json(response).await;
    assert_ip1_problem(status, &body, 405);

    let (status, body) = send(app.post("/stats/limit")).await;
    assert_via_error(status, &body, 405, 405);
    let (status, body) = send(app.get("/bsms/rest/v2/json/msisdnstatus")).await;
    assert_via_error(status, &body, 405, 405);
    let (status, body) = send(app.post("/_mock/health")).await;
    assert_eq!(status, 405);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn malformed_json_gets_viamobile_bad_request() {
    let app = spawn_app().await;
    for bad in ["{", "not json", r#"{"username": "test", "password": "test", "msisdns": 5}"#] {
        let request = app.post("/json/msisdnstatus").body(bad.to_owned());
        let (status, body) = send(request).await;
        assert_via_error(status, &body, 400, 400);
    }
}

#[tokio::test]
async fn viamobile_reads_json_whatever_the_content_type() {
    let app = spawn_app().await;
    let body = json!({"username": VIA_USER, "password": VIA_PASSWORD, "msisdns": ["421903123456"]});
    for content_type in ["application/x-www-form-urlencoded", "text/xml;charset=UTF-8"] {
        let request = app
            .post("/json/msisdnstatus")
            .header("Content-Type", content_type)
            .body(body.to_string());
        let (status, answer) = send(request).await;
        assert_eq!(status, 200, "{content_type}: {answer}");
    }
}

#[tokio::test]
async fn malformed_json_gets_the_control_error_format() {
    let app = spawn_app().await;
    let request =
        app.post("/_mock/accounts").header("Content-Type", "application/json").body("{oops");
    let (status, body) = send(request).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid JSON body");
    let (status, body) = send(app.post("/_mock/accounts").json(&json!({"gateway": 7}))).await;
    assert_eq!(status, 400, "a body of the wrong shape is a 400, like malformed JSON");
    assert!(body["detail"].is_string());
    let request = app.post("/_mock/accounts").body(r#"{"gateway":"ip1"}"#);
    let (status, _) = send(request).await;
    assert_eq!(status, 415);
}

#[tokio::test]
async fn oversized_bodies_get_413_in_the_gateways_format() {
    let app = spawn_app_with(|config| config.body_limit = 1024).await;
    let big =
        format!(r#"{{"username":"test","password":"test","msisdns":["{}"]}}"#, "1".repeat(2048));
    let (status, body) = send(app.post("/json/msisdnstatus").body(big.clone())).await;
    assert_via_error(status, &body, 413, 413);
    let request = app.post("/_mock/accounts").header("Content-Type", "application/json").body(big);
    let (status, body) = send(request).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"], "request body too large");
}

#[tokio::test]
async fn bodies_within_the_limit_are_accepted() {
    let app = spawn_app_with(|config| config.body_limit = 1024).await;
    let body = json!({"username": VIA_USER, "password": VIA_PASSWORD, "msisdns": ["421903123456"]});
    let (status, _) = send(app.post("/json/msisdnstatus").json(&body)).await;
    assert_eq!(status, 200);
}
