//! Waiting lookups: `?wait=` answers as soon as a matching message exists,
//! or with the usual "nothing" once the wait is over.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::*;

fn batch(to: &str, body: &str) -> serde_json::Value {
    json!({"sender": "iP1", "recipients": [to], "body": body})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_lookup_answers_when_the_message_is_sent() {
    let app = spawn_app().await;
    let started = Instant::now();
    let url = app.url("/_mock/phones/46701234567/messages/latest?wait=20s");
    let client = app.client.clone();
    let waiter = tokio::spawn(async move { send(client.get(url)).await });
    let list_url = app.url("/_mock/messages?recipient=46701234567&text=482913&wait=20s");
    let client = app.client.clone();
    let lister = tokio::spawn(async move { send(client.get(list_url)).await });
    // Let both wait (were they still to start, they would find it at once).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = app.send_batch(&batch("46701234567", "Your code is 482913")).await;
    assert_eq!(status, 201);
    let (status, latest) = waiter.await.unwrap();
    assert_eq!(status, 200, "{latest}");
    assert_eq!(latest["text"], "Your code is 482913");
    let (status, listed) = lister.await.unwrap();
    assert_eq!((status, listed.as_array().unwrap().len()), (200, 1));
    assert!(started.elapsed() < Duration::from_secs(10), "woken by the send, not the timeout");
}

#[tokio::test]
async fn a_wait_that_runs_out_answers_nothing_as_usual() {
    let app = spawn_app().await;
    let started = Instant::now();
    let (status, body) =
        send(app.get("/_mock/phones/46709999999/messages/latest?wait=300ms")).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].is_string());
    let (status, body) = send(app.get("/_mock/messages?recipient=46709999999&wait=1")).await;
    assert_eq!((status, body), (200, json!([])));
    assert!(started.elapsed() >= Duration::from_millis(1300), "both waited");
    // A message to another phone does not end the wait early.
    let client = app.client.clone();
    let url = app.url("/_mock/phones/46709999998/messages/latest?wait=500ms");
    let waiter = tokio::spawn(async move { send(client.get(url)).await });
    app.send_batch(&batch("46701234567", "Hi")).await;
    assert_eq!(waiter.await.unwrap().0, 404);
    for bad in ["61s", "2m", "soon", "-1", "10h"] {
        let (status, body) = send(app.get(&format!("/_mock/messages?wait={bad}"))).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_waiters_wake_on_one_send() {
    let app = spawn_app().await;
    let waiters: Vec<_> = (0..200)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url("/_mock/phones/46701234560/messages/latest?wait=30s");
            tokio::spawn(async move { send(client.get(url)).await.0 })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    app.send_batch(&batch("46701234560", "Hello")).await;
    for waiter in waiters {
        assert_eq!(waiter.await.unwrap(), 200);
    }
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

/// A send that lands while its lookup is just starting to wait still wakes
/// it: sends and lookups race, each lookup for its own phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_racing_a_lookup_that_starts_to_wait_still_wakes_it() {
    let app = spawn_app().await;
    let mut lookups = Vec::new();
    let mut sends = Vec::new();
    for n in 0..60 {
        let phone = format!("4670123{n:04}");
        let client = app.client.clone();
        let url = app.url(&format!("/_mock/phones/{phone}/messages/latest?wait=20s"));
        lookups.push(tokio::spawn(async move { send(client.get(url)).await }));
        let request = app.post("/v2/batches").bearer_auth(IP1_KEY).json(&batch(&phone, "Hello"));
        sends.push(tokio::spawn(async move { send(request).await.0 }));
    }
    let started = Instant::now();
    for send in sends {
        assert_eq!(send.await.unwrap(), 201);
    }
    for lookup in lookups {
        let (status, latest) = lookup.await.unwrap();
        assert_eq!(status, 200, "{latest}");
        assert_eq!(latest["text"], "Hello");
    }
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}
