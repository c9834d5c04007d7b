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
    /// Data sources as 2025-09-03, with `archived` gone: only `in_trash` in requests and answers,
    /// and `position` instead of `after` on appends
    /// (developers.notion.com/docs/upgrade-guide-2026-03-11; the ultimate-notion recordings in
    /// `../shared/fixtures/notion/ultimate-notion` were made with it).
    V2026_03_11,
}

impl ApiVersion {
    pub const SUPPORTED: [&'static str; 3] = ["2022-06-28", "2025-09-03", "2026-03-11"];

    pub fn parse(header: Option<&str>) -> Result<ApiVersion, ApiError> {
        match header {
            None => Err(ApiError::missing_version()),
            Some("2022-06-28") => Ok(ApiVersion::V2022_06_28),
            Some("2025-09-03") => Ok(ApiVersion::V2025_09_03),
            Some("2026-03-11") => Ok(ApiVersion::V2026_03_11),
            Some(other) => Err(ApiError::validation(format!(
                "Notion-Version header failed validation: Notion-Version header should be one of {}, instead was `{other}`.",
                ApiVersion::SUPPORTED.join(", ")
            ))),
        }
    }

    pub fn data_sources(self) -> bool {
        matches!(self, ApiVersion::V2025_09_03 | ApiVersion::V2026_03_11)
    }

    /// Whether the deprecated `archived` alias of `in_trash` is still spoken (before 2026-03-11).
    /// Recorded: the ultimate-notion cassettes, made with Notion-Version 2026-03-11, carry
    /// `in_trash` and never `archived` (../shared/fixtures/notion/ultimate-notion/
    /// test_database_test_schema.yaml, test_query_test_date_query.yaml); the 2022-06-28 and
    /// 2025-09-03 recordings of notion-sdk-py carry both.
    pub fn speaks_archived(self) -> bool {
        self != ApiVersion::V2026_03_11
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
