//! The API's one error shape: `{"error": {"code": ..., "message": ...}}`.
//!
//! Messages are written for the person reading them. Internal faults (the
//! store or broker failing) are logged in full with a reference, and the
//! client gets only the reference: no backend URL, key material or stack
//! trace ever leaves the server.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The message in Vietnamese, when there is one: the web page shows it
    /// to a Vietnamese reader; the API never sends it.
    pub vi: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            vi: None,
        }
    }
    /// The same error, with its message in Vietnamese for the web page.
    pub fn with_vi(mut self, vi: impl Into<String>) -> ApiError {
        self.vi = Some(vi.into());
        self
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", message)
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
    /// A fault of the server or its backends: logged with a reference that
    /// the client sees instead of the details.
    pub fn internal(context: &str, e: impl std::fmt::Display) -> ApiError {
        let reference = super::random_hex(6);
        tracing::error!(reference = %reference, "{context}: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{context} failed; the server log has the details under reference {reference}"),
        )
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        let reference = super::random_hex(6);
        tracing::error!(reference = %reference, "store: {e}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            format!("the store could not be reached; try again later (reference {reference})"),
        )
    }
}

impl From<crate::catalog::CatalogError> for ApiError {
    fn from(e: crate::catalog::CatalogError) -> ApiError {
        match e {
            crate::catalog::CatalogError::Store(e) => e.into(),
            e => ApiError::internal("reading the store", e),
        }
    }
}

impl From<crate::ids::InvalidId> for ApiError {
    fn from(e: crate::ids::InvalidId) -> ApiError {
        ApiError::bad_request(e.to_string())
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(e: axum::extract::rejection::BytesRejection) -> ApiError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the request body exceeds {} bytes", super::MAX_JSON_BODY),
            )
        } else {
            ApiError::bad_request(format!("unreadable request body: {}", e.body_text()))
        }
    }
}

/// Every error the API itself produces.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code: `bad_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `method_not_allowed`, `conflict`, `too_large`,
    /// `too_many_files`, `unprocessable`, `headers_too_large`, `internal`,
    /// `integrity_failure`, `unavailable` or `store_unavailable`.
    #[schema(pattern = "^[a-z][a-z_]*$")]
    pub code: &'static str,
    /// For the person reading it. Internal faults give only a reference to
    /// the server log, never backend details.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
