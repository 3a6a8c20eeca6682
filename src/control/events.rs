//! `GET /_mock/events`: the event stream as Server-Sent Events, filtered by
//! `account`, `gateway`, `phone` and `type` (each a comma-separated list).
//! A subscriber that falls behind gets a `missed` event saying how many
//! events it lost, and goes on from the newest.
//!
//! The stream is written here rather than with axum's `Sse`: once an event
//! arrives, the subscriber gathers what else comes within 10 ms and
//! writes it all at once, so a burst of sends costs each subscriber about
//! one wake-up and one write per 10 ms, not one per event. A subscriber
//! that wants every event of its types and has had its `maxPerSecond`
//! pauses its subscription for the rest of that second: events it would
//! not be sent are then not even built (unless another subscriber wants
//! them), only counted for its `missed`.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::Response;
use futures::stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::error::{ControlError, ControlQuery};
use crate::engine::events::{Kind, Published, Subscription};
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;
use crate::store::participant_key;

/// A comment line this often keeps an idle stream's proxies and clients
/// from giving up on it.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The most one write carries; past it, the rest waits for the next.
const MAX_WRITE: usize = 256 * 1024;
/// How long a subscriber gathers events after the first before writing.
const GATHER: Duration = Duration::from_millis(10);

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
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
    /// At most this many events a second; the rest are counted in a
    /// `missed` event instead — for a viewer that would rather keep up
    /// than see everything.
    #[param(minimum = 1)]
    max_per_second: Option<u32>,
}

/// What a subscriber wants; an absent list lets everything through.
struct Filter {
    accounts: Option<Vec<String>>,
    gateways: Option<Vec<String>>,
    phones: Option<Vec<String>>,
    kinds: Option<Vec<Kind>>,
}

fn list(raw: Option<String>) -> Option<Vec<String>> {
    raw.map(|raw| {
        raw.split(',').map(|item| item.trim().to_owned()).filter(|i| !i.is_empty()).collect()
    })
}

impl Filter {
    fn read(query: EventQuery) -> Result<Filter, ControlError> {
        let kinds = match list(query.r#type) {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| {
                        Kind::parse(name).ok_or_else(|| {
                            ControlError::bad_request(format!("{name:?} is not an event type"))
                        })
                    })
                    .collect::<Result<Vec<Kind>, ControlError>>()?,
            ),
        };
        let filter = Filter {
            accounts: list(query.account),
            gateways: list(query.gateway),
            phones: list(query.phone)
                .map(|phones| phones.iter().map(|p| participant_key(p).to_owned()).collect()),
            kinds,
        };
        if let Some(bad) =
            filter.gateways.iter().flatten().find(|g| !matches!(g.as_str(), "ip1" | "viamobile"))
        {
            return Err(ControlError::bad_request(format!("{bad:?} is not a gateway")));
        }
        Ok(filter)
    }

    /// Whether it lets every event of its kinds through.
    fn is_kinds_only(&self) -> bool {
        self.accounts.is_none() && self.gateways.is_none() && self.phones.is_none()
    }

    fn matches(&self, event: &Published) -> bool {
        fn any<'a>(wanted: &Option<Vec<String>>, mut have: impl Iterator<Item = &'a str>) -> bool {
            wanted.as_ref().is_none_or(|wanted| have.any(|h| wanted.iter().any(|w| w == h)))
        }
        self.kinds.as_ref().is_none_or(|kinds| kinds.contains(&event.kind))
            && any(&self.accounts, event.account.as_deref().into_iter())
            && any(&self.gateways, event.gateway.map(|g| g.as_str()).into_iter())
            && any(&self.phones, event.phone.as_deref().into_iter())
    }
}

/// `GET /_mock/events`: Server-Sent Events, one per thing that happens.
#[utoipa::path(get, path = "/_mock/events", tag = CONTROL_TAG, params(EventQuery),
    responses((status = OK, description = "An endless `text/event-stream`: each event's `event:` is its type and `data:` its JSON; `missed` says how many a slow subscriber lost.", body = String, content_type = "text/event-stream")))]
pub async fn stream(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<EventQuery>,
) -> Result<Response, ControlError> {
    let max_per_second = query.max_per_second;
    if max_per_second == Some(0) {
        return Err(ControlError::bad_request("maxPerSecond is at least 1"));
    }
    let filter = Filter::read(query)?;
    let kinds = filter.kinds.clone().unwrap_or_else(|| Kind::ALL.to_vec());
    let subscription = state.engine.events.subscribe(&kinds);
    let writer = Writer::new(filter, max_per_second);
    let writes =
        stream::unfold((subscription, writer), |(mut subscription, mut writer)| async move {
            // Wait for the first event this subscriber wants (or a keep-alive,
            // or the end of a pause)...
            while writer.is_idle() {
                let wait = writer.pause_left().map_or(KEEP_ALIVE, |left| left.min(KEEP_ALIVE));
                match tokio::time::timeout(wait, subscription.receiver.recv()).await {
                    Err(_) if writer.pause_left().is_some() => {}
                    Err(_) => writer.keep_alive(),
                    Ok(Ok(event)) => writer.take(&event),
                    Ok(Err(RecvError::Lagged(missed))) => writer.missed(missed),
                    Ok(Err(RecvError::Closed)) => return None,
                }
                writer.pace(&mut subscription);
            }
            // ...then what else comes meanwhile, for one write.
            tokio::time::sleep(GATHER).await;
            while writer.has_room() {
                match subscription.receiver.try_recv() {
                    Ok(event) => writer.take(&event),
                    Err(TryRecvError::Lagged(missed)) => writer.missed(missed),
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
            writer.pace(&mut subscription);
            let text = writer.finish();
            Some((Ok::<_, Infallible>(Bytes::from(text)), (subscription, writer)))
        });
    let mut response = Response::new(Body::from_stream(writes));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// One subscriber's side of the stream: what it wants, how many events a
/// second it may get, and the text of its next write.
struct Writer {
    filter: Filter,
    max_per_second: Option<u32>,
    /// When the current second began, and the events written in it.
    window: Instant,
    in_window: u32,
    /// Until when its subscription is paused, if it is.
    paused_until: Option<Instant>,
    /// Events lost or held back since the last write.
    missed: u64,
    text: String,
}

impl Writer {
    fn new(filter: Filter, max_per_second: Option<u32>) -> Writer {
        Writer {
            filter,
            max_per_second,
            window: Instant::now(),
            in_window: 0,
            paused_until: None,
            missed: 0,
            text: String::new(),
        }
    }

    /// Nothing to write yet.
    fn is_idle(&self) -> bool {
        self.text.is_empty() && self.missed == 0
    }

    fn has_room(&self) -> bool {
        self.text.len() < MAX_WRITE
    }

    /// Writes the event if the subscriber wants it and its second has room.
    fn take(&mut self, event: &Published) {
        if !self.filter.matches(event) {
            return;
        }
        if let Some(max) = self.max_per_second {
            let now = Instant::now();
            if now.duration_since(self.window) >= Duration::from_secs(1) {
                self.window = now;
                self.in_window = 0;
            }
            if self.in_window >= max {
                self.missed += 1;
                return;
            }
            self.in_window += 1;
        }
        write_event(&mut self.text, event);
    }

    /// How long the subscription stays paused, if it is.
    fn pause_left(&self) -> Option<Duration> {
        self.paused_until.map(|until| until.saturating_duration_since(Instant::now()))
    }

    /// Pauses the subscription once this second is full, and resumes it
    /// when the second is over, counting what went unbuilt meanwhile.
    /// Only a subscriber that wants every event of its kinds pauses: what
    /// it misses while paused is counted exactly.
    fn pace(&mut self, subscription: &mut Subscription) {
        match self.paused_until {
            Some(until) if Instant::now() >= until => {
                self.missed += subscription.resume();
                self.paused_until = None;
                // The next second begins (unless an event began it).
                if self.window < until {
                    self.window = until;
                    self.in_window = 0;
                }
            }
            None if self.filter.is_kinds_only()
                && self.max_per_second.is_some_and(|max| self.in_window >= max) =>
            {
                subscription.pause();
                self.paused_until = Some(self.window + Duration::from_secs(1));
            }
            _ => {}
        }
    }

    fn missed(&mut self, count: u64) {
        self.missed += count;
    }

    fn keep_alive(&mut self) {
        self.text.push_str(":\n\n");
    }

    /// The next write: the events, then what was missed since the last.
    fn finish(&mut self) -> String {
        if self.missed > 0 {
            write_missed(&mut self.text, self.missed);
            self.missed = 0;
        }
        std::mem::take(&mut self.text)
    }
}

/// One event in the stream's format: its type, id and JSON on one line.
fn write_event(text: &mut String, event: &Published) {
    let _ = write!(
        text,
        "event: {}\nid: {}\ndata: {}\n\n",
        event.kind.as_str(),
        event.id,
        event.data()
    );
}

/// Tells a subscriber how many events it lost (it fell behind) or was not
/// sent (over its `maxPerSecond`).
fn write_missed(text: &mut String, missed: u64) {
    let _ = write!(text, "event: missed\ndata: {{\"missed\":{missed}}}\n\n");
}
