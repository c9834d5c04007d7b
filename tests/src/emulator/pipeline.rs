//! What every `/v1` request goes through before and after its handler, in order: bearer auth,
//! `Notion-Version`, the rate limiter, injected faults, added latency, JSON body parsing; then
//! `request_id` is added to the JSON answer and the `x-request-id` header, and the request is
//! logged. Because limits and faults answer here, a faulted write is never applied.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

use super::context::{
    ApiVersion, Ctx, AUTHORIZATION, NOTION_VERSION, X_NOTION_REQUEST_ID, X_REQUEST_ID,
};
use super::errors::ApiError;
use super::faults::fault_response;
use super::state::{lock, RequestRecord, SharedState, State as Workspace};

const MAX_BODY: usize = 16 * 1024 * 1024;
/// "the maximum size of a payload is 1000 block elements and 500KB overall"
/// (developers.notion.com/reference/request-limits). Counted strictly, as 500,000 bytes of the
/// raw JSON body; the block-count half is in `blocks::parse_children`. Real Notion answers an
/// oversized body `413 Payload Too Large` before reading it (reported for `POST /v1/pages` in
/// jheddings/notes2notion#7 and paperboi/kindle2notion#87), so the emulator does too, whether the
/// body parses or not. The body of that answer is not recorded anywhere we found; ours is
/// Notion's error shape, which the client decodes like any other (a non-JSON one would keep the
/// status all the same, `notion::error::parse_error_response`).
pub const MAX_REQUEST_BYTES: usize = 500_000;
/// The OAuth token endpoint authenticates with Basic client credentials, not a bearer token.
pub const OAUTH_TOKEN_PATH: &str = "/v1/oauth/token";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Why the pipeline answers instead of the handler.
enum Refusal {
    Api(ApiError),
    Fault {
        status: u16,
        retry_after: Option<u64>,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Api(e) => e.into_response(),
            Refusal::Fault {
                status,
                retry_after,
            } => fault_response(status, retry_after),
        }
    }
}

/// Auth, version, rate limit and faults.
fn gate(st: &mut Workspace, headers: &HeaderMap, path: &str) -> Result<ApiVersion, Refusal> {
    let version = if path == OAUTH_TOKEN_PATH {
        ApiVersion::parse(header(headers, NOTION_VERSION)).unwrap_or(ApiVersion::V2022_06_28)
    } else {
        let token = header(headers, AUTHORIZATION)
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        if !token.is_some_and(|t| st.settings.tokens.contains(t)) {
            return Err(Refusal::Api(ApiError::unauthorized()));
        }
        ApiVersion::parse(header(headers, NOTION_VERSION)).map_err(Refusal::Api)?
    };
    if let Err(retry_after) = st.faults.admit(tokio::time::Instant::now()) {
        return Err(Refusal::Fault {
            status: 429,
            retry_after: Some(retry_after),
        });
    }
    if let Some(status) = st.faults.draw() {
        return Err(Refusal::Fault {
            status,
            retry_after: None,
        });
    }
    Ok(version)
}

/// Adds `request_id` to a JSON object body and sets the request-id headers.
async fn stamp_response(response: Response, request_id: &str) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut map)) => {
            map.insert("request_id".into(), Value::String(request_id.to_string()));
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            Body::from(Value::Object(map).to_string())
        }
        _ => Body::from(bytes),
    };
    if let Ok(v) = HeaderValue::from_str(request_id) {
        parts.headers.insert(X_REQUEST_ID, v.clone());
        parts.headers.insert(X_NOTION_REQUEST_ID, v);
    }
    Response::from_parts(parts, body)
}

pub async fn pipeline(State(shared): State<SharedState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let method = parts.method.to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let bytes = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let parsed: Result<Value, ()> = if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(Value::Null)
    } else {
        serde_json::from_slice(&bytes).map_err(|_| ())
    };
    let (request_id, arrived, gated, latency) = {
        let mut st = lock(&shared);
        let request_id = st.new_id();
        let arrived = st.now().format(&Rfc3339).unwrap_or_default();
        let gated = gate(&mut st, &parts.headers, &path);
        (request_id, arrived, gated, st.faults.latency())
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = match (gated, &parsed) {
        (Err(refusal), _) => refusal.into_response(),
        (Ok(_), _) if bytes.len() > MAX_REQUEST_BYTES => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "validation_error",
            format!(
                "Request body too large: {} bytes, the limit is {MAX_REQUEST_BYTES} (500KB).",
                bytes.len()
            ),
        )
        .into_response(),
        (Ok(_), Err(())) => ApiError::invalid_json().into_response(),
        (Ok(version), Ok(body)) => {
            parts.extensions.insert(Ctx {
                version,
                body: body.clone(),
            });
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    };
    let response = stamp_response(response, &request_id).await;
    let record = RequestRecord {
        method,
        path,
        query,
        status: response.status().as_u16(),
        time: arrived,
        request_id,
        body: parsed.unwrap_or(Value::Null),
    };
    lock(&shared).log.push(record);
    response
}
