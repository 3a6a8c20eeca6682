//! HTTP pieces every part of the router shares: JSON answers, reading the
//! `Authorization` header, and telling which emulated surface a path
//! belongs to (for the 404/405 fallbacks).

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
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(CONTENT_TYPE, JSON_UTF8)], bytes).into_response(),
        Err(err) => {
            tracing::error!(%err, "could not serialise an answer");
            let fallback = br#"{"error":"internal error"}"#.as_slice();
            (StatusCode::INTERNAL_SERVER_ERROR, [(CONTENT_TYPE, JSON_UTF8)], fallback)
                .into_response()
        }
    }
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
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
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

/// The parts of the router, each with its own error format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Ip1,
    Viamobile,
    Control,
    Other,
}

/// Viamobile's path roots, served both at `/` and under the legacy base.
pub const VIAMOBILE_ROOTS: [&str; 6] = ["/json", "/get", "/token", "/stats", "/soap", "/hlr"];
/// The legacy Viamobile base path.
pub const VIAMOBILE_LEGACY_BASE: &str = "/bsms/rest/v2";

impl Surface {
    pub fn of_path(path: &str) -> Surface {
        let under = |root: &str| {
            path.strip_prefix(root).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/v2") || under("/api") || under("/me") {
            Surface::Ip1
        } else if under("/_mock") {
            Surface::Control
        } else if under(VIAMOBILE_LEGACY_BASE) || VIAMOBILE_ROOTS.iter().any(|root| under(root)) {
            Surface::Viamobile
        } else {
            Surface::Other
        }
    }
}

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

    #[test]
    fn paths_belong_to_their_surface() {
        assert_eq!(Surface::of_path("/v2/batches"), Surface::Ip1);
        assert_eq!(Surface::of_path("/api/me"), Surface::Ip1);
        assert_eq!(Surface::of_path("/json/send"), Surface::Viamobile);
        assert_eq!(Surface::of_path("/bsms/rest/v2/json/send"), Surface::Viamobile);
        assert_eq!(Surface::of_path("/_mock/health"), Surface::Control);
        assert_eq!(Surface::of_path("/v22"), Surface::Other);
        assert_eq!(Surface::of_path("/"), Surface::Other);
    }
}
