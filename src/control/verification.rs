//! Looking at what happened: the request journal (`/_mock/requests`),
//! and `/_mock/verify`, which says whether a described request or message
//! happened N times and, when it did not, shows the nearest misses.

use std::ops::ControlFlow;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::error::{ControlError, ControlJson, ControlPath, ControlQuery};
use super::messages::{MessageFilter, MessageView, all_messages};
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::requests::{RequestFilter, RequestRecord};
use crate::state::AppState;

/// Entries listed unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 100;
/// Near misses shown by a failed verification.
const NEAR_MISSES: usize = 5;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct RequestQuery {
    account: Option<String>,
    gateway: Option<String>,
    method: Option<String>,
    path: Option<String>,
    #[param(maximum = 65535)]
    status: Option<u16>,
    body_contains: Option<String>,
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    limit: Option<u32>,
}

/// `GET /_mock/requests`: gateway calls, newest first; filters `account`,
/// `gateway`, `method`, `path` (`*` suffix for a prefix), `status`,
/// `bodyContains`, and `limit` (default 100).
#[utoipa::path(get, path = "/_mock/requests", tag = CONTROL_TAG, params(RequestQuery),
    responses((status = OK, description = "Journaled gateway calls, newest first.", body = Vec<RequestRecord>)))]
pub async fn requests(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<RequestQuery>,
) -> Response {
    let filter = RequestFilter {
        account: query.account.map(|name| state.engine.store().account_id(&name)),
        gateway: query.gateway,
        method: query.method,
        path: query.path,
        status: query.status,
        body_contains: query.body_contains,
    };
    let limit = query.limit.map_or(DEFAULT_LIMIT, |limit| limit as usize);
    let found = state.engine.requests.newest(limit, |record| filter.matches(record));
    json(StatusCode::OK, &found)
}

/// `GET /_mock/requests/{id}`: one journaled call, while the journal
/// holds it; 404 once it is gone (or never was).
#[utoipa::path(get, path = "/_mock/requests/{id}", tag = CONTROL_TAG,
    params(("id" = u64, Path, description = "The call's `id` in the journal.")),
    responses((status = OK, description = "The journaled call.", body = RequestRecord)))]
pub async fn request(
    State(state): State<AppState>,
    ControlPath(id): ControlPath<String>,
) -> Result<Response, ControlError> {
    let record = id.parse().ok().and_then(|id| state.engine.requests.get(id)).ok_or_else(|| {
        ControlError::new(StatusCode::NOT_FOUND, format!("no journaled request {id:?}"))
    })?;
    Ok(json(StatusCode::OK, &record))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Verify {
    #[serde(default)]
    request: Option<RequestFilter>,
    #[serde(default)]
    message: Option<MessageFilter>,
    /// Exactly this many (default 1 when neither count is given).
    #[serde(default)]
    count: Option<usize>,
    /// At least this many.
    #[serde(default)]
    at_least: Option<usize>,
}

impl utoipa::PartialSchema for Verify {
    /// A `request` or a `message` filter (exactly one), and `count` or
    /// `atLeast` (at most one): every allowed pairing, as one of six.
    fn schema() -> RefOr<Schema> {
        let null = || ObjectBuilder::new().schema_type(Type::Null);
        let how_many = || ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0));
        let mut one_of = OneOfBuilder::new().description(Some(
            "A `request` filter (as `GET /_mock/requests`) or a `message` filter (as \
             `GET /_mock/messages`), exactly one; `count` (exactly; the default is 1) or \
             `atLeast`, at most one.",
        ));
        for (what, other) in [("request", "message"), ("message", "request")] {
            let filter = match what {
                "request" => Ref::from_schema_name(RequestFilter::name()),
                _ => Ref::from_schema_name(MessageFilter::name()),
            };
            for (count, at_least) in
                [(Some(how_many()), None), (None, Some(how_many())), (None, None)]
            {
                let mut choice = ObjectBuilder::new()
                    .property(what, filter.clone())
                    .required(what)
                    .property(other, null())
                    .additional_properties(Some(AdditionalProperties::FreeForm(false)));
                choice = match count {
                    Some(count) => choice.property("count", count).required("count"),
                    None => choice.property("count", null()),
                };
                choice = match at_least {
                    Some(at_least) => choice.property("atLeast", at_least).required("atLeast"),
                    None => choice.property("atLeast", null()),
                };
                one_of = one_of.item(choice);
            }
        }
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl utoipa::ToSchema for Verify {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((RequestFilter::name().into_owned(), RequestFilter::schema()));
        schemas.push((MessageFilter::name().into_owned(), MessageFilter::schema()));
    }
}

/// `POST /_mock/verify`: `{"request": {...}, "count": 2}` or
/// `{"message": {...}, "atLeast": 1}`. Answers `matched`, the actual
/// `count`, and when it did not match, the `nearMisses`: the entries that
/// meet the most of the given criteria.
#[utoipa::path(post, path = "/_mock/verify", tag = CONTROL_TAG, request_body = Verify,
    responses((status = OK, description = "Whether it happened as often as expected.", body = Verdict)))]
pub async fn verify(
    State(state): State<AppState>,
    ControlJson(body): ControlJson<Verify>,
) -> Result<Response, ControlError> {
    let (count, misses): (usize, Vec<Value>) = match (&body.request, &body.message) {
        (Some(filter), None) => {
            // Counted in place; only the best near misses are copied.
            let mut count = 0;
            let mut near: Vec<(usize, RequestRecord)> = Vec::new();
            state.engine.requests.visit_newest(|record| {
                let (met, given) = filter.score(record);
                if met == given {
                    count += 1;
                } else if met > 0 && near.iter().filter(|n| n.0 >= met).count() < NEAR_MISSES {
                    let at = near.iter().position(|n| n.0 < met).unwrap_or(near.len());
                    near.insert(at, (met, record.record()));
                    near.truncate(NEAR_MISSES);
                }
                ControlFlow::Continue(())
            });
            (count, near.into_iter().map(|(_, r)| json!(r)).collect())
        }
        (None, Some(filter)) => {
            let all = all_messages(&state);
            let count = all.iter().filter(|m| filter.matches(m)).count();
            let mut near: Vec<(usize, &MessageView)> = all
                .iter()
                .map(|m| (filter.score(m).0, m))
                .filter(|(met, m)| *met > 0 && !filter.matches(m))
                .collect();
            near.sort_by_key(|n| std::cmp::Reverse(n.0));
            (count, near.into_iter().take(NEAR_MISSES).map(|(_, m)| json!(m)).collect())
        }
        _ => return Err(ControlError::bad_request("give exactly one of `request` and `message`")),
    };
    let matched = match (body.count, body.at_least) {
        (Some(_), Some(_)) => {
            return Err(ControlError::bad_request("give `count` or `atLeast`, not both"));
        }
        (Some(expected), None) => count == expected,
        (None, Some(minimum)) => count >= minimum,
        (None, None) => count == 1,
    };
    let answer = Verdict {
        matched,
        count,
        expected: body.count.or(body.at_least).unwrap_or(1),
        near_misses: (!matched).then_some(misses),
    };
    Ok(json(StatusCode::OK, &answer))
}

/// The answer of `POST /_mock/verify`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    matched: bool,
    /// How many matched.
    count: usize,
    /// The `count` or `atLeast` asked for.
    expected: usize,
    /// When it did not match: the requests or messages that meet the
    /// most of the given criteria, best first.
    #[serde(skip_serializing_if = "Option::is_none")]
    near_misses: Option<Vec<Value>>,
}
