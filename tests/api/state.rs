//! State snapshots: export → reset → import, restarts with a state file,
//! and the refusal of a corrupt one.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;

async fn populate(app: &TestApp) -> String {
    let (status, batch) = app
        .send_batch(&json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Kept", "reference": "keep-me"}))
        .await;
    assert_eq!(status, 201);
    let contacts = json!([{"properties": {"firstName": "Ada", "phoneNumber": "+46701234567"}, "labels": ["VIP"]}]);
    send(app.post("/v2/contacts?sync").bearer_auth(IP1_KEY).json(&contacts)).await;
    send(app.put("/v2/blacklist/46709999999").bearer_auth(IP1_KEY)).await;
    send(app.post("/_mock/rules").json(&json!({"recipient": "4670555*", "outcome": "expired"})))
        .await;
    let via = json!({"username": VIA_USER, "password": VIA_PASSWORD, "message": {"text": "Hi"}, "recipients": [{"msisdn": 421903123456_u64, "id": 77}]});
    send(app.post("/json/send").json(&via)).await;
    batch["id"].as_str().unwrap().to_owned()
}

async fn assert_populated(app: &TestApp, batch_id: &str) {
    let (status, batch) = send(app.ip1_get(&format!("/v2/batches/{batch_id}"))).await;
    assert_eq!(status, 200, "{batch}");
    assert_eq!(batch["reference"], "keep-me");
    let (_, contacts) = send(app.ip1_get("/v2/contacts?labels=VIP")).await;
    assert_eq!(contacts[0]["properties"]["firstName"], "Ada");
    let (status, _) = send(app.ip1_get("/v2/blacklist/46709999999")).await;
    assert_eq!(status, 200);
    let (_, rules) = send(app.get("/_mock/rules")).await;
    assert_eq!(rules.as_array().unwrap().len(), 1);
    let body = json!({"username": VIA_USER, "password": VIA_PASSWORD, "deliveries": [{"id": 77}]});
    let (_, delivery) = send(app.post("/json/delivery").json(&body)).await;
    assert_eq!(delivery["response"]["delivery"].as_array().unwrap().len(), 1);
    let (_, me) = send(app.ip1_get("/api/me")).await;
    assert!((me["Balance"].as_f64().unwrap() - 999.55).abs() < 1e-9);
}

#[tokio::test]
async fn an_export_reset_import_round_trip_keeps_everything() {
    let app = spawn_manual_app().await;
    let batch_id = populate(&app).await;
    app.advance(3).await;
    let (status, snapshot) = send(app.get("/_mock/state")).await;
    assert_eq!(status, 200);
    assert_eq!(snapshot["version"], 1);
    send(app.delete("/_mock/reset")).await;
    let (status, _) = send(app.ip1_get(&format!("/v2/batches/{batch_id}"))).await;
    assert_eq!(status, 404);
    let (status, answer) = send(app.put("/_mock/state").json(&snapshot)).await;
    assert_eq!(status, 200, "{answer}");
    assert_populated(&app, &batch_id).await;
    // The timetable comes back too: the message goes on to delivery.
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101, 102]]);
    app.advance(10).await;
    assert_eq!(app.status_codes(IP1_KEY, &batch_id).await, [vec![101, 102, 201]]);
    let (_, again) = send(app.get("/_mock/state")).await;
    assert_eq!(
        again["ip1Accounts"].as_array().unwrap().len(),
        snapshot["ip1Accounts"].as_array().unwrap().len()
    );
}

#[tokio::test]
async fn a_bad_snapshot_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let batch_id = populate(&app).await;
    let (_, mut snapshot) = send(app.get("/_mock/state")).await;
    snapshot["version"] = json!(99);
    let (status, body) = send(app.put("/_mock/state").json(&snapshot)).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("version"));
    let (status, _) = send(app.put("/_mock/state").json(&json!({"version": 1}))).await;
    assert_eq!(status, 400);
    assert_populated(&app, &batch_id).await;
    let (status, _) = send(app.post("/_mock/state/save")).await;
    assert_eq!(status, 409, "no state file configured");
}

#[tokio::test]
async fn a_restart_with_a_state_file_keeps_every_batch_contact_and_clock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let file = path.clone();
    let first = spawn_app_with(|config| {
        config.state_file = Some(file);
        config.clock = smsmock::clock::ClockMode::Manual;
    })
    .await;
    let batch_id = populate(&first).await;
    first.advance(86_400).await;
    let (_, clock_before) = send(first.get(&format!("/_mock/clock?account={IP1_ACCOUNT}"))).await;
    let (status, saved) = send(first.post("/_mock/state/save")).await;
    assert_eq!(status, 200, "{saved}");
    assert!(saved["bytes"].as_u64().unwrap() > 0);
    drop(first);

    let file = path.clone();
    let second = spawn_app_with(|config| {
        config.state_file = Some(file);
        config.clock = smsmock::clock::ClockMode::Manual;
    })
    .await;
    assert_populated(&second, &batch_id).await;
    assert_eq!(second.status_codes(IP1_KEY, &batch_id).await, [vec![101, 102, 201]]);
    let (_, clock_after) = send(second.get(&format!("/_mock/clock?account={IP1_ACCOUNT}"))).await;
    assert_eq!(clock_before["now"], clock_after["now"], "the manual clock stands where it was");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_saves_at_shutdown_and_refuses_a_corrupt_state_file() {
    let binary = env!("CARGO_BIN_EXE_smsmock");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(binary)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--log-level", "warn"])
        .args(["--state-file", path.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.get(format!("{base}/_mock/health")).send().await.is_err() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let batch: Value = client
        .post(format!("{base}/v2/batches"))
        .bearer_auth(IP1_KEY)
        .json(&json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Survives"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(child.wait().unwrap().success());
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(saved.contains(batch["id"].as_str().unwrap()));

    std::fs::write(&path, "{ corrupt").unwrap();
    let output = Command::new(binary)
        .args(["--port", "0", "--state-file", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("state.json") && stderr.contains("not a valid snapshot"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{ corrupt", "never overwritten");
}
