//! `GET /stats/limit` (§5.12): SMS parts sent today against the daily limit.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::auth::GetCaller;
use super::local_date;
use crate::http::json;

pub async fn limit(GetCaller(account): GetCaller) -> Response {
    let today = local_date(account.clock().now());
    let (sent, max) =
        account.read(|data| (data.profile.usage.sent_on(today), data.profile.daily_limit));
    let body = json!({
        "response": {
            "status": 200,
            "msg": { "sent": sent, "remaining": max.saturating_sub(sent), "max": max }
        }
    });
    json(StatusCode::OK, &body)
}
