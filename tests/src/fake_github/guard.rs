//! What GitHub checks and adds around every endpoint: a `User-Agent` is required (403 without),
//! a configured token must be presented (401 "Bad credentials"), queued faults answer instead of
//! the endpoint, and every answer carries `x-ratelimit-*` headers. Each request is logged.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, RETRY_AFTER, USER_AGENT};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use time::OffsetDateTime;

use super::state::{Fault, RequestRecord, Shared, RATE_LIMIT};

const DOCS: &str = "https://docs.github.com/rest";

/// GitHub's answer to a request without `User-Agent` (plain text, from its edge).
const NO_USER_AGENT: &str = "Request forbidden by administrative rules. Please make sure your \
request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). \
Check https://developer.github.com for other possible causes.\n";

const SECONDARY: &str = "You have exceeded a secondary rate limit. Please wait a few minutes \
before you try again. If you reach out to GitHub Support for help, please include the request ID.";

/// A GitHub-style JSON error.
pub fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({"message": message, "documentation_url": DOCS, "status": status.as_str()});
    (status, Json(body)).into_response()
}

/// The middleware: checks, faults, rate headers and the request log, in that order.
pub async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let user_agent = header(req.headers(), USER_AGENT).filter(|ua| !ua.trim().is_empty());
    let authorization = header(req.headers(), AUTHORIZATION);
    let mut record = RequestRecord {
        method: req.method().to_string(),
        path: req.uri().path().to_string(),
        query: req.uri().query().map(str::to_string),
        status: 0,
        user_agent: user_agent.clone(),
        authorized: authorization.is_some(),
    };

    let latency = shared.lock().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await; // a slow GitHub, not synchronisation
    }
    let (rejection, fault) = {
        let mut inner = shared.lock();
        inner.spend_rate();
        let rejection = if user_agent.is_none() {
            Some((StatusCode::FORBIDDEN, NO_USER_AGENT).into_response())
        } else if !token_accepted(inner.token.as_deref(), authorization.as_deref()) {
            Some(error(StatusCode::UNAUTHORIZED, "Bad credentials"))
        } else {
            None
        };
        let fault = match rejection {
            Some(_) => None,
            None => inner.faults.pop_front(),
        };
        (rejection, fault)
    };

    let mut response = match (rejection, fault) {
        (Some(rejection), _) => rejection,
        (None, Some(fault)) => fault_response(fault),
        (None, None) => next.run(req).await,
    };
    add_rate_headers(&shared, response.headers_mut(), fault);
    record.status = response.status().as_u16();
    shared.lock().requests.push(record);
    response
}

fn header(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    let value = headers.get(name)?;
    Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// With a token configured, `Bearer <token>` and `token <token>` are both accepted.
fn token_accepted(expected: Option<&str>, authorization: Option<&str>) -> bool {
    let Some(expected) = expected else {
        return true;
    };
    let Some((scheme, presented)) = authorization.and_then(|a| a.split_once(' ')) else {
        return false;
    };
    let scheme_ok = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    scheme_ok && presented.trim() == expected
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::PrimaryRateLimit { .. } => error(
            StatusCode::FORBIDDEN,
            "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
        ),
        Fault::SecondaryRateLimit { retry_after_secs } => {
            with_retry_after(error(StatusCode::FORBIDDEN, SECONDARY), retry_after_secs)
        }
        Fault::TooManyRequests { retry_after_secs } => {
            with_retry_after(error(StatusCode::TOO_MANY_REQUESTS, SECONDARY), retry_after_secs)
        }
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error(status, status.canonical_reason().unwrap_or("Server Error"))
        }
    }
}

fn with_retry_after(mut response: Response, secs: u64) -> Response {
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs));
    response
}

fn add_rate_headers(shared: &Shared, headers: &mut HeaderMap, fault: Option<Fault>) {
    let (used, mut reset) = {
        let inner = shared.lock();
        (inner.rate_used, inner.rate_reset.unix_timestamp())
    };
    let mut remaining = RATE_LIMIT.saturating_sub(used);
    if let Some(Fault::PrimaryRateLimit { reset_after }) = fault {
        remaining = 0;
        let secs = i64::try_from(reset_after.as_secs()).unwrap_or(i64::MAX / 2);
        reset = OffsetDateTime::now_utc().unix_timestamp() + secs;
    }
    headers.insert("x-ratelimit-limit", HeaderValue::from(RATE_LIMIT));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("x-ratelimit-used", HeaderValue::from(used));
    headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
    headers.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
    headers.insert(
        "x-github-api-version-selected",
        HeaderValue::from_static("2022-11-28"),
    );
    headers.insert(
        "x-github-request-id",
        HeaderValue::from_str(&format!("FAKE:{:08X}", fastrand::u32(..)))
            .unwrap_or(HeaderValue::from_static("FAKE")),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_request_is_accepted_when_no_token_is_configured() {
        assert!(token_accepted(None, None));
    }

    #[test]
    fn bearer_and_token_schemes_are_accepted_with_the_right_token() {
        assert!(token_accepted(Some("t1"), Some("Bearer t1")));
        assert!(token_accepted(Some("t1"), Some("token t1")));
        assert!(!token_accepted(Some("t1"), Some("Bearer t2")));
        assert!(!token_accepted(Some("t1"), Some("Basic t1")));
        assert!(!token_accepted(Some("t1"), None));
    }

    #[test]
    fn secondary_limits_carry_retry_after() {
        let response = fault_response(Fault::SecondaryRateLimit {
            retry_after_secs: 60,
        });
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(response.headers()[RETRY_AFTER], "60");
    }
}
