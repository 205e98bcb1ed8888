//! Request decoding that never answers anything but a JSON error: bodies, query
//! strings and path parameters decode into `waiaas::api` types or refuse with a
//! `RequestError`; handles (which block) run on the blocking pool.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use waiaas::api::RequestError;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A JSON body decoded into `T` (`Content-Type: application/json` required).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// Whether the request says its body is JSON (`application/json`, any parameters).
pub(crate) fn is_json(parts_headers: &axum::http::HeaderMap) -> bool {
    parts_headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// The body's bytes within the server's limit.
pub(crate) async fn body_bytes(req: Request, state: &AppState) -> ApiResult<Bytes> {
    let limit = state.body_limit;
    Bytes::from_request(req, state).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => {
            ApiError::from(RequestError::PayloadTooLarge { limit })
        }
        other => ApiError::from(RequestError::MalformedBody {
            reason: other.body_text(),
        }),
    })
}

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(RequestError::UnsupportedMediaType.into());
        }
        let bytes = body_bytes(req, state).await?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| RequestError::malformed_body(&e).into())
    }
}

/// A query string decoded into `T`.
#[derive(Debug)]
pub struct QueryOf<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryOf<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| QueryOf(q.0))
            .map_err(|e| {
                RequestError::MalformedQuery {
                    reason: e.body_text(),
                }
                .into()
            })
    }
}

/// A path parameter decoded into `T` (ids).
#[derive(Debug)]
pub struct PathOf<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathOf<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathOf(p.0))
            .map_err(|e| {
                RequestError::MalformedPath {
                    reason: e.body_text(),
                }
                .into()
            })
    }
}

/// Runs a blocking handle call on the blocking pool.
pub(crate) async fn blocking<T, F>(f: F) -> ApiResult<T>
where
    F: FnOnce() -> Result<T, waiaas::Error> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(_) => Err(RequestError::Internal.into()),
    }
}

/// Reads the whole body (within the limit) before routing, so a request refused
/// before its handler read the body (a missing credential) leaves no unread bytes on
/// the connection, and a keep-alive client's next request is not cut off.
pub(crate) async fn buffer_body(
    axum::extract::State(limit): axum::extract::State<usize>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Err(_) => ApiError::from(RequestError::PayloadTooLarge { limit }).into_response(),
    }
}
