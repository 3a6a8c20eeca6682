//! `/_mock/rules`: outcome rules for matching messages.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::AccountQuery;
use super::error::{ControlError, ControlJson, ControlQuery};
use crate::http::json;
use crate::rules::RuleSpec;
use crate::state::AppState;

/// `POST /_mock/rules`: adds a rule; answers 201 with it and its id.
pub async fn add(
    State(state): State<AppState>,
    ControlJson(spec): ControlJson<RuleSpec>,
) -> Result<Response, ControlError> {
    if let Some(name) = spec.account.as_deref() {
        state.store.find(name).ok_or_else(|| ControlError::unknown_account(name))?;
    }
    if spec.recipient.as_deref().is_some_and(|r| r.is_empty()) {
        return Err(ControlError::bad_request(
            "`recipient` is an MSISDN, or a prefix followed by *",
        ));
    }
    Ok(json(StatusCode::CREATED, &state.rules.add(spec)))
}

/// `GET /_mock/rules[?account=]`.
pub async fn list(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<AccountQuery>,
) -> Response {
    json(StatusCode::OK, &state.rules.list(query.account.as_deref()))
}

/// `DELETE /_mock/rules/{id}`.
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ControlError> {
    let rule = id
        .parse()
        .ok()
        .and_then(|id| state.rules.remove(id))
        .ok_or_else(|| ControlError::new(StatusCode::NOT_FOUND, format!("no rule {id:?}")))?;
    Ok(json(StatusCode::OK, &rule))
}

/// `DELETE /_mock/rules[?account=]`: every rule, or one account's.
pub async fn clear(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<AccountQuery>,
) -> Response {
    let removed = state.rules.clear(query.account.as_deref());
    json(StatusCode::OK, &json!({ "removed": removed }))
}
