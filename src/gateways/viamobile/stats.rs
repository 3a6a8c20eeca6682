//! `GET /stats/limit`: SMS parts sent today against the daily limit.

use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::answer::Answer;
use super::auth::GetCaller;
use crate::domain::time::viamobile_day;
use crate::openapi::VIAMOBILE_TAG;

/// `GET /stats/limit` with HTTP Basic or `jwt`.
#[utoipa::path(get, path = "/stats/limit", tag = VIAMOBILE_TAG, security(("viamobileBasic" = []), ()), params(("jwt" = Option<String>, Query, description = "A token from /token/create, instead of HTTP Basic.")),
    responses((status = OK, description = "Today's usage of the daily limit.", body = Answer<Limit>)))]
pub async fn limit(GetCaller(account): GetCaller) -> Response {
    let today = viamobile_day(account.clock().now());
    let (sent, max) =
        account.read(|data| (data.profile.usage.sent_on(today), data.profile.daily_limit));
    Answer::new(Limit { msg: LimitCounts { sent, remaining: max.saturating_sub(sent), max } })
        .into_response()
}

#[derive(Serialize, ToSchema)]
pub struct Limit {
    msg: LimitCounts,
}

/// SMS parts of the local day (Europe/Bratislava).
#[derive(Serialize, ToSchema)]
pub struct LimitCounts {
    sent: u32,
    remaining: u32,
    max: u32,
}
