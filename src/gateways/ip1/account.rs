//! iP.1 account endpoints (§15): `GET /api/me` and `GET /api/me/account`,
//! in the PascalCase the `/api/me...` family uses.

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::auth::Ip1Caller;
use crate::domain::account::{Ip1AccountType, Ip1Profile};
use crate::domain::money::{Currency, Money};
use crate::http::json;

/// `GET /api/me`: overview of the calling account (§15.1).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccountOverview {
    account: String,
    organization: String,
    #[serde(rename = "Type")]
    account_type: Ip1AccountType,
    balance: Money,
    currency: Currency,
}

/// `GET /api/me/account`: details of the calling account (§15.2).
#[derive(Serialize)]
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

pub async fn me(caller: Ip1Caller) -> Response {
    let overview = caller.account.read(|data| AccountOverview {
        account: data.profile.id.clone(),
        organization: data.profile.organization.clone(),
        account_type: data.profile.account_type,
        balance: data.profile.balance,
        currency: data.profile.currency,
    });
    json(StatusCode::OK, &overview)
}

pub async fn account(caller: Ip1Caller) -> Response {
    let details = caller.account.read(|data| AccountDetails::new(&data.profile, &caller.key));
    json(StatusCode::OK, &details)
}
