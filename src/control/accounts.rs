//! `/_mock/accounts` and `/_mock/reset`: the accounts a test works with.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{OneOfBuilder, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::AccountQuery;
use super::error::{ControlError, ControlErrorBody, ControlJson, ControlQuery};
use crate::clock::{Clock, ClockMode};
use crate::domain::account::{Ip1AccountSpec, Ip1AccountType, ViamobileAccountSpec};
use crate::domain::money::{Currency, Money};
use crate::domain::msisdn::Msisdn;
use crate::domain::time::viamobile_day;
use crate::engine::Scope;
use crate::http::json;
use crate::openapi::{CONTROL_TAG, constant, extended};
use crate::state::AppState;
use crate::store::{AnyAccount, Origin};

/// An account as the control API shows it, credentials included.
#[derive(Serialize, ToSchema)]
#[serde(tag = "gateway")]
enum AccountView {
    #[serde(rename = "ip1", rename_all = "camelCase")]
    Ip1 {
        id: String,
        name: String,
        organization: String,
        api_keys: Vec<String>,
        #[serde(rename = "type")]
        account_type: Ip1AccountType,
        currency: Currency,
        balance: Money,
        senders: Vec<String>,
        parent: Option<String>,
        virtual_number: Option<Msisdn>,
        incoming_callback_url: Option<String>,
        origin: Origin,
        clock: ClockView,
    },
    #[serde(rename = "viamobile", rename_all = "camelCase")]
    Viamobile {
        id: String,
        username: String,
        password: String,
        senders: Vec<String>,
        credit: Money,
        daily_limit: u32,
        sent_today: u32,
        sending_enabled: bool,
        msisdn_status_enabled: bool,
        prices_enabled: bool,
        virtual_number: Option<Msisdn>,
        status_as_string: bool,
        push_waiting: bool,
        origin: Origin,
        clock: ClockView,
    },
}

#[derive(Serialize, ToSchema)]
#[schema(as = AccountClock)]
struct ClockView {
    now: DateTime<Utc>,
    mode: ClockMode,
    speed: f64,
}

impl ClockView {
    fn of(clock: &Clock) -> ClockView {
        let settings = clock.settings();
        ClockView { now: clock.now(), mode: settings.mode, speed: settings.speed }
    }
}

impl AccountView {
    fn of(account: &AnyAccount) -> AccountView {
        let (origin, clock) = (account.origin(), ClockView::of(account.clock()));
        match account {
            AnyAccount::Ip1(account) => account.read(|data| {
                let p = &data.profile;
                AccountView::Ip1 {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    organization: p.organization.clone(),
                    api_keys: p.api_keys.clone(),
                    account_type: p.account_type,
                    currency: p.currency,
                    balance: p.balance,
                    senders: p.senders.keys().cloned().collect(),
                    parent: p.parent.clone(),
                    virtual_number: p.virtual_number.clone(),
                    incoming_callback_url: p.incoming_callback_url.clone(),
                    origin,
                    clock,
                }
            }),
            AnyAccount::Viamobile(account) => account.read(|data| {
                let p = &data.profile;
                AccountView::Viamobile {
                    id: p.username.clone(),
                    username: p.username.clone(),
                    password: p.password.clone(),
                    senders: p.senders.iter().cloned().collect(),
                    credit: p.credit,
                    daily_limit: p.daily_limit,
                    sent_today: p.usage.sent_on(viamobile_day(clock.now)),
                    sending_enabled: p.sending_enabled,
                    msisdn_status_enabled: p.msisdn_status_enabled,
                    prices_enabled: p.prices_enabled,
                    virtual_number: p.virtual_number.clone(),
                    status_as_string: p.status_as_string,
                    push_waiting: p.push_waiting,
                    origin,
                    clock,
                }
            }),
        }
    }
}

/// `GET /_mock/accounts`: every account of both gateways.
#[utoipa::path(get, path = "/_mock/accounts", tag = CONTROL_TAG,
    responses((status = OK, description = "Every account, credentials included.", body = Vec<AccountView>)))]
pub async fn list(State(state): State<AppState>) -> Response {
    let views: Vec<AccountView> = state.engine.store().list().iter().map(AccountView::of).collect();
    json(StatusCode::OK, &views)
}

/// Body of `POST /_mock/accounts`.
#[derive(Deserialize)]
#[serde(tag = "gateway")]
pub enum NewAccount {
    #[serde(rename = "ip1")]
    Ip1(Ip1AccountSpec),
    #[serde(rename = "viamobile")]
    Viamobile(ViamobileAccountSpec),
}

/// One of the two specs, with its `gateway` tag among its fields.
impl PartialSchema for NewAccount {
    fn schema() -> RefOr<Schema> {
        let tagged = |spec, gateway| extended(spec, vec![("gateway", constant(gateway))]);
        OneOfBuilder::new()
            .item(tagged(Ip1AccountSpec::schema(), "ip1"))
            .item(tagged(ViamobileAccountSpec::schema(), "viamobile"))
            .into()
    }
}

impl ToSchema for NewAccount {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        Ip1AccountSpec::schemas(schemas);
        ViamobileAccountSpec::schemas(schemas);
    }
}

/// `POST /_mock/accounts`: creates an account and answers with its
/// credentials (generated where the body gives none).
#[utoipa::path(post, path = "/_mock/accounts", tag = CONTROL_TAG, request_body = NewAccount,
    responses(
        (status = CREATED, description = "The new account.", body = AccountView),
        (status = CONFLICT, description = "The id, username, API key or virtual number is taken.", body = ControlErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ControlJson(body): ControlJson<NewAccount>,
) -> Result<Response, ControlError> {
    let account = match body {
        NewAccount::Ip1(spec) => {
            AnyAccount::Ip1(state.engine.store().create_ip1(spec, Origin::Runtime)?)
        }
        NewAccount::Viamobile(spec) => {
            AnyAccount::Viamobile(state.engine.store().create_viamobile(spec, Origin::Runtime)?)
        }
    };
    Ok(json(StatusCode::CREATED, &AccountView::of(&account)))
}

/// `DELETE /_mock/reset[?account=]`: one account forgets everything it did
/// (data, clock, and its rules, faults, failure scripts and journal
/// entries), or everything goes back to the fixtures.
#[utoipa::path(delete, path = "/_mock/reset", tag = CONTROL_TAG, params(AccountQuery),
    responses((status = OK, description = "What was reset.", body = ResetDone)))]
pub async fn reset(
    State(state): State<AppState>,
    ControlQuery(filter): ControlQuery<AccountQuery>,
) -> Result<Response, ControlError> {
    let account = filter.account.map(|name| state.engine.store().account_id(&name));
    let scope = match account.as_deref() {
        Some(name) => Scope::Account(name),
        None => Scope::All,
    };
    state
        .engine
        .reset(scope)
        .ok_or_else(|| ControlError::unknown_account(account.as_deref().unwrap_or_default()))?;
    let reset = if account.is_some() { "account" } else { "all" };
    Ok(json(StatusCode::OK, &ResetDone { reset, account }))
}

/// The answer of `DELETE /_mock/reset`.
#[derive(Serialize, ToSchema)]
pub struct ResetDone {
    /// `account` or `all`.
    reset: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
}
