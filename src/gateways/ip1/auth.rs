//! iP.1 authentication: `Authorization: Bearer <API key>`, or
//! HTTP Basic with the account id and key (`ip1-12345:key`) — on the older
//! `/api/...` routes only, unless `--ip1-v2-basic-auth`: the real v2 takes
//! Bearer keys, and a client that sends Basic there should learn it here,
//! not in production.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::request::Parts;

use super::error::Ip1Error;
use crate::domain::account::Ip1Profile;
use crate::engine::Engine;
use crate::engine::records::Records;
use crate::http::{Claim, Credentials, credentials, credentials_of};
use crate::state::AppState;
use crate::store::Ip1Account;
use crate::telemetry::note_account;

/// The authenticated caller of an iP.1 endpoint.
pub struct Ip1Caller {
    pub account: Arc<Ip1Account>,
    engine: Arc<Engine>,
}

impl Ip1Caller {
    /// The engine the caller's account is in: what a handler that needs
    /// nothing else of the state uses, without taking the state (a count
    /// both cores write, once more a call).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Edits the caller's records through the engine
    /// ([`Engine::edit`]); `edit` must not block.
    pub fn edit<R>(&self, edit: impl FnOnce(Records<'_, Ip1Profile>) -> R) -> R {
        self.engine.edit(&self.account, edit)
    }
}

/// Whether HTTP Basic is accepted on `path`: on `/api/...`, and on the
/// v2 routes with `--ip1-v2-basic-auth`.
pub fn basic_accepted(state: &AppState, path: &str) -> bool {
    state.ip1_v2_basic_auth || path == "/api" || path.starts_with("/api/")
}

/// The account a call claims to act as, before it is authenticated (for
/// fault rules, and the journal of calls that never were): the account of
/// a known Bearer key (proven), or the Basic user (proven when the key is
/// that account's and Basic is accepted on `path`). Nothing is created.
pub fn claim(state: &AppState, path: &str, authorization: Option<&HeaderValue>) -> Option<Claim> {
    let store = state.engine.store();
    match credentials_of(authorization?)? {
        Credentials::Basic { user, password } => {
            let proven = basic_accepted(state, path)
                && store.ip1_account_of_key(&password).is_some_and(|id| id == user);
            Some(Claim { account: user, proven })
        }
        Credentials::Bearer(key) => {
            store.ip1_account_of_key(key).map(|account| Claim { account, proven: true })
        }
    }
}

impl FromRequestParts<AppState> for Ip1Caller {
    type Rejection = Ip1Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Ip1Error> {
        let given = credentials(&parts.headers);
        let account_id = match &given {
            Some(Credentials::Bearer(_)) => None,
            Some(Credentials::Basic { user, .. }) if basic_accepted(state, parts.uri.path()) => {
                Some(user.as_str())
            }
            Some(Credentials::Basic { .. }) | None => return Err(Ip1Error::Unauthorized),
        };
        let key = given.as_ref().map_or("", Credentials::secret);
        let account =
            state.engine.store().authenticate_ip1(account_id, key).ok_or(Ip1Error::Unauthorized)?;
        note_account(&parts.extensions, account.id());
        Ok(Ip1Caller { account, engine: state.engine.clone() })
    }
}
