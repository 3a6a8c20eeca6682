//! What every call to an emulated gateway goes through before its handler:
//! fault rules (error answers, delays, dropped connections) and the
//! request journal.
//!
//! A dropped connection is made by unwinding the connection's task with
//! `resume_unwind` (no panic message is printed): the server then closes
//! the socket without writing an answer, which is what a client sees when
//! a real gateway's connection breaks.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::ip1::error::Ip1Error;
use super::viamobile::error::ViaError;
use crate::faults::{Call, FaultAction, FaultSpec};
use crate::http::{Credentials, Surface, credentials, query_value};
use crate::requests::{RequestRecord, mask_body, mask_header, mask_query, mentions_password};
use crate::state::AppState;
use crate::telemetry::noted_account;

/// What unwinds a connection's task to drop it unanswered.
struct DropConnection;

/// The account a call claims, for matching fault rules before any
/// handler ran: an iP.1 key's account, a Basic user, a Viamobile body's
/// `username`, or a token's.
fn claimed_account(
    state: &AppState,
    parts: &Parts,
    body: Option<&serde_json::Value>,
    surface: Surface,
) -> Option<String> {
    match credentials(&parts.headers) {
        Some(Credentials::Basic { user, .. }) => return Some(user),
        Some(Credentials::Bearer(key)) if surface == Surface::Ip1 => {
            return state.engine.store().ip1_account_of_key(&key);
        }
        _ => {}
    }
    if surface != Surface::Viamobile {
        return None;
    }
    if let Some(token) = query_value(parts.uri.query(), "jwt") {
        return super::viamobile::token::verify(state, &token).map(|a| a.id().to_owned());
    }
    body?.get("username")?.as_str().map(str::to_owned)
}

fn error_answer(surface: Surface, fault: &FaultSpec) -> Response {
    let status = fault
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = match surface {
        Surface::Viamobile => ViaError::for_status(status).into_response(),
        _ => Ip1Error::Status(status).into_response(),
    };
    if matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE) {
        let seconds = fault.retry_after_seconds.unwrap_or(1);
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The middleware: faults, then the handler, then the journal.
pub async fn gateway_calls(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let surface = Surface::of_path(request.uri().path());
    let gateway = match surface {
        Surface::Ip1 => "ip1",
        Surface::Viamobile => "viamobile",
        Surface::Control | Surface::Other => return next.run(request).await,
    };
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let mut record = RequestRecord {
        id: 0,
        time: Utc::now(),
        account: None,
        gateway: gateway.to_owned(),
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
            let response = match surface {
                Surface::Viamobile => ViaError::payload_too_large().into_response(),
                _ => Ip1Error::PayloadTooLarge.into_response(),
            };
            record.status = response.status().as_u16();
            state.engine.requests.record(record);
            return response;
        }
    };
    // Parsed once, for both masking and the claimed account.
    let json: Option<serde_json::Value> = (surface == Surface::Viamobile
        || mentions_password(&bytes))
    .then(|| serde_json::from_slice(&bytes).ok())
    .flatten();
    record.body = mask_body(&bytes, json.as_ref());
    let claimed = claimed_account(&state, &parts, json.as_ref(), surface);
    let call = Call {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        gateway,
        account: claimed.as_deref(),
    };
    let fault = state.engine.faults.hit(&call);
    record.fault = fault.as_ref().map(|f| f.action);
    let account = noted_account(&parts.extensions);
    let request = Request::from_parts(parts, Body::from(bytes));
    let response = match fault.as_ref().map(|f| f.action) {
        Some(FaultAction::Status) => error_answer(surface, fault.as_ref().expect("a fault")),
        Some(FaultAction::Drop) => {
            record.account = claimed;
            record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            state.engine.requests.record(record);
            std::panic::resume_unwind(Box::new(DropConnection));
        }
        Some(FaultAction::Delay) => {
            let delay = fault.as_ref().and_then(|f| f.delay_ms).unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(delay)).await;
            next.run(request).await
        }
        Some(FaultAction::DropResponse) | None => next.run(request).await,
    };
    record.account = account.and_then(|a| a.get()).or(claimed);
    record.status = response.status().as_u16();
    record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    state.engine.requests.record(record);
    if drops_response(&fault) {
        std::panic::resume_unwind(Box::new(DropConnection));
    }
    response
}

/// True when the answer must be thrown away after processing.
fn drops_response(fault: &Option<FaultSpec>) -> bool {
    fault.as_ref().is_some_and(|f| f.action == FaultAction::DropResponse)
}
