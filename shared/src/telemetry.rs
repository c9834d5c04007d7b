//! Logging and Lambda timing shared by the function binaries.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// Structured logs: JSON when Lambda asks for it (`AWS_LAMBDA_LOG_FORMAT=JSON`, as our template
/// sets), plain text otherwise. Level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, default info.
pub fn init_logging() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned())
        .to_lowercase();
    let filter = tracing_subscriber::EnvFilter::try_new(&level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .without_time();
    let result = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init()
    } else {
        builder.try_init()
    };
    // A second init (tests) is harmless.
    drop(result);
}

/// The invocation deadline (Lambda's epoch milliseconds) as a tokio instant. A deadline that has
/// already passed when the invocation starts is a broken clock (some local runtime emulators
/// send one), not a reason to give up: it reads as unknown, and callers fall back to their own
/// budgets.
pub fn deadline_from_epoch_ms(deadline_ms: u64) -> Option<Instant> {
    let deadline = UNIX_EPOCH + Duration::from_millis(deadline_ms);
    let remaining = deadline.duration_since(SystemTime::now()).ok()?;
    (!remaining.is_zero()).then(|| Instant::now() + remaining)
}

/// When work must stop: the earlier of `started + budget` and the Lambda deadline less `margin`
/// (room to send the answer). Without a Lambda deadline, the budget alone.
pub fn work_deadline(
    started: Instant,
    lambda_deadline: Option<Instant>,
    budget: Duration,
    margin: Duration,
) -> Instant {
    let by_budget = started + budget;
    match lambda_deadline {
        Some(deadline) => by_budget.min(deadline.checked_sub(margin).unwrap_or(started)),
        None => by_budget,
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
}
