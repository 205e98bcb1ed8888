//! Every failure leaves a handler as [`ApiError`]: the facade's error or a transport
//! refusal, answered as `waiaas::api::ErrorBody` with the status the facade's table
//! gives for its code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use waiaas::api::{ErrorBody, RequestError};

/// A failed request.
#[derive(Debug)]
pub enum ApiError {
    /// From a handle.
    Waiaas(waiaas::Error),
    /// Refused before a handle was called.
    Request(RequestError),
}

impl From<waiaas::Error> for ApiError {
    fn from(e: waiaas::Error) -> Self {
        Self::Waiaas(e)
    }
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> Self {
        Self::Request(e)
    }
}

impl ApiError {
    /// The body and status.
    #[must_use]
    pub fn body(&self) -> ErrorBody {
        match self {
            Self::Waiaas(e) => ErrorBody::from(e),
            Self::Request(e) => ErrorBody::from(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        let status =
            StatusCode::from_u16(body.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = body.details.as_ref().and_then(|d| d.retry_after_secs);
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
