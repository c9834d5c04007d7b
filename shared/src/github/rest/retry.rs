//! When a failed GitHub call is worth repeating, and after how long: a pure function of the
//! answer, so every rule has a unit test.
//!
//! GitHub's rules (docs "Rate limits for the REST API"): on 429, or a 403 that is a rate limit,
//! wait `Retry-After` seconds if given; else if `x-ratelimit-remaining` is 0, wait until
//! `x-ratelimit-reset` (epoch seconds); else wait at least a minute. A 403 that is none of
//! these is a permission error and is not retried. 5xx answers get the crate's full-jitter
//! backoff ([`crate::backoff`]), whose `Retry-After` parser also reads GitHub's header.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// Attempts for 5xx answers before giving up (rate limits are bounded by the deadline instead).
pub const MAX_SERVER_ERROR_RETRIES: u32 = 3;
/// Wait for a secondary rate limit that names no time, per GitHub's guidance.
pub const SECONDARY_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Backoff of the first 5xx retry, before jitter; doubles per retry (0.5 s, 1 s, 2 s ceilings).
pub const SERVER_ERROR_BASE_DELAY: Duration = Duration::from_millis(500);
/// Ceiling of the 5xx backoff.
pub const SERVER_ERROR_MAX_DELAY: Duration = Duration::from_secs(4);

/// Why a call should be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    RateLimited,
    ServerError,
}

/// `Some((reason, wait))` when the call should be repeated after `wait`. `attempt` counts the
/// retries already made (0 on the first failure); `message` is the error body's `message`.
pub fn retry_delay(
    status: u16,
    headers: &HeaderMap,
    message: Option<&str>,
    now: SystemTime,
    attempt: u32,
) -> Option<(RetryReason, Duration)> {
    match status {
        429 | 403 => {
            if let Some(wait) = crate::backoff::retry_after(headers, now) {
                return Some((RetryReason::RateLimited, wait));
            }
            if header(headers, "x-ratelimit-remaining") == Some("0") {
                let wait = header(headers, "x-ratelimit-reset")
                    .and_then(|reset| reset.parse::<u64>().ok())
                    .map(|reset| until_epoch(reset, now) + Duration::from_secs(1))
                    .unwrap_or(SECONDARY_LIMIT_WAIT);
                return Some((RetryReason::RateLimited, wait));
            }
            let says_rate_limit =
                message.is_some_and(|m| m.to_ascii_lowercase().contains("rate limit"));
            (status == 429 || says_rate_limit)
                .then_some((RetryReason::RateLimited, SECONDARY_LIMIT_WAIT))
        }
        500 | 502 | 503 | 504 if attempt < MAX_SERVER_ERROR_RETRIES => {
            let wait = crate::backoff::full_jitter(
                attempt + 1,
                SERVER_ERROR_BASE_DELAY,
                SERVER_ERROR_MAX_DELAY,
            );
            Some((RetryReason::ServerError, wait))
        }
        _ => None,
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn until_epoch(epoch_seconds: u64, now: SystemTime) -> Duration {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(epoch_seconds);
    at.duration_since(now).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    reqwest::header::HeaderName::from_static(k),
                    v.parse().unwrap(),
                )
            })
            .collect()
    }

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    #[test]
    fn a_429_with_retry_after_waits_that_many_seconds() {
        let h = headers(&[("retry-after", "7")]);
        assert_eq!(
            retry_delay(429, &h, None, now(), 0),
            Some((RetryReason::RateLimited, Duration::from_secs(7)))
        );
    }

    #[test]
    fn retry_after_may_be_an_http_date() {
        let at = httpdate::fmt_http_date(now() + Duration::from_secs(30));
        let h = headers(&[("retry-after", &at)]);
        assert_eq!(
            retry_delay(429, &h, None, now(), 0),
            Some((RetryReason::RateLimited, Duration::from_secs(30)))
        );
    }

    #[test]
    fn an_exhausted_primary_limit_waits_until_the_reset() {
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000120"),
        ]);
        assert_eq!(
            retry_delay(403, &h, Some("API rate limit exceeded"), now(), 0),
            Some((RetryReason::RateLimited, Duration::from_secs(121)))
        );
    }

    #[test]
    fn a_reset_in_the_past_retries_almost_at_once() {
        let h = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1")]);
        assert_eq!(
            retry_delay(403, &h, None, now(), 0),
            Some((RetryReason::RateLimited, Duration::from_secs(1)))
        );
    }

    #[test]
    fn a_secondary_limit_without_headers_waits_a_minute() {
        let message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
        assert_eq!(
            retry_delay(403, &HeaderMap::new(), Some(message), now(), 0),
            Some((RetryReason::RateLimited, SECONDARY_LIMIT_WAIT))
        );
        assert_eq!(
            retry_delay(429, &HeaderMap::new(), None, now(), 0),
            Some((RetryReason::RateLimited, SECONDARY_LIMIT_WAIT))
        );
    }

    #[test]
    fn a_plain_403_is_a_permission_error_and_not_retried() {
        let h = headers(&[("x-ratelimit-remaining", "4999")]);
        assert_eq!(
            retry_delay(
                403,
                &h,
                Some("Resource not accessible by integration"),
                now(),
                0
            ),
            None
        );
    }

    #[test]
    fn server_errors_back_off_with_jitter_a_few_times() {
        for attempt in 0..MAX_SERVER_ERROR_RETRIES {
            let (reason, wait) = retry_delay(502, &HeaderMap::new(), None, now(), attempt).unwrap();
            assert_eq!(reason, RetryReason::ServerError);
            let ceiling = Duration::from_millis(500) * 2u32.pow(attempt);
            assert!(wait <= ceiling, "{attempt}: {wait:?}");
        }
        assert_eq!(
            retry_delay(
                503,
                &HeaderMap::new(),
                None,
                now(),
                MAX_SERVER_ERROR_RETRIES
            ),
            None
        );
    }

    #[test]
    fn client_errors_are_not_retried() {
        for status in [400, 401, 404, 410, 422] {
            assert_eq!(retry_delay(status, &HeaderMap::new(), None, now(), 0), None);
        }
    }
}
