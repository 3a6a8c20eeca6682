//! HTTP pieces every part of the router shares: JSON answers, reading the
//! `Authorization` header, the surfaces and their error formats, and the
//! layers every gateway call goes through (the request journal, fault
//! rules, dropped connections).

pub mod changes;
pub mod faults;
pub mod journal;
pub mod lenient;
pub mod panics;
pub mod pipeline;
pub mod surface;
pub mod trailing_slash;

pub use surface::{Surface, SurfaceError, VIAMOBILE_LEGACY_BASE};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

/// `application/json; charset=utf-8`, as both gateways answer.
pub const JSON_UTF8: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");

/// Serialises `body` as the JSON answer with `status`.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    // Room for a batch document at once: serde_json's own start (128
    // bytes) grew twice, copying, on every send's answer.
    let mut bytes = Vec::with_capacity(512);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => (status, [(CONTENT_TYPE, JSON_UTF8)], bytes).into_response(),
        Err(err) => {
            tracing::error!(%err, "could not serialise an answer");
            let fallback = br#"{"error":"internal error"}"#.as_slice();
            (StatusCode::INTERNAL_SERVER_ERROR, [(CONTENT_TYPE, JSON_UTF8)], fallback)
                .into_response()
        }
    }
}

/// A gateway call's body as the journal read it ([`journal`]), kept with
/// the request so that the handler's extractor takes it from there.
#[derive(Clone)]
pub struct BufferedBody(pub Bytes);

/// The request's body: the journal's copy, or read when there is none.
///
/// Reading a body already in memory through axum's extractor went through
/// its collecting machinery for the one chunk: 1,900 instructions of a
/// send, where the journal's copy is shared for a few dozen. The journal
/// answered a body over `--body-limit` already.
pub async fn body_bytes<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<Bytes, BytesRejection> {
    match request.extensions().get::<BufferedBody>() {
        Some(BufferedBody(bytes)) => Ok(bytes.clone()),
        None => Bytes::from_request(request, state).await,
    }
}

/// The account a call's credentials name, and whether they prove it (a
/// known key, the right password): what the journal and the fault rules
/// go by before a handler has authenticated the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub account: String,
    pub proven: bool,
}

/// What an `Authorization` header carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Bearer(String),
    Basic { user: String, password: String },
}

/// Reads `Authorization: Bearer <token>` or `Basic <base64(user:password)>`
/// (scheme names in any case). Anything else counts as no credentials.
pub fn credentials(headers: &HeaderMap) -> Option<Credentials> {
    credentials_of(headers.get(AUTHORIZATION)?)
}

/// Reads the value of an `Authorization` header, as [`credentials`].
pub fn credentials_of(authorization: &HeaderValue) -> Option<Credentials> {
    let value = authorization.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Some(Credentials::Bearer(rest.to_owned()));
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

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bearer_and_basic_credentials_are_read() {
        assert_eq!(credentials(&headers("Bearer abc")), Some(Credentials::Bearer("abc".into())));
        assert_eq!(credentials(&headers("bearer  abc ")), Some(Credentials::Bearer("abc".into())));
        assert_eq!(
            credentials(&headers("Basic dGVzdDp0ZXN0")),
            Some(Credentials::Basic { user: "test".into(), password: "test".into() })
        );
        assert_eq!(credentials(&headers("Basic !!!")), None);
        assert_eq!(credentials(&headers("Bearer")), None);
        assert_eq!(credentials(&HeaderMap::new()), None);
    }
}
