//! `/_mock/clock`: read, move and configure the accounts' virtual clocks.
//! Moving a clock runs everything that became due (status changes and
//! callback attempts, in time order) before answering, and answers with
//! what happened.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};

use super::AccountQuery;
use super::error::{ControlError, ControlErrorBody, ControlJson, ControlQuery};
use crate::clock::{Clock, ClockError, ClockMode, ClockSettings};
use crate::domain::time::{later, latest, parse_iso, parse_iso_duration, serialize_iso};
use crate::engine::run::Pass;
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;
use crate::store::AnyAccount;

/// `GET /_mock/clock` without `?account=`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AllClocks {
    /// The clock settings accounts created from now on get.
    new_accounts: ClockSettings,
    accounts: Vec<ClockView>,
}

/// One clock, or all of them.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum Clocks {
    One(ClockView),
    All(AllClocks),
}

/// What moving clocks did, and the clocks after.
#[derive(Serialize, utoipa::ToSchema)]
struct Moved {
    #[serde(flatten)]
    pass: Pass,
    accounts: Vec<ClockView>,
}

/// Events listed in an answer unless the caller asks for another number.
const DEFAULT_EVENT_CAP: usize = 1000;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ClockView {
    account: String,
    #[serde(serialize_with = "serialize_iso")]
    now: DateTime<Utc>,
    mode: ClockMode,
    speed: f64,
}

fn view(account: &AnyAccount) -> ClockView {
    let clock = account.clock();
    let settings = clock.settings();
    ClockView {
        account: account.id().to_owned(),
        now: clock.now(),
        mode: settings.mode,
        speed: settings.speed,
    }
}

/// One named account, or every account.
fn targets(state: &AppState, account: Option<&str>) -> Result<Vec<AnyAccount>, ControlError> {
    match account {
        Some(name) => Ok(vec![
            state.engine.store().find(name).ok_or_else(|| ControlError::unknown_account(name))?,
        ]),
        None => Ok(state.engine.store().list()),
    }
}

/// `GET /_mock/clock[?account=]`.
#[utoipa::path(get, path = "/_mock/clock", tag = CONTROL_TAG, params(AccountQuery),
    responses((status = OK, description = "One account's clock (with `?account=`), or every clock and the settings of accounts created later.", body = Clocks)))]
pub async fn get(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<AccountQuery>,
) -> Result<Response, ControlError> {
    let store = state.engine.store();
    let clocks = match query.account.as_deref() {
        Some(name) => {
            Clocks::One(view(&store.find(name).ok_or_else(|| ControlError::unknown_account(name))?))
        }
        None => Clocks::All(AllClocks {
            new_accounts: store.new_account_clock(),
            accounts: store.list().iter().map(view).collect(),
        }),
    };
    Ok(json(StatusCode::OK, &clocks))
}

/// Moves one account's clock with `move_clock` (which returns the new
/// time or refuses) and runs what became due.
async fn move_and_run(
    state: &AppState,
    account: &AnyAccount,
    cap: usize,
    move_clock: impl Fn(&Clock) -> Result<DateTime<Utc>, ControlError>,
) -> Result<(ClockView, Pass), ControlError> {
    let pass = state.engine.move_clock(account, cap, move_clock).await?;
    Ok((view(account), pass))
}

/// Runs `move_and_run` for every target and answers with the merged pass.
async fn move_all(
    state: &AppState,
    targets: Vec<AnyAccount>,
    cap: usize,
    move_clock: impl Fn(&Clock) -> Result<DateTime<Utc>, ControlError> + Copy,
) -> Result<Response, ControlError> {
    let runs = targets.iter().map(|account| move_and_run(state, account, cap, move_clock));
    let mut clocks = Vec::new();
    let mut pass = Pass::default();
    for result in futures::future::join_all(runs).await {
        let (clock, account_pass) = result?;
        clocks.push(clock);
        pass.merge(account_pass, cap);
    }
    Ok(json(StatusCode::OK, &Moved { pass, accounts: clocks }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Advance {
    #[serde(default)]
    account: Option<String>,
    /// Virtual seconds to move forward; give this or `duration`.
    #[serde(default)]
    seconds: Option<f64>,
    /// ISO-8601, e.g. `PT10M`.
    #[serde(default)]
    duration: Option<String>,
    /// How many events to list (default 1000).
    #[serde(default)]
    events: Option<usize>,
}

/// An ISO-8601 duration as [`parse_iso_duration`] reads it: weeks, days,
/// hours, minutes, seconds, at least one.
const DURATION_PATTERN: &str = r"^\s*[Pp](?![Tt]?\s*$)([0-9]+(\.[0-9]+)?[Ww])?([0-9]+(\.[0-9]+)?[Dd])?([Tt](?=[0-9])([0-9]+(\.[0-9]+)?[Hh])?([0-9]+(\.[0-9]+)?[Mm])?([0-9]+(\.[0-9]+)?[Ss])?)?\s*$";

impl utoipa::PartialSchema for Advance {
    /// `seconds` or `duration`, not both; how far is checked against the
    /// clocks (none may pass the end of year 9999).
    fn schema() -> RefOr<Schema> {
        let common = || {
            ObjectBuilder::new()
                .property("account", ObjectBuilder::new().schema_type(nullable(Type::String)))
                .property(
                    "events",
                    ObjectBuilder::new().schema_type(nullable(Type::Integer)).minimum(Some(0)),
                )
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        };
        let null = || ObjectBuilder::new().schema_type(Type::Null);
        let by_seconds = common()
            .property(
                "seconds",
                ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .minimum(Some(0))
                    .exclusive_maximum(Some(1e12))
                    .description(Some("Virtual seconds to move forward.")),
            )
            .property("duration", null())
            .required("seconds");
        let by_duration = common()
            .property(
                "duration",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(DURATION_PATTERN))
                    .description(Some(
                        "ISO-8601, e.g. `PT10M`: weeks, days, hours, minutes, seconds.",
                    )),
            )
            .property("seconds", null())
            .required("duration");
        let one_of = OneOfBuilder::new().item(by_seconds).item(by_duration).description(Some(
            "How far to move the clocks: `seconds` or `duration`, not both; `account` (or the \
             query's) for one account, else all; `events`, how many to list (default 1000).",
        ));
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl utoipa::ToSchema for Advance {}

/// A type, or `null`.
fn nullable(kind: Type) -> SchemaType {
    SchemaType::from_iter([kind, Type::Null])
}

/// `POST /_mock/clock/advance`: `{"seconds": 600}` or `{"duration": "PT10M"}`,
/// for one account (`account` in the body or the query) or all.
#[utoipa::path(post, path = "/_mock/clock/advance", tag = CONTROL_TAG, params(AccountQuery),
    request_body = Advance,
    responses((status = OK, description = "What became due and ran, and the clocks now.", body = Moved)))]
pub async fn advance(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<AccountQuery>,
    ControlJson(body): ControlJson<Advance>,
) -> Result<Response, ControlError> {
    let by = match (body.seconds, body.duration.as_deref()) {
        (Some(seconds), None) if seconds.is_finite() && (0.0..1e12).contains(&seconds) => {
            TimeDelta::microseconds((seconds * 1e6) as i64)
        }
        (None, Some(text)) => parse_iso_duration(text).ok_or_else(|| {
            ControlError::bad_request(format!("{text:?} is not an ISO-8601 duration such as PT10M"))
        })?,
        _ => {
            return Err(ControlError::bad_request(
                "give either `seconds` (0 or more) or `duration` (ISO-8601)",
            ));
        }
    };
    let account = body.account.or(query.account);
    let targets = targets(&state, account.as_deref())?;
    // Refused for all before any moves.
    if targets.iter().any(|t| later(t.clock().now(), by) > latest()) {
        return Err(ControlError::bad_request(ClockError::BeyondLatest.to_string()));
    }
    move_all(&state, targets, body.events.unwrap_or(DEFAULT_EVENT_CAP), |clock| {
        clock.advance(by).map_err(|err| ControlError::bad_request(err.to_string()))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetTime {
    #[serde(default)]
    account: Option<String>,
    /// ISO-8601, not before the clock's time.
    #[schema(format = DateTime)]
    time: String,
    #[serde(default)]
    events: Option<usize>,
}

/// `POST /_mock/clock/set`: `{"time": "2026-01-01T00:00:00Z"}`; time only
/// moves forward (a time before the clock's answers 409).
#[utoipa::path(post, path = "/_mock/clock/set", tag = CONTROL_TAG, params(AccountQuery),
    request_body = SetTime,
    responses(
        (status = OK, description = "What became due and ran, and the clocks now.", body = Moved),
        (status = CONFLICT, description = "A clock is past that time already.", body = ControlErrorBody),
    ))]
pub async fn set(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<AccountQuery>,
    ControlJson(body): ControlJson<SetTime>,
) -> Result<Response, ControlError> {
    let to = parse_iso(&body.time).ok_or_else(|| {
        ControlError::bad_request(format!(
            "{:?} is not an ISO-8601 date and time from year 1 to 9999",
            body.time
        ))
    })?;
    let account = body.account.or(query.account);
    let targets = targets(&state, account.as_deref())?;
    move_all(&state, targets, body.events.unwrap_or(DEFAULT_EVENT_CAP), move |clock| {
        clock.set(to).map_err(|err| match err {
            // The time is fine; the clock is past it already.
            ClockError::Backwards { .. } => {
                ControlError::new(StatusCode::CONFLICT, err.to_string())
            }
            ClockError::BeyondLatest => ControlError::bad_request(err.to_string()),
        })
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Configure {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    mode: Option<ClockMode>,
    /// Virtual seconds per real second, above 0 and at most 1,000,000.
    #[serde(default)]
    #[schema(exclusive_minimum = 0, maximum = 1000000)]
    speed: Option<f64>,
}

/// `PUT /_mock/clock`: `{"mode": "manual"}`, `{"mode": "realtime",
/// "speed": 60}`, for one account or all (and accounts created later).
#[utoipa::path(put, path = "/_mock/clock", tag = CONTROL_TAG, params(AccountQuery),
    request_body = Configure,
    responses((status = OK, description = "The clocks changed.", body = Vec<ClockView>)))]
pub async fn configure(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<AccountQuery>,
    ControlJson(body): ControlJson<Configure>,
) -> Result<Response, ControlError> {
    if body.speed.is_some_and(|speed| !ClockSettings { mode: ClockMode::Manual, speed }.is_valid())
    {
        return Err(ControlError::bad_request("speed must be above 0 and at most 1000000"));
    }
    let account = body.account.or(query.account);
    let targets = targets(&state, account.as_deref())?;
    let settings = |current: ClockSettings| ClockSettings {
        mode: body.mode.unwrap_or(current.mode),
        speed: body.speed.unwrap_or(current.speed),
    };
    for target in &targets {
        state.engine.configure_clock(target, settings(target.clock().settings()));
    }
    if account.is_none() {
        state
            .engine
            .store()
            .set_new_account_clock(settings(state.engine.store().new_account_clock()));
    }
    let views: Vec<ClockView> = targets.iter().map(view).collect();
    Ok(json(StatusCode::OK, &views))
}
