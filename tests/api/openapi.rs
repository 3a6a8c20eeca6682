//! `GET /_mock/openapi.json`: the document describes every surface, is
//! self-consistent, and every operation in it answers as it says.

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use crate::helpers::{IP1_KEY, TestApp, VIA_PASSWORD, VIA_USER, send, spawn_app};

async fn document(app: &TestApp) -> Value {
    let (status, document) = send(app.get("/_mock/openapi.json")).await;
    assert_eq!(status, 200);
    document
}

/// Every `$ref` in a JSON value.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => references(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

/// The value a JSON pointer such as `#/components/schemas/X` points at.
fn resolve<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    document.pointer(reference.strip_prefix('#')?)
}

#[tokio::test]
async fn the_document_describes_both_gateways_and_the_control_api() {
    let app = spawn_app().await;
    let response = app.get("/_mock/openapi.json").send().await.unwrap();
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    let doc: Value = response.json().await.unwrap();

    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "smsmock");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    let send = &doc["paths"]["/v2/batches"]["post"];
    assert_eq!(send["tags"][0], "iP.1");
    assert_eq!(
        send["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/BatchRequest"
    );
    assert_eq!(
        send["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/BatchDocument"
    );
    assert!(send["responses"]["201"]["headers"]["Location"].is_object());
    // Each surface's errors in its own format.
    assert_eq!(send["responses"]["401"]["$ref"], "#/components/responses/Ip1Problem");
    let schemes = |operation: &Value| -> Vec<String> {
        operation["security"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s.as_object().unwrap().keys().cloned())
            .collect()
    };
    assert_eq!(schemes(send), ["ip1Bearer"], "v2 takes Bearer keys");
    assert_eq!(schemes(&doc["paths"]["/api/me"]["get"]), ["ip1Bearer", "ip1Basic"]);
    // The older API: its own tag and error format, Basic first.
    let v1_send = &doc["paths"]["/api/sms/send"]["post"];
    assert_eq!(v1_send["tags"], serde_json::json!(["iP.1 v1"]));
    assert_eq!(schemes(v1_send), ["ip1Basic", "ip1Bearer"]);
    assert_eq!(v1_send["responses"]["401"]["$ref"], "#/components/responses/Ip1V1Error");
    for path in [
        "/api/contacts/{id}",
        "/api/groups/{id}",
        "/api/memberships/{id}",
        "/api/blacklist/{id}",
        "/api/sms/sent/{id}",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }

    let listing = &doc["paths"]["/v2/batches"]["get"]["responses"]["200"];
    assert!(listing["headers"]["Link"].is_object());
    assert!(listing["headers"]["X-Total-Count"].is_object());

    for base in ["", "/bsms/rest/v2"] {
        let via = &doc["paths"][format!("{base}/json/send")]["post"];
        assert_eq!(via["tags"][0], "Viamobile");
        assert_eq!(via["responses"]["400"]["$ref"], "#/components/responses/ViamobileError");
        assert!(via["responses"]["402"].is_object(), "2002 is documented");
    }
    let soap = &doc["paths"]["/soap"]["post"];
    assert!(soap["requestBody"]["content"]["text/xml"].is_object());
    assert!(soap["responses"]["500"]["content"]["text/xml"].is_object());

    let faults = &doc["paths"]["/_mock/faults"];
    for method in ["get", "post", "delete"] {
        assert_eq!(faults[method]["tags"][0], "control");
    }
    assert_eq!(faults["post"]["responses"]["400"]["$ref"], "#/components/responses/ControlError");
    assert!(doc["paths"]["/v2/me/sms/settings/{setting}"]["put"].is_object());
    assert!(doc["paths"]["/me/sms/settings/{setting}"]["put"].is_object());
}

#[tokio::test]
async fn every_reference_resolves_and_every_operation_id_is_unique() {
    let app = spawn_app().await;
    let doc = document(&app).await;

    let mut found = Vec::new();
    references(&doc, &mut found);
    assert!(found.len() > 100, "the document refers to its schemas");
    for reference in &found {
        assert!(resolve(&doc, reference).is_some(), "{reference} resolves");
    }

    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|operation| operation["operationId"].as_str().expect("every operation has an id"))
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids are unique");
    assert!(ids.contains(&"post_v2_batches"));
    assert!(ids.contains(&"get_bsms_rest_v2_json_hlr"));
}

/// Every schema whose `maximum` its `format` does not allow (an `int32`
/// up to 4,294,967,295, say): a fuzzer takes the smaller bound and
/// expects what lies between refused.
fn within_their_formats(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let largest = match map.get("format").and_then(Value::as_str) {
                Some("int32") => Some(f64::from(i32::MAX)),
                Some("int64") => Some(i64::MAX as f64),
                _ => None,
            };
            if let (Some(largest), Some(maximum)) =
                (largest, map.get("maximum").and_then(Value::as_f64))
                && maximum > largest
            {
                found.push(at.to_owned());
            }
            for (key, value) in map {
                within_their_formats(value, &format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                within_their_formats(item, &format!("{at}/{n}"), found);
            }
        }
        _ => {}
    }
}

/// An integer parameter's bounds: a client (or a fuzzer) that keeps within
/// the schema sends nothing the emulator cannot read, so each is bounded
/// by its format or by a maximum.
#[tokio::test]
async fn every_integer_parameter_is_bounded_and_its_bound_is_read() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let mut unbounded = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let schema = &parameter["schema"];
                let bounded = schema["maximum"].is_number()
                    || matches!(schema["format"].as_str(), Some("int32" | "int64"));
                if schema["type"] == "integer" && !bounded {
                    unbounded.push(format!("{method} {path} {}", parameter["name"]));
                }
            }
        }
    }
    assert!(unbounded.is_empty(), "unbounded integer parameters: {unbounded:?}");
    let mut contradictory = Vec::new();
    within_their_formats(&doc, "#", &mut contradictory);
    assert!(contradictory.is_empty(), "maxima past their formats: {contradictory:?}");

    let largest = u32::MAX;
    assert_eq!(
        doc["paths"]["/_mock/messages"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|parameter| parameter["name"] == "offset")
            .unwrap()["schema"]["maximum"],
        largest
    );
    let (status, messages) =
        send(app.get(&format!("/_mock/messages?offset={largest}&limit={largest}"))).await;
    assert_eq!(status, 200, "{messages}");
    assert_eq!(messages, serde_json::json!([]));
    let (status, requests) = send(app.get(&format!("/_mock/requests?limit={largest}"))).await;
    assert_eq!(status, 200, "{requests}");
    assert!(requests.is_array(), "{requests}");
    let past = u64::from(largest) + 1;
    for path in [format!("/_mock/messages?offset={past}"), format!("/_mock/requests?limit={past}")]
    {
        let (status, error) = send(app.get(&path)).await;
        assert_eq!(status, 400, "{path}: {error}");
        assert_eq!(error["error"], "invalid query string", "{path}: {error}");
    }
}

/// The request a client would make to an operation with nothing right in
/// it: placeholder path parameters and an empty body, with the default
/// account's credentials.
fn placeholder_request(
    app: &TestApp,
    method: &str,
    path: &str,
    operation: &Value,
) -> reqwest::RequestBuilder {
    let path: String = path
        .split('/')
        .map(|segment| if segment.starts_with('{') { "0" } else { segment })
        .collect::<Vec<_>>()
        .join("/");
    let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
    let mut request = app.client.request(method, app.url(&path));
    if path.starts_with("/v2") || path.starts_with("/api") || path.starts_with("/me") {
        request = request.bearer_auth(IP1_KEY);
    } else if !path.starts_with("/_mock") {
        request = request.basic_auth(VIA_USER, Some(VIA_PASSWORD));
    }
    let content = &operation["requestBody"]["content"];
    if content["text/xml"].is_object() {
        request = request.header(CONTENT_TYPE, "text/xml").body("<Envelope/>");
    } else if content["application/json"].is_object() {
        request = request.header(CONTENT_TYPE, "application/json").body("{}");
    }
    request
}

#[tokio::test]
async fn every_operation_answers_a_documented_status_and_content_type() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let response = placeholder_request(&app, method, path, operation).send().await.unwrap();
            let status = response.status().as_u16().to_string();
            let documented = &operation["responses"][&status];
            assert!(documented.is_object(), "{method} {path} answered an undocumented {status}");
            let documented = match documented["$ref"].as_str() {
                Some(reference) => resolve(&doc, reference).unwrap(),
                None => documented,
            };
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            if let Some(types) = documented["content"].as_object() {
                assert!(
                    types.keys().any(|t| content_type.starts_with(t.as_str())),
                    "{method} {path} answered {status} as {content_type:?}, documented {:?}",
                    types.keys().collect::<Vec<_>>()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 100, "{checked} operations checked");
}

#[tokio::test]
async fn unreadable_path_parameters_are_unknown_resources_in_each_format() {
    let app = spawn_app().await;
    // %C3%8A%F3%85 is not UTF-8 once decoded.
    let (status, body) = send(app.ip1_get("/v2/batches/%C3%8A%F3%85")).await;
    crate::helpers::assert_ip1_problem(status, &body, 404);

    let (status, body) = send(app.delete("/_mock/rules/%F3%85")).await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
}
