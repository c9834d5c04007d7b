//! Client-side pacing: a token bucket shared by every clone of a `NotionClient`, so one warm Lambda
//! stays at Notion's 3 requests/s average however many tasks use it.
//!
//! Reservations are first come, first served: a caller takes a token even when the bucket is empty
//! (the level goes negative) and sleeps until its token would have refilled. Runs on `tokio::time`,
//! so tests use the paused clock.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Pacer {
    rate: f64,
    burst: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Tokens available; negative when callers are queued.
    level: f64,
    updated: Instant,
}

impl Pacer {
    /// `rate` tokens per second, at most `burst` stored. Both must be positive (checked by config).
    pub(crate) fn new(rate: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Pacer {
            rate,
            burst,
            state: Mutex::new(State {
                level: burst,
                updated: Instant::now(),
            }),
        }
    }

    /// Takes a token now and returns how long the caller must wait before using it.
    pub(crate) fn reserve(&self, now: Instant) -> Duration {
        // A poisoned lock only means another task panicked mid-update; the numbers are still usable.
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let elapsed = now.saturating_duration_since(s.updated).as_secs_f64();
        s.level = (s.level + elapsed * self.rate).min(self.burst);
        s.updated = now;
        s.level -= 1.0;
        if s.level >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-s.level / self.rate)
        }
    }

    /// Gives back a token reserved but not used (the caller gave up instead of waiting).
    pub(crate) fn cancel(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.level = (s.level + 1.0).min(self.burst);
    }

    /// Waits for a token.
    #[cfg(test)]
    pub(crate) async fn acquire(&self) {
        let wait = self.reserve(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn ten_requests_at_3_per_second_with_burst_3_take_7_thirds_of_a_second() {
        let pacer = Pacer::new(3.0, 3);
        let start = Instant::now();
        for _ in 0..10 {
            pacer.acquire().await;
        }
        let took = start.elapsed();
        // 3 from the burst, then 7 at 1/3 s each.
        assert!(took >= Duration::from_millis(2333), "{took:?}");
        assert!(took < Duration::from_millis(2400), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn ten_requests_with_burst_1_take_3_seconds() {
        let pacer = Pacer::new(3.0, 1);
        let start = Instant::now();
        for _ in 0..10 {
            pacer.acquire().await;
        }
        assert!(start.elapsed() >= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_budget() {
        let pacer = Arc::new(Pacer::new(3.0, 3));
        let start = Instant::now();
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let p = pacer.clone();
                tokio::spawn(async move { p.acquire().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert!(start.elapsed() >= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_refills_while_idle_but_not_beyond_burst() {
        let pacer = Pacer::new(3.0, 3);
        for _ in 0..3 {
            pacer.acquire().await;
        }
        tokio::time::advance(Duration::from_secs(60)).await;
        let now = Instant::now();
        let waits: Vec<Duration> = (0..4).map(|_| pacer.reserve(now)).collect();
        assert_eq!(waits[..3], [Duration::ZERO; 3]);
        assert!(waits[3] > Duration::from_millis(300));
    }

    #[test]
    fn a_cancelled_reservation_is_given_back() {
        let pacer = Pacer::new(1.0, 1);
        let now = Instant::now();
        assert_eq!(pacer.reserve(now), Duration::ZERO);
        assert!(pacer.reserve(now) > Duration::ZERO);
        pacer.cancel();
        let w = pacer.reserve(now);
        assert!(w > Duration::from_millis(900) && w <= Duration::from_secs(1));
    }
}
