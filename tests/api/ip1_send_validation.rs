//! Every rejection rule of `POST /v2/batches`, at its boundary and one
//! past it. A rejected request answers 400 in problem-details format with
//! the failing field, and creates nothing.

use serde_json::{Value, json};

use crate::helpers::*;

fn minimal() -> Value {
    json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hello"})
}

fn with(field: &str, value: Value) -> Value {
    let mut body = minimal();
    body[field] = value;
    body
}

/// Asserts a 400 naming `field`, and that no batch was created.
async fn assert_rejected(app: &TestApp, key: &str, body: &Value, field: &str) {
    let (status, answer) = app.send_batch_as(key, body).await;
    assert_ip1_problem(status, &answer, 400);
    assert!(answer["errors"][field].is_array(), "expected an error for {field}: {answer}");
    let (_, list) = send(app.get("/v2/batches").bearer_auth(key)).await;
    assert_eq!(list, json!([]), "a rejected request created a batch");
}

async fn assert_accepted(app: &TestApp, key: &str, body: &Value) -> Value {
    let (status, answer) = app.send_batch_as(key, body).await;
    assert_eq!(status, 201, "{answer}");
    answer
}

#[tokio::test]
async fn alphanumeric_senders_are_3_to_11_characters() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({"senders": ["Abc", "Abcdefghijk"]})).await;
    assert_accepted(&app, &key, &with("sender", json!("Abc"))).await;
    assert_accepted(&app, &key, &with("sender", json!("Abcdefghijk"))).await;
    let key = app.create_ip1_account(json!({})).await;
    assert_rejected(&app, &key, &with("sender", json!("Ab")), "Sender").await;
    assert_rejected(&app, &key, &with("sender", json!("Abcdefghijkl")), "Sender").await;
    assert_rejected(&app, &key, &with("sender", json!("Acme AB")), "Sender").await;
}

#[tokio::test]
async fn numeric_senders_have_at_most_15_digits() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({"senders": ["123456789012345"]})).await;
    let answer = assert_accepted(&app, &key, &with("sender", json!("+123456789012345"))).await;
    assert_eq!(answer["sender"], "123456789012345");
    let key = app.create_ip1_account(json!({})).await;
    assert_rejected(&app, &key, &with("sender", json!("1234567890123456")), "Sender").await;
}

#[tokio::test]
async fn a_sender_must_be_present_and_registered() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    let (_, answer) = app.send_batch_as(&key, &with("sender", json!("Unknown"))).await;
    assert!(answer["errors"]["Sender"][0].as_str().unwrap().contains("not registered"), "{answer}");
    assert_rejected(&app, &key, &with("sender", json!("Unknown")), "Sender").await;
    assert_rejected(&app, &key, &with("sender", Value::Null), "Sender").await;
    assert_rejected(&app, &key, &with("sender", json!(42)), "Sender").await;
}

#[tokio::test]
async fn recipients_are_digits_only_and_at_most_15() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    assert_accepted(&app, &key, &with("recipients", json!(["123456789012345"]))).await;
    let key = app.create_ip1_account(json!({})).await;
    assert_rejected(&app, &key, &with("recipients", json!(["1234567890123456"])), "Recipients[0]")
        .await;
    assert_rejected(
        &app,
        &key,
        &with("recipients", json!(["46701234567", "+46701234567"])),
        "Recipients[1]",
    )
    .await;
    assert_rejected(&app, &key, &with("recipients", json!(["4670 123"])), "Recipients[0]").await;
    assert_rejected(&app, &key, &with("recipients", json!([])), "Recipients").await;
    assert_rejected(&app, &key, &with("recipients", Value::Null), "Recipients").await;
    assert_rejected(&app, &key, &with("recipients", json!("46701234567")), "Recipients").await;
    assert_rejected(&app, &key, &with("recipients", json!({"default": {"a": "b"}})), "Recipients")
        .await;
    assert_rejected(&app, &key, &with("recipients", json!({"46-70": {}})), "Recipients.46-70")
        .await;
}

#[tokio::test]
async fn the_body_is_not_blank_and_at_most_2000_characters() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    assert_accepted(&app, &key, &with("body", json!("a".repeat(2000)))).await;
    let key = app.create_ip1_account(json!({})).await;
    assert_rejected(&app, &key, &with("body", json!("a".repeat(2001))), "Body").await;
    // .NET counts UTF-16 units: 1999 + one emoji (2 units) is 2001.
    assert_rejected(&app, &key, &with("body", json!(format!("{}😀", "a".repeat(1999)))), "Body")
        .await;
    assert_rejected(&app, &key, &with("body", json!("   ")), "Body").await;
    assert_rejected(&app, &key, &with("body", json!("")), "Body").await;
    assert_rejected(&app, &key, &with("body", Value::Null), "Body").await;
}

#[tokio::test]
async fn the_reference_is_1_to_40_characters_and_not_blank() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    let answer = assert_accepted(&app, &key, &with("reference", json!("r".repeat(40)))).await;
    assert_eq!(answer["reference"], "r".repeat(40));
    let key = app.create_ip1_account(json!({})).await;
    assert_rejected(&app, &key, &with("reference", json!("r".repeat(41))), "Reference").await;
    assert_rejected(&app, &key, &with("reference", json!("")), "Reference").await;
    assert_rejected(&app, &key, &with("reference", json!("  ")), "Reference").await;
}

#[tokio::test]
async fn the_delivery_report_url_is_absolute_and_at_most_2047_characters() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    let long = format!("https://example.com/{}", "a".repeat(2047 - 20));
    assert_eq!(long.len(), 2047);
    assert_accepted(&app, &key, &with("deliveryReportUrl", json!(long))).await;
    let key = app.create_ip1_account(json!({})).await;
    let too_long = format!("{long}a");
    assert_rejected(&app, &key, &with("deliveryReportUrl", json!(too_long)), "DeliveryReportUrl")
        .await;
    assert_rejected(&app, &key, &with("deliveryReportUrl", json!("/dlr")), "DeliveryReportUrl")
        .await;
    assert_rejected(
        &app,
        &key,
        &with("deliveryReportUrl", json!("not a url")),
        "DeliveryReportUrl",
    )
    .await;
    assert_rejected(
        &app,
        &key,
        &with("deliveryReportUrl", json!("mailto:a@b.c")),
        "DeliveryReportUrl",
    )
    .await;
    // The message names the schemes that are accepted, and only those.
    let (status, answer) =
        app.send_batch_as(&key, &with("deliveryReportUrl", json!("ftp://example.com/dlr"))).await;
    assert_ip1_problem(status, &answer, 400);
    assert_eq!(
        answer["errors"]["DeliveryReportUrl"][0],
        "The DeliveryReportUrl field is not a valid fully-qualified http or https URL."
    );
    assert_accepted(&app, &key, &with("deliveryReportUrl", json!("HTTP://example.com/dlr"))).await;
}

#[tokio::test]
async fn priority_is_1_or_2_only() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    assert_accepted(&app, &key, &with("priority", json!(1))).await;
    assert_accepted(&app, &key, &with("priority", json!(2))).await;
    let key = app.create_ip1_account(json!({})).await;
    for bad in [json!(0), json!(3), json!("urgent"), json!(1.5)] {
        assert_rejected(&app, &key, &with("priority", bad), "Priority").await;
    }
}

#[tokio::test]
async fn type_and_datacoding_must_be_known() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    assert_rejected(&app, &key, &with("type", json!("mms")), "Type").await;
    assert_rejected(&app, &key, &with("type", json!(5)), "Type").await;
    assert_rejected(&app, &key, &with("datacoding", json!("utf8")), "Datacoding").await;
    assert_rejected(&app, &key, &with("datacoding", json!(1)), "Datacoding").await;
}

#[tokio::test]
async fn gsm_datacoding_refuses_text_that_needs_ucs2() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    let mut body = with("datacoding", json!("gsm"));
    body["body"] = json!("Dzień dobry");
    assert_rejected(&app, &key, &body, "Body").await;
    let mut templated = with("datacoding", json!("gsm"));
    templated["body"] = json!("Hi {name}");
    templated["recipients"] =
        json!({"46701234567": {"name": "Zoë"}, "46701234568": {"name": "Łukasz"}});
    assert_rejected(&app, &key, &templated, "Body").await;
    body["body"] = json!("Hej Åsa, {välkommen} €5");
    assert_accepted(&app, &key, &body).await;
}

#[tokio::test]
async fn delivery_windows_must_be_valid_and_not_null() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    assert_rejected(&app, &key, &with("deliveryWindows", Value::Null), "DeliveryWindows").await;
    let backwards = json!([{"opens": "2030-01-02T00:00:00Z", "closes": "2030-01-01T00:00:00Z"}]);
    assert_rejected(&app, &key, &with("deliveryWindows", backwards), "DeliveryWindows[0]").await;
    let garbage = json!([{"opens": "soon", "closes": "2030-01-01T00:00:00Z"}]);
    assert_rejected(&app, &key, &with("deliveryWindows", garbage), "DeliveryWindows[0].Opens")
        .await;
}

#[tokio::test]
async fn tags_must_be_strings() {
    let app = spawn_app().await;
    let key = app.create_ip1_account(json!({})).await;
    assert_rejected(&app, &key, &with("tags", json!(["ok", 5])), "Tags[1]").await;
    assert_rejected(&app, &key, &with("tags", json!("ok")), "Tags").await;
}

#[tokio::test]
async fn every_failing_field_is_reported_at_once() {
    let app = spawn_app().await;
    let body = json!({"sender": "x", "recipients": [], "body": " ", "priority": 9});
    let (status, answer) = app.send_batch(&body).await;
    assert_ip1_problem(status, &answer, 400);
    let errors = answer["errors"].as_object().unwrap();
    for field in ["Sender", "Recipients", "Body", "Priority"] {
        assert!(errors.contains_key(field), "{field} missing in {answer}");
    }
    assert_eq!(answer["title"], "One or more validation errors occurred.");
}

#[tokio::test]
async fn malformed_and_mistyped_bodies_answer_in_problem_details() {
    let app = spawn_app().await;
    let request =
        app.post("/v2/batches").bearer_auth(IP1_KEY).header("Content-Type", "application/json");
    let (status, answer) = send(request.body("{\"sender\": ")).await;
    assert_ip1_problem(status, &answer, 400);
    assert!(answer["errors"]["$"].is_array(), "{answer}");
    let (status, answer) = app.send_batch(&json!(["not", "an", "object"])).await;
    assert_ip1_problem(status, &answer, 400);
    let request = app.post("/v2/batches").bearer_auth(IP1_KEY).header("Content-Type", "text/plain");
    let (status, answer) = send(request.body(minimal().to_string())).await;
    assert_ip1_problem(status, &answer, 415);
    let request = app.post("/v2/batches").bearer_auth(IP1_KEY);
    let (status, answer) = send(request.body(minimal().to_string())).await;
    assert_ip1_problem(status, &answer, 415);
}

#[tokio::test]
async fn an_oversized_body_answers_413_in_problem_details() {
    let app = spawn_app_with(|config| config.body_limit = 4096).await;
    let body = with("body", json!("a".repeat(5000)));
    let (status, answer) = app.send_batch(&body).await;
    assert_ip1_problem(status, &answer, 413);
}

#[tokio::test]
async fn sending_needs_credentials() {
    let app = spawn_app().await;
    let (status, answer) = send(app.post("/v2/batches").json(&minimal())).await;
    assert_ip1_problem(status, &answer, 401);
}

#[tokio::test]
async fn a_property_sent_twice_counts_as_sent_last() {
    let app = spawn_app().await;
    let raw = |body: &'static str| {
        app.post("/v2/batches")
            .bearer_auth(IP1_KEY)
            .header("Content-Type", "application/json")
            .body(body)
    };
    let (status, batch) = send(raw(
        r#" {"sender": "not a sender!", "recipients": ["46701234567"], "body": "Hi", "sender": "iP1", "body": "Hello"}"#,
    ))
    .await;
    assert_eq!(status, 201, "{batch}");
    assert_eq!((batch["sender"].as_str(), batch["body"].as_str()), (Some("iP1"), Some("Hello")));

    let (status, answer) = send(raw(r#"["sender", "iP1"]"#)).await;
    assert_ip1_problem(status, &answer, 400);
    assert_eq!(
        answer["errors"]["$"],
        json!(["The JSON value could not be converted to BatchRequest."])
    );
    let (status, answer) =
        send(raw(r#"{"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"} {}"#)).await;
    assert_ip1_problem(status, &answer, 400);
    assert!(answer["errors"]["$"].is_array(), "{answer}");
}
