//! iP.1 account endpoints: `GET /api/me`, `GET /api/me/account` and
//! sub-accounts under `/api/me/children`, in the PascalCase the
//! `/api/me...` family uses. A parent reads and renames its children; no
//! other account (a child, a sibling) can see them.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use super::auth::Ip1Caller;
use super::error::Ip1Error;
use super::json::{Ip1Object, Ip1Path, type_mismatch};
use crate::domain::account::{Ip1AccountSpec, Ip1AccountType, Ip1Profile};
use crate::domain::money::{Currency, Money};
use crate::http::json_writer::ObjectWriter;
use crate::http::lenient::Field;
use crate::http::{Credentials, credentials, json, json_written};
use crate::openapi::IP1_TAG;
use crate::state::AppState;
use crate::store::{Ip1Account, Origin};

/// `GET /api/me`: overview of the calling account.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
struct AccountOverview<'a> {
    /// The account's id, borrowed from the account (it never changes), not
    /// copied out with what its lock guards.
    account: &'a str,
    organization: String,
    #[serde(rename = "Type")]
    account_type: Ip1AccountType,
    balance: Money,
    currency: Currency,
}

impl AccountOverview<'_> {
    /// The overview as JSON: byte for byte what its `Serialize` writes (a
    /// unit test holds the two together), without serde_json's work on each
    /// field name ([`crate::http::json_writer`]); every `GET /api/me`
    /// answers with it.
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut overview = ObjectWriter::begin(out);
        overview.str("Account", self.account);
        overview.str("Organization", &self.organization);
        overview.variant("Type", &self.account_type)?;
        overview.value("Balance", &self.balance)?;
        overview.variant("Currency", &self.currency)?;
        overview.end();
        Ok(())
    }
}

/// `GET /api/me/account`: details of the calling account.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AccountDetails {
    key: String,
    parent: Option<String>,
    #[serde(rename = "Type")]
    account_type: Ip1AccountType,
    balance: Money,
    currency: Currency,
    #[serde(rename = "ID")]
    id: String,
    name: String,
}

impl AccountDetails {
    pub fn new(profile: &Ip1Profile, key: &str) -> AccountDetails {
        AccountDetails {
            key: key.to_owned(),
            parent: profile.parent.clone(),
            account_type: profile.account_type,
            balance: profile.balance,
            currency: profile.currency,
            id: profile.id.clone(),
            name: profile.name.clone(),
        }
    }
}

#[utoipa::path(get, path = "/api/me", tag = IP1_TAG,
    responses((status = OK, description = "The calling account.", body = AccountOverview)))]
pub async fn me(caller: Ip1Caller) -> Response {
    let overview = caller.account.read(|data| AccountOverview {
        account: caller.account.id(),
        organization: data.profile.organization.clone(),
        account_type: data.profile.account_type,
        balance: data.profile.balance,
        currency: data.profile.currency,
    });
    json_written(StatusCode::OK, |out| overview.write_json(out))
}

#[utoipa::path(get, path = "/api/me/account", tag = IP1_TAG,
    responses((status = OK, description = "The calling account's details.", body = AccountDetails)))]
pub async fn account(caller: Ip1Caller, headers: HeaderMap) -> Response {
    // The key the call authenticated with (the caller does not keep it).
    let given = credentials(&headers);
    let key = given.as_ref().map_or("", Credentials::secret);
    let details = caller.account.read(|data| AccountDetails::new(&data.profile, key));
    json(StatusCode::OK, &details)
}

/// A sub-account of the caller, or 404 (also for the caller itself, its
/// parent, siblings and strangers).
fn child_of(state: &AppState, caller: &Ip1Caller, id: &str) -> Result<Arc<Ip1Account>, Ip1Error> {
    let account = state.engine.store().find_ip1(id).ok_or(Ip1Error::NotFound)?;
    let parent = account.read(|data| data.profile.parent.clone());
    if parent.as_deref() == Some(caller.account.id()) {
        Ok(account)
    } else {
        Err(Ip1Error::NotFound)
    }
}

fn child_details(account: &Ip1Account) -> AccountDetails {
    account.read(|data| {
        let key = data.profile.api_keys.first().cloned().unwrap_or_default();
        AccountDetails::new(&data.profile, &key)
    })
}

/// The body of `POST /api/me/children`: a `Name`, 1 to 100 characters,
/// not blank.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ChildRequest {
    /// Read on PUT only (see [`ChildUpdate`]).
    #[serde(rename = "ID")]
    #[schema(ignore)]
    id: Field<Value>,
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"\S")]
    name: Field<String>,
}

/// The body of `PUT /api/me/children/{child}`: the sub-account's `ID`
/// (required, and the path's) and its new `Name`.
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
#[allow(dead_code)]
struct ChildUpdate {
    /// The sub-account's id, as in the path.
    #[serde(rename = "ID")]
    id: String,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    name: String,
}

impl ChildRequest {
    /// The `Name`: required, not blank, at most 100 characters.
    fn name(self) -> Result<String, Ip1Error> {
        match self.name {
            Field::Given(name) if !name.trim().is_empty() && name.chars().count() <= 100 => {
                Ok(name)
            }
            Field::Given(_) => Err(Ip1Error::field(
                "Name",
                "The field Name must be 1 to 100 characters and not blank.",
            )),
            Field::Invalid(_) => Err(Ip1Error::field("Name", type_mismatch("System.String"))),
            Field::Absent | Field::Null => {
                Err(Ip1Error::field("Name", "The Name field is required."))
            }
        }
    }
}

/// `GET /api/me/children`: the caller's sub-accounts, with their keys.
#[utoipa::path(get, path = "/api/me/children", tag = IP1_TAG,
    responses((status = OK, description = "The sub-accounts, with their keys.", body = Vec<AccountDetails>)))]
pub async fn children(State(state): State<AppState>, caller: Ip1Caller) -> Response {
    let mut children: Vec<(String, AccountDetails)> = state
        .engine
        .store()
        .ip1_list()
        .iter()
        .filter(|a| a.read(|data| data.profile.parent.as_deref() == Some(caller.account.id())))
        .map(|a| (a.id().to_owned(), child_details(a)))
        .collect();
    children.sort_by(|a, b| a.0.cmp(&b.0));
    let children: Vec<AccountDetails> = children.into_iter().map(|(_, details)| details).collect();
    json(StatusCode::OK, &children)
}

/// `POST /api/me/children` with `{"Name": "..."}`: a new, fully usable
/// account with its own id and key; type and currency are the parent's,
/// the balance starts at 0.
#[utoipa::path(post, path = "/api/me/children", tag = IP1_TAG, request_body = ChildRequest,
    responses((status = CREATED, description = "The new sub-account.", body = AccountDetails,
        headers(("Location" = String, description = "/api/me/children/{id}")))))]
pub async fn create_child(
    State(state): State<AppState>,
    caller: Ip1Caller,
    body: Ip1Object<ChildRequest>,
) -> Result<Response, Ip1Error> {
    let name = body.read("Account")?.name()?;
    let (organization, account_type, currency) = caller.account.read(|data| {
        (data.profile.organization.clone(), data.profile.account_type, data.profile.currency)
    });
    let spec = Ip1AccountSpec {
        name: Some(name),
        organization: Some(organization),
        account_type: Some(account_type),
        currency: Some(currency),
        balance: Some(Money::ZERO),
        senders: Some(Vec::new()),
        parent: Some(caller.account.id().to_owned()),
        ..Ip1AccountSpec::default()
    };
    let child = state
        .engine
        .store()
        .create_ip1(spec, Origin::Runtime)
        .map_err(|err| Ip1Error::field("Name", err.to_string()))?;
    let mut response = json(StatusCode::CREATED, &child_details(&child));
    if let Ok(location) = HeaderValue::from_str(&format!("/api/me/children/{}", child.id())) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// `GET /api/me/children/{child}`.
#[utoipa::path(get, path = "/api/me/children/{child}", tag = IP1_TAG, params(("child" = String, Path, description = "The sub-account id.")),
    responses((status = OK, description = "The sub-account.", body = AccountDetails)))]
pub async fn child(
    State(state): State<AppState>,
    caller: Ip1Caller,
    Ip1Path(id): Ip1Path<String>,
) -> Result<Response, Ip1Error> {
    let child = child_of(&state, &caller, &id)?;
    Ok(json(StatusCode::OK, &child_details(&child)))
}

/// `PUT /api/me/children/{child}` with `{"ID": "...", "Name": "..."}`:
/// renames the sub-account; an `ID` that is missing or not the path's
/// answers 400.
#[utoipa::path(put, path = "/api/me/children/{child}", tag = IP1_TAG, params(("child" = String, Path, description = "The sub-account id.")), request_body = ChildUpdate,
    responses((status = OK, description = "The renamed sub-account.", body = AccountDetails)))]
pub async fn update_child(
    State(state): State<AppState>,
    caller: Ip1Caller,
    Ip1Path(id): Ip1Path<String>,
    body: Ip1Object<ChildRequest>,
) -> Result<Response, Ip1Error> {
    let child = child_of(&state, &caller, &id)?;
    let body = body.read("Account")?;
    match &body.id {
        Field::Given(given) if given.as_str() == Some(id.as_str()) => {}
        Field::Absent | Field::Null => {
            return Err(Ip1Error::field("ID", "The ID field is required."));
        }
        Field::Given(_) | Field::Invalid(_) => {
            return Err(Ip1Error::field(
                "ID",
                "The ID must be the sub-account's id from the path.",
            ));
        }
    }
    let name = body.name()?;
    state.engine.edit(&child, |data| data.profile.name = name);
    Ok(json(StatusCode::OK, &child_details(&child)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overview_is_written_as_it_serializes() {
        let texts = ["", "ip1-20001", "Acme \"AB\"\n\\", "Åkeri 😀", "\u{7}"];
        for (index, balance) in
            [0, 450_000, -1, 123_456_789_012, i64::MAX / 1_000_000].into_iter().enumerate()
        {
            for (account_type, currency) in [
                (Ip1AccountType::Swedish, Currency::Sek),
                (Ip1AccountType::International, Currency::Eur),
            ] {
                let overview = AccountOverview {
                    account: texts[index],
                    organization: texts[(index + 2) % texts.len()].to_owned(),
                    account_type,
                    balance: Money::from_micros(balance),
                    currency,
                };
                let mut written = Vec::new();
                overview.write_json(&mut written).unwrap();
                assert_eq!(
                    String::from_utf8(written).unwrap(),
                    serde_json::to_string(&overview).unwrap()
                );
            }
        }
    }
}
