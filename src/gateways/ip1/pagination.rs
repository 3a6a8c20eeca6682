//! Pagination of every v2 collection (§2.4): `start` (offset, default 0),
//! `limit` (default 50, clamped to 1..=1000), `order` (`ASC`/`DESC`, any
//! case), a bare JSON array as the body, and a `Link` header with `self`,
//! `first`, `prev`, `next` and `last` that keeps the caller's filters.
//! `X-Total-Count` carries the number of matching items.

use axum::http::header::{HOST, LINK};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::error::Ip1Error;
use crate::http::json;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 1000;
const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// The paging parameters of every v2 collection, as the OpenAPI document
/// shows them; [`Listing::from_query`] reads them.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Page {
    /// Offset of the first item (default 0; below 0 counts as 0).
    start: Option<i64>,
    /// Items per page (default 50; clamped to 1..=1000).
    limit: Option<i64>,
    /// `ASC` or `DESC`, in any case (default `ASC`).
    order: Option<String>,
}

/// The query of a collection request: paging plus the caller's filters.
pub struct Listing {
    start: usize,
    limit: usize,
    descending: bool,
    pairs: Vec<(String, String)>,
}

fn invalid(name: &str, value: &str) -> Ip1Error {
    Ip1Error::field(name, format!("The value '{value}' is not valid for {name}."))
}

impl Listing {
    pub fn from_query(query: Option<&str>) -> Result<Listing, Ip1Error> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
        let mut listing =
            Listing { start: 0, limit: DEFAULT_LIMIT, descending: false, pairs: Vec::new() };
        for (name, value) in &pairs {
            match name.to_ascii_lowercase().as_str() {
                "start" => {
                    let start: i64 = value.trim().parse().map_err(|_| invalid("Start", value))?;
                    listing.start = start.max(0) as usize;
                }
                "limit" => {
                    let limit: i64 = value.trim().parse().map_err(|_| invalid("Limit", value))?;
                    listing.limit = limit.clamp(1, MAX_LIMIT as i64) as usize;
                }
                "order" => {
                    listing.descending = match value.trim().to_ascii_uppercase().as_str() {
                        "ASC" => false,
                        "DESC" => true,
                        _ => return Err(invalid("Order", value)),
                    };
                }
                _ => listing.pairs.push((name.clone(), value.clone())),
            }
        }
        Ok(listing)
    }

    /// Every query parameter but `start`, `limit` and `order`.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Values of a filter parameter (name in any case); repeated and
    /// comma-separated values both count.
    pub fn filter(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .collect()
    }

    /// Positions (into a collection of `total` items in natural order) of
    /// the items on the requested page, in the requested order.
    pub fn page(&self, total: usize) -> Vec<usize> {
        let end = total.min(self.start.saturating_add(self.limit));
        let positions = self.start.min(total)..end;
        if self.descending {
            positions.map(|i| total - 1 - i).collect()
        } else {
            positions.collect()
        }
    }

    /// Answers 200 with the page as a bare array, and the `Link` and
    /// `X-Total-Count` headers.
    pub fn respond<T: Serialize>(
        &self,
        headers: &HeaderMap,
        path: &str,
        total: usize,
        items: &[T],
    ) -> Response {
        let mut response = json(StatusCode::OK, items);
        let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let base = format!("http://{host}{path}");
        if let Ok(link) = HeaderValue::from_str(&self.link(&base, total)) {
            response.headers_mut().insert(LINK, link);
        }
        response.headers_mut().insert(TOTAL_COUNT, HeaderValue::from(total));
        response
    }

    fn url(&self, base: &str, start: usize) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("start", &start.to_string());
        query.append_pair("limit", &self.limit.to_string());
        query.append_pair("order", if self.descending { "DESC" } else { "ASC" });
        for (name, value) in &self.pairs {
            query.append_pair(name, value);
        }
        format!("{base}?{}", query.finish())
    }

    fn link(&self, base: &str, total: usize) -> String {
        let last = if total == 0 { 0 } else { (total - 1) / self.limit * self.limit };
        let mut links = vec![(self.start, "self"), (0, "first")];
        if self.start > 0 {
            links.push((self.start.saturating_sub(self.limit), "prev"));
        }
        if self.start + self.limit < total {
            links.push((self.start + self.limit, "next"));
        }
        links.push((last, "last"));
        links
            .into_iter()
            .map(|(start, rel)| format!("<{}>; rel=\"{rel}\"", self.url(base, start)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_clamps_and_errors() {
        let listing = Listing::from_query(None).unwrap();
        assert_eq!((listing.start, listing.limit, listing.descending), (0, 50, false));
        let listing = Listing::from_query(Some("start=-5&limit=100000&order=desc")).unwrap();
        assert_eq!((listing.start, listing.limit, listing.descending), (0, 1000, true));
        assert_eq!(Listing::from_query(Some("limit=0")).unwrap().limit, 1);
        assert!(Listing::from_query(Some("start=x")).is_err());
        assert!(Listing::from_query(Some("order=up")).is_err());
    }

    #[test]
    fn pages_in_either_order() {
        let listing = Listing::from_query(Some("start=2&limit=2")).unwrap();
        assert_eq!(listing.page(5), vec![2, 3]);
        let listing = Listing::from_query(Some("start=4&limit=2&order=DESC")).unwrap();
        assert_eq!(listing.page(5), vec![0]);
        assert!(listing.page(3).is_empty());
    }

    #[test]
    fn links_keep_filters_and_appear_only_when_they_exist() {
        let listing = Listing::from_query(Some("tags=a&start=0&limit=2")).unwrap();
        let link = listing.link("http://h/v2/batches", 5);
        assert!(
            link.contains("<http://h/v2/batches?start=0&limit=2&order=ASC&tags=a>; rel=\"self\"")
        );
        assert!(link.contains("start=2&limit=2&order=ASC&tags=a>; rel=\"next\""));
        assert!(link.contains("start=4&limit=2&order=ASC&tags=a>; rel=\"last\""));
        assert!(!link.contains("rel=\"prev\""));
        let filters = Listing::from_query(Some("tags=a,b&TAGS=c")).unwrap();
        assert_eq!(filters.filter("tags"), vec!["a", "b", "c"]);
    }
}
