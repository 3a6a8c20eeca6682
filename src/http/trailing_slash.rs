//! iP.1's routes with a trailing slash (`GET /v2/batches/`, `/api/me/`):
//! ASP.NET Core routing, which the real gateway runs on, ignores it, and
//! the vendor's own quick-start commands use it. The path is trimmed
//! before routing, so the journal, faults and verification see the route's
//! own path. Other surfaces keep their paths as sent.

use axum::extract::Request;
use axum::http::Uri;
use axum::http::uri::PathAndQuery;

use super::Surface;

/// Trims one trailing slash from an iP.1 path (of either API); `surface`
/// is the path's, which trimming does not change.
pub fn trim_ip1_trailing_slash(request: &mut Request, surface: Surface) {
    let path = request.uri().path();
    let ip1 = matches!(surface, Surface::Ip1 | Surface::Ip1V1);
    if path.len() > 1
        && path.ends_with('/')
        && ip1
        && let Some(uri) = trimmed(request.uri())
    {
        *request.uri_mut() = uri;
    }
}

fn trimmed(uri: &Uri) -> Option<Uri> {
    let path = uri.path().strip_suffix('/')?;
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_keeps_the_surface() {
        for path in ["/api/me/", "/api/", "/api/contacts/", "/v2/batches/", "/me/", "/api//"] {
            let uri: Uri = path.parse().unwrap();
            let trimmed = trimmed(&uri).unwrap();
            assert_eq!(Surface::of_path(trimmed.path()), Surface::of_path(path), "{path}");
        }
    }

    #[test]
    fn one_slash_is_trimmed_and_the_query_kept() {
        let uri: Uri = "/v2/batches/?limit=2".parse().unwrap();
        assert_eq!(trimmed(&uri).unwrap(), "/v2/batches?limit=2");
        let uri: Uri = "http://localhost/api/me/".parse().unwrap();
        assert_eq!(trimmed(&uri).unwrap(), "http://localhost/api/me");
    }
}
