//! When an invocation's work must end: the one deadline rule every function uses.
//!
//! The rule: an invocation ends at its Lambda deadline (or, in a local run that has none,
//! [`LAMBDA_MAX_TIMEOUT`] after it started); work ends a margin before that, room for the calls in
//! flight and the answer, and on a short invocation the margin is at most a share of it so most
//! of the time is still for work ([`before_end`]). An HTTP function also caps its work by its own
//! answer budget ([`work_deadline`]); a batch run splits its time into "stop starting work" and
//! "every call is over" ([`Budget`]).
//!
//! Entry points: [`deadline_from_epoch_ms`] (Lambda's context → an instant), then [`work_deadline`],
//! [`Budget::new`] or [`before_end`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// Lambda's longest timeout: how long a run without a known deadline (a local run) may take.
pub const LAMBDA_MAX_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// A batch run starts no new work in the last 10 s, or the last 10% of a shorter invocation:
/// room for the calls in flight, the race check of the last creates, and the answer.
pub const STOP_MARGIN: Duration = Duration::from_secs(10);
/// A batch run's calls are all over this long before the deadline (or 5% of a short invocation),
/// so the answer is sent in time.
pub const ANSWER_MARGIN: Duration = Duration::from_millis(500);
/// Without a Lambda deadline (a local run): Lambda's longest timeout.
pub const DEFAULT_BUDGET: Duration = LAMBDA_MAX_TIMEOUT;

/// The invocation deadline (Lambda's epoch milliseconds) as a tokio instant. A deadline that has
/// already passed when the invocation starts is a broken clock (some local runtime emulators
/// send one), not a reason to give up: it reads as unknown, and callers fall back to their own
/// budgets.
pub fn deadline_from_epoch_ms(deadline_ms: u64) -> Option<Instant> {
    let deadline = UNIX_EPOCH + Duration::from_millis(deadline_ms);
    let remaining = deadline.duration_since(SystemTime::now()).ok()?;
    (!remaining.is_zero()).then(|| Instant::now() + remaining)
}

/// `margin` before the invocation's end (its Lambda deadline, or [`LAMBDA_MAX_TIMEOUT`] after
/// `started`), the margin at most `1/max_share` of the invocation (`1`: it may take all of it).
pub fn before_end(
    started: Instant,
    lambda_deadline: Option<Instant>,
    margin: Duration,
    max_share: u32,
) -> Instant {
    let end = lambda_deadline.unwrap_or(started + LAMBDA_MAX_TIMEOUT);
    let total = end.saturating_duration_since(started);
    let margin = margin.min(total / max_share.max(1));
    end.checked_sub(margin).unwrap_or(started)
}

/// When an HTTP function's work must stop: the earlier of `started + budget` (its answer budget)
/// and the Lambda deadline less `margin` (room to send the answer). Without a Lambda deadline,
/// the budget alone.
pub fn work_deadline(
    started: Instant,
    lambda_deadline: Option<Instant>,
    budget: Duration,
    margin: Duration,
) -> Instant {
    let by_budget = started + budget;
    match lambda_deadline {
        Some(_) => by_budget.min(before_end(started, lambda_deadline, margin, 1)),
        None => by_budget,
    }
}

/// When an HTTP function (github-webhook, notion-webhook, notion-oauth) stops working on one
/// request: its answer `budget`, or [`ANSWER_MARGIN`] before the Lambda deadline, whichever
/// comes first.
pub fn answer_by(started: Instant, lambda_deadline: Option<Instant>, budget: Duration) -> Instant {
    work_deadline(started, lambda_deadline, budget, ANSWER_MARGIN)
}

/// The time budget of one batch run (scheduled sync, digest): when to stop starting work, and
/// when every call must be over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// No repository, chunk or item starts at or after this.
    pub stop_at: Instant,
    /// The clients' deadline: no call (or retry wait) runs past it.
    pub calls_end: Instant,
}

impl Budget {
    pub fn new(started: Instant, lambda_deadline: Option<Instant>) -> Self {
        Self {
            stop_at: before_end(started, lambda_deadline, STOP_MARGIN, 10),
            calls_end: before_end(started, lambda_deadline, ANSWER_MARGIN, 20),
        }
    }

    /// The share of what is left before `stop_at` for one of `remaining` parts (repositories):
    /// time a part does not use passes to the next, and none can starve the others.
    pub fn slice(&self, now: Instant, remaining: usize) -> Instant {
        let left = self.stop_at.saturating_duration_since(now);
        now + left / u32::try_from(remaining.max(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch_ms(at: SystemTime) -> u64 {
        at.duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_millis() as u64
    }

    #[test]
    fn a_future_deadline_becomes_an_instant_that_far_ahead() {
        let deadline =
            deadline_from_epoch_ms(epoch_ms(SystemTime::now() + Duration::from_secs(30)))
                .expect("a future deadline is kept");
        let remaining = deadline - Instant::now();
        assert!(remaining > Duration::from_secs(28) && remaining <= Duration::from_secs(30));
    }

    #[test]
    fn a_past_or_missing_deadline_is_unknown() {
        assert!(deadline_from_epoch_ms(0).is_none());
        assert!(
            deadline_from_epoch_ms(epoch_ms(SystemTime::now() - Duration::from_secs(5))).is_none()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn work_ends_a_margin_before_the_lambda_deadline() {
        let now = Instant::now();
        let deadline = now + Duration::from_secs(60);
        assert_eq!(
            before_end(now, Some(deadline), Duration::from_secs(2), 1),
            now + Duration::from_secs(58)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_deadline_the_run_may_last_lambda_s_longest_timeout() {
        let now = Instant::now();
        assert_eq!(
            before_end(now, None, Duration::ZERO, 1),
            now + LAMBDA_MAX_TIMEOUT
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_invocation_caps_the_margin_to_its_share() {
        let now = Instant::now();
        let deadline = Some(now + Duration::from_secs(6));
        assert_eq!(
            before_end(now, deadline, Duration::from_secs(10), 10),
            now + Duration::from_millis(5_400)
        );
        // share 1: the margin may take the whole invocation, never more
        assert_eq!(before_end(now, deadline, Duration::from_secs(10), 1), now);
        // share 0 reads as 1 instead of dividing by zero
        assert_eq!(before_end(now, deadline, Duration::from_secs(10), 0), now);
    }

    #[test]
    fn the_work_deadline_is_the_earlier_of_budget_and_lambda_deadline_less_margin() {
        let started = Instant::now();
        let (budget, margin) = (Duration::from_secs(9), Duration::from_millis(500));
        assert_eq!(
            work_deadline(started, None, budget, margin),
            started + budget
        );
        let soon = started + Duration::from_secs(3);
        assert_eq!(
            work_deadline(started, Some(soon), budget, margin),
            soon - margin
        );
        let late = started + Duration::from_secs(60);
        assert_eq!(
            work_deadline(started, Some(late), budget, margin),
            started + budget
        );
    }

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
