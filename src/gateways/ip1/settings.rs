//! Account SMS settings, under both `/v2/me/sms/settings` and
//! `/me/sms/settings`. The one documented setting is `IncomingCallbackUrl`
//! (an absolute URL; default `null`, which switches incoming-SMS callbacks
//! off). Setting names are matched in any case.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::auth::Ip1Caller;
use super::error::{Ip1Error, ProblemDetails};
use super::json::{Ip1Json, Ip1Path};
use crate::http::lenient::{Field, from_value};
use crate::http::{is_absolute_http_url, json};
use crate::openapi::IP1_TAG;

pub const INCOMING_CALLBACK_URL: &str = "IncomingCallbackUrl";

/// The canonical name of a known setting.
fn setting(name: &str) -> Result<&'static str, Ip1Error> {
    if name.eq_ignore_ascii_case(INCOMING_CALLBACK_URL) {
        Ok(INCOMING_CALLBACK_URL)
    } else {
        Err(Ip1Error::NotFound)
    }
}

/// One setting and its value; `null` is the default.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct SettingDocument<'a> {
    name: &'a str,
    value: Option<&'a str>,
}

/// Every setting by name, with its value (`null` = default).
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Settings {
    #[serde(rename = "IncomingCallbackUrl")]
    incoming_callback_url: Option<String>,
}

/// The body of a setting's PUT: the value as a JSON string, or in an
/// object (`value` in any case).
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
enum SettingValue {
    /// The value as a JSON string.
    Plain(String),
    /// The value in an object.
    Wrapped { value: String },
}

impl<'de> serde::Deserialize<'de> for SettingValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Wrapped {
            value: Field<String>,
        }
        let body = Value::deserialize(deserializer)?;
        let value = match &body {
            Value::String(value) => return Ok(SettingValue::Plain(value.clone())),
            Value::Object(_) => from_value::<Wrapped>(&body).ok().and_then(|w| w.value.given()),
            _ => None,
        };
        value
            .map(|value| SettingValue::Wrapped { value })
            .ok_or_else(|| serde::de::Error::custom("expected a string, or {\"value\": \"...\"}"))
    }
}

impl SettingValue {
    fn read(body: &Value) -> Option<String> {
        match from_value(body).ok()? {
            SettingValue::Plain(value) | SettingValue::Wrapped { value } => Some(value),
        }
    }
}

fn answer(name: &str, value: Option<&str>) -> Response {
    json(StatusCode::OK, &SettingDocument { name, value })
}

/// `GET .../sms/settings`: every setting with its value (`null` = default).
#[utoipa::path(get, path = "/sms/settings", tag = IP1_TAG,
    responses((status = OK, description = "Every setting.", body = Settings)))]
pub async fn list(caller: Ip1Caller) -> Response {
    let url = caller.account.read(|data| data.profile.incoming_callback_url.clone());
    json(StatusCode::OK, &Settings { incoming_callback_url: url })
}

/// `GET .../sms/settings/{setting}`: 404 for a setting that is not set
/// (the list shows it as `null`).
#[utoipa::path(get, path = "/sms/settings/{setting}", tag = IP1_TAG, params(("setting" = String, Path, description = "The setting's name, in any case: `IncomingCallbackUrl`.")),
    responses((status = OK, description = "The setting.", body = SettingDocument),
        (status = NOT_FOUND, description = "No such setting, or it is not set.", body = ProblemDetails)))]
pub async fn get(caller: Ip1Caller, Ip1Path(name): Ip1Path<String>) -> Result<Response, Ip1Error> {
    let name = setting(&name)?;
    let url = caller.account.read(|data| data.profile.incoming_callback_url.clone());
    Ok(answer(name, Some(url.as_deref().ok_or(Ip1Error::NotFound)?)))
}

/// `PUT .../sms/settings/{setting}`: the body is the value as a JSON
/// string, or `{"value": "..."}`.
#[utoipa::path(put, path = "/sms/settings/{setting}", tag = IP1_TAG, params(("setting" = String, Path, description = "The setting's name, in any case: `IncomingCallbackUrl`.")), request_body = SettingValue,
    responses((status = OK, description = "The setting, changed.", body = SettingDocument)))]
pub async fn put(
    caller: Ip1Caller,
    Ip1Path(name): Ip1Path<String>,
    Ip1Json(body): Ip1Json<Value>,
) -> Result<Response, Ip1Error> {
    let name = setting(&name)?;
    let url = SettingValue::read(&body).ok_or_else(|| {
        Ip1Error::field("value", "The value must be a string, or {\"value\": \"...\"}.")
    })?;
    if !is_absolute_http_url(&url) || url.len() > 2047 {
        return Err(Ip1Error::field(
            "value",
            format!("{name} must be an absolute http(s) URL of at most 2047 characters."),
        ));
    }
    caller.edit(|data| data.profile.incoming_callback_url = Some(url.clone()));
    Ok(answer(name, Some(&url)))
}

/// `DELETE .../sms/settings/{setting}`: back to the default (`null`).
#[utoipa::path(delete, path = "/sms/settings/{setting}", tag = IP1_TAG, params(("setting" = String, Path, description = "The setting's name, in any case: `IncomingCallbackUrl`.")),
    responses((status = OK, description = "The setting, back to its default.", body = SettingDocument)))]
pub async fn delete(
    caller: Ip1Caller,
    Ip1Path(name): Ip1Path<String>,
) -> Result<Response, Ip1Error> {
    let name = setting(&name)?;
    caller.edit(|data| data.profile.incoming_callback_url = None);
    Ok(answer(name, None))
}
