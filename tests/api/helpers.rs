//! `spawn_app()`: a real emulator on a free port, and request helpers.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;
use smsmock::config::ServeConfig;
use smsmock::startup::App;
use tokio::sync::oneshot;

/// Credentials of the default fixtures (`fixtures/default.json`).
pub const IP1_ACCOUNT: &str = "ip1-10001";
pub const IP1_KEY: &str = "ip1-default-key";
pub const IP1_OTHER_ACCOUNT: &str = "ip1-10002";
pub const IP1_OTHER_KEY: &str = "ip1-international-key";
pub const VIA_USER: &str = "test";
pub const VIA_PASSWORD: &str = "test";

pub struct TestApp {
    pub address: String,
    pub client: Client,
    /// Dropping it stops the server.
    _stop: oneshot::Sender<()>,
}

/// An emulator with the default fixtures on a free port.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// An emulator whose configuration the test adjusts first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
    let mut config =
        ServeConfig { host: "127.0.0.1".to_owned(), port: 0, ..ServeConfig::default() };
    configure(&mut config);
    let app = App::build(&config).await.expect("the emulator starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp { address, client: Client::new(), _stop: stop }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(self.url(path))
    }

    pub fn put(&self, path: &str) -> RequestBuilder {
        self.client.put(self.url(path))
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(self.url(path))
    }

    /// A GET to an iP.1 endpoint with the default account's Bearer key.
    pub fn ip1_get(&self, path: &str) -> RequestBuilder {
        self.get(path).bearer_auth(IP1_KEY)
    }

    /// A GET to a Viamobile endpoint with the default account's Basic auth.
    pub fn via_get(&self, path: &str) -> RequestBuilder {
        self.get(path).basic_auth(VIA_USER, Some(VIA_PASSWORD))
    }
}

/// Sends a request and returns its status and JSON body.
pub async fn send(request: RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("the request is answered");
    into_json(response).await
}

pub async fn into_json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}"));
    (status, body)
}

/// Asserts the iP.1 problem-details shape with the given status.
pub fn assert_ip1_problem(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["status"], expected, "{body}");
    assert!(body["title"].is_string() && body["type"].is_string(), "{body}");
    assert!(body["traceId"].as_str().is_some_and(|t| t.starts_with("00-")), "{body}");
}

/// Asserts Viamobile's `{"response": {status, code, description}}` error.
pub fn assert_via_error(status: u16, body: &Value, expected_status: u16, code: u32) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["response"]["status"], expected_status, "{body}");
    assert_eq!(body["response"]["code"], code, "{body}");
    assert!(body["response"]["description"].is_string(), "{body}");
}

impl TestApp {
    /// `POST /v2/batches` as the default iP.1 account.
    pub async fn send_batch(&self, body: &Value) -> (u16, Value) {
        self.send_batch_as(IP1_KEY, body).await
    }

    pub async fn send_batch_as(&self, key: &str, body: &Value) -> (u16, Value) {
        send(self.post("/v2/batches").bearer_auth(key).json(body)).await
    }

    /// Creates an iP.1 account through the control API; returns its key.
    pub async fn create_ip1_account(&self, spec: Value) -> String {
        let mut spec = spec;
        spec["gateway"] = "ip1".into();
        let (status, body) = send(self.post("/_mock/accounts").json(&spec)).await;
        assert_eq!(status, 201, "{body}");
        body["apiKeys"][0].as_str().unwrap().to_owned()
    }
}

impl TestApp {
    /// `POST /_mock/clock/advance` by `seconds`, for every account.
    pub async fn advance(&self, seconds: u64) -> Value {
        let (status, body) =
            send(self.post("/_mock/clock/advance").json(&serde_json::json!({"seconds": seconds})))
                .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The status codes of every message of a batch, oldest status first.
    pub async fn status_codes(&self, key: &str, batch_id: &str) -> Vec<Vec<u64>> {
        let (_, messages) =
            send(self.get(&format!("/v2/batches/{batch_id}/messages")).bearer_auth(key)).await;
        let mut all = Vec::new();
        for message in messages.as_array().unwrap() {
            let path =
                format!("/v2/batches/{batch_id}/messages/{}", message["id"].as_str().unwrap());
            let (_, message) = send(self.get(&path).bearer_auth(key)).await;
            all.push(
                message["statuses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["code"].as_u64().unwrap())
                    .collect(),
            );
        }
        all
    }
}

/// An emulator whose clocks move only when told.
pub async fn spawn_manual_app() -> TestApp {
    spawn_app_with(|config| config.clock = smsmock::clock::ClockMode::Manual).await
}

/// The JSON bodies a wiremock receiver got, in order.
pub async fn received_json(server: &wiremock::MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("a JSON callback"))
        .collect()
}

/// The emulator's binary on a free port, with `args`, once it answers.
pub async fn start_binary(args: &[&str]) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_smsmock"))
        .args(["--port", &port.to_string(), "--log-level", "error"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while reqwest::get(format!("http://127.0.0.1:{port}/_mock/health")).await.is_err() {
        assert!(Instant::now() < deadline, "the emulator did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (child, port)
}

/// Sends SIGTERM; returns how the process ended and how long that took
/// (it is killed after 10 s).
pub async fn stop(mut child: Child) -> (ExitStatus, Duration) {
    let started = Instant::now();
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("the shutdown did not finish within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
