//! How long to wait before calling a service again: the one `Retry-After` parser and the one
//! jittered exponential backoff, shared by every outbound call path (Notion's send path, the
//! GitHub REST client, the AWS calls).
//!
//! Entry points: [`parse_retry_after`] (or [`retry_after`] on a header map) for what the server
//! asked for, [`full_jitter`] when it asked for nothing. Both are pure or take their randomness
//! as an argument ([`full_jitter_at`]), so every rule has a unit test without a clock.
//!
//! Full jitter (uniform in `[0, min(cap, base·2^(retry-1))]`, "Exponential Backoff And Jitter",
//! AWS Architecture Blog) spreads a fleet of Lambdas that failed at the same instant over the
//! whole window, instead of bringing them back in lockstep.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// `Retry-After` as delta-seconds (`"2"`, also a fraction such as `"1.5"`) or an HTTP-date
/// (RFC 9110 §10.2.3); a date in the past is zero. Garbage and negative values give `None`, so the
/// caller's own backoff applies.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The `Retry-After` header of an answer, parsed by [`parse_retry_after`]; `None` when absent,
/// not visible ASCII, or unparsable.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, now)
}

/// Full-jitter backoff before retry number `retry` (1 = the first retry; 0 reads as 1): uniform
/// in `[0, min(cap, base·2^(retry-1))]`.
pub fn full_jitter(retry: u32, base: Duration, cap: Duration) -> Duration {
    full_jitter_at(retry, base, cap, fastrand::f64())
}

/// [`full_jitter`] with its random number given: `unit` in `[0, 1]` (clamped) picks the point of
/// the window, 0 its start and 1 its ceiling.
pub fn full_jitter_at(retry: u32, base: Duration, cap: Duration, unit: f64) -> Duration {
    let ceiling = backoff_ceiling(retry, base, cap);
    Duration::from_secs_f64(ceiling.as_secs_f64() * unit.clamp(0.0, 1.0))
}

/// The top of retry `retry`'s window: `min(cap, base·2^(retry-1))`, never overflowing.
pub fn backoff_ceiling(retry: u32, base: Duration, cap: Duration) -> Duration {
    let exp = 2f64.powi(retry.saturating_sub(1).min(30) as i32);
    Duration::from_secs_f64((base.as_secs_f64() * exp).min(cap.as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    /// `Wed, 21 Oct 2015 07:28:00 GMT`.
    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480)
    }

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after("2", now()), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("7", now()), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("1.5", now()),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn retry_after_as_http_date() {
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now()),
            Some(Duration::from_secs(30))
        );
        let at = httpdate::fmt_http_date(now() + Duration::from_secs(90));
        assert_eq!(parse_retry_after(&at, now()), Some(Duration::from_secs(90)));
    }

    #[test]
    fn retry_after_in_the_past_is_zero() {
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_garbage_or_negative_is_ignored() {
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-3", now()), None);
        assert_eq!(parse_retry_after("NaN", now()), None);
        assert_eq!(parse_retry_after("inf", now()), None);
        assert_eq!(parse_retry_after("", now()), None);
    }

    #[test]
    fn a_huge_retry_after_does_not_panic() {
        assert!(parse_retry_after("1e300", now()).is_some());
        assert_eq!(
            parse_retry_after("18446744073709551615", now()),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn retry_after_is_read_from_the_header_map() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, now()), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers, now()), Some(Duration::from_secs(3)));
        headers.insert(RETRY_AFTER, HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(retry_after(&headers, now()), None);
    }

    #[test]
    fn backoff_is_full_jitter_below_an_exponential_ceiling() {
        let (base, cap) = (Duration::from_millis(500), Duration::from_secs(4));
        assert_eq!(full_jitter_at(1, base, cap, 0.0), Duration::ZERO);
        assert_eq!(
            full_jitter_at(1, base, cap, 1.0),
            Duration::from_millis(500)
        );
        assert_eq!(
            full_jitter_at(0, base, cap, 1.0),
            Duration::from_millis(500)
        );
        assert_eq!(full_jitter_at(2, base, cap, 1.0), Duration::from_secs(1));
        assert_eq!(full_jitter_at(3, base, cap, 0.5), Duration::from_secs(1));
        assert_eq!(full_jitter_at(4, base, cap, 1.0), Duration::from_secs(4));
        // capped from then on, whatever the exponent
        assert_eq!(full_jitter_at(30, base, cap, 1.0), Duration::from_secs(4));
        assert_eq!(
            full_jitter_at(u32::MAX, base, cap, 1.0),
            Duration::from_secs(4)
        );
        // out-of-range randomness is clamped
        assert_eq!(
            full_jitter_at(1, base, cap, 7.0),
            Duration::from_millis(500)
        );
        assert_eq!(full_jitter_at(1, base, cap, -1.0), Duration::ZERO);
    }

    #[test]
    fn backoff_spreads_over_the_whole_range() {
        let (base, cap) = (Duration::from_millis(500), Duration::from_secs(30));
        let waits: Vec<Duration> = (0..100)
            .map(|i| full_jitter_at(3, base, cap, i as f64 / 100.0))
            .collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(2)));
        assert!(waits.iter().any(|w| *w < Duration::from_millis(200)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(1800)));
    }

    #[test]
    fn the_random_backoff_stays_in_its_window() {
        let (base, cap) = (Duration::from_millis(100), Duration::from_secs(1));
        for retry in 1..10 {
            let ceiling = backoff_ceiling(retry, base, cap);
            for _ in 0..50 {
                assert!(full_jitter(retry, base, cap) <= ceiling);
            }
        }
    }
}
