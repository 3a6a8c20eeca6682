//! The binary itself: start-up, fixtures errors, healthcheck, SIGTERM.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::*;

const BINARY: &str = env!("CARGO_BIN_EXE_smsmock");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts the binary on a free port and waits until it answers.
async fn start_binary(extra: &[&str]) -> (Child, String) {
    launch(&[&["--host", "127.0.0.1", "--log-level", "warn"], extra].concat(), Stdio::null()).await
}

/// Starts the binary at its default log level with its log piped, and
/// waits until it answers; [`stopped_log`] reads the log.
async fn start_logging_binary(extra: &[&str]) -> (Child, String) {
    launch(extra, Stdio::piped()).await
}

/// Stops the binary with SIGTERM: how it ended, and all it logged.
fn stopped_log(child: Child) -> (std::process::ExitStatus, String) {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let output = child.wait_with_output().unwrap();
    (output.status, String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The binary on a free port with `args`, its stdout to `stdout`, once it
/// answers; with its address.
async fn launch(args: &[&str], stdout: Stdio) -> (Child, String) {
    let port = free_port().to_string();
    let child = Command::new(BINARY)
        .args(["--port", &port])
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.get(format!("{address}/_mock/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the binary did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (child, address)
}

#[tokio::test]
async fn the_binary_serves_both_gateways_with_the_default_fixtures() {
    let (mut child, address) = start_binary(&[]).await;
    let client = reqwest::Client::new();
    let me = client.get(format!("{address}/api/me")).bearer_auth(IP1_KEY).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let limit = client
        .get(format!("{address}/stats/limit"))
        .basic_auth(VIA_USER, Some(VIA_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(limit.status(), 200);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn sigterm_stops_the_binary_cleanly() {
    let (mut child, _) = start_binary(&[]).await;
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Multi-threaded: the blocking child processes must not stall the server.
#[tokio::test(flavor = "multi_thread")]
async fn healthcheck_exits_0_against_a_running_emulator_and_1_otherwise() {
    let app = spawn_app().await;
    let url = app.url("/_mock/health");
    let ok = Command::new(BINARY).args(["healthcheck", "--url", &url]).output().unwrap();
    assert!(ok.status.success());
    let closed = format!("http://127.0.0.1:{}/_mock/health", free_port());
    let down = Command::new(BINARY).args(["healthcheck", "--url", &closed]).output().unwrap();
    assert_eq!(down.status.code(), Some(1));
    let not_health = app.url("/_mock/nothing");
    let wrong = Command::new(BINARY).args(["healthcheck", "--url", &not_health]).output().unwrap();
    assert_eq!(wrong.status.code(), Some(1));
}

#[test]
fn a_bad_fixtures_file_stops_start_up_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("broken.json", "{ not json", "key must be a string"),
        ("badid.json", r#"{"ip1": {"accounts": [{"id": "x", "apiKeys": ["k"]}]}}"#, "ip1-"),
        (
            "sender.json",
            r#"{"ip1": {"accounts": [{"id": "ip1-1", "apiKeys": ["k"], "senders": ["A"]}]}}"#,
            "not a valid sender",
        ),
    ];
    for (name, text, problem) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let output = Command::new(BINARY)
            .args(["--port", "0", "--fixtures", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(name) && stderr.contains(problem), "{name}: {stderr}");
    }
    let missing = dir.path().join("missing.json");
    let output = Command::new(BINARY)
        .args(["--port", "0", "--fixtures", missing.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.json"));
}

#[tokio::test]
async fn fixtures_from_a_file_replace_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.json");
    let fixtures =
        r#"{"ip1": {"accounts": [{"id": "ip1-5", "apiKeys": ["mine"], "currency": "EUR"}]}}"#;
    std::fs::write(&path, fixtures).unwrap();
    let app = spawn_app_with(|config| config.fixtures = Some(path)).await;
    let (status, body) = send(app.get("/api/me").bearer_auth("mine")).await;
    assert_eq!(status, 200);
    assert_eq!(body["Account"], "ip1-5");
    let (status, _) = send(app.ip1_get("/api/me")).await;
    assert_eq!(status, 401);
}

/// Runs the binary with `args` until it wrote `port_file` (or 10 s pass).
// The caller waits for the child it gets; the lint cannot see that.
#[allow(clippy::zombie_processes)]
async fn start_with_port_file(args: &[&str], port_file: &std::path::Path) -> (Child, u16) {
    let mut child = Command::new(BINARY)
        .args(["--port", "0", "--port-file", port_file.to_str().unwrap()])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let port = std::fs::read_to_string(port_file).ok().and_then(|t| t.trim().parse().ok());
        if let Some(port) = port {
            return (child, port);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no port file holding a port");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_port_file_says_where_port_0_listens_and_a_host_may_be_a_name() {
    let dir = std::env::temp_dir().join(format!("smsmock-port-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port_file = dir.join("port");
    let (mut child, port) = start_with_port_file(&["--host", "localhost"], &port_file).await;
    assert_ne!(port, 0);
    let health = reqwest::get(format!("http://127.0.0.1:{port}/_mock/health")).await.unwrap();
    assert_eq!(health.status(), 200, "localhost listens on 127.0.0.1");
    child.kill().unwrap();
    child.wait().unwrap();

    let output = Command::new(BINARY)
        .args(["--host", "no-such-host.invalid", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("cannot listen on \"no-such-host.invalid\""), "{said}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn logs_have_no_colour_codes_unless_a_person_reads_them_at_a_terminal() {
    let (child, _) = start_logging_binary(&[]).await;
    let (_, log) = stopped_log(child);
    assert!(log.contains("smsmock listening"), "{log}");
    assert!(!log.contains('\u{1b}'), "an escape code in a piped log: {log:?}");
}

#[tokio::test]
async fn every_request_gets_its_log_line_and_a_stop_writes_them_all() {
    let (child, address) = start_logging_binary(&["--accept-any-credentials"]).await;
    let client = reqwest::Client::new();
    for n in 0..300 {
        let url = format!("{address}/api/me?n={n}");
        let answer = client.get(url).bearer_auth("log-key").send().await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    // Stopped as soon as the last answer arrived: what is still queued for
    // stdout is written before the process ends.
    let (status, log) = stopped_log(child);
    assert!(status.success());
    let lines: Vec<&str> = log.lines().filter(|line| line.contains("path=\"/api/me\"")).collect();
    assert_eq!(lines.len(), 300, "{log}");
    assert!(lines.iter().all(|line| line.contains("status=200")), "{log}");
    assert!(log.lines().last().unwrap().contains("shutting down"), "{log}");
}

/// Whether `line` is a request line as the default format writes it:
/// `2026-12-02T08:29:10.857817Z  INFO request method=GET path="/api/me"
/// status=200 latency_ms=0.286 account="ip1-10001"`.
fn is_request_line(line: &str, method: &str, path: &str, status: u16, account: &str) -> bool {
    let Some((time, rest)) = line.split_once("  INFO request ") else { return false };
    let time_read = chrono::DateTime::parse_from_rfc3339(time).is_ok()
        && time.len() == "2026-12-02T08:29:10.857817Z".len()
        && time.ends_with('Z');
    let Some((head, rest)) = rest.split_once(" latency_ms=") else { return false };
    let Some((latency, tail)) = rest.split_once(' ') else { return false };
    let latency_read = latency.parse::<f64>().is_ok_and(|ms| {
        ms >= 0.0
            && latency
                .split_once('.')
                .is_some_and(|(_, fraction)| (1..=3).contains(&fraction.len()))
    });
    time_read
        && latency_read
        && head == format!("method={method} path=\"{path}\" status={status}")
        && tail == format!("account=\"{account}\"")
}

#[tokio::test]
async fn request_lines_read_alike_in_each_format_and_only_at_their_level() {
    let account = IP1_ACCOUNT;
    for (args, expected) in [
        (&[][..], "plain"),
        (&["--log-format", "json"][..], "json"),
        (&["--log-level", "warn"][..], "none"),
    ] {
        let (child, address) = start_logging_binary(args).await;
        let client = reqwest::Client::new();
        let me = client.get(format!("{address}/api/me")).bearer_auth(IP1_KEY).send().await.unwrap();
        assert_eq!(me.status(), 200);
        let refused =
            client.get(format!("{address}/api/me")).bearer_auth("wrong").send().await.unwrap();
        assert_eq!(refused.status(), 401);
        let (_, log) = stopped_log(child);
        let lines: Vec<&str> = log.lines().filter(|line| line.contains("/api/me")).collect();
        match expected {
            "plain" => {
                assert_eq!(lines.len(), 2, "{log}");
                assert!(is_request_line(lines[0], "GET", "/api/me", 200, account), "{log}");
                assert!(is_request_line(lines[1], "GET", "/api/me", 401, "-"), "{log}");
            }
            "json" => {
                assert_eq!(lines.len(), 2, "{log}");
                for (line, status, who) in [(lines[0], 200, account), (lines[1], 401, "-")] {
                    let line: serde_json::Value = serde_json::from_str(line).unwrap();
                    assert_eq!(line["level"], "INFO", "{line}");
                    assert_eq!(line["message"], "request", "{line}");
                    assert_eq!(line["method"], "GET", "{line}");
                    assert_eq!(line["path"], "/api/me", "{line}");
                    assert_eq!(line["status"], status, "{line}");
                    assert_eq!(line["account"], who, "{line}");
                    assert!(line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{line}");
                }
            }
            _ => assert!(lines.is_empty(), "{log}"),
        }
    }
}

/// `smsmock ctl ARGS` against `address`: exit code, stdout, stderr.
fn ctl(address: &str, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(BINARY).args(["ctl", "--url", address]).args(args).output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim().to_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

/// Multi-threaded: the blocking child processes must not stall the server.
#[tokio::test(flavor = "multi_thread")]
async fn ctl_scripts_the_emulator_from_a_shell_step() {
    let (mut child, address) =
        start_binary(&["--clock", "manual", "--control-token", "s3cret"]).await;
    let with_token = |args: &[&str]| {
        let mut all = vec!["--token", "s3cret"];
        all.extend_from_slice(args);
        ctl(&address, &all)
    };
    let (code, _, said) = with_token(&["latest", "--phone", "46701234567"]);
    assert_eq!(code, 1, "no message yet");
    assert!(said.contains("404") && said.contains("46701234567"), "{said}");

    let batch = serde_json::json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Your code is 482913"});
    let client = reqwest::Client::new();
    let sent = client.post(format!("{address}/v2/batches")).bearer_auth(IP1_KEY).json(&batch);
    assert_eq!(sent.send().await.unwrap().status(), 201);

    assert_eq!(
        with_token(&["latest", "--phone", "+46701234567", "--code"]),
        (0, "482913".into(), String::new())
    );
    let (code, printed, _) = with_token(&["latest", "--phone", "46701234567"]);
    assert_eq!(code, 0);
    assert!(printed.contains("\"text\": \"Your code is 482913\""), "{printed}");
    let (code, printed, said) = with_token(&["advance", "10m"]);
    assert_eq!(code, 0, "{said}");
    assert!(printed.starts_with("advanced 600 s: 2 status changes"), "{printed}");

    let delivered = r#"{"message": {"recipient": "46701234567", "status": 201}}"#;
    let (code, printed, _) = with_token(&["verify", delivered]);
    assert_eq!(code, 0, "{printed}");
    let twice = r#"{"message": {"recipient": "46701234567"}, "count": 2}"#;
    let (code, printed, _) = with_token(&["verify", twice]);
    assert_eq!(code, 1, "did not match: {printed}");
    assert!(printed.contains("\"matched\": false"), "{printed}");

    let (code, printed, _) = with_token(&["reset"]);
    assert_eq!((code, printed.as_str()), (0, "reset everything"));
    let (code, _, said) = ctl(&address, &["reset"]);
    assert_eq!(code, 1, "without the token");
    assert!(said.contains("401"), "{said}");
    let (code, _, said) = with_token(&["advance", "soon"]);
    assert_eq!(code, 1);
    assert!(said.contains("not a duration"), "{said}");
    child.kill().unwrap();
    child.wait().unwrap();
}
