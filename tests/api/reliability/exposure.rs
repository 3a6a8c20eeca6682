//! Nothing leaks to whoever can reach the port or send a callback URL: the
//! control token guards `/_mock`, callbacks never reach link-local or
//! metadata addresses, follow no redirect, and go only where allowed; a
//! failed one says why, naming the container trap and the 2xx switch.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const TOKEN: &str = "let-me-in";

#[tokio::test]
async fn with_a_control_token_the_control_api_asks_for_it() {
    let app = spawn_app_with(|config| config.control_token = Some(TOKEN.to_owned())).await;
    for (request, label) in [
        (app.get("/_mock/accounts"), "no token"),
        (app.get("/_mock/state").bearer_auth("wrong"), "a wrong token"),
        (app.delete("/_mock/reset").basic_auth(TOKEN, Some("")), "Basic, not Bearer"),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{label}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"smsmock\"", "{label}");
        let (_, body) = into_json(response).await;
        assert!(body["error"].as_str().unwrap().contains("control token"), "{label}: {body}");
    }
    let (status, accounts) = send(app.get("/_mock/accounts").bearer_auth(TOKEN)).await;
    assert_eq!(status, 200);
    assert!(accounts.as_array().is_some_and(|a| !a.is_empty()), "{accounts}");
    for open in ["/_mock/health", "/_mock/openapi.json"] {
        assert_eq!(send(app.get(open)).await.0, 200, "{open} holds no secret");
    }
    let (status, _) = app
        .send_batch(&json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"}))
        .await;
    assert_eq!(status, 201, "the gateways keep their own credentials");
}

#[tokio::test]
async fn with_a_control_token_the_inbox_loads_and_its_cookie_opens_the_api() {
    let app = spawn_app_with(|config| config.control_token = Some(TOKEN.to_owned())).await;
    for page in ["/_mock/ui/", "/_mock/ui/requests", "/_mock/ui/common.js", "/_mock/ui/app.css"] {
        let response = app.get(page).send().await.unwrap();
        assert_eq!(response.status(), 200, "{page} holds no secret");
    }
    let cookie = |value: &str| format!("theme=dark; smsmock_control_token={value}");
    let (status, _) = send(app.get("/_mock/messages").header("Cookie", cookie(TOKEN))).await;
    assert_eq!(status, 200);
    let (status, _) = send(app.get("/_mock/messages").header("Cookie", cookie("wrong"))).await;
    assert_eq!(status, 401);
    let (status, _) = send(app.get("/_mock/uix").header("Cookie", cookie("wrong"))).await;
    assert_eq!(status, 401, "only the inbox's own paths are open");
    // The event stream, which a browser opens without headers, too.
    let response = app.get("/_mock/events").header("Cookie", cookie(TOKEN)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
}

/// Sends one message with delivery reports to `url` and lets its callbacks
/// fall due (their first attempts: a retry would come after 10 minutes);
/// returns their journal entries.
async fn callbacks_to(app: &TestApp, url: &str) -> Vec<Value> {
    let batch = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi", "deliveryReportUrl": url});
    let (status, body) = app.send_batch(&batch).await;
    assert_eq!(status, 201, "{body}");
    app.advance(300).await;
    let (_, attempts) = send(app.get("/_mock/callbacks")).await;
    attempts.as_array().unwrap().clone()
}

#[tokio::test]
async fn callbacks_to_link_local_and_metadata_addresses_are_refused_and_journaled() {
    let app = spawn_manual_app().await;
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/x",
        "http://metadata.google.internal/computeMetadata/v1/",
    ] {
        assert_eq!(send(app.delete("/_mock/reset")).await.0, 200);
        let attempts = callbacks_to(&app, url).await;
        assert_eq!(attempts.len(), 3, "{attempts:?}");
        for attempt in &attempts {
            assert_eq!(attempt["outcome"], "failed", "{attempt}");
            assert_eq!(attempt["status"], Value::Null, "no answer was read: {attempt}");
            assert_eq!(attempt["responseExcerpt"], Value::Null, "{attempt}");
            let error = attempt["error"].as_str().unwrap();
            assert!(error.contains("link-local") || error.contains("metadata"), "{url}: {error}");
        }
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let app = spawn_manual_app().await;
    let secret = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("the secret"))
        .mount(&secret)
        .await;
    let receiver = MockServer::start().await;
    Mock::given(path("/dlr"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", format!("{}/x", secret.uri())),
        )
        .mount(&receiver)
        .await;
    let attempts = callbacks_to(&app, &format!("{}/dlr", receiver.uri())).await;
    assert_eq!(attempts.len(), 3);
    for attempt in &attempts {
        assert_eq!(attempt["status"], 307, "{attempt}");
        assert_eq!(attempt["outcome"], "failed", "{attempt}");
        assert!(!attempt.to_string().contains("the secret"), "{attempt}");
    }
    assert!(secret.received_requests().await.unwrap().is_empty(), "the redirect was followed");
}

#[tokio::test]
async fn with_an_allow_list_callbacks_go_only_where_it_allows() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&receiver).await;
    let port = receiver.address().port();

    let elsewhere = spawn_app_with(|config| {
        config.clock = smsmock::clock::ClockMode::Manual;
        config.callback_allow = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    for url in [format!("http://127.0.0.1:{port}/dlr"), format!("http://localhost:{port}/dlr")] {
        assert_eq!(send(elsewhere.delete("/_mock/reset")).await.0, 200);
        let attempts = callbacks_to(&elsewhere, &url).await;
        for attempt in &attempts {
            let error = attempt["error"].as_str().unwrap_or_default();
            assert!(error.contains("not in --callback-allow"), "{url}: {attempt}");
        }
    }
    assert!(receiver.received_requests().await.unwrap().is_empty());

    for allowed in ["127.0.0.0/8", "localhost"] {
        let app = spawn_app_with(|config| {
            config.clock = smsmock::clock::ClockMode::Manual;
            config.callback_allow = vec![allowed.parse().unwrap()];
        })
        .await;
        let attempts = callbacks_to(&app, &format!("http://localhost:{port}/dlr")).await;
        assert!(attempts.iter().all(|a| a["outcome"] == "delivered"), "{allowed}: {attempts:?}");
    }
    assert_eq!(receiver.received_requests().await.unwrap().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listening_beyond_loopback_without_a_token_is_warned_about() {
    for (args, warned) in [
        (vec!["--host", "0.0.0.0"], true),
        (vec!["--host", "0.0.0.0", "--control-token", TOKEN], false),
        (vec![], false),
    ] {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let output = tokio::task::spawn_blocking(move || {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smsmock"))
                .args(["--port", &port.to_string(), "--log-format", "json"])
                .args(&args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(std::time::Instant::now() < deadline, "the emulator did not start");
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            std::process::Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap();
            let mut output = String::new();
            std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut output).unwrap();
            child.wait().unwrap();
            (args, output)
        })
        .await
        .unwrap();
        let (args, output) = output;
        assert_eq!(output.contains("without --control-token"), warned, "{args:?}: {output}");
    }
}

#[tokio::test]
async fn a_failed_callback_says_why_and_what_would_help() {
    let app = spawn_manual_app().await;
    // Nothing listens on a port just freed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let attempts = callbacks_to(&app, &format!("http://127.0.0.1:{closed}/dlr")).await;
    let error = attempts[0]["error"].as_str().unwrap();
    assert!(error.starts_with("connection refused"), "{error}");
    assert!(error.contains("host.docker.internal"), "the container trap is named: {error}");

    send(app.delete("/_mock/reset")).await;
    let attempts = callbacks_to(&app, "http://no-such-receiver.invalid/dlr").await;
    let error = attempts[0]["error"].as_str().unwrap();
    assert!(error.starts_with("DNS"), "{error}");

    send(app.delete("/_mock/reset")).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/dlr"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let attempts = callbacks_to(&app, &format!("{}/dlr", server.uri())).await;
    let error = attempts[0]["error"].as_str().unwrap();
    assert!(error.contains("answered 204, not 200"), "{error}");
    assert!(error.contains("--dr-accept-any-2xx"), "the switch is named: {error}");
}
