//! `GET /_mock/events`: the event stream as Server-Sent Events, filtered by
//! `account`, `gateway`, `phone` and `type` (each a comma-separated list).
//! A subscriber that falls behind gets a `missed` event saying how many
//! events it lost, and goes on from the newest.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::error::{ControlError, ControlQuery};
use crate::engine::events::Published;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;
use crate::store::participant_key;

/// The kinds of events.
const KINDS: [&str; 8] =
    ["message", "status", "callback", "incoming", "request", "fault", "clock", "reset"];

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Account ids or usernames, comma-separated.
    account: Option<String>,
    /// `ip1`, `viamobile`, or both comma-separated.
    #[param(pattern = r"^(ip1|viamobile)(,(ip1|viamobile))*$")]
    gateway: Option<String>,
    /// Phone numbers (a message's recipient or sender), comma-separated.
    phone: Option<String>,
    /// Event kinds, comma-separated: `message`, `status`, `callback`,
    /// `incoming`, `request`, `fault`, `clock`, `reset`.
    #[param(
        pattern = r"^(message|status|callback|incoming|request|fault|clock|reset)(,(message|status|callback|incoming|request|fault|clock|reset))*$"
    )]
    r#type: Option<String>,
}

/// What a subscriber wants; an absent list lets everything through.
struct Filter {
    accounts: Option<Vec<String>>,
    gateways: Option<Vec<String>>,
    phones: Option<Vec<String>>,
    kinds: Option<Vec<String>>,
}

fn list(raw: Option<String>) -> Option<Vec<String>> {
    raw.map(|raw| {
        raw.split(',').map(|item| item.trim().to_owned()).filter(|i| !i.is_empty()).collect()
    })
}

impl Filter {
    fn read(query: EventQuery) -> Result<Filter, ControlError> {
        let filter = Filter {
            accounts: list(query.account),
            gateways: list(query.gateway),
            phones: list(query.phone)
                .map(|phones| phones.iter().map(|p| participant_key(p).to_owned()).collect()),
            kinds: list(query.r#type),
        };
        if let Some(bad) = filter.kinds.iter().flatten().find(|k| !KINDS.contains(&k.as_str())) {
            return Err(ControlError::bad_request(format!("{bad:?} is not an event type")));
        }
        if let Some(bad) =
            filter.gateways.iter().flatten().find(|g| !matches!(g.as_str(), "ip1" | "viamobile"))
        {
            return Err(ControlError::bad_request(format!("{bad:?} is not a gateway")));
        }
        Ok(filter)
    }

    fn matches(&self, event: &Published) -> bool {
        fn any<'a>(wanted: &Option<Vec<String>>, mut have: impl Iterator<Item = &'a str>) -> bool {
            wanted.as_ref().is_none_or(|wanted| have.any(|h| wanted.iter().any(|w| w == h)))
        }
        any(&self.kinds, std::iter::once(event.kind))
            && any(&self.accounts, event.account.as_deref().into_iter())
            && any(&self.gateways, event.gateway.map(|g| g.as_str()).into_iter())
            && any(&self.phones, event.phones.iter().map(String::as_str))
    }
}

/// `GET /_mock/events`: Server-Sent Events, one per thing that happens.
#[utoipa::path(get, path = "/_mock/events", tag = CONTROL_TAG, params(EventQuery),
    responses((status = OK, description = "An endless `text/event-stream`: each event's `event:` is its type and `data:` its JSON; `missed` says how many a slow subscriber lost.", body = String, content_type = "text/event-stream")))]
pub async fn stream(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<EventQuery>,
) -> Result<Response, ControlError> {
    let filter = Filter::read(query)?;
    let receiver = state.engine.events.subscribe();
    let events = stream::unfold((receiver, filter), |(mut receiver, filter)| async move {
        loop {
            match receiver.recv().await {
                Ok(event) if filter.matches(&event) => {
                    return Some((Ok(to_sse(&event)), (receiver, filter)));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    let event = Event::default()
                        .event("missed")
                        .data(serde_json::json!({"missed": missed}).to_string());
                    return Some((Ok(event), (receiver, filter)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(sse(events).into_response())
}

fn sse(
    events: impl Stream<Item = Result<Event, std::convert::Infallible>> + Send + 'static,
) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn to_sse(event: &Arc<Published>) -> Event {
    Event::default().event(event.kind).id(event.id.to_string()).data(&event.data)
}
