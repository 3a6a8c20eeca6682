//! The faults layer: a call to an emulated gateway that a fault rule hits
//! answers an error in its gateway's format, waits, or loses its
//! connection, before (or after) its handler runs.
//!
//! A lost connection is only marked here ([`DropConnection`] in the
//! answer's extensions), so the journal layer around this one still
//! records the call; outside it, [`drop_if_marked`] then unwinds the
//! connection's task with `resume_unwind` (no panic
//! message is printed), and the server closes the socket without writing
//! an answer — what a client sees when a real gateway's connection breaks.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use futures::future::Either;

use super::{Claim, Surface};
use crate::domain::account::Gateway;
use crate::engine::events::{About, Kind};
use crate::faults::{Call, FaultAction};
use crate::gateways::{ip1, viamobile};
use crate::state::AppState;

/// Marks an answer whose connection must be closed unanswered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropConnection {
    /// The call was not processed (`drop`): the journal records status 0.
    Unanswered,
    /// The call was processed and its answer is thrown away (`dropResponse`).
    AfterProcessing,
}

/// The fault that hit a call, for the journal.
#[derive(Debug, Clone, Copy)]
pub struct FaultHit(pub FaultAction);

/// The account a call claimed, as the faults layer worked it out (a
/// token's account included), for the journal.
#[derive(Debug, Clone)]
pub struct ClaimedAccount(pub Option<Claim>);

/// The middleware: matches the call against the fault rules and applies
/// the first that hits. Without rules it does nothing.
///
/// A combinator rather than an `async fn`: without rules (nearly always)
/// the rest of the request is its future, and what matching needs is
/// boxed apart, so it takes no room in every request's future, which is
/// moved whole.
pub fn apply_faults<'a, F: Future<Output = Response> + 'a>(
    state: &'a AppState,
    surface: Surface,
    request: Request,
    next: impl FnOnce(Request) -> F + 'a,
) -> impl Future<Output = Response> + 'a {
    match surface.gateway() {
        Some(gateway) if !state.engine.faults.is_empty() => {
            Either::Left(Box::pin(with_faults(state, surface, gateway, request, next)))
        }
        _ => Either::Right(next(request)),
    }
}

async fn with_faults<F: Future<Output = Response>>(
    state: &AppState,
    surface: Surface,
    gateway: Gateway,
    request: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = super::read_whole(body, state.body_limit).await else {
        return (surface.errors().payload_too_large)();
    };
    let store = state.engine.store();
    let claimed = match gateway {
        Gateway::Ip1 => ip1::auth::claim(state, parts.uri.path(), authorization(&parts)),
        Gateway::Viamobile => match viamobile::auth::token_account(state, &mut parts) {
            Some(account) => account.map(|a| Claim { account: a.id().to_owned(), proven: true }),
            None => {
                let body = serde_json::from_slice(&bytes).ok();
                viamobile::auth::claim(store, authorization(&parts), body.as_ref())
            }
        },
    };
    let call = Call {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        gateway: gateway.as_str(),
        account: claimed.as_ref().map(|claim| claim.account.as_str()),
    };
    let fault = state.engine.faults.hit(&call);
    if let Some(fault) = fault.as_ref().filter(|_| state.engine.events.offer(Kind::Fault, 1)) {
        let about = About::new(call.account, Some(gateway), None);
        let data = serde_json::json!({
            "method": call.method, "path": call.path, "gateway": call.gateway,
            "account": call.account, "rule": fault,
        });
        state.engine.events.send(Kind::Fault, about, data);
    }
    let request = Request::from_parts(parts, Body::from(bytes));
    let mut response = match &fault {
        None => next(request).await,
        Some(fault) => match fault.action {
            FaultAction::Status => {
                let status = fault
                    .status
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut response = (surface.errors().with_status)(status);
                if matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
                {
                    let seconds = fault.retry_after_seconds.unwrap_or(1);
                    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
                }
                response
            }
            FaultAction::Delay => {
                tokio::time::sleep(Duration::from_millis(fault.delay_ms.unwrap_or(0))).await;
                next(request).await
            }
            FaultAction::Drop => {
                let mut response = Response::default();
                response.extensions_mut().insert(DropConnection::Unanswered);
                response
            }
            FaultAction::DropResponse => {
                let mut response = next(request).await;
                response.extensions_mut().insert(DropConnection::AfterProcessing);
                response
            }
        },
    };
    response.extensions_mut().insert(ClaimedAccount(claimed));
    if let Some(fault) = fault {
        response.extensions_mut().insert(FaultHit(fault.action));
    }
    response
}

fn authorization(parts: &Parts) -> Option<&HeaderValue> {
    parts.headers.get(AUTHORIZATION)
}

/// What unwinds a connection's task to drop it unanswered.
struct Dropped;

/// After the journal has recorded a call: closes the connection of an
/// answer the faults layer marked, by unwinding the connection's task.
pub fn drop_if_marked(response: Response) -> Response {
    if response.extensions().get::<DropConnection>().is_some() {
        std::panic::resume_unwind(Box::new(Dropped));
    }
    response
}
