//! `/_mock/faults`: fault rules on the gateway APIs.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::Removed;
use super::error::{ControlError, ControlJson, ControlQuery};
use crate::faults::{FaultSpec, FaultView};
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;

/// `POST /_mock/faults`: adds a rule; `201` with it and its id.
#[utoipa::path(post, path = "/_mock/faults", tag = CONTROL_TAG, request_body = FaultSpec,
    responses((status = CREATED, description = "The rule, with its id.", body = FaultView)))]
pub async fn add(
    State(state): State<AppState>,
    ControlJson(spec): ControlJson<FaultSpec>,
) -> Result<Response, ControlError> {
    spec.check().map_err(ControlError::bad_request)?;
    Ok(json(StatusCode::CREATED, &state.engine.faults.add(spec)))
}

/// `GET /_mock/faults`: every rule, with how often it hit.
#[utoipa::path(get, path = "/_mock/faults", tag = CONTROL_TAG,
    responses((status = OK, description = "Every fault rule.", body = Vec<FaultView>)))]
pub async fn list(State(state): State<AppState>) -> Response {
    json(StatusCode::OK, &state.engine.faults.list())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FaultQuery {
    /// The rule to remove; all when absent.
    id: Option<u64>,
}

/// `DELETE /_mock/faults[?id=]`: one rule, or all.
#[utoipa::path(delete, path = "/_mock/faults", tag = CONTROL_TAG, params(FaultQuery),
    responses((status = OK, description = "How many rules were removed.", body = Removed)))]
pub async fn remove(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<FaultQuery>,
) -> Result<Response, ControlError> {
    let removed = state.engine.faults.remove(query.id);
    if query.id.is_some() && removed == 0 {
        return Err(ControlError::new(StatusCode::NOT_FOUND, "no such fault rule"));
    }
    Ok(json(StatusCode::OK, &Removed { removed }))
}
