//! `/api/authentications`: one-time codes. `POST` sends a code to a phone
//! in an SMS (through the engine, as any send: charged, blacklist, rules);
//! `POST /validate` with `{Phone, Code}` uses it. The code itself is never
//! in an answer — a test reads it from the SMS, e.g.
//! `GET /_mock/phones/{msisdn}/messages/latest`. Settings fill what a
//! request leaves out.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::V1Error;
use super::{ModelState, V1Body, V1Caller, V1Path, path_id, read, serialize_v1_time};
use crate::domain::authentication::{
    AuthSettings, Authentication, DEFAULT_CONCURRENT_LIMIT, DEFAULT_EXPIRATION, DEFAULT_FROM,
    DEFAULT_LENGTH, DEFAULT_MESSAGE_FORMAT, new_code,
};
use crate::domain::msisdn::Msisdn;
use crate::domain::sender::normalize_ip1_sender;
use crate::gateways::ip1::json::StringOrNumber;
use crate::http::json;
use crate::http::lenient::Field;
use crate::openapi::IP1_V1_TAG;
use crate::state::AppState;

const LENGTHS: std::ops::RangeInclusive<u8> = 3..=25;
const EXPIRATIONS: std::ops::RangeInclusive<u32> = 1..=86_400;
const LIMITS: std::ops::RangeInclusive<u32> = 1..=1000;

/// A code as the API shows it: everything but the code.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = V1Authentication)]
#[serde(rename_all = "PascalCase")]
pub struct AuthenticationDocument {
    #[serde(rename = "ID")]
    id: u32,
    phone: String,
    from: String,
    message_format: String,
    length: u8,
    numeric_only: bool,
    /// Seconds the code is valid.
    expiration_time: u32,
    #[serde(serialize_with = "serialize_v1_time")]
    #[schema(value_type = String)]
    created: DateTime<Utc>,
    #[serde(serialize_with = "serialize_v1_time")]
    #[schema(value_type = String)]
    expires: DateTime<Utc>,
    /// `Active`, `Used` or `Expired`.
    status: &'static str,
}

impl AuthenticationDocument {
    fn of(authentication: &Authentication, now: DateTime<Utc>) -> AuthenticationDocument {
        let a = authentication.clone();
        let status = match () {
            () if a.used.is_some() => "Used",
            () if a.is_active(now) => "Active",
            () => "Expired",
        };
        AuthenticationDocument {
            id: a.id,
            phone: a.phone.to_string(),
            expires: a.expires(),
            from: a.from,
            message_format: a.message_format,
            length: a.length,
            numeric_only: a.numeric_only,
            expiration_time: a.expiration_time,
            created: a.created,
            status,
        }
    }
}

/// The body of `POST /api/authentications`; what is left out comes from
/// the settings, else the defaults.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = V1AuthenticationRequest)]
#[serde(rename_all = "PascalCase")]
pub struct AuthenticationRequest {
    /// The phone to send the code to.
    #[schema(value_type = String, pattern = r"^(\+|00)?[1-9][0-9]{7,14}$")]
    phone: Field<StringOrNumber>,
    /// The sender (default `iP1`); registered on the account.
    #[schema(value_type = Option<String>, pattern = r"^(\+?[1-9][0-9]{2,14}|[A-Za-z0-9]{3,11})$")]
    from: Field<String>,
    /// The text, with `{0}` where the code goes.
    #[schema(value_type = Option<String>, pattern = r"\{0\}")]
    message_format: Field<String>,
    /// 3 to 25 characters (default 5).
    #[schema(value_type = Option<u8>, minimum = 3, maximum = 25)]
    length: Field<u8>,
    /// Seconds the code is valid: 1 to 86400 (default 1200).
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 86400)]
    expiration_time: Field<u32>,
    /// Digits only (default false: digits and capital letters).
    #[schema(value_type = Option<bool>)]
    numeric_only: Field<bool>,
}

/// The account's settings; `null` is "not set" (the default applies).
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = V1AuthenticationSettings)]
#[serde(rename_all = "PascalCase")]
pub struct SettingsDocument {
    /// Active codes one number may have at once: 1 to 1000 (default 5).
    #[schema(minimum = 1, maximum = 1000)]
    concurrent_limit: Option<u32>,
    /// Default `iP1`.
    #[schema(pattern = r"^(\+?[1-9][0-9]{2,14}|[A-Za-z0-9]{3,11})$")]
    from: Option<String>,
    /// Must contain `{0}`.
    #[schema(pattern = r"\{0\}")]
    message_format: Option<String>,
    /// 3 to 25 (default 5).
    #[schema(minimum = 3, maximum = 25)]
    length: Option<u8>,
    /// 1 to 86400 seconds (default 1200).
    #[schema(minimum = 1, maximum = 86400)]
    expiration_time: Option<u32>,
    /// Default false.
    numeric_only: Option<bool>,
}

/// The body of `POST /api/authentications/validate`.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = V1Validation)]
#[serde(rename_all = "PascalCase")]
pub struct ValidationRequest {
    #[schema(value_type = String, pattern = r"^(\+|00)?[1-9][0-9]{7,14}$")]
    phone: Field<StringOrNumber>,
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    code: Field<StringOrNumber>,
}

fn phone(field: Field<StringOrNumber>, problems: &mut ModelState) -> Option<Msisdn> {
    match field {
        Field::Given(StringOrNumber(raw)) => Msisdn::plausible(&raw)
            .map_err(|_| problems.add("Phone", format!("{raw:?} is not a phone number.")))
            .ok(),
        _ => {
            problems.add("Phone", "The Phone field is required.");
            None
        }
    }
}

/// Checks a value against its rule when it is given.
fn given<T>(
    field: Field<T>,
    name: &str,
    ok: impl Fn(&T) -> bool,
    rule: &str,
    problems: &mut ModelState,
) -> Option<T> {
    match field {
        Field::Given(value) if ok(&value) => Some(value),
        Field::Absent | Field::Null => None,
        _ => {
            problems.add(name, rule);
            None
        }
    }
}

/// `GET /api/authentications`.
#[utoipa::path(get, path = "/api/authentications", tag = IP1_V1_TAG,
    responses((status = OK, description = "Every code sent, oldest first (without the codes).", body = Vec<AuthenticationDocument>)))]
pub async fn list(caller: V1Caller) -> Response {
    let now = caller.account().clock().now();
    let documents: Vec<AuthenticationDocument> = caller.account().read(|data| {
        data.authentications.list().iter().map(|a| AuthenticationDocument::of(a, now)).collect()
    });
    json(StatusCode::OK, &documents)
}

/// `POST /api/authentications`: sends a new code to `Phone`.
#[utoipa::path(post, path = "/api/authentications", tag = IP1_V1_TAG, request_body = AuthenticationRequest,
    responses(
        (status = OK, description = "The code sent (without the code).", body = AuthenticationDocument),
        (status = FORBIDDEN, description = "The balance does not cover the SMS.", body = super::error::V1ErrorBody),
        (status = CONFLICT, description = "The phone has ConcurrentLimit active codes already, or is blacklisted.", body = super::error::V1ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: V1Caller,
    V1Body(body): V1Body,
) -> Result<Response, V1Error> {
    let request: AuthenticationRequest = read(&body, "authentication")?;
    let settings = caller.account().read(|data| data.authentications.settings.clone());
    let mut problems = ModelState::default();
    let number = phone(request.phone, &mut problems);
    let from = given(
        request.from,
        "From",
        |f: &String| normalize_ip1_sender(f.trim()).is_ok(),
        "From is a sender: 3 to 11 letters and digits, or up to 15 digits.",
        &mut problems,
    )
    .or(settings.from)
    .unwrap_or_else(|| DEFAULT_FROM.to_owned());
    let format = given(
        request.message_format,
        "MessageFormat",
        |f: &String| f.contains("{0}"),
        "MessageFormat must contain {0} where the code goes.",
        &mut problems,
    )
    .or(settings.message_format)
    .unwrap_or_else(|| DEFAULT_MESSAGE_FORMAT.to_owned());
    let length = given(
        request.length,
        "Length",
        |l| LENGTHS.contains(l),
        "Length is 3 to 25.",
        &mut problems,
    )
    .or(settings.length)
    .unwrap_or(DEFAULT_LENGTH);
    let expiration = given(
        request.expiration_time,
        "ExpirationTime",
        |e| EXPIRATIONS.contains(e),
        "ExpirationTime is 1 to 86400 seconds.",
        &mut problems,
    )
    .or(settings.expiration_time)
    .unwrap_or(DEFAULT_EXPIRATION);
    let numeric_only = given(
        request.numeric_only,
        "NumericOnly",
        |_| true,
        "NumericOnly is true or false.",
        &mut problems,
    )
    .or(settings.numeric_only)
    .unwrap_or(false);
    problems.into_result(())?;
    let Some(number) = number else {
        return Err(V1Error::field("Phone", "The Phone field is required."));
    };
    let now = caller.account().clock().now();
    let limit = settings.concurrent_limit.unwrap_or(DEFAULT_CONCURRENT_LIMIT) as usize;
    if caller.account().read(|data| data.authentications.active(&number, now)) >= limit {
        return Err(V1Error::Conflict(format!(
            "{number} has {limit} active codes already (ConcurrentLimit)."
        )));
    }
    let code = new_code(length, numeric_only);
    let sender =
        normalize_ip1_sender(from.trim()).map_err(|err| V1Error::field("From", err.to_string()))?;
    let text = format.replace("{0}", &code);
    super::sms::send_one(&state, &caller, sender.clone(), number.clone(), text).map_err(|err| {
        match err {
            V1Error::BadRequest(_) if caller.account().read(|d| d.blacklist.contains(&number)) => {
                V1Error::Conflict(format!("{number} is blacklisted."))
            }
            other => other,
        }
    })?;
    let authentication = Authentication {
        id: 0,
        phone: number,
        from: sender,
        message_format: format,
        length,
        numeric_only,
        expiration_time: expiration,
        code,
        created: now,
        used: None,
    };
    let stored = caller.edit(|records| records.authentications.add(authentication));
    Ok(json(StatusCode::OK, &AuthenticationDocument::of(&stored, now)))
}

/// `GET /api/authentications/{id}`.
#[utoipa::path(get, path = "/api/authentications/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The code's id.")),
    responses((status = OK, description = "The code sent (without the code).", body = AuthenticationDocument)))]
pub async fn get(caller: V1Caller, V1Path(raw): V1Path<String>) -> Result<Response, V1Error> {
    let id = path_id("Authentication", &raw)?;
    let now = caller.account().clock().now();
    caller.account().read(|data| {
        let found =
            data.authentications.get(id).ok_or_else(|| V1Error::no("Authentication", id))?;
        Ok(json(StatusCode::OK, &AuthenticationDocument::of(found, now)))
    })
}

/// `DELETE /api/authentications/{id}`: the code can no longer be used.
#[utoipa::path(delete, path = "/api/authentications/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The code's id.")),
    responses((status = OK, description = "The deleted code (without the code).", body = AuthenticationDocument)))]
pub async fn delete(caller: V1Caller, V1Path(raw): V1Path<String>) -> Result<Response, V1Error> {
    let id = path_id("Authentication", &raw)?;
    let now = caller.account().clock().now();
    caller.edit(|records| {
        let removed =
            records.authentications.remove(id).ok_or_else(|| V1Error::no("Authentication", id))?;
        Ok(json(StatusCode::OK, &AuthenticationDocument::of(&removed, now)))
    })
}

/// `POST /api/authentications/validate` with `{Phone, Code}`: a code that
/// is active for the phone is valid, and used from then on.
#[utoipa::path(post, path = "/api/authentications/validate", tag = IP1_V1_TAG, request_body = ValidationRequest,
    responses(
        (status = OK, description = "Valid: the code, now used.", body = AuthenticationDocument),
        (status = NOT_FOUND, description = "Not a code the phone has active (wrong, used, expired or deleted).", body = super::error::V1ErrorBody),
    ))]
pub async fn validate(caller: V1Caller, V1Body(body): V1Body) -> Result<Response, V1Error> {
    let request: ValidationRequest = read(&body, "validation")?;
    let mut problems = ModelState::default();
    let number = phone(request.phone, &mut problems);
    let code = match request.code {
        Field::Given(StringOrNumber(code)) => code,
        _ => {
            problems.add("Code", "The Code field is required.");
            String::new()
        }
    };
    problems.into_result(())?;
    let Some(number) = number else {
        return Err(V1Error::field("Phone", "The Phone field is required."));
    };
    let now = caller.account().clock().now();
    let used = caller.edit(|records| records.authentications.validate(&number, code.trim(), now));
    let used = used.ok_or_else(|| {
        V1Error::NotFound(format!("{number} has no active code {:?}.", code.trim()))
    })?;
    Ok(json(StatusCode::OK, &AuthenticationDocument::of(&used, now)))
}

fn settings_document(settings: AuthSettings) -> SettingsDocument {
    SettingsDocument {
        concurrent_limit: settings.concurrent_limit,
        from: settings.from,
        message_format: settings.message_format,
        length: settings.length,
        expiration_time: settings.expiration_time,
        numeric_only: settings.numeric_only,
    }
}

/// `GET /api/authentications/settings`.
#[utoipa::path(get, path = "/api/authentications/settings", tag = IP1_V1_TAG,
    responses((status = OK, description = "The settings; `null` is not set.", body = SettingsDocument)))]
pub async fn settings(caller: V1Caller) -> Response {
    let settings = caller.account().read(|data| data.authentications.settings.clone());
    json(StatusCode::OK, &settings_document(settings))
}

/// `PUT /api/authentications/settings`: replaces every setting (`null`
/// unsets one).
#[utoipa::path(put, path = "/api/authentications/settings", tag = IP1_V1_TAG, request_body = SettingsDocument,
    responses((status = OK, description = "The settings.", body = SettingsDocument)))]
pub async fn put_settings(caller: V1Caller, V1Body(body): V1Body) -> Result<Response, V1Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Sent {
        concurrent_limit: Field<u32>,
        from: Field<String>,
        message_format: Field<String>,
        length: Field<u8>,
        expiration_time: Field<u32>,
        numeric_only: Field<bool>,
    }
    let sent: Sent = read(&body, "settings")?;
    let mut problems = ModelState::default();
    let settings = AuthSettings {
        concurrent_limit: given(
            sent.concurrent_limit,
            "ConcurrentLimit",
            |l| LIMITS.contains(l),
            "ConcurrentLimit is 1 to 1000.",
            &mut problems,
        ),
        from: given(
            sent.from,
            "From",
            |f: &String| normalize_ip1_sender(f.trim()).is_ok(),
            "From is a sender: 3 to 11 letters and digits, or up to 15 digits.",
            &mut problems,
        ),
        message_format: given(
            sent.message_format,
            "MessageFormat",
            |f: &String| f.contains("{0}"),
            "MessageFormat must contain {0} where the code goes.",
            &mut problems,
        ),
        length: given(
            sent.length,
            "Length",
            |l| LENGTHS.contains(l),
            "Length is 3 to 25.",
            &mut problems,
        ),
        expiration_time: given(
            sent.expiration_time,
            "ExpirationTime",
            |e| EXPIRATIONS.contains(e),
            "ExpirationTime is 1 to 86400 seconds.",
            &mut problems,
        ),
        numeric_only: given(
            sent.numeric_only,
            "NumericOnly",
            |_| true,
            "NumericOnly is true or false.",
            &mut problems,
        ),
    };
    problems.into_result(())?;
    caller.edit(|records| records.authentications.settings = settings.clone());
    Ok(json(StatusCode::OK, &settings_document(settings)))
}
