//! `/_mock/state`: export and import everything; save to the state file.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::error::{ControlError, ControlJson};
use crate::http::json;
use crate::snapshot::{Snapshot, export, import, save as save_file};
use crate::state::AppState;

/// `GET /_mock/state`: everything as one JSON document.
pub async fn get(State(state): State<AppState>) -> Response {
    json(StatusCode::OK, &export(&state))
}

/// `PUT /_mock/state`: replaces everything with an exported document.
pub async fn put(
    State(state): State<AppState>,
    ControlJson(snapshot): ControlJson<Snapshot>,
) -> Result<Response, ControlError> {
    import(&state, snapshot).map_err(ControlError::bad_request)?;
    Ok(json(StatusCode::OK, &json!({ "imported": true })))
}

/// `POST /_mock/state/save`: writes the state file now.
pub async fn save(State(state): State<AppState>) -> Result<Response, ControlError> {
    let path = state.state_file.clone().ok_or_else(|| {
        ControlError::new(StatusCode::CONFLICT, "no state file: start with --state-file PATH")
    })?;
    let bytes = save_file(&state, &path)
        .map_err(|err| ControlError::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(json(StatusCode::OK, &json!({ "path": path, "bytes": bytes })))
}
