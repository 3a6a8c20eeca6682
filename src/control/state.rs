//! `/_mock/state`: export and import everything; save to the state file.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::error::{ControlError, ControlErrorBody, ControlJson};
use crate::engine::snapshot::Snapshot;
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;

/// `GET /_mock/state`: everything as one JSON document.
#[utoipa::path(get, path = "/_mock/state", tag = CONTROL_TAG,
    responses((status = OK, description = "Accounts, their data and clocks, rules, faults, failure scripts and journals.", body = Object)))]
pub async fn get(State(state): State<AppState>) -> Response {
    json(StatusCode::OK, &state.engine.export())
}

/// `PUT /_mock/state`: replaces everything with an exported document.
#[utoipa::path(put, path = "/_mock/state", tag = CONTROL_TAG,
    request_body(content = Object, description = "A document from `GET /_mock/state`."),
    responses((status = OK, description = "Imported.", body = Imported)))]
pub async fn put(
    State(state): State<AppState>,
    ControlJson(snapshot): ControlJson<Snapshot>,
) -> Result<Response, ControlError> {
    state.engine.import(snapshot).map_err(ControlError::bad_request)?;
    Ok(json(StatusCode::OK, &Imported { imported: true }))
}

/// `POST /_mock/state/save`: writes the state file now.
#[utoipa::path(post, path = "/_mock/state/save", tag = CONTROL_TAG,
    responses(
        (status = OK, description = "Written.", body = Saved),
        (status = CONFLICT, description = "Started without `--state-file`.", body = ControlErrorBody),
        (status = INTERNAL_SERVER_ERROR, description = "The file could not be written.", body = ControlErrorBody),
    ))]
pub async fn save(State(state): State<AppState>) -> Result<Response, ControlError> {
    let file = state.state_file.clone().ok_or_else(|| {
        ControlError::new(StatusCode::CONFLICT, "no state file: start with --state-file PATH")
    })?;
    let bytes = file
        .save_in_background(&state.engine)
        .await
        .map_err(|err| ControlError::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(json(StatusCode::OK, &Saved { path: file.path().display().to_string(), bytes }))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Imported {
    imported: bool,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Saved {
    /// The state file.
    path: String,
    /// Its size.
    bytes: usize,
}
