//! Landing pages and their elements. `PUT` replaces a page's name
//! but keeps its elements, views and links, as documented; elements are
//! read and changed through `/v2/landings/{id}/elements`.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::auth::Ip1Caller;
use super::error::Ip1Error;
use super::json::{Ip1Json, Ip1Object, Ip1Path, Problems, any_schema, type_mismatch};
use super::pagination::{Listing, Page};
use crate::domain::id::{ObjectId, ObjectIds};
use crate::domain::landing::{Landing, MAX_NAME, short_slug};
use crate::domain::time::serialize_iso;
use crate::http::json;
use crate::http::lenient::{Field, from_value};
use crate::openapi::IP1_TAG;
use crate::state::AppState;

/// A landing page.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct LandingDocument<'a> {
    id: ObjectId,
    name: &'a str,
    /// Views by `YYYY`, `YYYY-MM`, `YYYY-MM-DD` and `YYYY-MM-DD HH:00:00`.
    #[schema(value_type = BTreeMap<String, u64>)]
    views: &'a BTreeMap<String, u64>,
    link: &'a str,
    short_link: &'a str,
    #[serde(serialize_with = "serialize_iso")]
    last_modified: DateTime<Utc>,
    #[schema(value_type = Vec<Element>)]
    elements: &'a [Map<String, Value>],
}

/// An element of a landing page: an `id`, a `type` and the fields of its
/// type, each checked for its type. Fields other than these are kept as
/// given.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Element {
    /// Given by the emulator: one in a request is replaced (a new element
    /// gets a new id; a changed one keeps its own).
    #[schema(schema_with = any_schema, required = false)]
    #[allow(dead_code)]
    id: Field<Value>,
    /// e.g. `Title`, `Text`, `Image`; not blank.
    #[serde(rename = "type")]
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    kind: Field<String>,
    /// The element's place on the page; its position by default.
    #[schema(value_type = Option<u64>, maximum = 9_223_372_036_854_775_807_u64)]
    order: Field<u64>,
    #[schema(value_type = Option<u64>, maximum = 9_223_372_036_854_775_807_u64)]
    level: Field<u64>,
    #[schema(value_type = Option<String>)]
    content: Field<String>,
    #[schema(value_type = Option<String>)]
    background_color: Field<String>,
    #[schema(value_type = Option<String>)]
    foreground_color: Field<String>,
    #[schema(value_type = Option<String>)]
    padding: Field<String>,
    #[schema(value_type = Option<String>)]
    margin: Field<String>,
    #[schema(value_type = Option<String>)]
    text_alignment: Field<String>,
    #[schema(value_type = Option<String>)]
    font: Field<String>,
    #[schema(value_type = Option<bool>)]
    bold: Field<bool>,
    #[schema(value_type = Option<bool>)]
    italic: Field<bool>,
    #[schema(value_type = Option<bool>)]
    underline: Field<bool>,
}

/// Not a whole number from 0 to 2^63 − 1 (a .NET `long`).
fn beyond_int64(field: &Field<u64>) -> bool {
    field.is_invalid() || matches!(field, Field::Given(n) if i64::try_from(*n).is_err())
}

/// Checks an element; returns it as given, with an `id` (the given one
/// when it is an ObjectId, else `id`) and an `order` (default
/// `position`). Problems come back as (field, message).
fn check_element(
    value: Value,
    id: ObjectId,
    position: usize,
) -> Result<Map<String, Value>, Vec<(String, String)>> {
    let typed = value.is_object().then(|| from_value::<Element>(&value)).and_then(Result::ok);
    let (Some(typed), Value::Object(mut element)) = (typed, value) else {
        return Err(vec![(String::new(), "An element must be a JSON object.".to_owned())]);
    };
    let mut problems = Vec::new();
    if !matches!(&typed.kind, Field::Given(kind) if !kind.trim().is_empty()) {
        problems
            .push(("type".to_owned(), "The type field is required (e.g. \"Title\").".to_owned()));
    }
    let typed_fields = [
        ("order", beyond_int64(&typed.order)),
        ("level", beyond_int64(&typed.level)),
        ("content", typed.content.is_invalid()),
        ("backgroundColor", typed.background_color.is_invalid()),
        ("foregroundColor", typed.foreground_color.is_invalid()),
        ("padding", typed.padding.is_invalid()),
        ("margin", typed.margin.is_invalid()),
        ("textAlignment", typed.text_alignment.is_invalid()),
        ("font", typed.font.is_invalid()),
        ("bold", typed.bold.is_invalid()),
        ("italic", typed.italic.is_invalid()),
        ("underline", typed.underline.is_invalid()),
    ];
    for (name, _) in typed_fields.iter().filter(|(_, invalid)| *invalid) {
        problems.push((name.to_string(), format!("The field {name} has the wrong type.")));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Ids are the server's: one in the body is replaced.
    element.insert("id".to_owned(), Value::String(id.to_string()));
    if typed.order.is_missing() {
        element.insert("order".to_owned(), Value::from(position));
    }
    Ok(element)
}

/// The body of `POST` and `PUT /v2/landings`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct LandingRequest {
    /// 1 to 200 characters, not blank.
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"\S")]
    name: Field<String>,
    #[schema(value_type = Option<Vec<Element>>)]
    elements: Field<Vec<Value>>,
}

/// The body of `PUT /v2/landings/{id}` as the document shows it: the new
/// name. Elements sent along are not read: the page keeps its own.
#[derive(utoipa::ToSchema)]
struct LandingRename {
    /// 1 to 200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    #[allow(dead_code)]
    name: String,
}

fn document(landing: &Landing) -> LandingDocument<'_> {
    LandingDocument {
        id: landing.id,
        name: &landing.name,
        views: &landing.views,
        link: &landing.link,
        short_link: &landing.short_link,
        last_modified: landing.last_modified,
        elements: &landing.elements,
    }
}

fn landing_id(text: &str) -> Result<ObjectId, Ip1Error> {
    ObjectId::parse(text).ok_or(Ip1Error::NotFound)
}

fn name_of(name: Field<String>, problems: &mut Problems) -> String {
    match name {
        Field::Given(name) if !name.trim().is_empty() && name.chars().count() <= MAX_NAME => name,
        Field::Given(_) => {
            problems.add(
                "name",
                format!("The field name must be 1 to {MAX_NAME} characters and not blank."),
            );
            String::new()
        }
        Field::Invalid(_) => {
            problems.add("name", type_mismatch("System.String"));
            String::new()
        }
        Field::Absent | Field::Null => {
            problems.add("name", "The name field is required.");
            String::new()
        }
    }
}

fn check_elements(
    elements: Field<Vec<Value>>,
    ids: &ObjectIds,
    now: DateTime<Utc>,
    problems: &mut Problems,
) -> Vec<Map<String, Value>> {
    let items = match elements {
        Field::Absent | Field::Null => return Vec::new(),
        Field::Given(items) => items,
        Field::Invalid(_) => {
            problems.add("elements", type_mismatch("a list of elements"));
            return Vec::new();
        }
    };
    let mut elements = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        match check_element(item, ids.next(now), index) {
            Ok(element) => elements.push(element),
            Err(found) => {
                for (field, message) in found {
                    problems.add(
                        format!("elements[{index}].{field}").trim_end_matches('.').to_owned(),
                        message,
                    );
                }
            }
        }
    }
    elements
}

/// `GET /v2/landings`: paginated, oldest first.
#[utoipa::path(get, path = "/v2/landings", tag = IP1_TAG, params(Page),
    responses((status = OK, description = "A page of landing pages.", body = Vec<LandingDocument>)))]
pub async fn list(
    caller: Ip1Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    let listing = Listing::from_query(query.as_deref())?;
    Ok(caller.account.read(|data| {
        let page: Vec<LandingDocument> = listing
            .page(data.landings.len())
            .into_iter()
            .map(|i| document(&data.landings[i]))
            .collect();
        listing.respond(&headers, "/v2/landings", data.landings.len(), &page)
    }))
}

/// `GET /v2/landings/{landingId}`.
#[utoipa::path(get, path = "/v2/landings/{landing}", tag = IP1_TAG, params(("landing" = String, Path, description = "The landing page id.")),
    responses((status = OK, description = "The landing page.", body = LandingDocument)))]
pub async fn get(caller: Ip1Caller, Ip1Path(id): Ip1Path<String>) -> Result<Response, Ip1Error> {
    let id = landing_id(&id)?;
    caller.account.read(|data| {
        let landing = data.landings.iter().find(|l| l.id == id).ok_or(Ip1Error::NotFound)?;
        Ok(json(StatusCode::OK, &document(landing)))
    })
}

/// `POST /v2/landings`: `{"name": ..., "elements": [...]}`; answers `201`.
#[utoipa::path(post, path = "/v2/landings", tag = IP1_TAG, request_body = LandingRequest,
    responses((status = CREATED, description = "The new landing page.", body = LandingDocument,
        headers(("Location" = String, description = "/v2/landings/{id}")))))]
pub async fn create(
    State(state): State<AppState>,
    caller: Ip1Caller,
    body: Ip1Object<LandingRequest>,
) -> Result<Response, Ip1Error> {
    let body = body.read("Landing")?;
    let now = caller.account.clock().now();
    let mut problems = Problems::default();
    let name = name_of(body.name, &mut problems);
    let ids = &state.engine.sequences.object_ids;
    let mut elements = check_elements(body.elements, ids, now, &mut problems);
    sort_by_order(&mut elements);
    problems.into_result(())?;
    let id = ids.next(now);
    let landing = Landing {
        id,
        name,
        views: BTreeMap::new(),
        link: format!("https://landing.ip1.net/{id}"),
        short_link: format!("https://url.ip1.net/{}", short_slug()),
        last_modified: now,
        elements,
    };
    let mut response = json(StatusCode::CREATED, &document(&landing));
    caller.edit(|data| data.landings.push(landing));
    if let Ok(location) = HeaderValue::from_str(&format!("/v2/landings/{id}")) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// `PUT /v2/landings/{landingId}`: replaces the name; elements, views and
/// links stay.
#[utoipa::path(put, path = "/v2/landings/{landing}", tag = IP1_TAG, params(("landing" = String, Path, description = "The landing page id.")), request_body = LandingRename,
    responses((status = OK, description = "The renamed landing page.", body = LandingDocument)))]
pub async fn update(
    caller: Ip1Caller,
    Ip1Path(id): Ip1Path<String>,
    body: Ip1Object<LandingRequest>,
) -> Result<Response, Ip1Error> {
    let id = landing_id(&id)?;
    let body = body.read("Landing")?;
    let mut problems = Problems::default();
    let name = name_of(body.name, &mut problems);
    problems.into_result(())?;
    let now = caller.account.clock().now();
    caller.edit(|data| {
        let landing = data.landings.iter_mut().find(|l| l.id == id).ok_or(Ip1Error::NotFound)?;
        landing.name = name;
        landing.last_modified = now;
        Ok(json(StatusCode::OK, &document(landing)))
    })
}

/// `DELETE /v2/landings/{landingId}`: answers with the deleted page.
#[utoipa::path(delete, path = "/v2/landings/{landing}", tag = IP1_TAG, params(("landing" = String, Path, description = "The landing page id.")),
    responses((status = OK, description = "The deleted landing page.", body = LandingDocument)))]
pub async fn delete(caller: Ip1Caller, Ip1Path(id): Ip1Path<String>) -> Result<Response, Ip1Error> {
    let id = landing_id(&id)?;
    caller.edit(|data| {
        let position = data.landings.iter().position(|l| l.id == id).ok_or(Ip1Error::NotFound)?;
        let landing = data.landings.remove(position);
        Ok(json(StatusCode::OK, &document(&landing)))
    })
}

/// `GET /v2/landings/{landingId}/elements`: paginated, in `order`.
#[utoipa::path(get, path = "/v2/landings/{landing}/elements", tag = IP1_TAG, params(("landing" = String, Path, description = "The landing page id."), Page),
    responses((status = OK, description = "A page of the page's elements, by their `order`.", body = Vec<Element>)))]
pub async fn elements(
    caller: Ip1Caller,
    headers: HeaderMap,
    Ip1Path(id): Ip1Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    let listing = Listing::from_query(query.as_deref())?;
    let landing_id = landing_id(&id)?;
    caller.account.read(|data| {
        let landing =
            data.landings.iter().find(|l| l.id == landing_id).ok_or(Ip1Error::NotFound)?;
        let path = format!("/v2/landings/{landing_id}/elements");
        Ok(listing.respond_page(&headers, &path, &landing.elements))
    })
}

/// Keeps a page's elements in their `order` (elements of the same order
/// keep the order they were added in).
fn sort_by_order(elements: &mut [Map<String, Value>]) {
    elements.sort_by_key(|element| element.get("order").and_then(Value::as_i64).unwrap_or(0));
}

/// `POST /v2/landings/{landingId}/elements`: adds an element; `201` with
/// its `Location`.
#[utoipa::path(post, path = "/v2/landings/{landing}/elements", tag = IP1_TAG, params(("landing" = String, Path, description = "The landing page id.")), request_body = Element,
    responses((status = CREATED, description = "The new element.", body = Element,
        headers(("Location" = String, description = "/v2/landings/{landing}/elements/{element}")))))]
pub async fn add_element(
    State(state): State<AppState>,
    caller: Ip1Caller,
    Ip1Path(id): Ip1Path<String>,
    Ip1Json(body): Ip1Json<Value>,
) -> Result<Response, Ip1Error> {
    let id = landing_id(&id)?;
    let now = caller.account.clock().now();
    caller.edit(|data| {
        let landing = data.landings.iter_mut().find(|l| l.id == id).ok_or(Ip1Error::NotFound)?;
        let element_id = state.engine.sequences.object_ids.next(now);
        let element = check_element(body, element_id, landing.elements.len()).map_err(problems)?;
        landing.elements.push(element.clone());
        sort_by_order(&mut landing.elements);
        landing.last_modified = now;
        let mut response = json(StatusCode::CREATED, &element);
        let location = format!("/v2/landings/{id}/elements/{element_id}");
        if let Ok(location) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(LOCATION, location);
        }
        Ok(response)
    })
}

fn problems(found: Vec<(String, String)>) -> Ip1Error {
    let mut problems = Problems::default();
    for (field, message) in found {
        problems.add(if field.is_empty() { "$".to_owned() } else { field }, message);
    }
    problems.into_result(()).err().unwrap_or(Ip1Error::NotFound)
}

/// `GET /v2/landings/{landingId}/elements/{elementId}`.
#[utoipa::path(get, path = "/v2/landings/{landing}/elements/{element}", tag = IP1_TAG, params(("landing" = String, Path, description = "The landing page id."), ("element" = String, Path, description = "The element id.")),
    responses((status = OK, description = "The element.", body = Element)))]
pub async fn element(
    caller: Ip1Caller,
    Ip1Path((id, element)): Ip1Path<(String, String)>,
) -> Result<Response, Ip1Error> {
    let id = landing_id(&id)?;
    caller.account.read(|data| {
        let landing = data.landings.iter().find(|l| l.id == id).ok_or(Ip1Error::NotFound)?;
        let found =
            landing.elements.iter().find(|e| e.get("id").and_then(Value::as_str) == Some(&element));
        Ok(json(StatusCode::OK, found.ok_or(Ip1Error::NotFound)?))
    })
}

/// `PUT /v2/landings/{landingId}/elements/{elementId}`: replaces the
/// element (it keeps its id).
#[utoipa::path(put, path = "/v2/landings/{landing}/elements/{element}", tag = IP1_TAG, params(("landing" = String, Path, description = "The landing page id."), ("element" = String, Path, description = "The element id.")), request_body = Element,
    responses((status = OK, description = "The element, replaced.", body = Element)))]
pub async fn update_element(
    caller: Ip1Caller,
    Ip1Path((id, element)): Ip1Path<(String, String)>,
    Ip1Json(body): Ip1Json<Value>,
) -> Result<Response, Ip1Error> {
    let id = landing_id(&id)?;
    let element_id = ObjectId::parse(&element).ok_or(Ip1Error::NotFound)?;
    let now = caller.account.clock().now();
    caller.edit(|data| {
        let landing = data.landings.iter_mut().find(|l| l.id == id).ok_or(Ip1Error::NotFound)?;
        let position = landing
            .elements
            .iter()
            .position(|e| e.get("id").and_then(Value::as_str) == Some(&element))
            .ok_or(Ip1Error::NotFound)?;
        let mut body = body;
        if let Some(object) = body.as_object_mut() {
            object.insert("id".to_owned(), Value::String(element_id.to_string()));
        }
        let updated = check_element(body, element_id, position).map_err(problems)?;
        landing.elements[position] = updated.clone();
        sort_by_order(&mut landing.elements);
        landing.last_modified = now;
        Ok(json(StatusCode::OK, &updated))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn elements_get_an_id_and_an_order_and_typed_fields_are_checked() {
        let id = ObjectIds::default().next(Utc::now());
        let element =
            check_element(json!({"type": "Title", "content": "Hi", "bold": true, "x": 1}), id, 3)
                .unwrap();
        assert_eq!(element["id"], id.to_string());
        assert_eq!(element["order"], 3);
        assert_eq!(element["x"], 1, "other fields are kept");
        let other = ObjectIds::default().next(Utc::now());
        let given = json!({"type": "Title", "id": other.to_string()});
        assert_eq!(check_element(given, id, 0).unwrap()["id"], id.to_string(), "ids are ours");
        assert!(check_element(json!({"content": "Hi"}), id, 0).is_err());
        let wrong = check_element(json!({"type": "Title", "bold": "yes"}), id, 0).unwrap_err();
        assert_eq!(wrong, [("bold".to_owned(), "The field bold has the wrong type.".to_owned())]);
        assert!(check_element(json!("Title"), id, 0).is_err());
    }
}
