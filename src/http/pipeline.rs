//! The layers every request goes through before its route, in one place
//! and in their order, as one service around the router.
//!
//! Outermost first:
//! 1. an iP.1 path loses a trailing slash ([`trim_ip1_trailing_slash`]),
//!    before anything reads the path;
//! 2. the log line ([`RequestLog`]);
//! 3. closing the connection of an answer a fault marked
//!    ([`drop_if_marked`]);
//! 4. noting a change for the periodic save ([`Change`]);
//! 5. the request journal ([`journal_calls`]), which buffers the body;
//! 6. answering a panic ([`catch_panics`]);
//! 7. fault rules ([`apply_faults`]);
//! 8. the control token ([`require_control_token`]);
//! 9. the body limit axum's extractors read, set on the request;
//! 10. the router.
//!
//! A finished answer may then wait for its worker's other requests
//! ([`pacing`]) before the server writes it.
//!
//! The outer three only look at the request before and the answer after:
//! they are steps of [`Pipeline::answer`] itself, where as layers of
//! their own (each an `async fn` around the rest) the request was moved
//! into each one's future and on into the next, a few hundred bytes each
//! time (README, Performance). The rest are functions given the rest as a
//! closure, so a request costs one boxed future, not one per layer, and
//! the path's surface is worked out once. A layer that keeps nothing of
//! its own while the rest runs (the control token; fault rules when none
//! are set, which box their work apart when some are; the panic guard) is
//! a combinator that returns the rest's future as it is: an `async fn`
//! would keep its arguments beside what it awaits, in a future every
//! request moves whole. The panic guard makes the rest's future on its
//! first poll, so what the combinators inside it do before returning
//! theirs is guarded too.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::Response;
use futures::FutureExt;
use tower::Service;

use super::Surface;
use super::changes::Change;
use super::faults::{apply_faults, drop_if_marked};
use super::journal::journal_calls;
use super::pacing;
use super::panics::catch_panics;
use super::trailing_slash::trim_ip1_trailing_slash;
use crate::control::token::require_control_token;
use crate::state::AppState;
use crate::telemetry::RequestLog;

/// The router with every layer around it: what the server serves.
#[derive(Clone)]
pub struct Pipeline {
    state: AppState,
    router: Router,
    /// Set on each request here rather than as a layer of the router:
    /// a router's layer wraps every route, and boxes each answer's future
    /// once more.
    body_limit: DefaultBodyLimit,
}

impl Pipeline {
    pub fn new(state: AppState, router: Router, body_limit: DefaultBodyLimit) -> Pipeline {
        Pipeline { state, router, body_limit }
    }

    /// Answers one request and hands the answer to `finish`, where the
    /// server wraps its body, within this one future: an `async` block
    /// around it moved the whole of it (over two kilobytes) once more a
    /// request.
    pub async fn answer<T>(self, mut request: Request, finish: impl FnOnce(Response) -> T) -> T {
        let surface = Surface::of_path(request.uri().path());
        trim_ip1_trailing_slash(&mut request, surface);
        let (state, router, body_limit) = (&self.state, self.router, self.body_limit);
        let log = RequestLog::begin(&mut request);
        let change = Change::of(&request, surface);
        let response = journal_calls(state, surface, request, move |request| {
            catch_panics(state, surface, request, move |request| {
                apply_faults(state, surface, request, move |request| {
                    require_control_token(state, surface, request, move |request| {
                        route(router, body_limit, request)
                    })
                })
            })
        })
        .await;
        change.note(state);
        // A dropped connection unwinds here, and has no log line.
        let response = drop_if_marked(response);
        log.finish(&response);
        pacing::before_writing().await;
        finish(response)
    }
}

/// The router's answer (a router is always ready and never fails).
///
/// A combinator, not an `async fn`: that kept the router and the request
/// in its future beside the router's future it awaited, and the request
/// was moved once more into it.
fn route(
    mut router: Router,
    body_limit: DefaultBodyLimit,
    mut request: Request,
) -> impl Future<Output = Response> {
    body_limit.apply(&mut request);
    router.call(request).map(|answer| match answer {
        Ok(response) => response,
        Err(never) => match never {},
    })
}
