//! `/_mock/rules`: outcome rules for matching messages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::error::{ControlError, ControlJson, ControlPath, ControlQuery};
use super::{AccountQuery, Removed};
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::rules::{Rule, RuleSpec};
use crate::state::AppState;

/// `POST /_mock/rules`: adds a rule; answers 201 with it and its id.
#[utoipa::path(post, path = "/_mock/rules", tag = CONTROL_TAG, request_body = RuleSpec,
    responses((status = CREATED, description = "The rule, with its id.", body = Rule)))]
pub async fn add(
    State(state): State<AppState>,
    ControlJson(spec): ControlJson<RuleSpec>,
) -> Result<Response, ControlError> {
    // `account` is matched, not looked up: a rule may wait for an account
    // that does not exist yet, as fault rules and failure scripts may.
    if spec.recipient.as_deref().is_some_and(|r| r.is_empty()) {
        return Err(ControlError::bad_request(
            "`recipient` is an MSISDN, or a prefix followed by *",
        ));
    }
    Ok(json(StatusCode::CREATED, &state.engine.rules.add(spec)))
}

/// `GET /_mock/rules[?account=]`.
#[utoipa::path(get, path = "/_mock/rules", tag = CONTROL_TAG, params(AccountQuery),
    responses((status = OK, description = "The rules, oldest first.", body = Vec<Rule>)))]
pub async fn list(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<AccountQuery>,
) -> Response {
    json(StatusCode::OK, &state.engine.rules.list(query.account.as_deref()))
}

/// `DELETE /_mock/rules/{id}`.
#[utoipa::path(delete, path = "/_mock/rules/{id}", tag = CONTROL_TAG,
    params(("id" = String, Path, description = "The rule's id.")),
    responses((status = OK, description = "The removed rule.", body = Rule)))]
pub async fn remove(
    State(state): State<AppState>,
    ControlPath(id): ControlPath<String>,
) -> Result<Response, ControlError> {
    let rule = id
        .parse()
        .ok()
        .and_then(|id| state.engine.rules.remove(id))
        .ok_or_else(|| ControlError::new(StatusCode::NOT_FOUND, format!("no rule {id:?}")))?;
    Ok(json(StatusCode::OK, &rule))
}

/// `DELETE /_mock/rules[?account=]`: every rule, or one account's.
#[utoipa::path(delete, path = "/_mock/rules", tag = CONTROL_TAG, params(AccountQuery),
    responses((status = OK, description = "How many rules were removed.", body = Removed)))]
pub async fn clear(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<AccountQuery>,
) -> Response {
    let removed = state.engine.rules.clear(query.account.as_deref());
    json(StatusCode::OK, &Removed { removed })
}
