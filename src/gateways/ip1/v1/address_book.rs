//! The older API's address book: `/api/contacts`, `/api/groups`,
//! `/api/memberships`. Every call answers the object (a `DELETE` the
//! deleted one) with 200; an id the account does not have answers 404.
//! Phone numbers are kept exactly as given; `Created` never changes, and an
//! object reads the same wherever it appears.

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::V1Error;
use super::{
    ModelState, V1Body, V1Caller, V1Path, multiple, one_or_list, path_id, read, serialize_v1_time,
};
use crate::domain::address_book::{
    AddressBook, ContactFields, MembershipError, V1Contact, V1Group, V1Membership,
};
use crate::domain::contact::check_property;
use crate::http::json;
use crate::http::lenient::Field;
use crate::openapi::IP1_V1_TAG;

one_or_list!(V1ContactOrList, ContactDocument);
one_or_list!(V1GroupOrList, GroupDocument);

const MAX_NAME: usize = 100;
const MAX_PHONE: usize = 16;
const MAX_EMAIL: usize = 50;
const MAX_TEXT: usize = 1000;
/// Most objects one `?multiple=true` call creates.
const MAX_MULTIPLE: usize = 1000;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = V1Contact)]
#[serde(rename_all = "PascalCase")]
pub struct ContactDocument {
    #[serde(rename = "ID")]
    id: u32,
    #[serde(rename = "OwnerID")]
    owner_id: String,
    first_name: String,
    last_name: Option<String>,
    title: Option<String>,
    organization: Option<String>,
    phone: String,
    email: Option<String>,
    notes: Option<String>,
    #[serde(serialize_with = "serialize_v1_time")]
    #[schema(value_type = String, example = "2017-03-02T10:39:53.497")]
    created: DateTime<Utc>,
    #[serde(serialize_with = "serialize_v1_time")]
    #[schema(value_type = String)]
    modified: DateTime<Utc>,
}

impl ContactDocument {
    fn of(owner: &str, contact: &V1Contact) -> ContactDocument {
        let ContactFields { first_name, last_name, title, organization, phone, email, notes } =
            contact.fields.clone();
        ContactDocument {
            id: contact.id,
            owner_id: owner.to_owned(),
            first_name,
            last_name,
            title,
            organization,
            phone,
            email,
            notes,
            created: contact.created,
            modified: contact.modified,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = V1Group)]
#[serde(rename_all = "PascalCase")]
pub struct GroupDocument {
    #[serde(rename = "ID")]
    id: u32,
    #[serde(rename = "OwnerID")]
    owner_id: String,
    name: String,
    color: Option<String>,
    /// On reads of groups only (`GET /api/groups[/{id}]`): elsewhere a
    /// group reads as it was created or last changed, so the same group
    /// compares equal wherever it appears.
    #[serde(skip_serializing_if = "Option::is_none")]
    contacts_count: Option<usize>,
    #[serde(serialize_with = "serialize_v1_time")]
    #[schema(value_type = String)]
    created: DateTime<Utc>,
    #[serde(serialize_with = "serialize_v1_time")]
    #[schema(value_type = String)]
    modified: DateTime<Utc>,
}

impl GroupDocument {
    /// The group as stored.
    fn of(owner: &str, group: &V1Group) -> GroupDocument {
        GroupDocument {
            id: group.id,
            owner_id: owner.to_owned(),
            name: group.name.clone(),
            color: group.color.clone(),
            contacts_count: None,
            created: group.created,
            modified: group.modified,
        }
    }

    /// The group with its `ContactsCount`.
    fn counted(owner: &str, book: &AddressBook, group: &V1Group) -> GroupDocument {
        GroupDocument {
            contacts_count: Some(book.contacts_count(group.id)),
            ..Self::of(owner, group)
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = V1Membership)]
#[serde(rename_all = "PascalCase")]
pub struct MembershipDocument {
    #[serde(rename = "ID")]
    id: u32,
    group: u32,
    contact: u32,
    #[serde(rename = "OwnerID")]
    owner_id: String,
    #[serde(serialize_with = "serialize_v1_time")]
    #[schema(value_type = String)]
    created: DateTime<Utc>,
}

impl MembershipDocument {
    fn of(owner: &str, membership: &V1Membership) -> MembershipDocument {
        MembershipDocument {
            id: membership.id,
            group: membership.group,
            contact: membership.contact,
            owner_id: owner.to_owned(),
            created: membership.created,
        }
    }
}

/// A contact as a client sends it; read-only fields (`ID`, `OwnerID`,
/// `Created`, `Modified`) are ignored.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = V1ContactRequest)]
#[serde(rename_all = "PascalCase")]
pub struct ContactRequest {
    /// Required; at most 100 characters.
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"\S")]
    first_name: Field<String>,
    #[schema(value_type = Option<String>, max_length = 100)]
    last_name: Field<String>,
    #[schema(value_type = Option<String>, max_length = 1000)]
    title: Field<String>,
    #[schema(value_type = Option<String>, max_length = 1000)]
    organization: Field<String>,
    /// Required: digits, with or without a leading `+`, at most 16
    /// characters; kept exactly as given.
    #[schema(value_type = String, pattern = r"^\+?[0-9]{1,15}$")]
    phone: Field<String>,
    /// An e-mail address of at most 50 characters.
    #[schema(value_type = Option<String>, max_length = 50, pattern = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$")]
    email: Field<String>,
    #[schema(value_type = Option<String>, max_length = 1000)]
    notes: Field<String>,
}

/// An optional text field of at most `max` characters.
fn optional(
    field: Field<String>,
    name: &str,
    max: usize,
    problems: &mut ModelState,
) -> Option<String> {
    match field {
        Field::Given(text) if text.chars().count() <= max => Some(text),
        Field::Given(_) => {
            problems.add(name, format!("{name} must be at most {max} characters."));
            None
        }
        Field::Invalid(_) => {
            problems.add(name, format!("{name} must be a string."));
            None
        }
        Field::Absent | Field::Null => None,
    }
}

impl ContactRequest {
    /// The contact's fields, or every problem under `prefix`
    /// (`contact.Phone`, `contacts[1].Phone`).
    fn check(self, prefix: &str, problems: &mut ModelState) -> ContactFields {
        let name = |field: &str| format!("{prefix}.{field}");
        let first_name = match self.first_name {
            Field::Given(text) if !text.trim().is_empty() && text.chars().count() <= MAX_NAME => {
                text
            }
            Field::Given(_) => {
                problems.add(name("FirstName"), "FirstName must be 1 to 100 characters.");
                String::new()
            }
            _ => {
                problems.add(name("FirstName"), "The FirstName field is required.");
                String::new()
            }
        };
        let phone = match self.phone {
            Field::Given(phone) if is_phone(&phone) => phone,
            Field::Given(_) => {
                problems.add(
                    name("Phone"),
                    "Phone must be digits, with or without a leading +, at most 16 characters.",
                );
                String::new()
            }
            _ => {
                problems.add(name("Phone"), "The Phone field is required.");
                String::new()
            }
        };
        let email = optional(self.email, &name("Email"), MAX_EMAIL, problems);
        if email.as_deref().is_some_and(|email| check_property("email", email).is_err()) {
            problems.add(name("Email"), "Email must be an e-mail address.");
        }
        ContactFields {
            first_name,
            last_name: optional(self.last_name, &name("LastName"), MAX_NAME, problems),
            title: optional(self.title, &name("Title"), MAX_TEXT, problems),
            organization: optional(self.organization, &name("Organization"), MAX_TEXT, problems),
            phone,
            email,
            notes: optional(self.notes, &name("Notes"), MAX_TEXT, problems),
        }
    }
}

fn is_phone(text: &str) -> bool {
    let digits = text.strip_prefix('+').unwrap_or(text);
    text.chars().count() <= MAX_PHONE
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A group as a client sends it; read-only fields are ignored.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = V1GroupRequest)]
#[serde(rename_all = "PascalCase")]
pub struct GroupRequest {
    /// Required; at most 100 characters.
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"\S")]
    name: Field<String>,
    /// `#RRGGBB`.
    #[schema(value_type = Option<String>, pattern = r"^#[0-9A-Fa-f]{6}$")]
    color: Field<String>,
}

impl GroupRequest {
    fn check(self, prefix: &str, problems: &mut ModelState) -> (String, Option<String>) {
        let name = match self.name {
            Field::Given(text) if !text.trim().is_empty() && text.chars().count() <= MAX_NAME => {
                text
            }
            Field::Given(_) => {
                problems.add(format!("{prefix}.Name"), "Name must be 1 to 100 characters.");
                String::new()
            }
            _ => {
                problems.add(format!("{prefix}.Name"), "The Name field is required.");
                String::new()
            }
        };
        let color = match self.color {
            Field::Given(color) if is_color(&color) => Some(color),
            Field::Absent | Field::Null => None,
            _ => {
                problems.add(format!("{prefix}.Color"), "Color must be #RRGGBB.");
                None
            }
        };
        (name, color)
    }
}

fn is_color(text: &str) -> bool {
    text.strip_prefix('#')
        .is_some_and(|hex| hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A membership as a client sends it.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = V1MembershipRequest)]
#[serde(rename_all = "PascalCase")]
pub struct MembershipRequest {
    /// The group's id.
    #[schema(value_type = u32)]
    group: Field<u32>,
    /// The contact's id.
    #[schema(value_type = u32)]
    contact: Field<u32>,
}

/// The body as a list for `?multiple=true` (one object counts as a list of
/// one), else as one object.
pub(super) fn items(body: &Value, many: bool, what: &str) -> Result<Vec<Value>, V1Error> {
    match (many, body) {
        (true, Value::Array(items)) if !items.is_empty() && items.len() <= MAX_MULTIPLE => {
            Ok(items.clone())
        }
        // One object where a list was announced: a list of one.
        (true, Value::Object(_)) => Ok(vec![body.clone()]),
        (true, _) => Err(V1Error::field(
            what,
            format!("With ?multiple=true the body is a list of 1 to {MAX_MULTIPLE} objects."),
        )),
        (false, body) => Ok(vec![body.clone()]),
    }
}

/// Reads the objects of a create call — one, or with `?multiple=true` a
/// list — each checked under its own name (`contact`, or `contacts[1]`
/// in a list), every problem of every object reported at once.
fn checked_items<T: DeserializeOwned, R>(
    body: &Value,
    many: bool,
    (one, list): (&str, &str),
    check: impl Fn(T, &str, &mut ModelState) -> R,
) -> Result<Vec<R>, V1Error> {
    let mut problems = ModelState::default();
    let mut all = Vec::new();
    for (index, item) in items(body, many, list)?.iter().enumerate() {
        let prefix = if many { format!("{list}[{index}]") } else { one.to_owned() };
        let request: T = read(item, &prefix)?;
        all.push(check(request, &prefix, &mut problems));
    }
    problems.into_result(all)
}

/// Answers one object, or the list for `?multiple=true`.
pub(super) fn created<T: Serialize>(many: bool, mut documents: Vec<T>) -> Response {
    match (many, documents.pop()) {
        (false, Some(one)) => json(StatusCode::OK, &one),
        (_, last) => {
            documents.extend(last);
            json(StatusCode::OK, &documents)
        }
    }
}

// Contacts.

/// `GET /api/contacts[?PhoneNumbers[0]=...]`: every contact, or those with
/// one of the given phones (exactly as stored).
#[utoipa::path(get, path = "/api/contacts", tag = IP1_V1_TAG,
    params(("PhoneNumbers[0]" = Option<String>, Query, description = "Only contacts with one of these phones (`PhoneNumbers[1]`, … too).")),
    responses((status = OK, description = "The contacts, oldest first.", body = Vec<ContactDocument>)))]
pub async fn contacts(caller: V1Caller, RawQuery(query): RawQuery) -> Response {
    let phones: Vec<String> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(key, _)| key.to_ascii_lowercase().starts_with("phonenumbers"))
        .map(|(_, value)| value.into_owned())
        .collect();
    let documents: Vec<ContactDocument> = caller.read_book(|book, owner| {
        book.contacts()
            .iter()
            .filter(|c| phones.is_empty() || phones.contains(&c.fields.phone))
            .map(|c| ContactDocument::of(owner, c))
            .collect()
    });
    json(StatusCode::OK, &documents)
}

/// `POST /api/contacts`: one contact, or with `?multiple=true` a list (all
/// or none).
#[utoipa::path(post, path = "/api/contacts", tag = IP1_V1_TAG, request_body = ContactRequest,
    params(("multiple" = Option<bool>, Query, description = "`true`: the body is a list, and so is the answer.")),
    responses((status = OK, description = "The new contact (a list with `?multiple=true`).", body = V1ContactOrList)))]
pub async fn create_contact(
    caller: V1Caller,
    RawQuery(query): RawQuery,
    V1Body(body): V1Body,
) -> Result<Response, V1Error> {
    let many = multiple(query.as_deref())?;
    let all = checked_items(&body, many, ("contact", "contacts"), ContactRequest::check)?;
    let owner = caller.owner();
    let documents = caller.edit(|records| {
        all.into_iter()
            .map(|fields| {
                ContactDocument::of(&owner, &records.address_book.add_contact(fields, records.now))
            })
            .collect()
    });
    Ok(created(many, documents))
}

/// `GET /api/contacts/{id}`.
#[utoipa::path(get, path = "/api/contacts/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The contact's id.")),
    responses((status = OK, description = "The contact.", body = ContactDocument)))]
pub async fn contact(caller: V1Caller, V1Path(raw): V1Path<String>) -> Result<Response, V1Error> {
    let id = path_id("Contact", &raw)?;
    caller.read_book(|book, owner| {
        let contact = book.contact(id).ok_or_else(|| V1Error::no("Contact", id))?;
        Ok(json(StatusCode::OK, &ContactDocument::of(owner, contact)))
    })
}

/// `PUT /api/contacts/{id}`: replaces every field; `Created` stays.
#[utoipa::path(put, path = "/api/contacts/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The contact's id.")), request_body = ContactRequest,
    responses((status = OK, description = "The contact, replaced.", body = ContactDocument)))]
pub async fn replace_contact(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
    V1Body(body): V1Body,
) -> Result<Response, V1Error> {
    let id = path_id("Contact", &raw)?;
    let request: ContactRequest = read(&body, "contact")?;
    let mut problems = ModelState::default();
    let fields = request.check("contact", &mut problems);
    problems.into_result(())?;
    let owner = caller.owner();
    caller.edit(|records| {
        let contact = records
            .address_book
            .replace_contact(id, fields, records.now)
            .ok_or_else(|| V1Error::no("Contact", id))?;
        Ok(json(StatusCode::OK, &ContactDocument::of(&owner, &contact)))
    })
}

/// `DELETE /api/contacts/{id}`: answers the deleted contact; its
/// memberships go too.
#[utoipa::path(delete, path = "/api/contacts/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The contact's id.")),
    responses((status = OK, description = "The deleted contact.", body = ContactDocument)))]
pub async fn delete_contact(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
) -> Result<Response, V1Error> {
    let id = path_id("Contact", &raw)?;
    let owner = caller.owner();
    caller.edit(|records| {
        let contact =
            records.address_book.remove_contact(id).ok_or_else(|| V1Error::no("Contact", id))?;
        Ok(json(StatusCode::OK, &ContactDocument::of(&owner, &contact)))
    })
}

/// `GET /api/contacts/{id}/groups`: the contact's groups, as full groups.
#[utoipa::path(get, path = "/api/contacts/{id}/groups", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The contact's id.")),
    responses((status = OK, description = "The contact's groups.", body = Vec<GroupDocument>)))]
pub async fn contact_groups(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
) -> Result<Response, V1Error> {
    let id = path_id("Contact", &raw)?;
    caller.read_book(|book, owner| {
        book.contact(id).ok_or_else(|| V1Error::no("Contact", id))?;
        let groups: Vec<GroupDocument> =
            book.groups_of(id).into_iter().map(|g| GroupDocument::of(owner, g)).collect();
        Ok(json(StatusCode::OK, &groups))
    })
}

/// `GET /api/contacts/{id}/memberships`.
#[utoipa::path(get, path = "/api/contacts/{id}/memberships", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The contact's id.")),
    responses((status = OK, description = "The contact's memberships.", body = Vec<MembershipDocument>)))]
pub async fn contact_memberships(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
) -> Result<Response, V1Error> {
    let id = path_id("Contact", &raw)?;
    memberships_where(
        &caller,
        |book| book.contact(id).map(|_| ()).ok_or_else(|| V1Error::no("Contact", id)),
        |m| m.contact == id,
    )
}

// Groups.

/// `GET /api/groups`.
#[utoipa::path(get, path = "/api/groups", tag = IP1_V1_TAG,
    responses((status = OK, description = "The groups, oldest first.", body = Vec<GroupDocument>)))]
pub async fn groups(caller: V1Caller) -> Response {
    let documents: Vec<GroupDocument> = caller.read_book(|book, owner| {
        book.groups().iter().map(|g| GroupDocument::counted(owner, book, g)).collect()
    });
    json(StatusCode::OK, &documents)
}

/// `POST /api/groups`: one group, or with `?multiple=true` a list.
#[utoipa::path(post, path = "/api/groups", tag = IP1_V1_TAG, request_body = GroupRequest,
    params(("multiple" = Option<bool>, Query, description = "`true`: the body is a list, and so is the answer.")),
    responses((status = OK, description = "The new group (a list with `?multiple=true`).", body = V1GroupOrList)))]
pub async fn create_group(
    caller: V1Caller,
    RawQuery(query): RawQuery,
    V1Body(body): V1Body,
) -> Result<Response, V1Error> {
    let many = multiple(query.as_deref())?;
    let all = checked_items(&body, many, ("group", "groups"), GroupRequest::check)?;
    let owner = caller.owner();
    let documents = caller.edit(|records| {
        let book = records.address_book;
        all.into_iter()
            .map(|(name, color)| {
                GroupDocument::of(&owner, &book.add_group(name, color, records.now))
            })
            .collect()
    });
    Ok(created(many, documents))
}

/// `GET /api/groups/{id}`.
#[utoipa::path(get, path = "/api/groups/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The group's id.")),
    responses((status = OK, description = "The group.", body = GroupDocument)))]
pub async fn group(caller: V1Caller, V1Path(raw): V1Path<String>) -> Result<Response, V1Error> {
    let id = path_id("Group", &raw)?;
    caller.read_book(|book, owner| {
        let group = book.group(id).ok_or_else(|| V1Error::no("Group", id))?;
        Ok(json(StatusCode::OK, &GroupDocument::counted(owner, book, group)))
    })
}

/// `PUT /api/groups/{id}`: replaces the name and colour; `Created` stays.
#[utoipa::path(put, path = "/api/groups/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The group's id.")), request_body = GroupRequest,
    responses((status = OK, description = "The group, replaced.", body = GroupDocument)))]
pub async fn replace_group(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
    V1Body(body): V1Body,
) -> Result<Response, V1Error> {
    let id = path_id("Group", &raw)?;
    let request: GroupRequest = read(&body, "group")?;
    let mut problems = ModelState::default();
    let (name, color) = request.check("group", &mut problems);
    problems.into_result(())?;
    let owner = caller.owner();
    caller.edit(|records| {
        let book = records.address_book;
        let group = book
            .replace_group(id, name, color, records.now)
            .ok_or_else(|| V1Error::no("Group", id))?;
        Ok(json(StatusCode::OK, &GroupDocument::of(&owner, &group)))
    })
}

/// `DELETE /api/groups/{id}`: answers the deleted group; its memberships go
/// too, its contacts stay.
#[utoipa::path(delete, path = "/api/groups/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The group's id.")),
    responses((status = OK, description = "The deleted group.", body = GroupDocument)))]
pub async fn delete_group(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
) -> Result<Response, V1Error> {
    let id = path_id("Group", &raw)?;
    let owner = caller.owner();
    caller.edit(|records| {
        let book = records.address_book;
        let group = book.remove_group(id).ok_or_else(|| V1Error::no("Group", id))?;
        Ok(json(StatusCode::OK, &GroupDocument::of(&owner, &group)))
    })
}

/// `GET /api/groups/{id}/contacts`.
#[utoipa::path(get, path = "/api/groups/{id}/contacts", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The group's id.")),
    responses((status = OK, description = "The group's contacts.", body = Vec<ContactDocument>)))]
pub async fn group_contacts(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
) -> Result<Response, V1Error> {
    let id = path_id("Group", &raw)?;
    caller.read_book(|book, owner| {
        book.group(id).ok_or_else(|| V1Error::no("Group", id))?;
        let contacts: Vec<ContactDocument> =
            book.contacts_of(id).into_iter().map(|c| ContactDocument::of(owner, c)).collect();
        Ok(json(StatusCode::OK, &contacts))
    })
}

/// A contact of a group with its membership: what
/// `/api/groups/{id}/contacts/extra` answers.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = V1GroupContact)]
#[serde(rename_all = "PascalCase")]
pub struct GroupContactDocument {
    #[serde(flatten)]
    contact: ContactDocument,
    /// The membership that puts the contact in the group.
    #[serde(rename = "MembershipID")]
    membership_id: u32,
}

/// `GET /api/groups/{id}/contacts/extra`: the group's contacts, each with
/// the id of its membership (what a client needs to take it out again).
#[utoipa::path(get, path = "/api/groups/{id}/contacts/extra", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The group's id.")),
    responses((status = OK, description = "The group's contacts with their memberships.", body = Vec<GroupContactDocument>)))]
pub async fn group_contacts_extra(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
) -> Result<Response, V1Error> {
    let id = path_id("Group", &raw)?;
    caller.read_book(|book, owner| {
        book.group(id).ok_or_else(|| V1Error::no("Group", id))?;
        let contacts: Vec<GroupContactDocument> = book
            .memberships()
            .iter()
            .filter(|m| m.group == id)
            .filter_map(|m| {
                let contact = ContactDocument::of(owner, book.contact(m.contact)?);
                Some(GroupContactDocument { contact, membership_id: m.id })
            })
            .collect();
        Ok(json(StatusCode::OK, &contacts))
    })
}

/// `GET /api/groups/{id}/memberships`.
#[utoipa::path(get, path = "/api/groups/{id}/memberships", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The group's id.")),
    responses((status = OK, description = "The group's memberships.", body = Vec<MembershipDocument>)))]
pub async fn group_memberships(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
) -> Result<Response, V1Error> {
    let id = path_id("Group", &raw)?;
    memberships_where(
        &caller,
        |book| book.group(id).map(|_| ()).ok_or_else(|| V1Error::no("Group", id)),
        |m| m.group == id,
    )
}

// Memberships.

fn memberships_where(
    caller: &V1Caller,
    exists: impl FnOnce(&AddressBook) -> Result<(), V1Error>,
    keep: impl Fn(&V1Membership) -> bool,
) -> Result<Response, V1Error> {
    caller.read_book(|book, owner| {
        exists(book)?;
        let documents: Vec<MembershipDocument> = book
            .memberships()
            .iter()
            .filter(|m| keep(m))
            .map(|m| MembershipDocument::of(owner, m))
            .collect();
        Ok(json(StatusCode::OK, &documents))
    })
}

/// `GET /api/memberships`.
#[utoipa::path(get, path = "/api/memberships", tag = IP1_V1_TAG,
    responses((status = OK, description = "Every membership, oldest first.", body = Vec<MembershipDocument>)))]
pub async fn memberships(caller: V1Caller) -> Result<Response, V1Error> {
    memberships_where(&caller, |_| Ok(()), |_| true)
}

/// `POST /api/memberships` with `{"Group", "Contact"}`: puts the contact in
/// the group; one already there answers its membership.
#[utoipa::path(post, path = "/api/memberships", tag = IP1_V1_TAG, request_body = MembershipRequest,
    responses((status = OK, description = "The membership.", body = MembershipDocument)))]
pub async fn create_membership(
    caller: V1Caller,
    V1Body(body): V1Body,
) -> Result<Response, V1Error> {
    let request: MembershipRequest = read(&body, "membership")?;
    let mut problems = ModelState::default();
    let mut id = |field: Field<u32>, name: &str| match field {
        Field::Given(id) => id,
        Field::Invalid(_) => {
            problems.add(format!("membership.{name}"), format!("{name} is an integer id."));
            0
        }
        Field::Absent | Field::Null => {
            problems.add(format!("membership.{name}"), format!("The {name} field is required."));
            0
        }
    };
    let (group, contact) = (id(request.group, "Group"), id(request.contact, "Contact"));
    problems.into_result(())?;
    let owner = caller.owner();
    caller.edit(|records| {
        let (membership, _) = records
            .address_book
            .add_membership(group, contact, records.now)
            .map_err(|err| match err {
                MembershipError::NoGroup => V1Error::no("Group", group),
                MembershipError::NoContact => V1Error::no("Contact", contact),
            })?;
        Ok(json(StatusCode::OK, &MembershipDocument::of(&owner, &membership)))
    })
}

/// `GET /api/memberships/{id}`.
#[utoipa::path(get, path = "/api/memberships/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The membership's id.")),
    responses((status = OK, description = "The membership.", body = MembershipDocument)))]
pub async fn membership(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
) -> Result<Response, V1Error> {
    let id = path_id("Membership", &raw)?;
    caller.read_book(|book, owner| {
        let membership = book.membership(id).ok_or_else(|| V1Error::no("Membership", id))?;
        Ok(json(StatusCode::OK, &MembershipDocument::of(owner, membership)))
    })
}

/// `DELETE /api/memberships/{id}`: answers the deleted membership.
#[utoipa::path(delete, path = "/api/memberships/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The membership's id.")),
    responses((status = OK, description = "The deleted membership.", body = MembershipDocument)))]
pub async fn delete_membership(
    caller: V1Caller,
    V1Path(raw): V1Path<String>,
) -> Result<Response, V1Error> {
    let id = path_id("Membership", &raw)?;
    let owner = caller.owner();
    caller.edit(|records| {
        let membership = records
            .address_book
            .remove_membership(id)
            .ok_or_else(|| V1Error::no("Membership", id))?;
        Ok(json(StatusCode::OK, &MembershipDocument::of(&owner, &membership)))
    })
}
