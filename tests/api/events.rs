//! The event stream, `GET /_mock/events`, as a test would follow it.

use std::time::{Duration, Instant};

use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::*;

/// Reads the stream until `done` holds for the events seen (each
/// `(type, data)`), or 10 s pass.
async fn read_until(
    response: &mut Response,
    done: impl Fn(&[(String, Value)]) -> bool,
) -> Vec<(String, Value)> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut text = String::new();
    let mut events = Vec::new();
    while !done(&events) && Instant::now() < deadline {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk()).await;
        let Ok(Ok(Some(chunk))) = chunk else { break };
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                block.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned())
            };
            if let (Some(kind), Some(data)) = (field("event:"), field("data:")) {
                events.push((kind, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
        }
    }
    events
}

fn kinds(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(kind, _)| kind.as_str()).collect()
}

#[tokio::test]
async fn a_subscriber_sees_a_send_its_status_changes_and_its_request() {
    let app = spawn_manual_app().await;
    let mut all = app.get("/_mock/events").send().await.unwrap();
    assert_eq!(all.status(), 200);
    assert!(all.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut statuses =
        app.get("/_mock/events?type=status&phone=%2B46701234567").send().await.unwrap();
    let body = json!({"sender": "iP1", "recipients": ["46701234567", "46701234568"], "body": "Hi"});
    assert_eq!(app.send_batch(&body).await.0, 201);
    app.advance(60).await;

    let events = read_until(&mut all, |e| kinds(e).contains(&"status")).await;
    let seen = kinds(&events);
    assert!(seen.starts_with(&["message", "message", "request"]), "{seen:?}");
    assert_eq!(events[0].1["recipient"], "46701234567");
    assert_eq!(events[0].1["text"], "Hi");
    assert_eq!(events[2].1["path"], "/v2/batches");
    assert_eq!(events[2].1["status"], 201);
    let id = events[2].1["id"].as_u64().expect("a request event names its journal entry");
    let (status, call) = send(app.get(&format!("/_mock/requests/{id}"))).await;
    assert_eq!((status, &call["path"]), (200, &json!("/v2/batches")));
    assert!(seen.contains(&"clock"), "{seen:?}");

    let only = read_until(&mut statuses, |e| e.len() >= 2).await;
    assert_eq!(kinds(&only), ["status", "status"], "only statuses, only that phone");
    let codes: Vec<&Value> = only.iter().map(|(_, data)| &data["code"]).collect();
    assert_eq!(codes, [&json!(102), &json!(201)]);
    assert!(only.iter().all(|(_, data)| data["recipient"] == "46701234567"));

    let (status, body) = send(app.get("/_mock/events?type=nonsense")).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn incoming_sms_callbacks_faults_and_resets_are_events_too() {
    let app = spawn_manual_app().await;
    let mut stream = app.get("/_mock/events?account=ip1-10001").send().await.unwrap();
    let fault = json!({"account": "ip1-10001", "path": "/api/me", "times": 1, "action": "status", "status": 503});
    send(app.post("/_mock/faults").json(&fault)).await;
    send(app.ip1_get("/api/me")).await;
    let inbound = json!({"account": "ip1-10001", "sender": "46712345678", "body": "Hello"});
    send(app.post("/_mock/inbound").json(&inbound)).await;
    send(app.delete("/_mock/reset?account=ip1-10001")).await;
    let events = read_until(&mut stream, |e| kinds(e).contains(&"reset")).await;
    let seen = kinds(&events);
    for kind in ["fault", "request", "incoming", "reset"] {
        assert!(seen.contains(&kind), "{kind} in {seen:?}");
    }
    let fault = events.iter().find(|(k, _)| k == "fault").unwrap();
    assert_eq!(fault.1["rule"]["status"], 503);
    let incoming = events.iter().find(|(k, _)| k == "incoming").unwrap();
    assert_eq!(incoming.1["sender"], "46712345678");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_subscriber_slows_nothing_and_is_told_what_it_missed() {
    let app = spawn_manual_app().await;
    // Subscribes, then reads nothing while thousands of events go out.
    let mut stuck = app.get("/_mock/events").send().await.unwrap();
    // More than the stream's buffer and the sockets' buffers hold.
    let recipients: Vec<String> = (0..1000).map(|i| format!("4670100{i:04}")).collect();
    let body = json!({"sender": "iP1", "recipients": recipients, "body": "Hi"});
    let started = Instant::now();
    for _ in 0..40 {
        assert_eq!(app.send_batch(&body).await.0, 201);
    }
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "sends were held up: {elapsed:?}");
    let missed = first_missed(&mut stuck).await.expect("told what it missed");
    assert!(missed["missed"].as_u64().unwrap() > 0, "{missed}");
}

/// The data of the first `missed` event, read past the tens of thousands
/// of events before it without parsing them: what the sockets' buffers
/// held took a debug build on a busy machine longer to parse one by one
/// than any deadline worth waiting for. `None` after 60 s.
async fn first_missed(response: &mut Response) -> Option<Value> {
    const MARKER: &str = "event: missed\ndata: ";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut text = String::new();
    loop {
        let chunk = tokio::time::timeout_at(deadline, response.chunk()).await;
        let Ok(Ok(Some(chunk))) = chunk else { return None };
        text.push_str(&String::from_utf8_lossy(&chunk));
        match text.find(MARKER) {
            Some(start) => {
                let data = &text[start + MARKER.len()..];
                if let Some(end) = data.find('\n') {
                    return serde_json::from_str(&data[..end]).ok();
                }
            }
            // Only the end could hold the start of the marker.
            None => {
                let mut keep = text.len().saturating_sub(MARKER.len());
                while !text.is_char_boundary(keep) {
                    keep -= 1;
                }
                text.drain(..keep);
            }
        }
    }
}

#[tokio::test]
async fn a_subscriber_may_ask_for_at_most_n_events_a_second_and_hears_of_the_rest() {
    let app = spawn_manual_app().await;
    let mut limited = app.get("/_mock/events?type=message&maxPerSecond=2").send().await.unwrap();
    let mut everything = app.get("/_mock/events?type=message").send().await.unwrap();
    let recipients: Vec<String> = (0..5).map(|i| format!("467010000{i:02}")).collect();
    let body = json!({"sender": "iP1", "recipients": recipients, "body": "Hi"});
    assert_eq!(app.send_batch(&body).await.0, 201);

    let events = read_until(&mut limited, |e| kinds(e).contains(&"missed")).await;
    assert_eq!(kinds(&events), ["message", "message", "missed"]);
    assert_eq!(events[2].1["missed"], 3, "the three held back are counted");
    let all = read_until(&mut everything, |e| e.len() >= 5).await;
    assert_eq!(kinds(&all), ["message"; 5], "another subscriber gets them all");

    for bad in ["0", "-1", "many"] {
        let (status, body) = send(app.get(&format!("/_mock/events?maxPerSecond={bad}"))).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

#[tokio::test]
async fn a_subscriber_over_its_limit_hears_of_every_event_it_was_not_sent() {
    let app = spawn_manual_app().await;
    // Alone on its types: once its second is full, what it would not be
    // sent is not even built, only counted.
    let mut limited = app.get("/_mock/events?type=message&maxPerSecond=2").send().await.unwrap();
    let batch = |first: usize, count: usize| {
        let recipients: Vec<String> =
            (first..first + count).map(|i| format!("4670200{i:04}")).collect();
        json!({"sender": "iP1", "recipients": recipients, "body": "Hi"})
    };
    assert_eq!(app.send_batch(&batch(0, 3)).await.0, 201);
    let first = read_until(&mut limited, |e| kinds(e).contains(&"missed")).await;
    assert_eq!(kinds(&first), ["message", "message", "missed"]);
    assert_eq!(app.send_batch(&batch(3, 4)).await.0, 201);

    // Seven messages in all: each one was sent or counted as missed.
    let accounted = |events: &[(String, Value)]| -> u64 {
        events
            .iter()
            .map(|(kind, data)| match kind.as_str() {
                "message" => 1,
                _ => data["missed"].as_u64().unwrap_or(0),
            })
            .sum()
    };
    let rest = read_until(&mut limited, |e| accounted(&first) + accounted(e) >= 7).await;
    assert_eq!(accounted(&first) + accounted(&rest), 7, "{first:?} then {rest:?}");
}

#[tokio::test]
async fn a_stream_is_not_closed_by_the_header_timeout() {
    let app = spawn_app_with(|config| config.header_timeout = 1).await;
    let mut stream = app.get("/_mock/events?type=message").send().await.unwrap();
    assert_eq!(stream.status(), 200);
    // The stream's connection sends no new head while the stream runs.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let body = json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Still there?"});
    assert_eq!(app.send_batch(&body).await.0, 201);
    let events = read_until(&mut stream, |e| !e.is_empty()).await;
    assert_eq!(kinds(&events), ["message"], "{events:?}");
    assert_eq!(events[0].1["text"], "Still there?");
}
