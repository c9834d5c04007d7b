//! What every handler knows about the request it serves: the negotiated
//! `Notion-Version`, and the parsed JSON body. The pipeline in `router.rs` builds it once.

use serde_json::Value;

use super::errors::ApiError;

/// `Authorization: Bearer <token>` (and `Basic` on the OAuth token endpoint).
pub const AUTHORIZATION: &str = "authorization";
/// The API version header every `/v1` call must send.
pub const NOTION_VERSION: &str = "notion-version";
/// The request id echoed on every answer (Notion sends `x-notion-request-id`; we send both).
pub const X_REQUEST_ID: &str = "x-request-id";
pub const X_NOTION_REQUEST_ID: &str = "x-notion-request-id";
/// Seconds to wait after a 429.
pub const RETRY_AFTER: &str = "retry-after";

/// The API versions the emulator speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    /// Databases own their properties; `/v1/databases/{id}/query`.
    V2022_06_28,
    /// Databases hold data sources; `/v1/data_sources/{id}/query`.
    V2025_09_03,
}

impl ApiVersion {
    pub const SUPPORTED: [&'static str; 2] = ["2022-06-28", "2025-09-03"];

    pub fn parse(header: Option<&str>) -> Result<ApiVersion, ApiError> {
        match header {
            None => Err(ApiError::missing_version()),
            Some("2022-06-28") => Ok(ApiVersion::V2022_06_28),
            Some("2025-09-03") => Ok(ApiVersion::V2025_09_03),
            Some(other) => Err(ApiError::validation(format!(
                "Notion-Version header failed validation: Notion-Version header should be one of {}, instead was `{other}`.",
                ApiVersion::SUPPORTED.join(", ")
            ))),
        }
    }

    pub fn data_sources(self) -> bool {
        self == ApiVersion::V2025_09_03
    }
}

/// Per-request context handed to handlers as an axum extension.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub version: ApiVersion,
    /// The JSON body (`Value::Null` when the request had none).
    pub body: Value,
}

impl Ctx {
    /// The body as an object; a missing body counts as `{}`.
    pub fn body_object(&self) -> Result<serde_json::Map<String, Value>, ApiError> {
        match &self.body {
            Value::Null => Ok(serde_json::Map::new()),
            Value::Object(map) => Ok(map.clone()),
            other => Err(ApiError::validation(format!(
                "body failed validation: body should be an object, instead was `{other}`."
            ))),
        }
    }
}
