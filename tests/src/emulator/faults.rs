//! Misbehaviour on demand: a token-bucket rate limiter (Notion's 3 requests/s average, burst
//! configurable) and seeded, deterministic injection of 429/500/502/503/504/529/409 plus added
//! latency. Both run before a handler, so a faulted request never applies its write.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fastrand::Rng;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::context::RETRY_AFTER;
use super::errors::ApiError;

/// Probabilities (0.0–1.0) per injected fault kind, drawn in this order from one seeded stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Seed of the draw stream; setting a config restarts the stream, so the same seed gives the
    /// same status sequence for the same requests.
    pub seed: u64,
    /// 429 `rate_limited` with `Retry-After: 1`.
    pub rate_limited: f64,
    /// 500 `internal_server_error`.
    pub internal_server_error: f64,
    /// 502 with the HTML page Notion's edge proxy sends.
    pub bad_gateway: f64,
    /// 503 `service_unavailable`.
    pub service_unavailable: f64,
    /// 504 with an HTML body.
    pub gateway_timeout: f64,
    /// 529 `service_overload`.
    pub service_overload: f64,
    /// 409 `conflict_error`.
    pub conflict: f64,
    /// Added to every `/v1` request.
    pub latency_ms: u64,
    /// Statuses answered to the next requests, in order, before any drawn fault.
    pub script: Vec<u16>,
}

/// The rate limiter's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    pub enabled: bool,
    /// Average requests per second refilled into the bucket.
    pub per_second: f64,
    /// Bucket size: how many requests may arrive at once.
    pub burst: u32,
}

impl RateLimit {
    pub fn off() -> RateLimit {
        RateLimit {
            enabled: false,
            per_second: 3.0,
            burst: 3,
        }
    }

    pub fn per_second(per_second: f64, burst: u32) -> RateLimit {
        RateLimit {
            enabled: true,
            per_second,
            burst,
        }
    }

    /// Notion's documented average with a small burst.
    pub fn notion() -> RateLimit {
        RateLimit::per_second(3.0, 10)
    }
}

impl Default for RateLimit {
    fn default() -> RateLimit {
        RateLimit::off()
    }
}

pub struct Faults {
    config: FaultConfig,
    rng: Rng,
    limit: RateLimit,
    tokens: f64,
    last: Option<Instant>,
}

impl Faults {
    pub fn new(config: FaultConfig, limit: RateLimit) -> Faults {
        Faults {
            rng: Rng::with_seed(config.seed),
            config,
            tokens: f64::from(limit.burst),
            limit,
            last: None,
        }
    }

    pub fn config(&self) -> &FaultConfig {
        &self.config
    }

    pub fn rate_limit(&self) -> RateLimit {
        self.limit
    }

    pub fn set_config(&mut self, config: FaultConfig) {
        self.rng = Rng::with_seed(config.seed);
        self.config = config;
    }

    pub fn set_rate_limit(&mut self, limit: RateLimit) {
        self.limit = limit;
        self.tokens = f64::from(limit.burst);
        self.last = None;
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.config.latency_ms)
    }

    /// Takes a token, or says how many whole seconds until one is available.
    pub fn admit(&mut self, now: Instant) -> Result<(), u64> {
        if !self.limit.enabled {
            return Ok(());
        }
        let rate = self.limit.per_second.max(0.001);
        let burst = f64::from(self.limit.burst.max(1));
        if let Some(last) = self.last {
            self.tokens = (self.tokens + now.duration_since(last).as_secs_f64() * rate).min(burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - self.tokens) / rate).ceil() as u64).max(1))
        }
    }

    /// The injected status for this request, if any. One draw per request keeps the stream
    /// aligned with the request sequence whatever the probabilities.
    pub fn draw(&mut self) -> Option<u16> {
        if !self.config.script.is_empty() {
            return Some(self.config.script.remove(0));
        }
        let roll = self.rng.f64();
        let c = &self.config;
        let kinds = [
            (c.rate_limited, 429),
            (c.internal_server_error, 500),
            (c.bad_gateway, 502),
            (c.service_unavailable, 503),
            (c.gateway_timeout, 504),
            (c.service_overload, 529),
            (c.conflict, 409),
        ];
        let mut acc = 0.0;
        for (p, status) in kinds {
            acc += p.max(0.0);
            if roll < acc {
                return Some(status);
            }
        }
        None
    }
}

/// The answer Notion (or its edge) gives for a faulted request.
pub fn fault_response(status: u16, retry_after: Option<u64>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match status {
        429 => ApiError::rate_limited().into_response(),
        502 | 504 => {
            let reason = code.canonical_reason().unwrap_or("Error");
            let html = format!(
                "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
            );
            (code, [(header::CONTENT_TYPE, "text/html")], html).into_response()
        }
        503 => ApiError::new(
            code,
            "service_unavailable",
            "Notion is unavailable, please try again later.",
        )
        .into_response(),
        529 => ApiError::new(
            code,
            "service_overload",
            "Notion is overloaded, please try again later.",
        )
        .into_response(),
        409 => ApiError::new(
            code,
            "conflict_error",
            "Conflict occurred while saving. Please try again.",
        )
        .into_response(),
        _ => ApiError::new(code, "internal_server_error", "Unexpected error occurred.")
            .into_response(),
    };
    if status == 429 {
        let secs = retry_after.unwrap_or(1).to_string();
        if let Ok(value) = HeaderValue::from_str(&secs) {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_fault_sequence() {
        let config = FaultConfig {
            seed: 42,
            internal_server_error: 0.3,
            bad_gateway: 0.2,
            ..FaultConfig::default()
        };
        let mut a = Faults::new(config.clone(), RateLimit::off());
        let mut b = Faults::new(config, RateLimit::off());
        let sa: Vec<_> = (0..50).map(|_| a.draw()).collect();
        let sb: Vec<_> = (0..50).map(|_| b.draw()).collect();
        assert_eq!(sa, sb);
        assert!(sa.iter().any(|s| s.is_some()) && sa.iter().any(|s| s.is_none()));
    }

    #[test]
    fn a_script_is_answered_before_drawn_faults() {
        let mut f = Faults::new(
            FaultConfig {
                script: vec![503, 409],
                ..FaultConfig::default()
            },
            RateLimit::off(),
        );
        assert_eq!((f.draw(), f.draw(), f.draw()), (Some(503), Some(409), None));
    }

    #[test]
    fn the_bucket_admits_a_burst_then_asks_to_retry_and_refills_with_time() {
        let mut f = Faults::new(FaultConfig::default(), RateLimit::per_second(3.0, 2));
        let t0 = Instant::now();
        assert_eq!(f.admit(t0), Ok(()));
        assert_eq!(f.admit(t0), Ok(()));
        assert_eq!(f.admit(t0), Err(1));
        assert_eq!(f.admit(t0 + Duration::from_millis(340)), Ok(()));
    }
}
