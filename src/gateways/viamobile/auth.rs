//! Viamobile authentication: `username` and `password` in the JSON
//! body of the POST endpoints, HTTP Basic on the GET endpoints.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderValue};
use serde_json::Value;

use super::error::ViaError;
use crate::http::{Claim, Credentials, credentials, credentials_of, query_value};
use crate::state::AppState;
use crate::store::{Store, ViamobileAccount};
use crate::telemetry::note_account;

/// The caller of a Viamobile GET endpoint, authenticated by HTTP Basic.
pub struct BasicCaller(pub Arc<ViamobileAccount>);

impl FromRequestParts<AppState> for BasicCaller {
    type Rejection = ViaError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ViaError> {
        let Some(Credentials::Basic { user, password }) = credentials(&parts.headers) else {
            return Err(ViaError::unauthorized());
        };
        let account = state
            .engine
            .store()
            .authenticate_viamobile(&user, &password)
            .ok_or(ViaError::unauthorized())?;
        note_account(&parts.extensions, account.id());
        Ok(BasicCaller(account))
    }
}

/// The caller of a Viamobile GET endpoint: `?jwt=` from `/token/create`,
/// or HTTP Basic.
pub struct GetCaller(pub Arc<ViamobileAccount>);

/// The account of a call's token, verified before the handler ran (by the
/// faults layer, to match rules), so it is verified once.
#[derive(Clone)]
pub struct VerifiedToken(pub Option<Arc<ViamobileAccount>>);

/// The account a call's `?jwt=` was issued to, verified; `None` when the
/// call has no token. The verified account is kept in the call's
/// extensions for its handler.
pub fn token_account(state: &AppState, parts: &mut Parts) -> Option<Option<Arc<ViamobileAccount>>> {
    if let Some(VerifiedToken(account)) = parts.extensions.get::<VerifiedToken>() {
        return Some(account.clone());
    }
    let token = query_value(parts.uri.query(), "jwt")?;
    let account = super::token::verify(state, &token);
    parts.extensions.insert(VerifiedToken(account.clone()));
    Some(account)
}

/// The account a call claims to act as, before it is authenticated (for
/// fault rules, and the journal of calls that never were): the Basic
/// user, or the body's `username`, proven when the password is the
/// account's. A token is left to [`token_account`]. Nothing is created.
pub fn claim(
    store: &Store,
    authorization: Option<&HeaderValue>,
    body: Option<&Value>,
) -> Option<Claim> {
    let (user, password) = match authorization.and_then(credentials_of) {
        Some(Credentials::Basic { user, password }) => (user, password),
        _ => {
            let body = body?;
            let text = |name| body.get(name).and_then(Value::as_str).map(str::to_owned);
            (text("username")?, text("password").unwrap_or_default())
        }
    };
    let proven = store.viamobile_password_matches(&user, &password);
    Some(Claim { account: user, proven })
}

impl FromRequestParts<AppState> for GetCaller {
    type Rejection = ViaError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ViaError> {
        match token_account(state, parts) {
            Some(account) => {
                let account = account.ok_or(ViaError::unauthorized())?;
                note_account(&parts.extensions, account.id());
                Ok(GetCaller(account))
            }
            None => BasicCaller::from_request_parts(parts, state)
                .await
                .map(|BasicCaller(a)| GetCaller(a)),
        }
    }
}

/// Authenticates the `username` and `password` of a JSON body.
pub fn body_caller(
    state: &AppState,
    extensions: &Extensions,
    username: Option<&str>,
    password: Option<&str>,
) -> Result<Arc<ViamobileAccount>, ViaError> {
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ViaError::unauthorized());
    };
    let account = state
        .engine
        .store()
        .authenticate_viamobile(username, password)
        .ok_or(ViaError::unauthorized())?;
    note_account(extensions, account.id());
    Ok(account)
}
