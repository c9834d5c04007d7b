//! Errors of the Notion client, and the pure functions that turn an HTTP answer into one.
//!
//! Entry points: [`Error`] (one enum for the Notion boundary, sources kept), [`ErrorCode`] (Notion's
//! documented `code` values with an `Unknown` fallback) and [`parse_error_response`], which never
//! panics: a non-JSON body (an HTML 502 from the edge) still becomes an [`Error::Api`] whose code is
//! derived from the status.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

/// Everything that can go wrong talking to Notion.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Notion (or the edge in front of it) answered with a non-2xx status.
    #[error("Notion API error {status} {code}: {message}{}", request_id_suffix(.request_id))]
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
        request_id: Option<String>,
        /// From the `Retry-After` header (seconds or HTTP-date), when present and sane.
        retry_after: Option<Duration>,
    },
    /// The request did not complete: connection refused, reset, timed out, TLS...
    #[error("transport error talking to Notion")]
    Transport(#[source] reqwest::Error),
    /// A 2xx answer whose body is not the JSON we expected.
    #[error("could not decode Notion response (status {status}): {body_snippet}")]
    Decode {
        status: u16,
        body_snippet: String,
        #[source]
        source: serde_json::Error,
    },
    /// The handle's deadline left no room for another attempt. `attempts` is how many requests were
    /// sent (0: none, the deadline had passed before the first); `last` is why the last one failed.
    #[error("Notion deadline exceeded after {attempts} attempt(s)")]
    DeadlineExceeded {
        attempts: u32,
        #[source]
        last: Box<Error>,
    },
    /// Refused before sending: the request would break one of Notion's documented limits.
    #[error("invalid Notion request: {0}")]
    InvalidRequest(String),
    /// The client cannot be built from its configuration.
    #[error("invalid Notion client configuration: {0}")]
    Config(String),
}

fn request_id_suffix(id: &Option<String>) -> String {
    id.as_deref()
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

impl Error {
    /// The HTTP status of an API error, if this is one (looking through `DeadlineExceeded`).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::DeadlineExceeded { last, .. } => last.status(),
            Error::InvalidRequest(_) | Error::Config(_) => None,
        }
    }

    /// Notion's error code, if this is an API error (looking through `DeadlineExceeded`).
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(code),
            Error::DeadlineExceeded { last, .. } => last.code(),
            _ => None,
        }
    }

    /// Whether trying the same request again later may succeed: rate limits, Notion's 5xx, 409
    /// `conflict_error`, connection errors and timeouts. A `DeadlineExceeded` is retryable when what
    /// stopped it was (a later invocation, e.g. a redelivery, has a fresh budget).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, code, .. } => is_retryable_status(*status, code),
            Error::Transport(e) => e.is_timeout() || e.is_connect() || e.is_request(),
            Error::DeadlineExceeded { last, .. } => {
                // Refused before the first attempt: nothing failed, only time ran out.
                matches!(**last, Error::InvalidRequest(_)) || last.is_retryable()
            }
            Error::Decode { .. } | Error::InvalidRequest(_) | Error::Config(_) => false,
        }
    }

    /// 401: the token is invalid or revoked (refresh it with `NotionClient::set_token`).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// 404 `object_not_found`: missing, or not shared with the integration.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The handle's deadline stopped the call.
    pub fn is_deadline_exceeded(&self) -> bool {
        matches!(self, Error::DeadlineExceeded { .. })
    }
}

/// The statuses worth another attempt. 409 only with `conflict_error` (Notion's "data collision, try
/// again"); 400/401/403/404 never.
fn is_retryable_status(status: u16, code: &ErrorCode) -> bool {
    match status {
        429 | 500 | 502 | 503 | 504 | 529 => true,
        409 => *code == ErrorCode::ConflictError,
        _ => false,
    }
}

/// Notion's documented error codes (developers.notion.com/reference/status-codes).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidJson,
    InvalidRequestUrl,
    InvalidRequest,
    InvalidGrant,
    ValidationError,
    MissingVersion,
    Unauthorized,
    RestrictedResource,
    ObjectNotFound,
    ConflictError,
    RateLimited,
    InternalServerError,
    BadGateway,
    ServiceUnavailable,
    DatabaseConnectionUnavailable,
    GatewayTimeout,
    /// 529: not in Notion's table, but sent when overloaded (retried like 503).
    ServiceOverload,
    /// A code this client does not know yet, or `http_<status>` for a body without one.
    Unknown(String),
}

impl ErrorCode {
    const KNOWN: [(&'static str, ErrorCode); 17] = [
        ("invalid_json", ErrorCode::InvalidJson),
        ("invalid_request_url", ErrorCode::InvalidRequestUrl),
        ("invalid_request", ErrorCode::InvalidRequest),
        ("invalid_grant", ErrorCode::InvalidGrant),
        ("validation_error", ErrorCode::ValidationError),
        ("missing_version", ErrorCode::MissingVersion),
        ("unauthorized", ErrorCode::Unauthorized),
        ("restricted_resource", ErrorCode::RestrictedResource),
        ("object_not_found", ErrorCode::ObjectNotFound),
        ("conflict_error", ErrorCode::ConflictError),
        ("rate_limited", ErrorCode::RateLimited),
        ("internal_server_error", ErrorCode::InternalServerError),
        ("bad_gateway", ErrorCode::BadGateway),
        ("service_unavailable", ErrorCode::ServiceUnavailable),
        (
            "database_connection_unavailable",
            ErrorCode::DatabaseConnectionUnavailable,
        ),
        ("gateway_timeout", ErrorCode::GatewayTimeout),
        ("service_overload", ErrorCode::ServiceOverload),
    ];

    /// Parses Notion's `code` string; unknown strings are kept.
    pub fn parse(code: &str) -> ErrorCode {
        Self::KNOWN
            .iter()
            .find(|(name, _)| *name == code)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| ErrorCode::Unknown(code.to_owned()))
    }

    /// The code Notion documents for a status, for answers whose body carries none.
    pub fn from_status(status: u16) -> ErrorCode {
        match status {
            400 => ErrorCode::InvalidRequest,
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::RestrictedResource,
            404 => ErrorCode::ObjectNotFound,
            409 => ErrorCode::ConflictError,
            429 => ErrorCode::RateLimited,
            500 => ErrorCode::InternalServerError,
            502 => ErrorCode::BadGateway,
            503 => ErrorCode::ServiceUnavailable,
            504 => ErrorCode::GatewayTimeout,
            529 => ErrorCode::ServiceOverload,
            other => ErrorCode::Unknown(format!("http_{other}")),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Unknown(s) => s,
            known => Self::KNOWN
                .iter()
                .find(|(_, c)| c == known)
                .map(|(name, _)| *name)
                .unwrap_or("unknown"),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Notion's error body: `{"object":"error","status":400,"code":"...","message":"...","request_id":"..."}`.
#[derive(Deserialize)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

const SNIPPET_CHARS: usize = 200;

/// At most [`SNIPPET_CHARS`] characters of a body, for messages and logs of malformed answers.
pub(crate) fn body_snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let mut snippet: String = trimmed.chars().take(SNIPPET_CHARS).collect();
    if trimmed.chars().count() > SNIPPET_CHARS {
        snippet.push('…');
    }
    snippet
}

/// Turns a non-2xx answer into [`Error::Api`]. Pure: `now` resolves an HTTP-date `Retry-After`.
///
/// The request id comes from the body, else from the `x-notion-request-id` header. A body that is
/// not Notion's error JSON keeps its status, gets the status's documented code and a short snippet
/// of the body as message.
pub fn parse_error_response(
    status: u16,
    body: &[u8],
    retry_after: Option<&str>,
    request_id_header: Option<&str>,
    now: SystemTime,
) -> Error {
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
    let (code, message, request_id) = match parsed {
        Some(ErrorBody {
            code: Some(code),
            message,
            request_id,
        }) => (
            ErrorCode::parse(&code),
            message.unwrap_or_default(),
            request_id,
        ),
        _ => {
            let snippet = body_snippet(body);
            let message = if snippet.is_empty() {
                format!("HTTP {status} with an empty body")
            } else {
                format!("HTTP {status}: {snippet}")
            };
            (ErrorCode::from_status(status), message, None)
        }
    };
    Error::Api {
        status,
        code,
        message,
        request_id: request_id.or_else(|| request_id_header.map(str::to_owned)),
        retry_after: retry_after.and_then(|v| parse_retry_after(v, now)),
    }
}

/// The one `Retry-After` parser, re-exported here where Notion's callers have always found it.
pub use crate::backoff::parse_retry_after;

#[cfg(test)]
mod tests;
