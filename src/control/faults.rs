//! `/_mock/faults`: fault rules on the gateway APIs.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::error::{ControlError, ControlJson, ControlQuery};
use crate::faults::FaultSpec;
use crate::http::json;
use crate::state::AppState;

/// `POST /_mock/faults`: adds a rule; `201` with it and its id.
pub async fn add(
    State(state): State<AppState>,
    ControlJson(spec): ControlJson<FaultSpec>,
) -> Result<Response, ControlError> {
    spec.check().map_err(ControlError::bad_request)?;
    Ok(json(StatusCode::CREATED, &state.faults.add(spec)))
}

/// `GET /_mock/faults`: every rule, with how often it hit.
pub async fn list(State(state): State<AppState>) -> Response {
    json(StatusCode::OK, &state.faults.list())
}

#[derive(Deserialize)]
pub struct FaultQuery {
    id: Option<u64>,
}

/// `DELETE /_mock/faults[?id=]`: one rule, or all.
pub async fn remove(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<FaultQuery>,
) -> Result<Response, ControlError> {
    let removed = state.faults.remove(query.id);
    if query.id.is_some() && removed == 0 {
        return Err(ControlError::new(StatusCode::NOT_FOUND, "no such fault rule"));
    }
    Ok(json(StatusCode::OK, &json!({ "removed": removed })))
}
