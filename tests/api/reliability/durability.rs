//! The state file keeps its promise: saves take turns and are whole,
//! readable by their owner only, written while things change so a
//! SIGKILL loses at most one interval, and a failed final save is an
//! error exit.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;

fn batch(body: &str) -> Value {
    json!({"sender": "iP1", "recipients": ["46701234567"], "body": body})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_saves_all_succeed_and_leave_one_private_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let app = spawn_app_with(|config| config.state_file = Some(path.clone())).await;
    assert_eq!(app.send_batch(&batch("saved")).await.0, 201);
    let saves = (0..24).map(|_| send(app.post("/_mock/state/save")));
    for (status, body) in futures::future::join_all(saves).await {
        assert_eq!(status, 200, "{body}");
        assert!(body["bytes"].as_u64().unwrap() > 0, "{body}");
    }
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["version"], 1);
    assert!(saved.to_string().contains("saved"));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the file holds every key and password");
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "no temporary file left: {files:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_is_saved_periodically_but_only_after_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let app = spawn_app_with(|config| {
        config.state_file = Some(path.clone());
        config.state_save_interval = 1;
    })
    .await;
    assert_eq!(send(app.get("/_mock/accounts")).await.0, 200);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(!path.exists(), "nothing changed, nothing written");
    assert_eq!(app.send_batch(&batch("periodic")).await.0, 201);
    let deadline = Instant::now() + Duration::from_secs(3);
    while !std::fs::read_to_string(&path).is_ok_and(|text| text.contains("periodic")) {
        assert!(Instant::now() < deadline, "not saved within the interval");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_loses_at_most_the_last_save_interval() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let file = path.to_str().unwrap();
    let (child, port) = start_binary(&["--state-file", file, "--state-save-interval", "1"]).await;
    let client = reqwest::Client::new();
    let sent = client
        .post(format!("http://127.0.0.1:{port}/v2/batches"))
        .bearer_auth(IP1_KEY)
        .json(&batch("before the kill"))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let id = sent.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    Command::new("kill").args(["-KILL", &child.id().to_string()]).status().unwrap();
    let _ = stop(child).await;

    let (child, port) = start_binary(&["--state-file", file]).await;
    let url = format!("http://127.0.0.1:{port}/v2/batches/{id}");
    let found = client.get(url).bearer_auth(IP1_KEY).send().await.unwrap();
    assert_eq!(found.status(), 200, "the batch sent a save interval before the kill survived");
    let _ = stop(child).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_final_save_that_fails_is_an_error_exit() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone");
    std::fs::create_dir(&gone).unwrap();
    let path = gone.join("state.json");
    let args = ["--state-file", path.to_str().unwrap(), "--state-save-interval", "0"];
    let (child, _) = start_binary(&args).await;
    std::fs::remove_dir(&gone).unwrap();
    let (status, _) = stop(child).await;
    assert!(!status.success(), "{status:?}");
}

#[test]
fn a_state_file_that_cannot_be_written_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing").join("state.json");
    let read_only = dir.path().join("read-only");
    std::fs::create_dir(&read_only).unwrap();
    std::fs::set_permissions(&read_only, std::os::unix::fs::PermissionsExt::from_mode(0o555))
        .unwrap();
    let in_read_only = read_only.join("state.json");
    // Root may write anywhere: the read-only case proves something only
    // for other users.
    let root = std::fs::File::create(read_only.join("probe")).is_ok();
    for (path, applies) in [(missing, true), (in_read_only, !root)] {
        if !applies {
            continue;
        }
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_smsmock"))
            .args(["--port", "0", "--state-file", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{path:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(path.to_str().unwrap()) && stderr.contains("cannot write state file"),
            "{stderr}"
        );
    }
}
