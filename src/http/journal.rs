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
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::response::Response;
use chrono::Utc;

use super::faults::{ClaimedAccount, DropConnection, FaultHit};
use super::{Claim, Surface};
use crate::domain::account::Gateway;
use crate::engine::events::{About, Kind};
use crate::gateways::{ip1, viamobile};
use crate::masking::{mask_body, mask_header, mask_query};
use crate::requests::{MAX_JOURNALED_BODY, RequestRecord};
use crate::state::AppState;
use crate::telemetry::noted_account;

/// The middleware: records the call once it is answered.
pub async fn journal_calls<F: Future<Output = Response>>(
    state: &AppState,
    surface: Surface,
    request: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let Some(gateway) = surface.gateway() else { return next(request).await };
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
        response_body: String::new(),
        claimed_account: None,
        status: 0,
        dropped_status: None,
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
    let form = parts
        .headers
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/x-www-form-urlencoded"));
    record.body = journaled_body(&bytes, form);
    let noted = noted_account(&parts.extensions);
    let authorization = parts.headers.get(AUTHORIZATION).cloned();
    let response = next(Request::from_parts(parts, Body::from(bytes.clone()))).await;

    let extensions = response.extensions();
    record.fault = extensions.get::<FaultHit>().map(|hit| hit.0);
    let authenticated = noted.and_then(|slot| slot.get());
    let claim = match authenticated {
        Some(account) => Some(Claim { account, proven: true }),
        None => match extensions.get() {
            Some(ClaimedAccount(claim)) => claim.clone(),
            None => claim(state, gateway, &record.path, authorization, &bytes),
        },
    };
    // Only proven credentials make a call an account's; others are kept
    // apart, so a refused call never counts as the account's.
    match claim {
        Some(Claim { account, proven: true }) => record.account = Some(account),
        Some(Claim { account, proven: false }) => record.claimed_account = Some(account),
        None => {}
    }
    // What the client saw: a dropped connection is no answer, whatever was
    // processed; the answer that was thrown away is kept apart.
    (record.status, record.dropped_status) = match extensions.get::<DropConnection>() {
        Some(DropConnection::Unanswered) => (0, None),
        Some(DropConnection::AfterProcessing) => (0, Some(response.status().as_u16())),
        None => (response.status().as_u16(), None),
    };
    // The answers are JSON, XML or text made in memory: read at once.
    let (parts, body) = response.into_parts();
    let answer = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    if record.status != 0 {
        record.response_body = journaled_body(&answer, false);
    }
    record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let event = state.engine.events.wants(Kind::Request).then(|| event(&record));
    let id = state.engine.requests.record(record);
    if let Some((mut data, about)) = event {
        data["id"] = id.into();
        let about = About::new(about.0.as_deref(), about.1, None);
        state.engine.events.publish(Kind::Request, about, data);
    }
    Response::from_parts(parts, Body::from(answer))
}

/// A body as the journal keeps it: cut at [`MAX_JOURNALED_BODY`], with
/// credentials masked.
fn journaled_body(bytes: &[u8], form: bool) -> String {
    mask_body(&String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_JOURNALED_BODY)]), form)
}

/// A `request` event: the call as the journal lists it, without its
/// headers and bodies (`GET /_mock/requests/{id}` has them), and whom it
/// is about. Its `id` is added once the journal gave it one.
fn event(record: &RequestRecord) -> (serde_json::Value, (Option<String>, Option<Gateway>)) {
    let data = serde_json::json!({
        "time": crate::domain::time::iso(record.time), "account": record.account,
        "claimedAccount": record.claimed_account, "gateway": record.gateway,
        "method": record.method, "path": record.path, "query": record.query,
        "status": record.status, "droppedStatus": record.dropped_status,
        "latencyMs": record.latency_ms, "fault": record.fault,
    });
    (data, (record.account.clone(), Gateway::parse(&record.gateway)))
}

/// The account a call whose handler never authenticated it claimed.
fn claim(
    state: &AppState,
    gateway: Gateway,
    path: &str,
    authorization: Option<HeaderValue>,
    body: &[u8],
) -> Option<Claim> {
    let store = state.engine.store();
    match gateway {
        Gateway::Ip1 => ip1::auth::claim(state, path, authorization.as_ref()),
        Gateway::Viamobile => {
            let body: Option<serde_json::Value> = serde_json::from_slice(body).ok();
            viamobile::auth::claim(store, authorization.as_ref(), body.as_ref())
        }
    }
}
