//! Contacts at scale: importing 1,000 contacts per call, and listing one
//! page of 50 with a label filter over 100,000 contacts.
//!
//! `cargo bench --bench contacts` starts the release binary, imports
//! 100,000 contacts in 100 calls of 1,000 (every other one labelled
//! `Customer`), and times each import and 20 filtered page reads.
//! Targets (issue): an import of 1,000 in under 50 ms; a page in under 20 ms.

// A failing unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use serde_json::{Value, json};

use common::summary;

#[tokio::main]
async fn main() {
    let server = common::start(&[]).await;
    let base = &server.base;
    let client = reqwest::Client::new();

    // A smoke run imports 2,000 contacts and reads 2 pages.
    let (calls, pages_read) = if common::smoke() { (2, 2) } else { (100, 20) };
    let customers = calls * 500;
    let mut imports = Vec::new();
    for call in 0..calls {
        let contacts: Vec<Value> = (0..1000)
            .map(|i| {
                let n = call * 1000 + i;
                let labels = if n % 2 == 0 { json!(["Customer"]) } else { json!(["Lead"]) };
                json!({
                    "properties": {"firstName": format!("Name{n}"), "phoneNumber": format!("+4670{n:07}"),
                                   "email": format!("user{n}@example.com")},
                    "labels": labels
                })
            })
            .collect();
        let body = serde_json::to_vec(&contacts).unwrap();
        let started = Instant::now();
        let response = client
            .post(format!("{base}/v2/contacts"))
            .bearer_auth("ip1-default-key")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        imports.push(started.elapsed());
        assert_eq!(response.status(), 202);
    }
    println!("import of 1,000 contacts per call ({calls} calls): {}", summary(imports));

    let mut pages = Vec::new();
    for page in 0..pages_read {
        let started = Instant::now();
        let start = page * customers / pages_read;
        let response = client
            .get(format!("{base}/v2/contacts?labels=Customer&limit=50&start={start}"))
            .bearer_auth("ip1-default-key")
            .send()
            .await
            .unwrap();
        let total = response.headers()["x-total-count"].to_str().unwrap().to_owned();
        let list: Value = response.json().await.unwrap();
        pages.push(started.elapsed());
        assert_eq!(total, customers.to_string());
        assert_eq!(list.as_array().unwrap().len(), 50);
    }
    println!("a page of 50 filtered by label over {} contacts: {}", calls * 1000, summary(pages));
}
