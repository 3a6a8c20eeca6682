//! The web inbox at `/_mock/ui/`: pages served by the emulator itself,
//! their assets compiled into the binary (no build step, nothing fetched
//! from elsewhere). The pages are clients of the documented control API
//! and its event stream, so everything they show a test can get too.
//! `GET /` leads there.
//!
//! Each page is its `<main>` and its script; the frame around it — head,
//! header, the navigation between pages — is written once, here.

use std::sync::OnceLock;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

/// Where the inbox is.
pub const HOME: &str = "/_mock/ui/";

/// One page of the inbox.
struct Page {
    path: &'static str,
    /// Its name in the navigation and the title.
    name: &'static str,
    /// Listed in the navigation (a message's page is reached from the list).
    in_navigation: bool,
    main: &'static str,
    script: &'static str,
    script_source: &'static str,
}

/// Declares a page whose `<main>` is `assets/<file>.html` and whose script
/// is `assets/<file>.js`, served at `/_mock/ui/<file>.js`.
macro_rules! page {
    ($path:expr, $name:expr, $file:literal, $in_navigation:expr) => {
        Page {
            path: $path,
            name: $name,
            in_navigation: $in_navigation,
            main: include_str!(concat!("assets/", $file, ".html")),
            script: concat!("/_mock/ui/", $file, ".js"),
            script_source: include_str!(concat!("assets/", $file, ".js")),
        }
    };
}

const PAGES: [Page; 7] = [
    page!(HOME, "Messages", "messages", true),
    page!("/_mock/ui/message", "Message", "message", false),
    page!("/_mock/ui/phone", "Phone", "phone", true),
    page!("/_mock/ui/accounts", "Accounts", "accounts", true),
    page!("/_mock/ui/requests", "Requests", "requests", true),
    page!("/_mock/ui/scenarios", "Scenarios", "scenarios", true),
    page!("/_mock/ui/state", "State", "state", true),
];

/// What every page's script builds on: API calls, the event stream, helpers.
const COMMON: &str = include_str!("assets/common.js");
const STYLE: &str = include_str!("assets/app.css");
const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// A page in its frame: head, header with the navigation (the page itself
/// marked current), its `<main>` and its script.
fn render(page: &Page) -> String {
    let nav: Vec<String> = PAGES
        .iter()
        .filter(|other| other.in_navigation)
        .map(|other| {
            let current = if other.path == page.path { " aria-current=\"page\"" } else { "" };
            format!("<a href=\"{}\"{current}>{}</a>", other.path, other.name)
        })
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>smsmock — {title}</title>\n<link rel=\"icon\" href=\"data:,\">\n\
         <link rel=\"stylesheet\" href=\"/_mock/ui/app.css\">\n</head>\n<body>\n<header>\n\
         <h1><a href=\"{HOME}\">smsmock</a></h1>\n<nav aria-label=\"Pages\">{nav}</nav>\n\
         <span id=\"live\" class=\"live\" role=\"status\" aria-live=\"polite\">connecting…</span>\n\
         </header>\n<p id=\"note\" class=\"note\" role=\"status\" aria-live=\"polite\" hidden></p>\n\
         {main}<script src=\"/_mock/ui/common.js\"></script>\n<script src=\"{script}\"></script>\n\
         </body>\n</html>\n",
        title = page.name.to_lowercase(),
        nav = nav.join(" "),
        main = page.main,
        script = page.script,
    )
}

/// The pages as served, rendered on first use (start-up does not pay).
fn rendered(index: usize) -> &'static str {
    static RENDERED: OnceLock<Vec<String>> = OnceLock::new();
    &RENDERED.get_or_init(|| PAGES.iter().map(render).collect())[index]
}

/// The inbox's routes (not in the OpenAPI document: they are pages).
pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/", get(to_home))
        .route("/_mock/ui", get(to_home))
        .route("/_mock/ui/app.css", get(|| async { asset(STYLE, "text/css; charset=utf-8") }))
        .route("/_mock/ui/common.js", get(|| async { asset(COMMON, JAVASCRIPT) }));
    for (index, page) in PAGES.iter().enumerate() {
        let script = page.script_source;
        router = router
            .route(page.path, get(move || async move { asset(rendered(index), HTML) }))
            .route(page.script, get(move || async move { asset(script, JAVASCRIPT) }));
    }
    router
}

async fn to_home() -> Response {
    (StatusCode::FOUND, [(LOCATION, HeaderValue::from_static(HOME))]).into_response()
}

/// An asset, checked again on each load (a new emulator may serve new
/// pages on the same address).
fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}
