//! Pagination of every v2 collection: `start` (offset, default 0),
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

/// The paging parameters of every v2 collection, as [`Listing::from_query`]
/// reads them (names in any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// Offset of the first item (default 0; below 0 counts as 0).
    #[param(value_type = Option<i64>)]
    start: usize,
    /// Items per page (default 50; clamped to 1..=1000).
    #[param(value_type = Option<i64>)]
    limit: usize,
    /// `ASC` or `DESC`, in any case (default `ASC`).
    #[param(value_type = Option<String>, pattern = r"^\s*([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])\s*$")]
    order: Order,
}

/// The order of a page: the collection's natural order, or reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Ascending,
    Descending,
}

impl Default for Page {
    fn default() -> Page {
        Page { start: 0, limit: DEFAULT_LIMIT, order: Order::Ascending }
    }
}

/// The query of a collection request: paging plus the caller's filters.
pub struct Listing {
    page: Page,
    pairs: Vec<(String, String)>,
}

fn invalid(name: &str, value: &str) -> Ip1Error {
    Ip1Error::field(name, format!("The value '{value}' is not valid for {name}."))
}

impl Listing {
    pub fn from_query(query: Option<&str>) -> Result<Listing, Ip1Error> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
        let mut listing = Listing { page: Page::default(), pairs: Vec::new() };
        let page = &mut listing.page;
        for (name, value) in &pairs {
            match name.to_ascii_lowercase().as_str() {
                "start" => {
                    let start: i64 = value.trim().parse().map_err(|_| invalid("Start", value))?;
                    page.start = start.max(0) as usize;
                }
                "limit" => {
                    let limit: i64 = value.trim().parse().map_err(|_| invalid("Limit", value))?;
                    page.limit = limit.clamp(1, MAX_LIMIT as i64) as usize;
                }
                "order" => {
                    page.order = match value.trim().to_ascii_uppercase().as_str() {
                        "ASC" => Order::Ascending,
                        "DESC" => Order::Descending,
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
        let Page { start, limit, order } = self.page;
        let end = total.min(start.saturating_add(limit));
        let positions = start.min(total)..end;
        if order == Order::Descending {
            positions.map(|i| total - 1 - i).collect()
        } else {
            positions.collect()
        }
    }

    /// Answers 200 with the requested page of `items` (the whole collection
    /// in natural order), as [`Listing::respond`] does.
    pub fn respond_page<T: Serialize>(
        &self,
        headers: &HeaderMap,
        path: &str,
        items: &[T],
    ) -> Response {
        let page: Vec<&T> = self.page(items.len()).into_iter().map(|i| &items[i]).collect();
        self.respond(headers, path, items.len(), &page)
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
        query.append_pair("limit", &self.page.limit.to_string());
        let order = match self.page.order {
            Order::Ascending => "ASC",
            Order::Descending => "DESC",
        };
        query.append_pair("order", order);
        for (name, value) in &self.pairs {
            query.append_pair(name, value);
        }
        format!("{base}?{}", query.finish())
    }

    fn link(&self, base: &str, total: usize) -> String {
        let Page { start, limit, .. } = self.page;
        let last = if total == 0 { 0 } else { (total - 1) / limit * limit };
        let mut links = vec![(start, "self"), (0, "first")];
        if start > 0 {
            links.push((start.saturating_sub(limit), "prev"));
        }
        if start + limit < total {
            links.push((start + limit, "next"));
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
        let page = |query| Listing::from_query(query).unwrap().page;
        assert_eq!(page(None), Page { start: 0, limit: 50, order: Order::Ascending });
        let clamped = page(Some("start=-5&LIMIT=100000&order=desc"));
        assert_eq!(clamped, Page { start: 0, limit: 1000, order: Order::Descending });
        assert_eq!(page(Some("limit=0")).limit, 1);
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
