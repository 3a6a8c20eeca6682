//! The journal layer: every call to an emulated gateway is recorded in the
//! request journal with its answer — time, account, method, path, query,
//! headers and body with credentials masked, status (0 when the connection
//! was dropped unanswered), latency, and the fault that hit it.
//!
//! It buffers the body (a body over `--body-limit` answers 413 in the
//! gateway's format) so the layers and handlers inside read it from
//! memory.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;

use super::Surface;
use super::faults::{ClaimedAccount, DropConnection, FaultHit};
use crate::domain::account::Gateway;
use crate::gateways::{ip1, viamobile};
use crate::requests::{RequestRecord, mask_body, mask_header, mask_query, mentions_password};
use crate::state::AppState;
use crate::telemetry::noted_account;

/// The middleware: records the call once it is answered.
pub async fn journal_calls(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let surface = Surface::of_path(request.uri().path());
    let Some(gateway) = surface.gateway() else { return next.run(request).await };
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let mut record = RequestRecord {
        id: 0,
        time: Utc::now(),
        account: None,
        gateway: gateway.as_str().to_owned(),
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(mask_query),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.to_string(),
                    mask_header(name.as_str(), &String::from_utf8_lossy(value.as_bytes())),
                )
            })
            .collect(),
        body: String::new(),
        status: 0,
        latency_ms: 0.0,
        fault: None,
    };
    let bytes = match axum::body::to_bytes(body, state.body_limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let response = (surface.errors().payload_too_large)();
            record.status = response.status().as_u16();
            state.engine.requests.record(record);
            return response;
        }
    };
    // Parsed once, for both masking and the claimed account.
    let json: Option<serde_json::Value> = (gateway == Gateway::Viamobile
        || mentions_password(&bytes))
    .then(|| serde_json::from_slice(&bytes).ok())
    .flatten();
    record.body = mask_body(&bytes, json.as_ref());
    let noted = noted_account(&parts.extensions);
    let authorization = parts.headers.get(AUTHORIZATION).cloned();
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;

    let extensions = response.extensions();
    record.fault = extensions.get::<FaultHit>().map(|hit| hit.0);
    record.account = noted.and_then(|slot| slot.get()).or_else(|| match extensions.get() {
        Some(ClaimedAccount(claimed)) => claimed.clone(),
        None => claimed_account(&state, gateway, authorization, json.as_ref()),
    });
    record.status = match extensions.get::<DropConnection>() {
        Some(DropConnection::Unanswered) => 0,
        _ => response.status().as_u16(),
    };
    record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    state.engine.requests.record(record);
    response
}

/// The account a call whose handler never authenticated it claimed.
fn claimed_account(
    state: &AppState,
    gateway: Gateway,
    authorization: Option<HeaderValue>,
    body: Option<&serde_json::Value>,
) -> Option<String> {
    match gateway {
        Gateway::Ip1 => ip1::auth::claimed_account(state.engine.store(), authorization.as_ref()),
        Gateway::Viamobile => viamobile::auth::claimed_account(authorization.as_ref(), body),
    }
}
