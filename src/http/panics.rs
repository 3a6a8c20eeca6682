//! A request whose handler panics is answered, not dropped: 500 in its
//! surface's error format, with the panic logged and recorded for
//! `/_mock/health`. The account's data stays usable (its lock recovers
//! from poisoning).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;
use futures::future::{self, FutureExt};

use super::Surface;
use crate::state::AppState;
use crate::supervisor::guarded;

/// The middleware: runs the rest of the request, and answers a panic.
///
/// The rest's future is made on its first poll, inside the guard: the
/// layers within that work before they return their future (combinators,
/// which take no room of their own in the request's future) are guarded
/// as much as what they await.
pub fn catch_panics<'a, F: Future<Output = Response> + 'a>(
    state: &'a AppState,
    surface: Surface,
    request: Request,
    next: impl FnOnce(Request) -> F + 'a,
) -> impl Future<Output = Response> + 'a {
    let rest = future::lazy(move |_| next(request)).flatten();
    guarded("request", &state.engine.health, rest).map(move |answer| {
        answer.unwrap_or_else(|| (surface.errors().with_status)(StatusCode::INTERNAL_SERVER_ERROR))
    })
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use serde_json::Value;

    use super::*;
    use crate::config::ServeConfig;
    use crate::startup::App;

    #[tokio::test]
    async fn a_panic_making_the_rest_or_running_it_answers_500_in_the_surfaces_format() {
        let config = ServeConfig { port: 0, ..ServeConfig::default() };
        let state = App::build(&config).await.unwrap().state();
        let request = || Request::new(Body::empty());
        let made: Response =
            catch_panics(&state, Surface::Ip1, request(), |_| -> std::future::Ready<Response> {
                panic!("making the rest")
            })
            .await;
        let ran =
            catch_panics(&state, Surface::Ip1, request(), |_| async { panic!("running the rest") })
                .await;
        for answer in [made, ran] {
            assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
            let body = axum::body::to_bytes(answer.into_body(), 4096).await.unwrap();
            let problem: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(problem["status"], 500, "{problem}");
        }
        assert_eq!(state.engine.health.failures().0, 2);
    }
}
