//! The time budget of one invocation: when to stop starting work, and when every call must be
//! over, both taken from the Lambda deadline.

use std::time::Duration;

use tokio::time::Instant;

/// No new work in the last 10 s, or the last 10% of a shorter invocation: room for the calls in
/// flight, the race check of the last creates, and the answer.
pub const STOP_MARGIN: Duration = Duration::from_secs(10);
/// Every call is over this long before the deadline (or 5% of a short invocation), so the
/// answer is sent in time.
pub const ANSWER_MARGIN: Duration = Duration::from_millis(500);
/// Without a Lambda deadline (a local run): Lambda's longest timeout.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(900);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// No repository, chunk or item starts at or after this.
    pub stop_at: Instant,
    /// The clients' deadline: no call (or retry wait) runs past it.
    pub calls_end: Instant,
}

impl Budget {
    pub fn new(started: Instant, lambda_deadline: Option<Instant>) -> Self {
        let deadline = lambda_deadline.unwrap_or(started + DEFAULT_BUDGET);
        let total = deadline.saturating_duration_since(started);
        let stop_margin = STOP_MARGIN.min(total / 10);
        let answer_margin = ANSWER_MARGIN.min(total / 20);
        Self {
            stop_at: deadline.checked_sub(stop_margin).unwrap_or(started),
            calls_end: deadline.checked_sub(answer_margin).unwrap_or(started),
        }
    }

    /// The share of what is left before `stop_at` for one of `remaining` repositories: time a
    /// repository does not use passes to the next, and none can starve the others.
    pub fn slice(&self, now: Instant, remaining: usize) -> Instant {
        let left = self.stop_at.saturating_duration_since(now);
        now + left / u32::try_from(remaining.max(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_long_invocation_stops_ten_seconds_before_its_deadline() {
        let now = Instant::now();
        let budget = Budget::new(now, Some(now + Duration::from_secs(300)));
        assert_eq!(budget.stop_at, now + Duration::from_secs(290));
        assert_eq!(budget.calls_end, now + Duration::from_millis(299_500));
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_invocation_keeps_ninety_percent_for_work() {
        let now = Instant::now();
        let budget = Budget::new(now, Some(now + Duration::from_secs(6)));
        assert_eq!(budget.stop_at, now + Duration::from_millis(5_400));
        assert_eq!(budget.calls_end, now + Duration::from_millis(5_700));
        assert!(budget.calls_end > budget.stop_at);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_deadline_the_budget_is_lambda_s_longest() {
        let now = Instant::now();
        let budget = Budget::new(now, None);
        assert_eq!(budget.stop_at, now + Duration::from_secs(890));
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_already_passed_leaves_no_time() {
        let now = Instant::now();
        tokio::time::advance(Duration::from_secs(5)).await;
        let budget = Budget::new(Instant::now(), Some(now));
        assert!(budget.stop_at <= Instant::now());
    }

    #[tokio::test(start_paused = true)]
    async fn repositories_share_what_is_left_equally() {
        let now = Instant::now();
        let budget = Budget::new(now, Some(now + Duration::from_secs(310)));
        assert_eq!(budget.slice(now, 3), now + Duration::from_secs(100));
        assert_eq!(budget.slice(now, 1), budget.stop_at);
        assert_eq!(budget.slice(now, 0), budget.stop_at);
    }
}
