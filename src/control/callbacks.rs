//! `/_mock/callbacks`: the callback journal, redelivery, and failure
//! scripts.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::Removed;
use super::error::{ControlError, ControlJson, ControlPath, ControlQuery};
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;
use crate::webhooks::failures::{FailureScript, FailureSpec};
use crate::webhooks::journal::{AttemptRecord, Filter};

/// `GET /_mock/callbacks`: every attempt, oldest first, filtered by
/// `account`, `batch`, `message`, `url` and `outcome`
/// (`delivered`, `failed`, `dropped`).
#[utoipa::path(get, path = "/_mock/callbacks", tag = CONTROL_TAG, params(Filter),
    responses((status = OK, description = "Callback attempts, oldest first.", body = Vec<AttemptRecord>)))]
pub async fn list(
    State(state): State<AppState>,
    ControlQuery(filter): ControlQuery<Filter>,
) -> Response {
    json(StatusCode::OK, &state.engine.callbacks.journal.list(&filter))
}

/// `POST /_mock/callbacks/{id}/redeliver`: sends a journaled callback once
/// more, now, without failure scripts or retries; answers the attempt.
#[utoipa::path(post, path = "/_mock/callbacks/{id}/redeliver", tag = CONTROL_TAG,
    params(("id" = String, Path, description = "A journaled attempt's id.")),
    responses((status = OK, description = "The new attempt.", body = AttemptRecord)))]
pub async fn redeliver(
    State(state): State<AppState>,
    ControlPath(id): ControlPath<String>,
) -> Result<Response, ControlError> {
    let attempt = match id.parse() {
        Ok(id) => state.engine.redeliver(id).await,
        Err(_) => None,
    };
    let attempt = attempt.ok_or_else(|| {
        ControlError::new(StatusCode::NOT_FOUND, format!("no callback attempt {id:?}"))
    })?;
    Ok(json(StatusCode::OK, &attempt))
}

/// `POST /_mock/callbacks/failures`: adds a failure script.
#[utoipa::path(post, path = "/_mock/callbacks/failures", tag = CONTROL_TAG, request_body = FailureSpec,
    responses((status = CREATED, description = "The script, with its id.", body = FailureScript)))]
pub async fn add_failure(
    State(state): State<AppState>,
    ControlJson(spec): ControlJson<FailureSpec>,
) -> Result<Response, ControlError> {
    if let Some(name) = spec.account.as_deref() {
        state.engine.store().find(name).ok_or_else(|| ControlError::unknown_account(name))?;
    }
    Ok(json(StatusCode::CREATED, &state.engine.callbacks.failures.add(spec)))
}

/// `GET /_mock/callbacks/failures`.
#[utoipa::path(get, path = "/_mock/callbacks/failures", tag = CONTROL_TAG,
    responses((status = OK, description = "Every failure script.", body = Vec<FailureScript>)))]
pub async fn list_failures(State(state): State<AppState>) -> Response {
    json(StatusCode::OK, &state.engine.callbacks.failures.list())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FailureQuery {
    /// The script to remove; all when absent.
    id: Option<u64>,
}

/// `DELETE /_mock/callbacks/failures[?id=]`: one script, or all.
#[utoipa::path(delete, path = "/_mock/callbacks/failures", tag = CONTROL_TAG, params(FailureQuery),
    responses((status = OK, description = "How many scripts were removed.", body = Removed)))]
pub async fn remove_failures(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<FailureQuery>,
) -> Result<Response, ControlError> {
    let removed = state.engine.callbacks.failures.remove(query.id);
    if query.id.is_some() && removed == 0 {
        return Err(ControlError::new(StatusCode::NOT_FOUND, "no such failure script"));
    }
    Ok(json(StatusCode::OK, &Removed { removed }))
}
