//! The journal layer: every call to an emulated gateway is recorded in the
//! request journal with its answer — time, account, method, path, query,
//! headers and body with credentials masked, status (0 when the connection
//! was dropped unanswered), latency, and the fault that hit it.
//!
//! It buffers the body (a body over `--body-limit` answers 413 in the
//! gateway's format) so the layers and handlers inside read it from
//! memory.

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::AUTHORIZATION;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::faults::{ClaimedAccount, DropConnection, FaultHit};
use super::{Arrival, Claim, RequestNotes, Surface, read_whole};
use crate::domain::account::Gateway;
use crate::engine::events::{About, Kind};
use crate::gateways::{ip1, viamobile};
use crate::requests::Call;
use crate::state::AppState;
use crate::telemetry::AccountHandle;

/// The middleware: records the call once it is answered.
pub async fn journal_calls<F: Future<Output = Response>>(
    state: &AppState,
    surface: Surface,
    mut request: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let Some(gateway) = surface.gateway() else { return next(request).await };
    // One lookup of the notes for both the arrival and the account.
    let notes = request.extensions().get::<RequestNotes>();
    let arrival = notes.and_then(|notes| notes.arrived).unwrap_or_else(Arrival::now);
    let noted = notes.map(AccountHandle::of);
    let (started, time) = (arrival.instant, arrival.wall);
    // The body is taken out and put back, not the request taken apart and
    // made again: each moved its few hundred bytes (README, Performance).
    let body = std::mem::take(request.body_mut());
    // The journal's memory for this call, on its way while the handler runs.
    state.engine.requests.fetch_next();
    let (method, uri, headers) = (request.method(), request.uri(), request.headers());
    let bytes = match read_whole(body, state.body_limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let response = (surface.errors().payload_too_large)();
            let mut call = Call::new(time, gateway, method, uri, headers, &[], Some(false));
            call.status = response.status().as_u16();
            state.engine.requests.record(call);
            return response;
        }
    };
    // The headers a claim reads are taken from this copy, after the
    // answer, only when the handler proved no account.
    let mut call = Call::new(time, gateway, method, uri, headers, &bytes, None);
    // No body, nothing to keep: a `GET` would pay for the entry only.
    if !bytes.is_empty() {
        request.extensions_mut().get_or_insert_default::<RequestNotes>().body = Some(bytes.clone());
    }
    *request.body_mut() = Body::from(bytes.clone());
    let response = next(request).await;

    let extensions = response.extensions();
    call.fault = extensions.get::<FaultHit>().map(|hit| hit.0);
    let authenticated = noted.and_then(|account| account.get());
    let claim = match authenticated {
        Some(account) => Some(Claim { account, proven: true }),
        None => match extensions.get() {
            Some(ClaimedAccount(claim)) => claim.clone(),
            None => {
                let authorization = call
                    .sent_header(&AUTHORIZATION)
                    .and_then(|value| HeaderValue::from_bytes(value).ok());
                claim(state, gateway, &call.path(), authorization, &bytes)
            }
        },
    };
    // Only proven credentials make a call an account's; others are kept
    // apart, so a refused call never counts as the account's.
    match claim {
        Some(Claim { account, proven: true }) => call.account = Some(account),
        Some(Claim { account, proven: false }) => call.claimed_account = Some(account),
        None => {}
    }
    // What the client saw: a dropped connection is no answer, whatever was
    // processed; the answer that was thrown away is kept apart.
    (call.status, call.dropped_status) = match extensions.get::<DropConnection>() {
        Some(DropConnection::Unanswered) => (0, None),
        Some(DropConnection::AfterProcessing) => (0, Some(response.status().as_u16())),
        None => (response.status().as_u16(), None),
    };
    // The answers are JSON, XML or text made in memory: read at once.
    let (parts, body) = response.into_parts();
    let answer = read_whole(body, usize::MAX).await.unwrap_or_default();
    if call.status != 0 {
        call.keep_response(&answer);
    }
    call.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let event = state.engine.events.offer(Kind::Request, 1).then(|| event(&call));
    let id = state.engine.requests.record(call);
    if let Some((mut data, about)) = event {
        data["id"] = id.into();
        let about = About::new(about.0.as_deref(), Some(about.1), None);
        state.engine.events.send(Kind::Request, about, data);
    }
    Response::from_parts(parts, Body::from(answer))
}

/// A `request` event: the call as the journal lists it, without its
/// headers and bodies (`GET /_mock/requests/{id}` has them), and whom it
/// is about. Its `id` is added once the journal gave it one.
fn event(call: &Call) -> (serde_json::Value, (Option<String>, Gateway)) {
    let data = serde_json::json!({
        "time": crate::domain::time::iso(DateTime::<Utc>::from(call.time)), "account": call.account,
        "claimedAccount": call.claimed_account, "gateway": call.gateway.as_str(),
        "method": call.method.as_str(), "path": call.path(), "query": call.masked_query(),
        "status": call.status, "droppedStatus": call.dropped_status,
        "latencyMs": call.latency_ms, "fault": call.fault,
    });
    (data, (call.account.clone(), call.gateway))
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
