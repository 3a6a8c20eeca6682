//! Reading Viamobile request bodies the way real clients send them: JSON
//! whatever the Content-Type says (`application/x-www-form-urlencoded` and
//! `text/xml` included), lists as an array or an object keyed by id,
//! numbers and texts as either.
//!
//! A POST body is read into its request type — the type the OpenAPI
//! document shows — by [`read_authenticated`], which checks its
//! credentials first (1000) and its shape second (400), the order
//! Viamobile checks in.

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::{Extensions, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::auth::body_caller;
use super::error::ViaError;
use crate::http::SurfaceError;
use crate::state::AppState;
use crate::store::ViamobileAccount;

/// A request body parsed as JSON, with Viamobile's errors for a body that
/// is too large (413) or not JSON (400).
pub struct ViaBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for ViaBody {
    type Rejection = ViaError;

    /// Not an `async fn`, which would keep the request in its future
    /// ([`crate::http::body_bytes`]).
    fn from_request(
        request: Request,
        state: &S,
    ) -> impl Future<Output = Result<Self, ViaError>> + Send {
        let read = crate::http::body_bytes(request, state);
        async move {
            let bytes = read.await.map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ViaError::payload_too_large()
                } else {
                    ViaError::bad_request()
                }
            })?;
            let value = serde_json::from_slice(&bytes).map_err(|_| ViaError::bad_request())?;
            Ok(ViaBody(value))
        }
    }
}

/// A JSON request body with `username` and `password`.
pub trait WithCredentials: DeserializeOwned {
    fn username(&self) -> Option<&Value>;
    fn password(&self) -> Option<&Value>;
}

/// Implements [`WithCredentials`] for request types whose `username` and
/// `password` fields are `Option<Value>`.
macro_rules! with_credentials {
    ($($request:ty),+ $(,)?) => {$(
        impl $crate::gateways::viamobile::body::WithCredentials for $request {
            fn username(&self) -> Option<&serde_json::Value> {
                self.username.as_ref()
            }

            fn password(&self) -> Option<&serde_json::Value> {
                self.password.as_ref()
            }
        }
    )+};
}
pub(crate) use with_credentials;

/// Authenticates a body's `username` and `password` (1000 when they are
/// missing, not strings or wrong), then reads the rest into `T` (400 when
/// it is not the documented shape).
pub fn read_authenticated<T: WithCredentials>(
    state: &AppState,
    extensions: &Extensions,
    body: &Value,
) -> Result<(Arc<ViamobileAccount>, T), ViaError> {
    fn text(value: Option<&Value>) -> Option<&str> {
        value.and_then(Value::as_str)
    }
    let request = T::deserialize(body);
    let (username, password) = match &request {
        Ok(request) => (text(request.username()), text(request.password())),
        // A body of another shape may still carry credentials.
        Err(_) => (text(body.get("username")), text(body.get("password"))),
    };
    let account = body_caller(state, extensions, username, password)?;
    Ok((account, request.map_err(|_| ViaError::bad_request())?))
}

/// A text as clients send it: a string, or any other value as its JSON
/// text (a number, say).
#[derive(Debug, Clone)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        Ok(Text(match Value::deserialize(deserializer)? {
            Value::String(text) => text,
            other => other.to_string(),
        }))
    }
}

/// Items sent as an array, or as an object keyed by id (its values, in the
/// order sent).
#[derive(Debug)]
pub struct ListOrById<T>(pub Vec<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for ListOrById<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ListOrById<T>, D::Error> {
        let items = match Value::deserialize(deserializer)? {
            Value::Array(items) => items,
            Value::Object(map) => map.into_iter().map(|(_, item)| item).collect(),
            _ => return Err(serde::de::Error::custom("expected an array or an object")),
        };
        items
            .into_iter()
            .map(|item| T::deserialize(item).map_err(serde::de::Error::custom))
            .collect::<Result<_, _>>()
            .map(ListOrById)
    }
}

/// An array of `T`, or an object whose values are `T`.
impl<T: ToSchema> PartialSchema for ListOrById<T> {
    fn schema() -> RefOr<Schema> {
        let item = || Ref::from_schema_name(T::name());
        OneOfBuilder::new()
            .item(ArrayBuilder::new().items(item()))
            .item(ObjectBuilder::new().additional_properties(Some(item())))
            .description(Some("An array, or an object keyed by id."))
            .into()
    }
}

impl<T: ToSchema> ToSchema for ListOrById<T> {
    fn name() -> std::borrow::Cow<'static, str> {
        format!("{}s", T::name()).into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}
