//! Contacts and labels.
//!
//! Choices where iP.1 is silent: filters are exact, case-sensitive and all
//! must match; `labels` may repeat or be comma-separated; the implicit
//! label `all` is on every contact; the asynchronous import (202) makes
//! the contacts visible at once; an import or label call with one bad item
//! changes nothing.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use super::auth::Ip1Caller;
use super::contact_schemas::{ContactChanges, ContactImport, ContactReplacement};
use super::error::Ip1Error;
use super::json::{Ip1Json, Ip1Path, Problems, type_mismatch};
use super::pagination::{Listing, Page};
use crate::domain::blacklist::Blacklist;
use crate::domain::contact::ContactsSummary;
use crate::domain::contact::{
    Contact, ContactFilter, IMPLICIT_LABEL, LabelUsage, MAX_IMPORT, check_label, check_property,
    summarize,
};
use crate::domain::id::ObjectId;
use crate::http::json;
use crate::http::lenient::{Field, from_value};
use crate::openapi::IP1_TAG;
use crate::state::AppState;

/// A contact.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ContactDocument<'a> {
    id: ObjectId,
    owner_id: &'a str,
    /// Property name → value.
    #[schema(value_type = BTreeMap<String, String>)]
    properties: &'a Map<String, Value>,
    /// With `?meta`: derived facts by property name.
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<BTreeMap<String, BTreeMap<String, String>>>,
    /// The contact's labels, `all` last.
    labels: Vec<&'a str>,
}

/// A contact as the import, PUT and PATCH calls read it (the document
/// shows each call's body: [`super::contact_schemas`]).
#[derive(serde::Deserialize)]
struct ContactRequest {
    /// Only on PUT and PATCH, and then the contact's own id.
    id: Field<Value>,
    /// Property name → value (`null` removes it, on PATCH).
    properties: Field<Map<String, Value>>,
    labels: Field<Vec<Value>>,
}

/// The query of the contact calls, as read from it; the listing also
/// takes `properties[name]=value` and `metadata[property.key]=value`
/// filters ([`filter_of`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ContactFilters {
    /// Contacts with these labels, all of them (repeat or comma-separate).
    #[param(value_type = Option<String>)]
    labels: Vec<String>,
    /// Adds each contact's derived metadata: present with any value but
    /// `false` or `0` (`?meta`, `?meta=true`).
    #[param(value_type = Option<String>)]
    meta: bool,
}

impl ContactFilters {
    fn read(listing: &Listing) -> ContactFilters {
        ContactFilters {
            labels: listing.filter("labels").into_iter().map(str::to_owned).collect(),
            meta: listing.pairs().iter().any(|(name, value)| {
                name.eq_ignore_ascii_case("meta") && !matches!(value.as_str(), "false" | "0")
            }),
        }
    }
}

fn document<'a>(
    contact: &'a Contact,
    owner: &'a str,
    blacklist: &Blacklist,
    meta: bool,
) -> ContactDocument<'a> {
    ContactDocument {
        id: contact.id,
        owner_id: owner,
        properties: &contact.properties,
        metadata: meta.then(|| contact.metadata(|msisdn| blacklist.contains(msisdn))),
        labels: contact.all_labels(),
    }
}

/// The filter of `labels` and the query's `properties[key]=` and
/// `metadata[property.key]=`.
fn filter_of(listing: &Listing, labels: Vec<String>) -> Result<ContactFilter, Ip1Error> {
    let mut filter = ContactFilter { labels, ..ContactFilter::default() };
    for (name, value) in listing.pairs() {
        if let Some(key) = name.strip_prefix("properties[").and_then(|k| k.strip_suffix(']')) {
            filter.properties.push((key.to_owned(), value.clone()));
        } else if let Some(key) = name.strip_prefix("metadata[").and_then(|k| k.strip_suffix(']')) {
            let (property, meta_key) = key.split_once('.').ok_or_else(|| {
                Ip1Error::field(name, "A metadata filter is metadata[property.key]=value.")
            })?;
            filter.metadata.push((property.to_owned(), meta_key.to_owned(), value.clone()));
        }
    }
    Ok(filter)
}

fn contact_id(text: &str) -> Result<ObjectId, Ip1Error> {
    ObjectId::parse(text).ok_or(Ip1Error::NotFound)
}

/// One contact body as given: each part only when it was sent.
#[derive(Default)]
struct ContactInput {
    properties: Option<Map<String, Value>>,
    labels: Option<Vec<String>>,
    id: Option<String>,
}

/// Reads `properties` (names → string values; `null` allowed only when
/// `allow_null`, for PATCH), `labels` and `id` of one contact body.
fn read_contact(value: Value, at: &str, allow_null: bool, problems: &mut Problems) -> ContactInput {
    let body = match value.is_object().then(|| from_value::<ContactRequest>(&value)) {
        Some(Ok(body)) => body,
        _ => {
            problems.add(at.trim_end_matches('.'), type_mismatch("Contact"));
            return ContactInput::default();
        }
    };
    let id = body.id.given().and_then(|v| v.as_str().map(str::to_owned));
    let properties = match body.properties {
        Field::Absent | Field::Null => None,
        Field::Given(map) => {
            let mut checked = Map::new();
            for (name, value) in map {
                let field = format!("{at}properties.{name}");
                match value {
                    Value::String(text) => match check_property(&name, &text) {
                        Ok(stored) => {
                            checked.insert(name, Value::String(stored));
                        }
                        Err(message) => problems.add(field, message),
                    },
                    Value::Null if allow_null => {
                        checked.insert(name, Value::Null);
                    }
                    _ => problems.add(field, type_mismatch("System.String")),
                }
            }
            Some(checked)
        }
        Field::Invalid(_) => {
            problems.add(format!("{at}properties"), type_mismatch("a map of strings"));
            None
        }
    };
    let labels = match body.labels {
        Field::Absent | Field::Null => None,
        Field::Given(items) => {
            let mut labels = Vec::new();
            for (index, item) in items.into_iter().enumerate() {
                let field = format!("{at}labels[{index}]");
                match item {
                    Value::String(label) => match check_label(&label) {
                        Ok(()) if label == IMPLICIT_LABEL || labels.contains(&label) => {}
                        Ok(()) => labels.push(label),
                        Err(message) => problems.add(field, message),
                    },
                    _ => problems.add(field, type_mismatch("System.String")),
                }
            }
            Some(labels)
        }
        Field::Invalid(_) => {
            problems.add(format!("{at}labels"), type_mismatch("a list of strings"));
            None
        }
    };
    ContactInput { properties, labels, id }
}

/// `GET /v2/contacts`: filtered and paginated.
#[utoipa::path(get, path = "/v2/contacts", tag = IP1_TAG, params(Page, ContactFilters),
    responses((status = OK, description = "A page of matching contacts.", body = Vec<ContactDocument>)))]
pub async fn list(
    caller: Ip1Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    let listing = Listing::from_query(query.as_deref())?;
    let ContactFilters { labels, meta } = ContactFilters::read(&listing);
    let filter = filter_of(&listing, labels)?;
    Ok(caller.account.read(|data| {
        let blocked = |msisdn: &str| data.blacklist.contains(msisdn);
        let matching: Vec<&Contact> =
            data.contacts.iter().filter(|c| filter.matches(c, blocked)).collect();
        let page: Vec<ContactDocument> = listing
            .page(matching.len())
            .into_iter()
            .map(|i| document(matching[i], &data.profile.id, &data.blacklist, meta))
            .collect();
        listing.respond(&headers, "/v2/contacts", matching.len(), &page)
    }))
}

/// `GET /v2/contacts/{contactId}`.
#[utoipa::path(get, path = "/v2/contacts/{contact}", tag = IP1_TAG, params(("contact" = String, Path, description = "The contact id."), ("meta" = Option<String>, Query, description = "Adds derived metadata: present with any value but `false` or `0`.")),
    responses((status = OK, description = "The contact.", body = ContactDocument)))]
pub async fn get(
    caller: Ip1Caller,
    Ip1Path(id): Ip1Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    let id = contact_id(&id)?;
    let meta = ContactFilters::read(&Listing::from_query(query.as_deref())?).meta;
    caller.account.read(|data| {
        let contact = data.contacts.get(id).ok_or(Ip1Error::NotFound)?;
        Ok(json(StatusCode::OK, &document(contact, &data.profile.id, &data.blacklist, meta)))
    })
}

/// `POST /v2/contacts`: imports an array of contacts, all or none. `202`
/// with an empty body by default; with `?sync`, `200` with the created
/// contacts.
#[utoipa::path(post, path = "/v2/contacts", tag = IP1_TAG,
    params(("sync" = Option<String>, Query, description = "Present, with any value: answer 200 with the created contacts instead of 202.")),
    request_body(content = ContactImport, description = "1 to 1000 contacts, all imported or none."),
    responses(
        (status = ACCEPTED, description = "Imported (visible at once)."),
        (status = OK, description = "With `?sync`: the created contacts.", body = Vec<ContactDocument>),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Ip1Caller,
    RawQuery(query): RawQuery,
    Ip1Json(body): Ip1Json<Value>,
) -> Result<Response, Ip1Error> {
    let listing = Listing::from_query(query.as_deref())?;
    let sync = listing.pairs().iter().any(|(name, _)| name.eq_ignore_ascii_case("sync"));
    let Value::Array(items) = body else {
        return Err(Ip1Error::field("$", type_mismatch("a list of contacts")));
    };
    if items.len() > MAX_IMPORT {
        return Err(Ip1Error::field(
            "$",
            format!("At most {MAX_IMPORT} contacts can be imported in one call."),
        ));
    }
    if items.is_empty() {
        return Err(Ip1Error::field("$", "At least one contact is required."));
    }
    let now = caller.account.clock().now();
    let mut problems = Problems::default();
    let mut contacts = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let at = format!("[{index}].");
        let ContactInput { properties, labels, .. } = read_contact(item, &at, false, &mut problems);
        match properties {
            Some(properties) => contacts.push(Contact {
                id: state.engine.sequences.object_ids.next(now),
                properties,
                labels: labels.unwrap_or_default(),
            }),
            None => problems.add(format!("{at}properties"), "The properties field is required."),
        }
    }
    let contacts = problems.into_result(contacts)?;
    Ok(caller.edit(|data| {
        let created: Vec<ContactDocument> = if sync {
            contacts.iter().map(|c| document(c, &data.profile.id, data.blacklist, false)).collect()
        } else {
            Vec::new()
        };
        let response = if sync {
            json(StatusCode::OK, &created)
        } else {
            StatusCode::ACCEPTED.into_response()
        };
        for contact in contacts {
            data.contacts.insert(contact);
        }
        response
    }))
}

/// Shared by PUT (replace) and PATCH (merge; `null` removes a property).
async fn update(
    caller: Ip1Caller,
    id: String,
    body: Value,
    replace: bool,
) -> Result<Response, Ip1Error> {
    let id = contact_id(&id)?;
    let mut problems = Problems::default();
    let ContactInput { properties, labels, id: body_id } =
        read_contact(body, "", !replace, &mut problems);
    if body_id.as_deref().is_some_and(|given| given != id.to_string()) {
        problems.add("id", "The id in the body must be the contact's id.");
    }
    if replace && properties.is_none() && problems.is_empty() {
        problems.add("properties", "The properties field is required.");
    }
    problems.into_result(())?;
    caller.edit(|data| {
        let contact = data.contacts.get_mut(id).ok_or(Ip1Error::NotFound)?;
        if replace {
            contact.properties = properties.unwrap_or_default();
            contact.labels = labels.unwrap_or_default();
        } else {
            for (name, value) in properties.unwrap_or_default() {
                if value.is_null() {
                    contact.properties.remove(&name);
                } else {
                    contact.properties.insert(name, value);
                }
            }
            if let Some(labels) = labels {
                contact.labels = labels;
            }
        }
        let contact = data.contacts.get(id).ok_or(Ip1Error::NotFound)?;
        Ok(json(StatusCode::OK, &document(contact, &data.profile.id, data.blacklist, false)))
    })
}

/// `PUT /v2/contacts/{contactId}`: replaces the contact.
#[utoipa::path(put, path = "/v2/contacts/{contact}", tag = IP1_TAG, params(("contact" = String, Path, description = "The contact id.")), request_body = ContactReplacement,
    responses((status = OK, description = "The replaced contact.", body = ContactDocument)))]
pub async fn replace(
    caller: Ip1Caller,
    Ip1Path(id): Ip1Path<String>,
    Ip1Json(body): Ip1Json<Value>,
) -> Result<Response, Ip1Error> {
    update(caller, id, body, true).await
}

/// `PATCH /v2/contacts/{contactId}`: changes only what is given.
#[utoipa::path(patch, path = "/v2/contacts/{contact}", tag = IP1_TAG, params(("contact" = String, Path, description = "The contact id.")), request_body = ContactChanges,
    responses((status = OK, description = "The changed contact.", body = ContactDocument)))]
pub async fn patch(
    caller: Ip1Caller,
    Ip1Path(id): Ip1Path<String>,
    Ip1Json(body): Ip1Json<Value>,
) -> Result<Response, Ip1Error> {
    update(caller, id, body, false).await
}

/// `DELETE /v2/contacts/{contactId}`: answers with the deleted contact.
#[utoipa::path(delete, path = "/v2/contacts/{contact}", tag = IP1_TAG, params(("contact" = String, Path, description = "The contact id.")),
    responses((status = OK, description = "The deleted contact.", body = ContactDocument)))]
pub async fn delete(caller: Ip1Caller, Ip1Path(id): Ip1Path<String>) -> Result<Response, Ip1Error> {
    let id = contact_id(&id)?;
    caller.edit(|data| {
        let contact = data.contacts.remove(id).ok_or(Ip1Error::NotFound)?;
        Ok(json(StatusCode::OK, &document(&contact, &data.profile.id, data.blacklist, false)))
    })
}

/// `DELETE /v2/contacts`: deletes every contact matching the list filters
/// (all of them without a filter); answers with the deleted contacts.
#[utoipa::path(delete, path = "/v2/contacts", tag = IP1_TAG, params(ContactFilters),
    responses((status = OK, description = "The deleted contacts.", body = Vec<ContactDocument>)))]
pub async fn delete_matching(
    caller: Ip1Caller,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    let listing = Listing::from_query(query.as_deref())?;
    let ContactFilters { labels, meta } = ContactFilters::read(&listing);
    let filter = filter_of(&listing, labels)?;
    Ok(caller.edit(|data| {
        let blacklist = &data.blacklist;
        let doomed: Vec<ObjectId> = data
            .contacts
            .iter()
            .filter(|c| filter.matches(c, |msisdn| blacklist.contains(msisdn)))
            .map(|c| c.id)
            .collect();
        let deleted: Vec<Contact> =
            doomed.into_iter().filter_map(|id| data.contacts.remove(id)).collect();
        let documents: Vec<ContactDocument> =
            deleted.iter().map(|c| document(c, &data.profile.id, data.blacklist, meta)).collect();
        json(StatusCode::OK, &documents)
    }))
}

/// `GET /v2/contacts/meta`: counts over the stored contacts.
#[utoipa::path(get, path = "/v2/contacts/meta", tag = IP1_TAG,
    responses((status = OK, description = "Counts of labels and properties.", body = ContactsSummary)))]
pub async fn meta(caller: Ip1Caller) -> Response {
    let summary = caller.account.read(|data| summarize(data.contacts.iter()));
    json(StatusCode::OK, &summary)
}

/// `POST /v2/labels/{labelName}/contacts`: adds the label to every listed
/// contact; ids of no contact of the account are ignored.
#[utoipa::path(post, path = "/v2/labels/{label}/contacts", tag = IP1_TAG, params(("label" = String, Path, description = "The label: 1 to 100 characters, not blank, not `all`.", min_length = 1, max_length = 100, pattern = r"^(?!all$)[\s\S]*\S[\s\S]*$")),
    request_body(content = Vec<String>, description = "Contact ids."),
    responses((status = OK, description = "The label and how many contacts have it.", body = LabelUsage)))]
pub async fn add_label(
    caller: Ip1Caller,
    Ip1Path(label): Ip1Path<String>,
    Ip1Json(body): Ip1Json<Value>,
) -> Result<Response, Ip1Error> {
    check_label(&label).map_err(|message| Ip1Error::field("labelName", message))?;
    if label == IMPLICIT_LABEL {
        return Err(Ip1Error::field("labelName", "The label all is on every contact already."));
    }
    let Value::Array(items) = body else {
        return Err(Ip1Error::field("$", type_mismatch("a list of contact ids")));
    };
    let mut problems = Problems::default();
    let ids: Vec<Option<ObjectId>> = items
        .iter()
        .enumerate()
        .map(|(index, item)| match item.as_str() {
            Some(text) => ObjectId::parse(text),
            None => {
                problems.add(format!("[{index}]"), type_mismatch("System.String"));
                None
            }
        })
        .collect();
    problems.into_result(())?;
    caller.edit(|data| {
        // Ids of no contact of the account are ignored.
        for id in ids.iter().flatten() {
            if let Some(contact) = data.contacts.get_mut(*id)
                && !contact.labels.contains(&label)
            {
                contact.labels.push(label.clone());
            }
        }
        let usage_count = data.contacts.iter().filter(|c| c.has_label(&label)).count() as u64;
        Ok(json(StatusCode::OK, &LabelUsage { label_name: label.clone(), usage_count }))
    })
}

/// `DELETE /v2/labels/{labelName}`: removes the label from every contact;
/// answers `usageCount: 0`.
#[utoipa::path(delete, path = "/v2/labels/{label}", tag = IP1_TAG, params(("label" = String, Path, description = "The label: 1 to 100 characters, not blank, not `all`.", min_length = 1, max_length = 100, pattern = r"^(?!all$)[\s\S]*\S[\s\S]*$")),
    responses((status = OK, description = "The label, now on no contact.", body = LabelUsage)))]
pub async fn remove_label(
    caller: Ip1Caller,
    Ip1Path(label): Ip1Path<String>,
) -> Result<Response, Ip1Error> {
    check_label(&label).map_err(|message| Ip1Error::field("labelName", message))?;
    if label == IMPLICIT_LABEL {
        return Err(Ip1Error::field("labelName", "The label all cannot be removed."));
    }
    Ok(caller.edit(|data| {
        for contact in data.contacts.iter_mut() {
            contact.labels.retain(|l| *l != label);
        }
        json(StatusCode::OK, &LabelUsage { label_name: label.clone(), usage_count: 0 })
    }))
}
