//! HTTP pieces every part of the router shares: JSON answers, reading the
//! `Authorization` header, the surfaces and their error formats, and the
//! layers every gateway call goes through (the request journal, fault
//! rules, dropped connections).

pub mod changes;
pub mod faults;
pub mod journal;
pub mod json_writer;
pub mod lenient;
pub mod pacing;
pub mod panics;
pub mod pipeline;
pub mod surface;
pub mod trailing_slash;

pub use surface::{Surface, SurfaceError, VIAMOBILE_LEGACY_BASE};

use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::StreamExt;
use futures::future::Either;
use serde::Serialize;

/// `application/json; charset=utf-8`, as both gateways answer.
pub const JSON_UTF8: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");

/// Serialises `body` as the JSON answer with `status`.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    json_written(status, |out| serde_json::to_writer(out, body))
}

/// The JSON answer with `status` that `write` writes.
pub fn json_written(
    status: StatusCode,
    write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
) -> Response {
    // Room for a batch document at once: serde_json's own start (128
    // bytes) grew twice, copying, on every send's answer.
    let mut bytes = Vec::with_capacity(512);
    let (status, body) = match write(&mut bytes) {
        Ok(()) => (status, Body::from(bytes)),
        Err(err) => {
            tracing::error!(%err, "could not serialise an answer");
            (StatusCode::INTERNAL_SERVER_ERROR, Body::from(r#"{"error":"internal error"}"#))
        }
    };
    // Made directly: as `(status, [(CONTENT_TYPE, ..)], bytes)`, the bytes'
    // answer first got a content type of its own, replaced.
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, JSON_UTF8);
    response
}

/// What the layers note on a request for the layers and handlers inside
/// it, kept as one entry of its extensions: each entry is boxed, and one
/// beside axum's two (the route's parameters and the body limit) grew the
/// map, a send's extensions costing a few hundred instructions more.
#[derive(Clone, Default)]
pub struct RequestNotes {
    /// The account the request acted as, written once authentication ran
    /// and read by its log line and the journal after the handler.
    pub account: Arc<OnceLock<String>>,
    /// A gateway call's body as the journal read it ([`journal`]), so that
    /// the handler's extractor takes it from there.
    pub body: Option<Bytes>,
    /// When the request arrived, as the log layer read the clocks.
    pub arrived: Option<Arrival>,
}

/// When a request arrived, on both clocks: read once, by the log layer,
/// for its line and the journal's entry. Each layer reading its own took
/// six clock reads a call, where the bare handler takes one.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// For latencies.
    pub instant: Instant,
    /// The time of day.
    pub wall: SystemTime,
}

impl Arrival {
    pub fn now() -> Arrival {
        Arrival { instant: Instant::now(), wall: SystemTime::now() }
    }
}

/// The request's body: the journal's copy, or read when there is none.
///
/// Reading a body already in memory through axum's extractor went through
/// its collecting machinery for the one chunk: 1,900 instructions of a
/// send, where the journal's copy is shared for a few dozen. The journal
/// answered a body over `--body-limit` already.
///
/// Not an `async fn`, and the extractor's future boxed: an `async fn`
/// kept the request in its future, and room for the extractor's (well over
/// a kilobyte), and so did every extractor's and handler's future that
/// awaits this one, which axum boxes whole for each request. Only bodies
/// the journal does not keep (the control API's, and empty ones) are read
/// here.
pub fn body_bytes<'a, S: Send + Sync>(
    request: Request,
    state: &'a S,
) -> impl Future<Output = Result<Bytes, BytesRejection>> + Send + 'a {
    match request.extensions().get::<RequestNotes>().and_then(|notes| notes.body.clone()) {
        Some(bytes) => Either::Left(std::future::ready(Ok(bytes))),
        None => Either::Right(Box::pin(Bytes::from_request(request, state))),
    }
}

/// A body over its limit, or one that could not be read (the client
/// went away mid-body).
#[derive(Debug)]
pub struct Unread;

/// Reads a body whole, at most `limit` bytes, as `axum::body::to_bytes`
/// does (trailers are skipped), without its collecting machinery for the
/// body of one chunk that nearly every request and answer is: that took
/// 600 to 1,000 instructions a body, and the journal reads two a call.
pub async fn read_whole(body: Body, limit: usize) -> Result<Bytes, Unread> {
    let mut chunks = body.into_data_stream();
    let mut whole = Bytes::new();
    let mut joined: Option<Vec<u8>> = None;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| Unread)?;
        let length = joined.as_ref().map_or(whole.len(), Vec::len) + chunk.len();
        if length > limit {
            return Err(Unread);
        }
        match &mut joined {
            Some(joined) => joined.extend_from_slice(&chunk),
            None if whole.is_empty() => whole = chunk,
            None => {
                let mut both = Vec::with_capacity(length);
                both.extend_from_slice(&whole);
                both.extend_from_slice(&chunk);
                joined = Some(both);
            }
        }
    }
    Ok(joined.map_or(whole, Bytes::from))
}

/// The account a call's credentials name, and whether they prove it (a
/// known key, the right password): what the journal and the fault rules
/// go by before a handler has authenticated the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub account: String,
    pub proven: bool,
}

/// What an `Authorization` header carries. A Bearer token is borrowed from
/// the header: every iP.1 call has one, and a copy of it was an allocation
/// a call for nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials<'a> {
    Bearer(&'a str),
    Basic { user: String, password: String },
}

impl Credentials<'_> {
    /// The API key or password given.
    pub fn secret(&self) -> &str {
        match self {
            Credentials::Bearer(key) => key,
            Credentials::Basic { password, .. } => password,
        }
    }
}

/// Reads `Authorization: Bearer <token>` or `Basic <base64(user:password)>`
/// (scheme names in any case). Anything else counts as no credentials.
pub fn credentials(headers: &HeaderMap) -> Option<Credentials<'_>> {
    credentials_of(headers.get(AUTHORIZATION)?)
}

/// Reads the value of an `Authorization` header, as [`credentials`].
pub fn credentials_of(authorization: &HeaderValue) -> Option<Credentials<'_>> {
    // A header's text is visible ASCII and tabs, so ASCII's whitespace is
    // all there is to trim, and the space is found as a byte: `str`'s
    // searches and trims, which read characters, took about 150
    // instructions more on every iP.1 call.
    let value = authorization.to_str().ok()?.trim_ascii();
    let space = value.bytes().position(|byte| byte == b' ')?;
    let (scheme, rest) = (&value[..space], value[space + 1..].trim_ascii());
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Some(Credentials::Bearer(rest));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(STANDARD.decode(rest).ok()?).ok()?;
        let (user, password) = decoded.split_once(':')?;
        return Some(Credentials::Basic { user: user.to_owned(), password: password.to_owned() });
    }
    None
}

/// The first value of a query parameter, decoded.
pub fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// An absolute http(s) URL with a host: what callback URLs must be.
pub fn is_absolute_http_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    })
}

/// Viamobile's path roots, served both at `/` and under the legacy base.
pub const VIAMOBILE_ROOTS: [&str; 6] = ["/json", "/get", "/token", "/stats", "/soap", "/hlr"];

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(chunks: &[&'static str]) -> Body {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            chunks.iter().map(|chunk| Ok(Bytes::from_static(chunk.as_bytes()))).collect();
        Body::from_stream(futures::stream::iter(chunks))
    }

    #[tokio::test]
    async fn a_body_is_read_whole_in_one_chunk_or_many_up_to_its_limit() {
        let one = read_whole(Body::from("a body"), 6).await.unwrap();
        assert_eq!(one, "a body");
        assert_eq!(read_whole(Body::empty(), 0).await.unwrap(), "");
        let many = read_whole(chunked(&["", "a ", "", "body", " in parts"]), 15).await.unwrap();
        assert_eq!(many, "a body in parts");
        assert_eq!(read_whole(chunked(&["a ", "body"]), 6).await.unwrap(), "a body");
        assert!(read_whole(Body::from("a body"), 5).await.is_err());
        assert!(read_whole(chunked(&["a ", "body", "!"]), 6).await.is_err());
        let failing: Vec<Result<Bytes, std::io::Error>> =
            vec![Ok(Bytes::from_static(b"half")), Err(std::io::Error::other("gone"))];
        assert!(read_whole(Body::from_stream(futures::stream::iter(failing)), 100).await.is_err());
    }

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bearer_and_basic_credentials_are_read() {
        assert_eq!(credentials(&headers("Bearer abc")), Some(Credentials::Bearer("abc")));
        assert_eq!(credentials(&headers("bearer  abc ")), Some(Credentials::Bearer("abc")));
        assert_eq!(credentials(&headers("BEARER \t a\tb\t")), Some(Credentials::Bearer("a\tb")));
        assert_eq!(credentials(&headers("Bearer\tabc")), None, "a tab does not end the scheme");
        assert_eq!(credentials(&headers("Bearer ")), None);
        assert_eq!(credentials(&headers("Token abc")), None);
        assert_eq!(
            credentials(&headers("Basic dGVzdDp0ZXN0")),
            Some(Credentials::Basic { user: "test".into(), password: "test".into() })
        );
        assert_eq!(credentials(&headers("Basic !!!")), None);
        assert_eq!(credentials(&headers("Bearer")), None);
        assert_eq!(credentials(&HeaderMap::new()), None);
    }
}
