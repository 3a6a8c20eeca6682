//! Where iP.1's API behaves as the real gateway's (ASP.NET Core) does
//! rather than as its documentation's wording might suggest: trailing
//! slashes, paging of every collection, ordering, content types, auth.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_trailing_slash_is_accepted_on_every_route() {
    let app = spawn_app().await;
    let (status, sent) = send(
        app.post("/v2/batches/")
            .bearer_auth(IP1_KEY)
            .json(&json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let batch = sent["id"].as_str().unwrap();
    for path in [
        "/v2/batches/".to_owned(),
        format!("/v2/batches/{batch}/"),
        format!("/v2/batches/{batch}/messages/?limit=1"),
        "/v2/contacts/".to_owned(),
        "/v2/me/senders/".to_owned(),
        "/api/me/".to_owned(),
    ] {
        let (status, body) = send(app.ip1_get(&path)).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, journal) = send(app.get("/_mock/requests?limit=1")).await;
    assert_eq!(journal[0]["path"], "/api/me", "the journal shows the route's path");
    let (status, body) = send(app.ip1_get("/v2/nothing/")).await;
    assert_ip1_problem(status, &body, 404);
    let (status, _) = send(app.post("/json/send/").json(&json!({}))).await;
    assert_eq!(status, 404, "Viamobile's paths are kept as sent");
}
