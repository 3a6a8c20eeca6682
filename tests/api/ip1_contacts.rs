//! Contacts and labels: every endpoint, filter, validation rule and the
//! meta summary.

use serde_json::{Value, json};

use crate::helpers::*;

async fn import(app: &TestApp, key: &str, contacts: Value) -> Vec<String> {
    let (status, created) =
        send(app.post("/v2/contacts?sync").bearer_auth(key).json(&contacts)).await;
    assert_eq!(status, 200, "{created}");
    created.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

fn three() -> Value {
    json!([
        {"properties": {"firstName": "Ada", "phoneNumber": "+46701234567", "department": "Sales"}, "labels": ["Customer", "VIP"]},
        {"properties": {"firstName": "Bo", "phoneNumber": "46701234568", "email": "bo@example.com"}, "labels": ["Customer"]},
        {"properties": {"firstName": "Cy", "department": "Sales"}, "labels": ["Coworker"]}
    ])
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["properties"]["firstName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_import_answers_202_and_the_contacts_are_there() {
    let app = spawn_app().await;
    let response =
        app.post("/v2/contacts").bearer_auth(IP1_KEY).json(&three()).send().await.unwrap();
    assert_eq!(response.status(), 202);
    assert!(response.text().await.unwrap().is_empty());
    let (status, list) = send(app.ip1_get("/v2/contacts")).await;
    assert_eq!(status, 200);
    assert_eq!(names(&list), ["Ada", "Bo", "Cy"]);
    let ada = &list[0];
    assert_eq!(ada["ownerId"], IP1_ACCOUNT);
    assert_eq!(ada["labels"], json!(["Customer", "VIP", "all"]));
    assert!(ada.get("metadata").is_none());
    assert_eq!(list[1]["properties"]["phoneNumber"], "+46701234568", "stored in E.164 with +");
}

#[tokio::test]
async fn a_sync_import_answers_200_with_the_created_contacts() {
    let app = spawn_app().await;
    let ids = import(&app, IP1_KEY, three()).await;
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| id.len() == 24));
    let (status, one) = send(app.ip1_get(&format!("/v2/contacts/{}", ids[1]))).await;
    assert_eq!(status, 200);
    assert_eq!(one["properties"]["email"], "bo@example.com");
}

#[tokio::test]
async fn metadata_appears_only_with_meta() {
    let app = spawn_app().await;
    let ids = import(&app, IP1_KEY, three()).await;
    for query in ["?meta", "?meta=true"] {
        let (_, one) = send(app.ip1_get(&format!("/v2/contacts/{}{query}", ids[0]))).await;
        assert_eq!(
            one["metadata"],
            json!({"phoneNumber": {"isPossiblePhoneNumber": "true", "isValidPhoneNumber": "true",
                   "phoneNumberType": "MOBILE", "parsedMSISDN": "46701234567", "isBlocked": "false"}})
        );
    }
    let (_, off) = send(app.ip1_get(&format!("/v2/contacts/{}?meta=false", ids[0]))).await;
    assert!(off.get("metadata").is_none());
    let (_, list) = send(app.ip1_get("/v2/contacts?meta")).await;
    assert_eq!(list[2]["metadata"], json!({}));
}

#[tokio::test]
async fn every_filter_works_alone_and_combined() {
    let app = spawn_app().await;
    import(&app, IP1_KEY, three()).await;
    let cases = [
        ("labels=Customer", vec!["Ada", "Bo"]),
        ("labels=Customer&labels=VIP", vec!["Ada"]),
        ("labels=Customer,VIP", vec!["Ada"]),
        ("labels=all", vec!["Ada", "Bo", "Cy"]),
        ("labels=customer", vec![]),
        ("properties%5Bdepartment%5D=Sales", vec!["Ada", "Cy"]),
        ("properties%5BphoneNumber%5D=%2B46701234568", vec!["Bo"]),
        ("metadata%5BphoneNumber.isValidPhoneNumber%5D=true", vec!["Ada", "Bo"]),
        ("labels=Customer&properties%5Bdepartment%5D=Sales", vec!["Ada"]),
        ("labels=Coworker&metadata%5BphoneNumber.isBlocked%5D=false", vec![]),
    ];
    for (query, expected) in cases {
        let (status, list) = send(app.ip1_get(&format!("/v2/contacts?{query}"))).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(names(&list), expected, "{query}");
    }
    let (status, body) = send(app.ip1_get("/v2/contacts?metadata%5BnoDot%5D=x")).await;
    assert_ip1_problem(status, &body, 400);
}

#[tokio::test]
async fn the_metadata_filter_follows_the_blacklist() {
    let app = spawn_app().await;
    import(&app, IP1_KEY, three()).await;
    send(app.put("/v2/blacklist/46701234568").bearer_auth(IP1_KEY)).await;
    let (_, blocked) =
        send(app.ip1_get("/v2/contacts?metadata%5BphoneNumber.isBlocked%5D=true")).await;
    assert_eq!(names(&blocked), ["Bo"]);
}

#[tokio::test]
async fn contact_lists_paginate_with_link_headers_keeping_filters() {
    let app = spawn_app().await;
    let contacts: Vec<Value> = (0..5)
        .map(|i| json!({"properties": {"firstName": format!("N{i}")}, "labels": ["L"]}))
        .collect();
    import(&app, IP1_KEY, Value::Array(contacts)).await;
    let response = app.ip1_get("/v2/contacts?labels=L&start=2&limit=2").send().await.unwrap();
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains("start=4&limit=2&order=ASC&labels=L>; rel=\"next\""), "{link}");
    let (_, page) = into_json(response).await;
    assert_eq!(names(&page), ["N2", "N3"]);
}

#[tokio::test]
async fn put_replaces_and_patch_merges() {
    let app = spawn_app().await;
    let ids = import(&app, IP1_KEY, three()).await;
    let path = format!("/v2/contacts/{}", ids[0]);
    let patch = json!({"properties": {"department": null, "lastName": "Lovelace"}});
    let (status, patched) =
        send(app.client.patch(app.url(&path)).bearer_auth(IP1_KEY).json(&patch)).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(
        patched["properties"],
        json!({"firstName": "Ada", "phoneNumber": "+46701234567", "lastName": "Lovelace"})
    );
    assert_eq!(patched["labels"], json!(["Customer", "VIP", "all"]));
    let put = json!({"id": ids[0], "properties": {"firstName": "Ada"}, "labels": ["New"]});
    let (status, replaced) = send(app.put(&path).bearer_auth(IP1_KEY).json(&put)).await;
    assert_eq!(status, 200);
    assert_eq!(replaced["properties"], json!({"firstName": "Ada"}));
    assert_eq!(replaced["labels"], json!(["New", "all"]));
    let (_, stored) = send(app.ip1_get(&path)).await;
    assert_eq!(stored, replaced);
}

#[tokio::test]
async fn bad_updates_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let ids = import(&app, IP1_KEY, three()).await;
    let path = format!("/v2/contacts/{}", ids[0]);
    let (_, before) = send(app.ip1_get(&path)).await;
    for (body, field) in [
        (json!({"id": ids[1], "properties": {"firstName": "X"}}), "id"),
        (json!({"labels": ["x"]}), "properties"),
        (json!({"properties": {"phoneNumber": 46701234567_u64}}), "properties.phoneNumber"),
        (json!({"properties": {"firstName": 5}}), "properties.firstName"),
        (json!({"properties": {"firstName": null}}), "properties.firstName"),
    ] {
        let (status, answer) = send(app.put(&path).bearer_auth(IP1_KEY).json(&body)).await;
        assert_ip1_problem(status, &answer, 400);
        assert!(answer["errors"][field].is_array(), "{field}: {answer}");
    }
    let (_, after) = send(app.ip1_get(&path)).await;
    assert_eq!(before, after);
    let (status, _) = send(
        app.put("/v2/contacts/5bc86b6e85c7209830f96936")
            .bearer_auth(IP1_KEY)
            .json(&json!({"properties": {}})),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_import_with_one_bad_contact_is_refused_whole() {
    let app = spawn_app().await;
    let cases = [
        (
            json!([{"properties": {"firstName": "Ok"}}, {"properties": {"phoneNumber": ["+46701234567"]}}]),
            "[1].properties.phoneNumber",
        ),
        (json!([{"properties": {"email": "nope"}}]), "[0].properties.email"),
        (
            json!([{"properties": {"email": format!("{}@example.com", "a".repeat(39))}}]),
            "[0].properties.email",
        ),
        (json!([{"properties": {"firstName": "a".repeat(101)}}]), "[0].properties.firstName"),
        (json!([{"properties": {"lastName": "a".repeat(101)}}]), "[0].properties.lastName"),
        (json!([{"properties": {"notes": "a".repeat(1001)}}]), "[0].properties.notes"),
        (json!([{"labels": ["x"]}]), "[0].properties"),
        (json!([{"properties": {"firstName": "Ok"}, "labels": [""]}]), "[0].labels[0]"),
        (json!([{"properties": {"firstName": "Ok"}, "labels": "x"}]), "[0].labels"),
        (json!([5]), "[0]"),
        (json!({"properties": {}}), "$"),
        (json!([]), "$"),
    ];
    for (body, field) in cases {
        let (status, answer) =
            send(app.post("/v2/contacts").bearer_auth(IP1_KEY).json(&body)).await;
        assert_ip1_problem(status, &answer, 400);
        assert!(answer["errors"][field].is_array(), "{field}: {answer}");
    }
    let (_, list) = send(app.ip1_get("/v2/contacts")).await;
    assert_eq!(list, json!([]));
    let ok = json!([{"properties": {"firstName": "a".repeat(100), "email": format!("{}@example.com", "a".repeat(38))}}]);
    let response = app.post("/v2/contacts").bearer_auth(IP1_KEY).json(&ok).send().await.unwrap();
    assert_eq!(response.status(), 202, "the limits themselves are allowed");
}

#[tokio::test]
async fn at_most_1000_contacts_per_call() {
    let app = spawn_app_with(|config| config.body_limit = 4 * 1024 * 1024).await;
    let contacts = |n: usize| {
        Value::Array(
            (0..n).map(|i| json!({"properties": {"firstName": format!("C{i}")}})).collect(),
        )
    };
    let (status, _) =
        send(app.post("/v2/contacts?sync").bearer_auth(IP1_KEY).json(&contacts(1000))).await;
    assert_eq!(status, 200);
    let (status, answer) =
        send(app.post("/v2/contacts?sync").bearer_auth(IP1_KEY).json(&contacts(1001))).await;
    assert_ip1_problem(status, &answer, 400);
    let (_, meta) = send(app.ip1_get("/v2/contacts/meta")).await;
    assert_eq!(meta["totalCount"], 1000);
}

#[tokio::test]
async fn deleting_one_contact_answers_it_and_unknown_ids_are_404() {
    let app = spawn_app().await;
    let ids = import(&app, IP1_KEY, three()).await;
    let path = format!("/v2/contacts/{}", ids[2]);
    let (status, deleted) = send(app.delete(&path).bearer_auth(IP1_KEY)).await;
    assert_eq!(status, 200);
    assert_eq!(deleted["properties"]["firstName"], "Cy");
    for path in [path.as_str(), "/v2/contacts/nothex"] {
        let (status, body) = send(app.ip1_get(path)).await;
        assert_ip1_problem(status, &body, 404);
        let (status, _) = send(app.delete(path).bearer_auth(IP1_KEY)).await;
        assert_eq!(status, 404);
    }
}

#[tokio::test]
async fn mass_delete_removes_the_matching_contacts_or_all() {
    let app = spawn_app().await;
    import(&app, IP1_KEY, three()).await;
    let (status, deleted) = send(
        app.delete("/v2/contacts?labels=Customer&properties%5Bdepartment%5D=Sales")
            .bearer_auth(IP1_KEY),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(names(&deleted), ["Ada"]);
    let (_, left) = send(app.ip1_get("/v2/contacts")).await;
    assert_eq!(names(&left), ["Bo", "Cy"]);
    let (_, deleted) = send(app.delete("/v2/contacts").bearer_auth(IP1_KEY)).await;
    assert_eq!(names(&deleted), ["Bo", "Cy"]);
    let (_, meta) = send(app.ip1_get("/v2/contacts/meta")).await;
    assert_eq!(meta, json!({"totalCount": 0, "labels": [], "properties": []}));
}

#[tokio::test]
async fn the_meta_summary_stays_consistent_with_the_contacts() {
    let app = spawn_app().await;
    let ids = import(&app, IP1_KEY, three()).await;
    let (status, meta) = send(app.ip1_get("/v2/contacts/meta")).await;
    assert_eq!(status, 200);
    assert_eq!(meta["totalCount"], 3);
    assert_eq!(
        meta["labels"],
        json!([
            {"labelName": "all", "usageCount": 3},
            {"labelName": "Customer", "usageCount": 2},
            {"labelName": "Coworker", "usageCount": 1},
            {"labelName": "VIP", "usageCount": 1}
        ])
    );
    let department = meta["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["propertyName"] == "department")
        .unwrap();
    assert_eq!(
        *department,
        json!({"propertyName": "department", "usageCount": 2, "averageLength": 5, "maxLength": 5, "minLength": 5})
    );
    send(app.delete(&format!("/v2/contacts/{}", ids[0])).bearer_auth(IP1_KEY)).await;
    let (_, meta) = send(app.ip1_get("/v2/contacts/meta")).await;
    assert_eq!(meta["totalCount"], 2);
    let customer =
        meta["labels"].as_array().unwrap().iter().find(|l| l["labelName"] == "Customer").cloned();
    assert_eq!(customer, Some(json!({"labelName": "Customer", "usageCount": 1})));
    assert_eq!(meta["labels"].as_array().unwrap().len(), 3, "VIP is gone with Ada");
}

#[tokio::test]
async fn labels_are_added_to_many_contacts_and_removed_from_all() {
    let app = spawn_app().await;
    let ids = import(&app, IP1_KEY, three()).await;
    let (status, summary) = send(
        app.post("/v2/labels/Newsletter/contacts")
            .bearer_auth(IP1_KEY)
            .json(&json!([ids[0], ids[2]])),
    )
    .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary, json!({"labelName": "Newsletter", "usageCount": 2}));
    let (_, again) = send(
        app.post("/v2/labels/Newsletter/contacts")
            .bearer_auth(IP1_KEY)
            .json(&json!([ids[0], ids[1]])),
    )
    .await;
    assert_eq!(again["usageCount"], 3);
    let (_, tagged) = send(app.ip1_get("/v2/contacts?labels=Newsletter")).await;
    assert_eq!(names(&tagged), ["Ada", "Bo", "Cy"]);
    let (status, removed) = send(app.delete("/v2/labels/Customer").bearer_auth(IP1_KEY)).await;
    assert_eq!(status, 200);
    assert_eq!(removed, json!({"labelName": "Customer", "usageCount": 0}));
    let (_, customers) = send(app.ip1_get("/v2/contacts?labels=Customer")).await;
    assert_eq!(customers, json!([]));
    let (_, ada) = send(app.ip1_get(&format!("/v2/contacts/{}", ids[0]))).await;
    assert_eq!(ada["labels"], json!(["VIP", "Newsletter", "all"]));
    let (_, label_with_space) = send(
        app.post("/v2/labels/Big%20Fish/contacts").bearer_auth(IP1_KEY).json(&json!([ids[0]])),
    )
    .await;
    assert_eq!(label_with_space["labelName"], "Big Fish");
}

#[tokio::test]
async fn ids_of_no_contact_are_ignored_by_a_label_call() {
    let app = spawn_app().await;
    let ids = import(&app, IP1_KEY, three()).await;
    let body = json!([ids[0], "5bc86b6e85c7209830f96936", "junk"]);
    let (status, answer) =
        send(app.post("/v2/labels/Half/contacts").bearer_auth(IP1_KEY).json(&body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"labelName": "Half", "usageCount": 1}));
    let (_, half) = send(app.ip1_get("/v2/contacts?labels=Half")).await;
    assert_eq!(half.as_array().unwrap().len(), 1);
    let (status, answer) =
        send(app.post("/v2/labels/Half/contacts").bearer_auth(IP1_KEY).json(&json!([ids[1], 7])))
            .await;
    assert_ip1_problem(status, &answer, 400);
    assert!(answer["errors"]["[1]"].is_array(), "an id must be a string: {answer}");
    let (status, _) =
        send(app.post("/v2/labels/Half/contacts").bearer_auth(IP1_KEY).json(&json!({"ids": []})))
            .await;
    assert_eq!(status, 400);
    let (status, _) =
        send(app.post("/v2/labels/all/contacts").bearer_auth(IP1_KEY).json(&json!([ids[0]]))).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn contacts_are_isolated_between_accounts() {
    let app = spawn_app().await;
    let ids = import(&app, IP1_KEY, three()).await;
    let path = format!("/v2/contacts/{}", ids[0]);
    let (status, _) = send(app.get(&path).bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(status, 404);
    let (status, _) = send(app.delete(&path).bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(status, 404);
    let (_, theirs) = send(app.get("/v2/contacts").bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(theirs, json!([]));
    let (_, deleted) = send(app.delete("/v2/contacts").bearer_auth(IP1_OTHER_KEY)).await;
    assert_eq!(deleted, json!([]));
    let (status, usage) =
        send(app.post("/v2/labels/X/contacts").bearer_auth(IP1_OTHER_KEY).json(&json!([ids[0]])))
            .await;
    assert_eq!((status, &usage["usageCount"]), (200, &json!(0)), "another's contact is no contact");
    let (_, mine) = send(app.ip1_get("/v2/contacts")).await;
    assert_eq!(mine.as_array().unwrap().len(), 3);
    assert!(mine.as_array().unwrap().iter().all(|c| !c["labels"].to_string().contains("\"X\"")));
}

#[tokio::test]
async fn contacts_with_an_invalid_number_are_imported_and_flagged() {
    let app = spawn_app().await;
    let body = json!([
        {"properties": {"firstName": "Ada", "phoneNumber": "+46 70-123 45 67"}},
        {"properties": {"firstName": "Bo", "phoneNumber": "0701234567"}},
        {"properties": {"firstName": "Cy", "phoneNumber": "ask at the desk"}},
    ]);
    let (status, created) =
        send(app.post("/v2/contacts?sync&meta").bearer_auth(IP1_KEY).json(&body)).await;
    assert_eq!(status, 200, "the whole import is taken: {created}");
    let phones: Vec<&str> = created
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["properties"]["phoneNumber"].as_str().unwrap())
        .collect();
    assert_eq!(
        phones,
        ["+46701234567", "0701234567", "ask at the desk"],
        "invalid ones kept as given"
    );
    let (_, flagged) =
        send(app.ip1_get("/v2/contacts?meta&metadata%5BphoneNumber.isValidPhoneNumber%5D=false"))
            .await;
    let flagged = flagged.as_array().unwrap();
    assert_eq!(flagged.len(), 2);
    assert_eq!(
        flagged[0]["metadata"]["phoneNumber"],
        json!({"isPossiblePhoneNumber": "false", "isValidPhoneNumber": "false",
               "phoneNumberType": "UNKNOWN", "parsedMSISDN": "0701234567", "isBlocked": "false"})
    );
    assert_eq!(flagged[1]["metadata"]["phoneNumber"]["parsedMSISDN"], "");
    // An update may give an invalid number too; a valid one clears the flag.
    let path = format!("/v2/contacts/{}", flagged[1]["id"].as_str().unwrap());
    let (status, patched) = send(
        app.client
            .patch(app.url(&format!("{path}?meta")))
            .bearer_auth(IP1_KEY)
            .json(&json!({"properties": {"phoneNumber": "+46701234569"}})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    let (_, read) = send(app.ip1_get(&format!("{path}?meta"))).await;
    assert_eq!(read["metadata"]["phoneNumber"]["isValidPhoneNumber"], "true");
}
