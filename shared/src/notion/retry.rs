//! When to try a failed Notion request again, and how long to wait: pure functions, so every rule
//! has a unit test without a clock or a server.
//!
//! Retried: 429 (after `Retry-After` when given), 500/502/503/504/529, 409 `conflict_error`,
//! connection errors and timeouts. Never: 400/401/403/404, undecodable 2xx bodies, our own refusals.
//! Which errors are retryable is [`Error::is_retryable`]'s rule; the waits are the crate's one
//! full-jitter backoff ([`crate::backoff`]) with this policy's numbers.

use std::time::Duration;

use super::error::Error;

/// How hard to retry. Part of `NotionConfig`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all (first try included), with or without a deadline.
    pub max_attempts: u32,
    /// Backoff of the first retry, before jitter.
    pub base_delay: Duration,
    /// Cap of the exponential backoff; also the longest `Retry-After` honoured (a longer one ends
    /// the retries: waiting minutes inside a Lambda is worse than failing and redelivering later).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send again.
    RetryAfter(Duration),
    /// Give up and return the error.
    GiveUp,
}

/// Full-jitter backoff before retry number `retry` (1 = first retry) under `policy`: see
/// [`crate::backoff::full_jitter_at`]. `unit` is a uniform random number in `[0, 1)`.
pub fn backoff(policy: &RetryPolicy, retry: u32, unit: f64) -> Duration {
    crate::backoff::full_jitter_at(retry, policy.base_delay, policy.max_delay, unit)
}

/// Whether a failed request may nonetheless have been applied: Notion's 5xx (a gateway can time
/// out after the write landed), a timeout, a connection lost after sending. A rate limit or a
/// refused connection applied nothing. A create that failed so is re-checked by key, not re-sent.
pub fn is_ambiguous(error: &Error) -> bool {
    match error {
        Error::Api { status, .. } => matches!(status, 500 | 502 | 503 | 504 | 529),
        Error::Transport(e) => !e.is_connect() && (e.is_timeout() || e.is_request() || e.is_body()),
        Error::DeadlineExceeded { last, .. } => is_ambiguous(last),
        _ => false,
    }
}

/// The decision after `attempts` attempts (≥ 1) ended in `error`.
///
/// With `Retry-After` the wait is that long plus a jitter of up to `base_delay`, so a rate-limited
/// fleet does not come back at the same instant; without it, [`backoff`].
pub fn decide(policy: &RetryPolicy, attempts: u32, error: &Error, unit: f64) -> Decision {
    if attempts >= policy.max_attempts || !error.is_retryable() {
        return Decision::GiveUp;
    }
    let retry_after = match error {
        Error::Api { retry_after, .. } => *retry_after,
        _ => None,
    };
    match retry_after {
        Some(after) if after > policy.max_delay => Decision::GiveUp,
        Some(after) => {
            Decision::RetryAfter(after + policy.base_delay.mul_f64(unit.clamp(0.0, 1.0)))
        }
        None => Decision::RetryAfter(backoff(policy, attempts, unit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notion::error::ErrorCode;

    fn api(status: u16, code: ErrorCode, retry_after: Option<Duration>) -> Error {
        Error::Api {
            status,
            code,
            message: String::new(),
            request_id: None,
            retry_after,
        }
    }

    fn status(status: u16) -> Error {
        api(status, ErrorCode::from_status(status), None)
    }

    /// Whether `decide` would try again after a first failure.
    fn retryable(error: &Error) -> bool {
        decide(&RetryPolicy::default(), 1, error, 0.5) != Decision::GiveUp
    }

    #[test]
    fn retries_rate_limits_and_server_errors() {
        for s in [429, 500, 502, 503, 504, 529] {
            assert!(retryable(&status(s)), "{s}");
        }
    }

    #[test]
    fn never_retries_client_errors() {
        for s in [400, 401, 403, 404, 422] {
            assert!(!retryable(&status(s)), "{s}");
            assert_eq!(
                decide(&RetryPolicy::default(), 1, &status(s), 0.5),
                Decision::GiveUp
            );
        }
    }

    #[test]
    fn server_errors_are_ambiguous_rate_limits_and_refusals_are_not() {
        for s in [500, 502, 503, 504, 529] {
            assert!(is_ambiguous(&status(s)), "{s}");
        }
        for s in [400, 404, 409, 429] {
            assert!(!is_ambiguous(&status(s)), "{s}");
        }
        assert!(!is_ambiguous(&Error::InvalidRequest("x".into())));
    }

    #[test]
    fn retries_409_only_for_conflict_error() {
        assert!(retryable(&api(409, ErrorCode::ConflictError, None)));
        assert!(!retryable(&api(409, ErrorCode::Unknown("x".into()), None)));
    }

    #[test]
    fn never_retries_refusals_or_config_errors() {
        assert!(!retryable(&Error::InvalidRequest("x".into())));
        assert!(!retryable(&Error::Config("x".into())));
    }

    #[test]
    fn retries_429_honouring_retry_after() {
        let p = RetryPolicy::default();
        let e = api(429, ErrorCode::RateLimited, Some(Duration::from_secs(2)));
        for unit in [0.0, 0.5, 0.999] {
            let Decision::RetryAfter(wait) = decide(&p, 1, &e, unit) else {
                panic!("gave up")
            };
            assert!(wait >= Duration::from_secs(2));
            assert!(wait < Duration::from_secs(2) + p.base_delay);
        }
    }

    #[test]
    fn a_retry_after_beyond_the_cap_gives_up() {
        let e = api(429, ErrorCode::RateLimited, Some(Duration::from_secs(3600)));
        assert_eq!(
            decide(&RetryPolicy::default(), 1, &e, 0.5),
            Decision::GiveUp
        );
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        assert!(matches!(
            decide(&p, 2, &status(503), 0.5),
            Decision::RetryAfter(_)
        ));
        assert_eq!(decide(&p, 3, &status(503), 0.5), Decision::GiveUp);
    }

    #[test]
    fn backoff_uses_the_policy_s_base_and_cap() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(4),
        };
        assert_eq!(backoff(&p, 1, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(&p, 3, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(&p, 30, 1.0), Duration::from_secs(4));
        assert_eq!(
            decide(&p, 2, &status(503), 1.0),
            Decision::RetryAfter(Duration::from_secs(1))
        );
    }
}
