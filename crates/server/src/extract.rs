//! Request extractors that answer in the error envelope: a JSON body (400 for bad
//! syntax, 422 naming the field for wrong types, 413 past the size limit) and query
//! strings (422 naming the parameter).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON request body. Unknown fields are ignored (clients may be newer than us).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The raw body, for handlers that also fingerprint it (idempotency).
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let limit = req.extensions().get::<BodyLimit>().map_or(usize::MAX, |l| l.0);
        Bytes::from_request(req, state).await.map(RawBody).map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(limit)
            } else {
                ApiError::bad_request("BAD_REQUEST", rejection.body_text())
            }
        })
    }
}

/// Parses a JSON body the way every endpoint does, so errors read the same everywhere.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    // The API takes only the enum values it documents; clients keep unknown ones.
    frontdesk_domain::refusing_unknown(|| serde_path_to_error::deserialize(de)).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let field = if path == "." { "body".to_owned() } else { path };
        if !(inner.is_syntax() || inner.is_eof()) {
            return ApiError::invalid(&field, format!("{field}: {inner}"));
        }
        // serde_json calls some wrong types syntax ("expected value" for a number
        // where an enum's name goes): only JSON that does not parse is malformed.
        // (A full parse: skipping would let invalid UTF-8 in a string pass.)
        if serde_json::from_slice::<serde_json::Value>(bytes).is_ok() {
            return ApiError::invalid(&field, format!("{field}: wrong type for this field"));
        }
        ApiError::bad_request("MALFORMED_JSON", format!("request body is not valid JSON: {inner}"))
    })
}

/// A JSON body that may be left out: an empty body means the defaults.
pub fn parse_optional_json<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) { Ok(T::default()) } else { parse_json(bytes) }
}

/// The body limit in force, put in the request extensions by the router so the
/// 413 answer can say it.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Query-string parameters.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Query).map_err(|err| {
            let field = err.path().to_string();
            ApiError::invalid(&field, format!("query parameter {field}: {}", err.into_inner()))
        })
    }
}
