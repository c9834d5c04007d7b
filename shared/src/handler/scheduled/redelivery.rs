//! Redelivery of failed webhook deliveries: GitHub sends no retries of its own, so a delivery
//! our webhook answered with 5xx (or never answered) is asked for again, across runs, a bounded
//! number of times with backoff.
//!
//! A delivery's attempts share its `guid`, and GitHub's delivery list is the whole state: the
//! attempts with `redelivery: true` are our earlier redeliveries. A guid none of whose attempts
//! succeeded (2xx) is redelivered when it has had no redelivery yet, or when its latest
//! redelivery is older than `BACKOFF_BASE · 2^n` (n redeliveries so far: 30 min after the first,
//! 60 min after the second), at most [`MAX_REDELIVERIES`] times; then it is given up and logged
//! (the reconcile still covers its item). Oldest first (GitHub only redelivers for 3 days), at
//! most `REDELIVERY_LIMIT` per run; the rest wait for the next run. Entry point: [`select`].

use std::collections::HashMap;

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use tokio::time::Instant;

use super::settings::HookTarget;
use crate::github::{GitHubClient, HookDelivery};

/// How far back deliveries are listed: GitHub keeps (and redelivers) 3 days.
pub const WINDOW: Duration = Duration::days(3);
/// Redeliveries asked for one guid before it is given up.
pub const MAX_REDELIVERIES: usize = 3;
/// The wait after the n-th failed redelivery is `BACKOFF_BASE · 2^n`: one schedule period
/// (15 minutes, template.yaml) doubled per attempt, so a Notion outage of an hour or two is
/// outlasted within the bound.
pub const BACKOFF_BASE: Duration = Duration::minutes(15);
/// Guids named in the one "given up" log line of a run (the count is always complete).
const GIVEN_UP_LOGGED: usize = 20;
const PER_PAGE: u8 = 100;

/// What the redelivery step did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RedeliveryReport {
    pub repository: String,
    pub hook_id: u64,
    /// Attempts listed in the window.
    pub deliveries_seen: usize,
    /// Guids due a redelivery this run.
    pub failed: usize,
    pub redelivered: usize,
    /// Over the per-run limit, or left when time ran out.
    pub left_for_next_run: usize,
    /// Failed guids whose last redelivery is too recent: backing off.
    pub backing_off: usize,
    /// Failed guids that had their [`MAX_REDELIVERIES`] redeliveries and still failed.
    pub given_up: usize,
    /// Redelivery requests GitHub refused.
    pub errors: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What [`select`] decided, over every guid in the list.
#[derive(Debug, Default)]
pub struct Selection<'a> {
    /// One attempt per guid to redeliver now (its latest), oldest first.
    pub due: Vec<&'a HookDelivery>,
    /// Failed guids waiting for their backoff to pass.
    pub backing_off: usize,
    /// The latest attempt of each guid given up, oldest first.
    pub given_up: Vec<&'a HookDelivery>,
}

/// Sorts each failed guid into due, backing off or given up, as of `now`.
pub fn select(deliveries: &[HookDelivery], now: OffsetDateTime) -> Selection<'_> {
    let mut by_guid: HashMap<&str, Vec<&HookDelivery>> = HashMap::new();
    for delivery in deliveries.iter().filter(|d| !d.guid.is_empty()) {
        by_guid.entry(&delivery.guid).or_default().push(delivery);
    }
    let mut selection = Selection::default();
    for attempts in by_guid.into_values() {
        if attempts.iter().any(|d| d.succeeded()) {
            continue;
        }
        let Some(latest) = attempts
            .iter()
            .copied()
            .max_by_key(|d| (d.delivered_at(), d.id))
        else {
            continue;
        };
        let redeliveries: Vec<&HookDelivery> =
            attempts.iter().copied().filter(|d| d.redelivery).collect();
        if redeliveries.len() >= MAX_REDELIVERIES {
            selection.given_up.push(latest);
        } else if backoff_passed(&redeliveries, now) {
            selection.due.push(latest);
        } else {
            selection.backing_off += 1;
        }
    }
    selection.due.sort_by_key(|d| (d.delivered_at(), d.id));
    selection.given_up.sort_by_key(|d| (d.delivered_at(), d.id));
    selection
}

/// Whether the latest of a guid's `redeliveries` is older than its backoff (none: at once). A
/// redelivery without a readable time counts as just made, so it is never repeated in a loop.
fn backoff_passed(redeliveries: &[&HookDelivery], now: OffsetDateTime) -> bool {
    if redeliveries.is_empty() {
        return true;
    }
    let wait = BACKOFF_BASE * 2i32.pow(redeliveries.len().min(16) as u32);
    let last = redeliveries
        .iter()
        .map(|d| d.delivered_at().unwrap_or(now))
        .max()
        .unwrap_or(now);
    now - last >= wait
}

/// Lists the hook's deliveries of the last [`WINDOW`] and redelivers the failed ones, at most
/// `limit`, starting none at or after `stop_at`. Failures are logged and reported, never fatal.
pub async fn redeliver_failed(
    github: &GitHubClient,
    target: &HookTarget,
    limit: usize,
    now: OffsetDateTime,
    stop_at: Instant,
) -> RedeliveryReport {
    let mut report = RedeliveryReport {
        repository: target.repository.clone(),
        hook_id: target.hook_id,
        ..RedeliveryReport::default()
    };
    let deliveries = match github
        .list_hook_deliveries(
            &target.repository,
            target.hook_id,
            PER_PAGE,
            Some(now - WINDOW),
        )
        .await
    {
        Ok(deliveries) => deliveries,
        Err(error) => {
            tracing::error!(repository = %target.repository, hook_id = target.hook_id, error = %crate::telemetry::Chain(&error),
                "cannot list webhook deliveries; nothing redelivered");
            report.error = Some(crate::telemetry::chain(&error));
            return report;
        }
    };
    report.deliveries_seen = deliveries.len();
    let selection = select(&deliveries, now);
    log_given_up(target, &selection.given_up);
    report.backing_off = selection.backing_off;
    report.given_up = selection.given_up.len();
    let picks = selection.due;
    report.failed = picks.len();
    for delivery in picks.iter().take(limit) {
        if Instant::now() >= stop_at {
            break;
        }
        match github
            .redeliver(&target.repository, target.hook_id, delivery.id)
            .await
        {
            Ok(()) => {
                report.redelivered += 1;
                tracing::info!(
                    guid = %delivery.guid,
                    delivery_id = delivery.id,
                    event = delivery.event.as_deref().unwrap_or_default(),
                    action = delivery.action.as_deref().unwrap_or_default(),
                    status = delivery.status.as_deref().unwrap_or_default(),
                    delivered_at = delivery.delivered_at.as_deref().unwrap_or_default(),
                    "requested redelivery of a failed webhook delivery"
                );
            }
            Err(error) => {
                report.errors += 1;
                tracing::warn!(guid = %delivery.guid, delivery_id = delivery.id, error = %crate::telemetry::Chain(&error),
                    "GitHub refused a redelivery");
            }
        }
    }
    report.left_for_next_run = report.failed - report.redelivered - report.errors;
    report
}

/// One line per run naming what was given up (GitHub keeps it listed for 3 days, so the line
/// repeats in each run until then; the count says how many, the first guids say which).
fn log_given_up(target: &HookTarget, given_up: &[&HookDelivery]) {
    if given_up.is_empty() {
        return;
    }
    let named: Vec<String> = given_up
        .iter()
        .take(GIVEN_UP_LOGGED)
        .map(|d| {
            format!(
                "{} ({} {})",
                d.guid,
                d.event.as_deref().unwrap_or("?"),
                d.action.as_deref().unwrap_or("-")
            )
        })
        .collect();
    tracing::warn!(
        repository = %target.repository,
        hook_id = target.hook_id,
        count = given_up.len(),
        guids = %named.join(", "),
        "gave up redelivering webhook deliveries that failed {MAX_REDELIVERIES} redeliveries; the next reconcile covers their items"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-01 12:00 UTC);

    fn delivery(id: u64, guid: &str, ago: Duration, status: u16, redelivery: bool) -> HookDelivery {
        let at = NOW - ago;
        HookDelivery {
            id,
            guid: guid.into(),
            delivered_at: Some(
                at.format(&time::format_description::well_known::Rfc3339)
                    .unwrap(),
            ),
            redelivery,
            status: None,
            status_code: Some(status),
            event: Some("issues".into()),
            action: None,
        }
    }

    fn mins(m: i64) -> Duration {
        Duration::minutes(m)
    }

    fn ids(picks: &[&HookDelivery]) -> Vec<u64> {
        picks.iter().map(|d| d.id).collect()
    }

    #[test]
    fn a_failed_guid_is_due_and_a_successful_one_never() {
        let deliveries = [
            delivery(1, "a", mins(59), 503, false),
            delivery(2, "b", mins(58), 200, false),
        ];
        let s = select(&deliveries, NOW);
        assert_eq!(ids(&s.due), [1]);
        assert_eq!((s.backing_off, s.given_up.len()), (0, 0));
    }

    #[test]
    fn a_guid_healed_by_a_redelivery_is_done() {
        let deliveries = [
            delivery(3, "b", mins(300), 503, false),
            delivery(4, "b", mins(200), 200, true),
        ];
        let s = select(&deliveries, NOW);
        assert!(s.due.is_empty() && s.given_up.is_empty() && s.backing_off == 0);
    }

    #[test]
    fn a_failed_redelivery_is_retried_once_its_backoff_has_passed() {
        // one redelivery: wait 30 minutes after it
        let recent = [
            delivery(1, "a", mins(120), 503, false),
            delivery(2, "a", mins(29), 502, true),
        ];
        let s = select(&recent, NOW);
        assert!(s.due.is_empty());
        assert_eq!(s.backing_off, 1);
        let old_enough = [
            delivery(1, "a", mins(120), 503, false),
            delivery(2, "a", mins(30), 502, true),
        ];
        assert_eq!(ids(&select(&old_enough, NOW).due), [2]);
    }

    #[test]
    fn the_backoff_doubles_with_each_redelivery() {
        // two redeliveries: wait 60 minutes after the latest
        let attempts = |last: i64| {
            [
                delivery(1, "a", mins(300), 503, false),
                delivery(2, "a", mins(200), 503, true),
                delivery(3, "a", mins(last), 503, true),
            ]
        };
        assert_eq!(select(&attempts(59), NOW).backing_off, 1);
        assert_eq!(ids(&select(&attempts(60), NOW).due), [3]);
    }

    #[test]
    fn a_guid_is_given_up_after_three_failed_redeliveries() {
        let deliveries = [
            delivery(1, "a", mins(600), 503, false),
            delivery(2, "a", mins(500), 503, true),
            delivery(3, "a", mins(400), 503, true),
            delivery(4, "a", mins(300), 0, true),
        ];
        let s = select(&deliveries, NOW);
        assert!(s.due.is_empty());
        assert_eq!(ids(&s.given_up), [4]);
    }

    #[test]
    fn due_guids_are_oldest_first_with_the_latest_attempt_of_each() {
        let deliveries = [
            delivery(7, "late", mins(51), 0, false),
            delivery(5, "early", mins(59), 500, false),
            delivery(6, "early", mins(57), 503, false),
        ];
        assert_eq!(ids(&select(&deliveries, NOW).due), [6, 7]);
    }

    #[test]
    fn a_timed_out_delivery_counts_as_failed() {
        let mut timed_out = delivery(1, "a", mins(59), 0, false);
        timed_out.status_code = None;
        assert_eq!(ids(&select(&[timed_out], NOW).due), [1]);
    }

    #[test]
    fn a_redelivery_without_a_time_is_taken_as_just_made() {
        let mut undated = delivery(2, "a", mins(500), 503, true);
        undated.delivered_at = None;
        let deliveries = [delivery(1, "a", mins(600), 503, false), undated];
        assert_eq!(select(&deliveries, NOW).backing_off, 1);
    }

    #[test]
    fn deliveries_without_a_guid_are_ignored() {
        let deliveries = [delivery(1, "", mins(59), 500, false)];
        let s = select(&deliveries, NOW);
        assert!(s.due.is_empty() && s.backing_off == 0 && s.given_up.is_empty());
    }
}
