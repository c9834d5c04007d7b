//! Notion's error answers: `{"object":"error","status","code","message"}` (the pipeline adds
//! `request_id`). Constructors carry Notion's own codes and, where known, its wording.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Extra top-level keys (the OAuth endpoint adds `error` / `error_description`).
    pub extra: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            extra: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "validation_error", message)
    }

    /// "body failed validation: body.<path> should be ≤ `limit`, instead was `actual`."
    pub fn too_long(path: &str, limit: usize, actual: usize) -> ApiError {
        ApiError::validation(format!(
            "body failed validation: {path} should be ≤ `{limit}`, instead was `{actual}`."
        ))
    }

    pub fn invalid_json() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Error parsing JSON body.",
        )
    }

    pub fn invalid_request_url() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_url",
            "Invalid request URL.",
        )
    }

    pub fn invalid_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "API token is invalid.",
        )
    }

    pub fn missing_version() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_version",
            "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
        )
    }

    pub fn not_found(kind: &str, id: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "object_not_found",
            format!(
                "Could not find {kind} with ID: {id}. Make sure the relevant pages and databases are shared with your integration."
            ),
        )
    }

    pub fn archived() -> ApiError {
        ApiError::validation(
            "Can't edit block that is archived. You must unarchive the block before editing.",
        )
    }

    pub fn rate_limited() -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "You have been rate limited. Please try again in a few minutes.",
        )
    }

    pub fn body(&self) -> Value {
        let mut body = json!({
            "object": "error",
            "status": self.status.as_u16(),
            "code": self.code,
            "message": self.message,
        });
        if let (Some(Value::Object(extra)), Some(map)) = (&self.extra, body.as_object_mut()) {
            for (k, v) in extra {
                map.insert(k.clone(), v.clone());
            }
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

pub type ApiResult = Result<Value, ApiError>;
