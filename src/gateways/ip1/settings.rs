//! Account SMS settings (§13), under both `/v2/me/sms/settings` and
//! `/me/sms/settings`. The one documented setting is `IncomingCallbackUrl`
//! (an absolute URL; default `null`, which switches incoming-SMS callbacks
//! off). Setting names are matched in any case.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Ip1Caller;
use super::error::Ip1Error;
use super::json::{Ip1Json, Properties};
use crate::http::{is_absolute_http_url, json};

pub const INCOMING_CALLBACK_URL: &str = "IncomingCallbackUrl";

/// The canonical name of a known setting.
fn setting(name: &str) -> Result<&'static str, Ip1Error> {
    if name.eq_ignore_ascii_case(INCOMING_CALLBACK_URL) {
        Ok(INCOMING_CALLBACK_URL)
    } else {
        Err(Ip1Error::NotFound)
    }
}

fn answer(name: &str, value: Option<&str>) -> Response {
    json(StatusCode::OK, &json!({ "name": name, "value": value }))
}

/// `GET .../sms/settings`: every setting with its value (`null` = default).
pub async fn list(caller: Ip1Caller) -> Response {
    let url = caller.account.read(|data| data.profile.incoming_callback_url.clone());
    json(StatusCode::OK, &json!({ INCOMING_CALLBACK_URL: url }))
}

/// `GET .../sms/settings/{setting}`.
pub async fn get(caller: Ip1Caller, Path(name): Path<String>) -> Result<Response, Ip1Error> {
    let name = setting(&name)?;
    let url = caller.account.read(|data| data.profile.incoming_callback_url.clone());
    Ok(answer(name, url.as_deref()))
}

/// `PUT .../sms/settings/{setting}`: the body is the value as a JSON
/// string, or `{"value": "..."}`.
pub async fn put(
    caller: Ip1Caller,
    Path(name): Path<String>,
    Ip1Json(body): Ip1Json<Value>,
) -> Result<Response, Ip1Error> {
    let name = setting(&name)?;
    let value = match body {
        Value::String(text) => Some(text),
        other => Properties::of(other)
            .and_then(|mut p| p.take("value"))
            .and_then(|v| v.as_str().map(str::to_owned)),
    };
    let url = value.ok_or_else(|| {
        Ip1Error::field("value", "The value must be a string, or {\"value\": \"...\"}.")
    })?;
    if !is_absolute_http_url(&url) || url.len() > 2047 {
        return Err(Ip1Error::field(
            "value",
            format!("{name} must be an absolute http(s) URL of at most 2047 characters."),
        ));
    }
    caller.account.write(|data| data.profile.incoming_callback_url = Some(url.clone()));
    Ok(answer(name, Some(&url)))
}

/// `DELETE .../sms/settings/{setting}`: back to the default (`null`).
pub async fn delete(caller: Ip1Caller, Path(name): Path<String>) -> Result<Response, Ip1Error> {
    let name = setting(&name)?;
    caller.account.write(|data| data.profile.incoming_callback_url = None);
    Ok(answer(name, None))
}
