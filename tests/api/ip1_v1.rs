//! iP.1's older API (`/api/...`) as the vendor's SDK speaks it: HTTP Basic,
//! PascalCase JSON with integer ids, Web API errors, and the same engine
//! and blacklist as v2.

use reqwest::RequestBuilder;
use serde_json::{Value, json};

use crate::helpers::*;

/// A v1 call as the vendor's SDK makes it: Basic auth, `Content-Type:
/// application/json` on every request, and its `Accept` header.
fn v1(request: RequestBuilder) -> RequestBuilder {
    request
        .basic_auth(IP1_ACCOUNT, Some(IP1_KEY))
        .header("Content-Type", "application/json")
        .header(
            "Accept",
            "*/*; q=0.5, text/plain; q=0.8, text/html;level=3;q=0.9, application/json",
        )
}

async fn v1_post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    send(v1(app.post(path)).body(body.to_string())).await
}

/// Asserts Web API's error shape.
fn assert_v1_error(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert!(body["Message"].is_string(), "{body}");
}

async fn fresh_key(app: &TestApp) -> (String, String) {
    let (_, created) = send(app.post("/_mock/accounts").json(&json!({"gateway": "ip1"}))).await;
    (created["id"].as_str().unwrap().to_owned(), created["apiKeys"][0].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn credentials_are_basic_or_bearer_and_errors_are_web_api_json() {
    let app = spawn_app().await;
    let (status, body) = send(app.get("/api/contacts")).await;
    assert_v1_error(status, &body, 401);
    assert_eq!(body["Message"], "Authorization has been denied for this request.");
    let (status, body) =
        send(app.get("/api/contacts").basic_auth(IP1_ACCOUNT, Some("wrong"))).await;
    assert_v1_error(status, &body, 401);
    let (status, body) =
        send(app.get("/api/contacts").basic_auth(IP1_OTHER_ACCOUNT, Some(IP1_KEY))).await;
    assert_v1_error(status, &body, 401);
    let (status, _) = send(app.get("/api/contacts").bearer_auth(IP1_KEY)).await;
    assert_eq!(status, 200);
    // GET and DELETE with a JSON Content-Type and no body, an Accept that
    // prefers text: answered in JSON.
    let response = v1(app.get("/api/contacts")).send().await.unwrap();
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let (status, body) = send(v1(app.get("/api/nothing"))).await;
    assert_v1_error(status, &body, 404);
    let (status, body) = send(v1(app.client.patch(app.url("/api/contacts")))).await;
    assert_v1_error(status, &body, 405);
    let (status, body) = send(v1(app.get("/api/contacts/"))).await;
    assert_eq!((status, body), (200, json!([])), "a trailing slash is the same route");
    let (status, body) = send(v1(app.post("/api/contacts")).body("{not json")).await;
    assert_v1_error(status, &body, 400);
    // A fresh account has nothing.
    let (id, key) = fresh_key(&app).await;
    for path in ["/api/contacts", "/api/sms/sent", "/api/groups", "/api/memberships"] {
        let (status, body) = send(app.get(path).basic_auth(&id, Some(&key))).await;
        assert_eq!((status, body), (200, json!([])), "{path}");
    }
}

#[tokio::test]
async fn contacts_are_created_read_replaced_and_deleted_exactly_as_given() {
    let app = spawn_manual_app().await;
    let body = json!({"FirstName": "Ada", "LastName": "Lovelace", "Phone": "07012345678",
                      "Email": "ada@example.com", "Title": "Countess", "Notes": "n"});
    let (status, created) = v1_post(&app, "/api/contacts", body).await;
    assert_eq!(status, 200, "{created}");
    assert!(created["ID"].is_u64());
    assert_eq!(created["OwnerID"], IP1_ACCOUNT);
    assert_eq!(created["Phone"], "07012345678", "kept exactly as given");
    let created_at = created["Created"].as_str().unwrap().to_owned();
    assert_eq!(created_at.len(), "2017-03-02T10:39:53.497".len(), "{created_at}");
    assert!(!created_at.ends_with('Z') && !created_at.contains('+'), "no offset: {created_at}");
    let path = format!("/api/contacts/{}", created["ID"]);
    let (status, read) = send(v1(app.get(&path))).await;
    assert_eq!((status, &read), (200, &created));

    app.advance(90).await;
    // A PUT may carry the read-only fields; they are ignored.
    let mut replacement = created.clone();
    replacement["FirstName"] = json!("Augusta");
    replacement["Phone"] = json!("+46701234567");
    replacement["Created"] = json!("1999-01-01T00:00:00");
    replacement["Updated"] = json!("1999-01-01T00:00:00");
    let (status, replaced) = send(v1(app.put(&path)).body(replacement.to_string())).await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["FirstName"], "Augusta");
    assert_eq!(replaced["Phone"], "+46701234567");
    assert_eq!(replaced["Created"], created_at.as_str(), "Created never changes");
    assert_ne!(replaced["Modified"], created["Modified"]);
    let (_, filtered) = send(v1(app.get("/api/contacts?PhoneNumbers%5B0%5D=%2B46701234567"))).await;
    assert_eq!(filtered, json!([replaced]));
    let (_, none) = send(v1(app.get("/api/contacts?PhoneNumbers%5B0%5D=46701234567"))).await;
    assert_eq!(none, json!([]), "phones match as stored");

    let (status, deleted) = send(v1(app.delete(&path))).await;
    assert_eq!((status, &deleted), (200, &replaced), "DELETE answers the deleted contact");
    let (status, body) = send(v1(app.get(&path))).await;
    assert_v1_error(status, &body, 404);
    let (_, all) = send(v1(app.get("/api/contacts"))).await;
    assert_eq!(all, json!([]));
}

#[tokio::test]
async fn bad_contacts_and_other_accounts_objects_are_refused() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"Phone": "46701234567"}), "contact.FirstName"),
        (json!({"FirstName": "Ada"}), "contact.Phone"),
        (json!({"FirstName": "Ada", "Phone": "call me"}), "contact.Phone"),
        (json!({"FirstName": "Ada", "Phone": "+12345678901234567"}), "contact.Phone"),
        (json!({"FirstName": "a".repeat(101), "Phone": "1"}), "contact.FirstName"),
        (json!({"FirstName": "Ada", "Phone": "1", "Email": "nope"}), "contact.Email"),
    ] {
        let (status, answer) = v1_post(&app, "/api/contacts", body).await;
        assert_v1_error(status, &answer, 400);
        assert!(answer["ModelState"][field].is_array(), "{field}: {answer}");
    }
    let (status, answer) =
        v1_post(&app, "/api/groups", json!({"Name": "G", "Color": "green"})).await;
    assert_v1_error(status, &answer, 400);
    let (_, contact) =
        v1_post(&app, "/api/contacts", json!({"FirstName": "Ada", "Phone": "46701234567"})).await;
    let path = format!("/api/contacts/{}", contact["ID"]);
    let other =
        |request: RequestBuilder| request.basic_auth(IP1_OTHER_ACCOUNT, Some(IP1_OTHER_KEY));
    let (status, body) = send(other(app.get(&path))).await;
    assert_v1_error(status, &body, 404);
    let (status, body) = send(other(app.delete(&path))).await;
    assert_v1_error(status, &body, 404);
    let (status, body) = send(v1(app.get("/api/contacts/abc"))).await;
    assert_v1_error(status, &body, 404);
    let (status, _) = send(v1(app.get(&path))).await;
    assert_eq!(status, 200, "still there");
}

#[tokio::test]
async fn groups_and_memberships_relate_contacts() {
    let app = spawn_app().await;
    let (_, ada) =
        v1_post(&app, "/api/contacts", json!({"FirstName": "Ada", "Phone": "46701234567"})).await;
    let (_, bo) =
        v1_post(&app, "/api/contacts", json!({"FirstName": "Bo", "Phone": "46701234568"})).await;
    let (status, group) = v1_post(
        &app,
        "/api/groups",
        json!({"Name": "QWERTYUIOPASDFGHJKLZXCVBNMqwer", "Color": "#A1b2C3"}),
    )
    .await;
    assert_eq!(status, 200, "{group}");
    assert_eq!(group["Color"], "#A1b2C3");
    let (status, membership) =
        v1_post(&app, "/api/memberships", json!({"Group": group["ID"], "Contact": ada["ID"]}))
            .await;
    assert_eq!(status, 200, "{membership}");
    assert_eq!(membership["Group"], group["ID"]);
    assert_eq!(membership["Contact"], ada["ID"]);
    assert_eq!(membership["OwnerID"], IP1_ACCOUNT);

    let (_, groups) = send(v1(app.get(&format!("/api/contacts/{}/groups", ada["ID"])))).await;
    assert_eq!(groups, json!([group]), "the group reads as it was created");
    let (_, theirs) = send(v1(app.get(&format!("/api/contacts/{}/memberships", ada["ID"])))).await;
    assert_eq!(theirs, json!([membership]));
    let (_, none) = send(v1(app.get(&format!("/api/contacts/{}/memberships", bo["ID"])))).await;
    assert_eq!(none, json!([]));
    let (_, members) = send(v1(app.get(&format!("/api/groups/{}/contacts", group["ID"])))).await;
    assert_eq!(members, json!([ada]));
    let (_, extra) =
        send(v1(app.get(&format!("/api/groups/{}/contacts/extra", group["ID"])))).await;
    let mut expected = ada.clone();
    expected["MembershipID"] = membership["ID"].clone();
    assert_eq!(extra, json!([expected]), "each contact with its membership");
    let (_, counted) = send(v1(app.get(&format!("/api/groups/{}", group["ID"])))).await;
    assert_eq!(counted["ContactsCount"], 1);
    let (status, body) =
        v1_post(&app, "/api/memberships", json!({"Group": group["ID"], "Contact": 9999})).await;
    assert_v1_error(status, &body, 404);
    let (status, body) = v1_post(&app, "/api/memberships", json!({"Group": "one"})).await;
    assert_v1_error(status, &body, 400);

    let membership_path = format!("/api/memberships/{}", membership["ID"]);
    let (status, deleted) = send(v1(app.delete(&membership_path))).await;
    assert_eq!((status, &deleted), (200, &membership));
    let (_, all) = send(v1(app.get("/api/memberships"))).await;
    assert_eq!(all, json!([]));

    // A contact's deletion takes its memberships; a group's too.
    v1_post(&app, "/api/memberships", json!({"Group": group["ID"], "Contact": bo["ID"]})).await;
    send(v1(app.delete(&format!("/api/contacts/{}", bo["ID"])))).await;
    let (_, all) = send(v1(app.get("/api/memberships"))).await;
    assert_eq!(all, json!([]));
    let mut renamed = group.clone();
    renamed["Name"] = json!("Renamed");
    let group_path = format!("/api/groups/{}", group["ID"]);
    let (status, replaced) = send(v1(app.put(&group_path)).body(renamed.to_string())).await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["Created"], group["Created"]);
    let (status, deleted) = send(v1(app.delete(&group_path))).await;
    assert_eq!((status, &deleted), (200, &replaced));
    let (_, groups) = send(v1(app.get("/api/groups"))).await;
    assert_eq!(groups, json!([]));
}

#[tokio::test]
async fn several_objects_are_created_at_once_with_multiple() {
    let app = spawn_app().await;
    let contacts = json!([{"FirstName": "A", "Phone": "1"}, {"FirstName": "B", "Phone": "2"}]);
    let (status, created) = v1_post(&app, "/api/contacts?multiple=true", contacts).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created.as_array().unwrap().len(), 2);
    let bad = json!([{"FirstName": "A", "Phone": "1"}, {"FirstName": "B"}]);
    let (status, answer) = v1_post(&app, "/api/contacts?multiple=true", bad).await;
    assert_v1_error(status, &answer, 400);
    assert!(answer["ModelState"]["contacts[1].Phone"].is_array(), "{answer}");
    let (_, all) = send(v1(app.get("/api/contacts"))).await;
    assert_eq!(all.as_array().unwrap().len(), 2, "all or none");
    let (status, groups) =
        v1_post(&app, "/api/groups?multiple=true", json!([{"Name": "X"}, {"Name": "Y"}])).await;
    assert_eq!((status, groups.as_array().unwrap().len()), (200, 2));
    let (status, one) = v1_post(&app, "/api/groups?multiple=true", json!({"Name": "Z"})).await;
    assert_eq!((status, one.as_array().map(Vec::len)), (200, Some(1)), "one object: a list of one");
    let (status, body) = v1_post(&app, "/api/groups?multiple=maybe", json!({"Name": "Z"})).await;
    assert_v1_error(status, &body, 400);
}

#[tokio::test]
async fn one_blacklist_serves_both_apis() {
    let app = spawn_app().await;
    let (status, entry) = v1_post(&app, "/api/blacklist", json!({"Phone": "+46701234567"})).await;
    assert_eq!(status, 200, "{entry}");
    assert_eq!(entry["Phone"], "46701234567");
    assert!(entry["ID"].is_u64());
    // Blacklisted through v1: a v2 send to it is refused.
    let (status, _) = app
        .send_batch(&json!({"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"}))
        .await;
    assert_eq!(status, 400, "nobody left to send to");
    let (status, v2_entry) = send(app.ip1_get("/v2/blacklist/46701234567")).await;
    assert_eq!((status, v2_entry["msisdn"].as_str()), (200, Some("46701234567")));
    // Blacklisted through v2: listed by v1, and a v1 send to it is refused.
    send(app.put("/v2/blacklist/46701234568").bearer_auth(IP1_KEY)).await;
    let (_, list) = send(v1(app.get("/api/blacklist"))).await;
    let phones: Vec<&str> =
        list.as_array().unwrap().iter().map(|e| e["Phone"].as_str().unwrap()).collect();
    assert_eq!(phones, ["46701234567", "46701234568"]);
    let (status, body) = v1_post(
        &app,
        "/api/sms/send",
        json!({"From": "iP1", "Numbers": ["46701234568"], "Message": "Hi"}),
    )
    .await;
    assert_v1_error(status, &body, 400);
    let path = format!("/api/blacklist/{}", entry["ID"]);
    let (status, read) = send(v1(app.get(&path))).await;
    assert_eq!((status, &read), (200, &entry));
    let (status, removed) = send(v1(app.delete(&path))).await;
    assert_eq!((status, &removed), (200, &entry));
    let (status, _) = send(app.ip1_get("/v2/blacklist/46701234567")).await;
    assert_eq!(status, 404, "gone for v2 too");
    let (status, body) = v1_post(&app, "/api/blacklist", json!({"Phone": "12"})).await;
    assert_v1_error(status, &body, 400);
}

#[tokio::test]
async fn a_v1_send_reaches_numbers_contacts_and_groups_and_is_followed_to_delivery() {
    let app = spawn_manual_app().await;
    let (_, ada) =
        v1_post(&app, "/api/contacts", json!({"FirstName": "Ada", "Phone": "+46701234567"})).await;
    let (_, bo) =
        v1_post(&app, "/api/contacts", json!({"FirstName": "Bo", "Phone": "46701234568"})).await;
    let (_, flagged) =
        v1_post(&app, "/api/contacts", json!({"FirstName": "Cy", "Phone": "0701234569"})).await;
    let (_, group) = v1_post(&app, "/api/groups", json!({"Name": "Team"})).await;
    for contact in [&bo, &flagged, &ada] {
        v1_post(&app, "/api/memberships", json!({"Group": group["ID"], "Contact": contact["ID"]}))
            .await;
    }
    let (_, before) = send(app.ip1_get("/api/me")).await;
    let body = json!({"From": "iP1", "Numbers": ["46701234567"], "Contacts": [ada["ID"]],
                      "Groups": [group["ID"]], "Message": "Hi {name}", "Prio": 1, "Email": false,
                      "Parameters": {"+46701234567": {"name": "Ada"}, "default": {"name": "friend"}}});
    let (status, sent) = v1_post(&app, "/api/sms/send", body).await;
    assert_eq!(status, 200, "{sent}");
    let sent = sent.as_array().unwrap().clone();
    let to: Vec<&str> = sent.iter().map(|m| m["To"].as_str().unwrap()).collect();
    assert_eq!(
        to,
        ["46701234567", "46701234568"],
        "merged, de-duplicated; the flagged contact skipped"
    );
    let texts: Vec<&str> = sent.iter().map(|m| m["Message"].as_str().unwrap()).collect();
    assert_eq!(texts, ["Hi Ada", "Hi friend"]);
    let first = &sent[0];
    assert!(first["ID"].is_u64());
    assert_eq!(first["BundleID"], sent[1]["BundleID"]);
    assert_eq!(first["Status"], 0);
    assert_eq!(first["CountryCode"], "46");
    assert_eq!(first["Currency"], "SEK");
    assert_eq!(first["From"], "iP1");
    assert_eq!(first["Encoding"], "GSM");
    assert_eq!(first["Segments"], 1);
    assert_eq!(first["TotalPrice"], 0.45);
    assert!(first.get("Modified").is_none(), "Modified only on reads");
    let (_, after) = send(app.ip1_get("/api/me")).await;
    let spent = before["Balance"].as_f64().unwrap() - after["Balance"].as_f64().unwrap();
    assert!((spent - 0.9).abs() < 1e-9, "{spent}");

    // The same messages through v2, the control API and the journal.
    let (_, batches) = send(app.ip1_get("/v2/batches")).await;
    assert_eq!(batches.as_array().unwrap().len(), 1);
    let (_, latest) = send(app.get("/_mock/phones/46701234568/messages/latest")).await;
    assert_eq!(latest["text"], "Hi friend");
    let (_, journal) = send(app.get("/_mock/requests?path=/api/sms/send")).await;
    assert_eq!(journal[0]["account"], IP1_ACCOUNT);

    // Followed to its delivery: 22, delivered to the phone.
    app.advance(60).await;
    let path = format!("/api/sms/sent/{}", first["ID"]);
    let (status, read) = send(v1(app.get(&path))).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["Status"], 22);
    assert_eq!(read["StatusDescription"], "Delivered to the phone");
    assert_eq!(read["Created"], first["Created"]);
    assert!(read["Modified"].is_string());
    let (_, all) = send(v1(app.get("/api/sms/sent"))).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (status, body) = send(v1(app.get("/api/sms/sent/999999"))).await;
    assert_v1_error(status, &body, 404);
    let (status, body) =
        send(app.get(&path).basic_auth(IP1_OTHER_ACCOUNT, Some(IP1_OTHER_KEY))).await;
    assert_v1_error(status, &body, 404);
}

#[tokio::test]
async fn a_v1_send_reports_outcomes_as_v1_codes_and_refuses_what_it_cannot_send() {
    let app = spawn_manual_app().await;
    // A magic number that ends undeliverable, and one that is not a number.
    let body = json!({"From": "iP1", "Numbers": ["46700000001", "4670123"], "Message": "Hi"});
    let (status, sent) = v1_post(&app, "/api/sms/send", body).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent[1]["Status"], 3, "invalid phone number format");
    assert_eq!(sent[1]["CountryCode"], Value::Null);
    app.advance(3600).await;
    let (_, read) = send(v1(app.get(&format!("/api/sms/sent/{}", sent[0]["ID"])))).await;
    assert_eq!(read["Status"], 51, "{read}");

    for (body, field) in [
        (json!({"Numbers": ["46701234567"], "Message": "Hi"}), "From"),
        (json!({"From": "iP1", "Numbers": ["46701234567"]}), "Message"),
        (json!({"From": "iP1", "Numbers": ["call me"], "Message": "Hi"}), "Numbers[0]"),
        (json!({"From": "iP1", "Numbers": [46701234567_u64, -1], "Message": "Hi"}), "Numbers[1]"),
        (json!({"From": "iP1", "Numbers": ["46701234567"], "Message": "Hi", "Prio": 3}), "Prio"),
        (json!({"From": "Nobody", "Numbers": ["46701234567"], "Message": "Hi"}), "From"),
    ] {
        let (status, answer) = v1_post(&app, "/api/sms/send", body).await;
        assert_v1_error(status, &answer, 400);
        assert!(answer["ModelState"][field].is_array(), "{field}: {answer}");
    }
    let (status, answer) = v1_post(
        &app,
        "/api/sms/send",
        json!({"From": "iP1", "Contacts": [12345], "Message": "Hi"}),
    )
    .await;
    assert_v1_error(status, &answer, 404);
    let (status, answer) =
        v1_post(&app, "/api/sms/send", json!({"From": "iP1", "Message": "Hi"})).await;
    assert_v1_error(status, &answer, 400);

    // A balance that does not cover the send: 403, nothing stored.
    let key = app.create_ip1_account(json!({"balance": 0.1})).await;
    let (_, me) = send(app.get("/api/me").bearer_auth(&key)).await;
    let account = me["Account"].as_str().unwrap().to_owned();
    let request = app
        .post("/api/sms/send")
        .basic_auth(&account, Some(&key))
        .json(&json!({"From": "iP1", "Numbers": ["46701234567"], "Message": "Hi"}));
    let (status, answer) = send(request).await;
    assert_v1_error(status, &answer, 403);
    let (_, sent) = send(app.get("/api/sms/sent").basic_auth(&account, Some(&key))).await;
    assert_eq!(sent, json!([]));
}

#[tokio::test]
async fn one_time_codes_are_sent_validated_once_and_expire() {
    let app = spawn_manual_app().await;
    let (status, settings) = send(v1(app.get("/api/authentications/settings"))).await;
    assert_eq!(status, 200);
    assert_eq!(
        settings,
        json!({"ConcurrentLimit": null, "From": null, "MessageFormat": null, "Length": null,
               "ExpirationTime": null, "NumericOnly": null})
    );
    for bad in
        [json!({"Length": 2}), json!({"MessageFormat": "no code"}), json!({"ExpirationTime": 0})]
    {
        let (status, body) =
            send(v1(app.put("/api/authentications/settings")).body(bad.to_string())).await;
        assert_v1_error(status, &body, 400);
    }
    let wanted = json!({"ConcurrentLimit": 2, "From": "Acme", "MessageFormat": "Code: {0}",
                        "Length": 8, "ExpirationTime": 300, "NumericOnly": true});
    let (status, stored) =
        send(v1(app.put("/api/authentications/settings")).body(wanted.to_string())).await;
    assert_eq!((status, &stored), (200, &wanted));

    let (status, sent) =
        v1_post(&app, "/api/authentications", json!({"Phone": "+46701234567"})).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["Status"], "Active");
    assert_eq!(sent["From"], "Acme");
    assert_eq!(sent["Length"], 8);
    assert!(sent.get("Code").is_none(), "the code is only in the SMS");
    // The code, as a test reads it: from the SMS.
    let (_, latest) = send(app.get("/_mock/phones/46701234567/messages/latest")).await;
    let text = latest["text"].as_str().unwrap();
    let code = text.strip_prefix("Code: ").unwrap().to_owned();
    assert!(code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()), "{text}");

    let validate = |code: &str| json!({"Phone": "46701234567", "Code": code});
    let (status, body) =
        v1_post(&app, "/api/authentications/validate", validate("00000000x")).await;
    assert_v1_error(status, &body, 404);
    let (status, used) = v1_post(&app, "/api/authentications/validate", validate(&code)).await;
    assert_eq!(status, 200, "{used}");
    assert_eq!(used["Status"], "Used");
    let (status, body) = v1_post(&app, "/api/authentications/validate", validate(&code)).await;
    assert_v1_error(status, &body, 404);

    // At most ConcurrentLimit active codes a number; an expired one is not.
    let phone = json!({"Phone": "46701234568"});
    let (_, first) = v1_post(&app, "/api/authentications", phone.clone()).await;
    v1_post(&app, "/api/authentications", phone.clone()).await;
    let (status, body) = v1_post(&app, "/api/authentications", phone.clone()).await;
    assert_v1_error(status, &body, 409);
    app.advance(301).await;
    let (_, expired) = send(v1(app.get(&format!("/api/authentications/{}", first["ID"])))).await;
    assert_eq!(expired["Status"], "Expired");
    let (status, _) = v1_post(&app, "/api/authentications", phone.clone()).await;
    assert_eq!(status, 200);
    let (_, latest) = send(app.get("/_mock/phones/46701234568/messages/latest")).await;
    let fresh = latest["text"].as_str().unwrap().strip_prefix("Code: ").unwrap().to_owned();
    let (_, all) = send(v1(app.get("/api/authentications"))).await;
    assert_eq!(all.as_array().unwrap().len(), 4);
    let newest = all.as_array().unwrap().last().unwrap().clone();
    let path = format!("/api/authentications/{}", newest["ID"]);
    let (status, deleted) = send(v1(app.delete(&path))).await;
    assert_eq!(status, 200, "{deleted}");
    let (status, body) = v1_post(
        &app,
        "/api/authentications/validate",
        json!({"Phone": "46701234568", "Code": fresh}),
    )
    .await;
    assert_v1_error(status, &body, 404);
    let (status, body) = send(v1(app.get(&path))).await;
    assert_v1_error(status, &body, 404);
    let (status, body) = v1_post(&app, "/api/authentications", json!({"Phone": "12"})).await;
    assert_v1_error(status, &body, 400);
    // A blacklisted phone gets no code: the state refuses it.
    v1_post(&app, "/api/blacklist", json!({"Phone": "46701234569"})).await;
    let (status, body) =
        v1_post(&app, "/api/authentications", json!({"Phone": "46701234569"})).await;
    assert_v1_error(status, &body, 409);
}

#[tokio::test]
async fn a_snapshot_keeps_the_older_apis_records() {
    let app = spawn_manual_app().await;
    let (_, contact) =
        v1_post(&app, "/api/contacts", json!({"FirstName": "Ada", "Phone": "0701234567"})).await;
    let (_, entry) = v1_post(&app, "/api/blacklist", json!({"Phone": "46701234569"})).await;
    let (_, code) = v1_post(&app, "/api/authentications", json!({"Phone": "46701234567"})).await;
    let (_, sent) = v1_post(
        &app,
        "/api/sms/send",
        json!({"From": "iP1", "Numbers": ["46701234568"], "Message": "Hi"}),
    )
    .await;
    let (_, snapshot) = send(app.get("/_mock/state")).await;
    send(app.delete("/_mock/reset")).await;
    let (_, none) = send(v1(app.get("/api/contacts"))).await;
    assert_eq!(none, json!([]));
    let (status, _) = send(app.put("/_mock/state").json(&snapshot)).await;
    assert_eq!(status, 200);
    let (_, contacts) = send(v1(app.get("/api/contacts"))).await;
    assert_eq!(contacts, json!([contact]));
    let (_, read) = send(v1(app.get(&format!("/api/blacklist/{}", entry["ID"])))).await;
    assert_eq!(read, entry);
    let (_, codes) = send(v1(app.get(&format!("/api/authentications/{}", code["ID"])))).await;
    assert_eq!(codes["ID"], code["ID"]);
    let (status, message) = send(v1(app.get(&format!("/api/sms/sent/{}", sent[0]["ID"])))).await;
    assert_eq!((status, &message["To"]), (200, &json!("46701234568")));
    // New ids go on after the restored ones.
    let (_, next) = v1_post(
        &app,
        "/api/sms/send",
        json!({"From": "iP1", "Numbers": ["46701234568"], "Message": "Hi"}),
    )
    .await;
    assert!(next[0]["ID"].as_u64() > sent[0]["ID"].as_u64());
}
