//! `GET /token/create`: a signed JWT (HS256, `sub` = username) valid
//! for 24 hours of the account's virtual time, accepted as `?jwt=` on the
//! GET endpoints. Expired, tampered or foreign tokens answer 1000.

use axum::extract::{RawQuery, State};
use axum::http::Extensions;
use axum::response::Response;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::answer::Answer;
use super::error::ViaError;
use crate::http::query_value;
use crate::openapi::VIAMOBILE_TAG;
use crate::state::AppState;
use crate::store::ViamobileAccount;
use crate::telemetry::note_account;

/// How long a token lives, in virtual seconds.
pub const LIFETIME_SECONDS: i64 = 24 * 3600;

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
}

/// The query of `/token/create`; a repeated parameter's first value
/// counts.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Login {
    #[param(value_type = String)]
    username: Option<String>,
    #[param(value_type = String)]
    password: Option<String>,
}

impl Login {
    fn read(query: Option<&str>) -> Login {
        Login { username: query_value(query, "username"), password: query_value(query, "password") }
    }
}

/// `GET /token/create?username=&password=`.
#[utoipa::path(get, path = "/token/create", tag = VIAMOBILE_TAG, params(Login),
    responses((status = OK, description = "A token for the GET endpoints' `jwt`.", body = Answer<Token>)))]
pub async fn create(
    State(state): State<AppState>,
    extensions: Extensions,
    RawQuery(query): RawQuery,
) -> Result<Response, ViaError> {
    let Login { username: Some(username), password: Some(password) } =
        Login::read(query.as_deref())
    else {
        return Err(ViaError::unauthorized());
    };
    let account = state
        .engine
        .store()
        .authenticate_viamobile(&username, &password)
        .ok_or(ViaError::unauthorized())?;
    note_account(&extensions, account.id());
    let now = account.clock().now().timestamp();
    let claims = Claims { sub: username, iat: now, exp: now + LIFETIME_SECONDS };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&state.engine.sequences.token_secret()),
    )
    .map_err(|_| ViaError::unauthorized())?;
    Ok(Answer::new(Token { jwt: token }).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct Token {
    /// HS256; valid for 24 hours of the account's virtual time.
    jwt: String,
}

/// The account a token was issued to, if it is genuine and not expired on
/// that account's clock.
pub fn verify(state: &AppState, token: &str) -> Option<std::sync::Arc<ViamobileAccount>> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(&state.engine.sequences.token_secret()),
        &validation,
    )
    .ok()?
    .claims;
    let account =
        state.engine.store().viamobile_list().into_iter().find(|a| a.id() == claims.sub)?;
    (account.clock().now().timestamp() < claims.exp).then_some(account)
}
