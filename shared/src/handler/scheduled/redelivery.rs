//! Redelivery of failed webhook deliveries: GitHub sends no retries of its own, so a delivery
//! our webhook answered with 5xx (or never answered) is asked for again, once.
//!
//! A delivery's attempts share its `guid`. A guid is redelivered when none of its attempts
//! succeeded (2xx) and none is a redelivery already: one try per guid, so a payload that keeps
//! failing does not loop. Oldest first (GitHub only redelivers for 3 days), at most
//! `REDELIVERY_LIMIT` per run; the rest wait for the next run.

use std::collections::HashMap;

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use tokio::time::Instant;

use super::settings::HookTarget;
use crate::github::{GitHubClient, HookDelivery};

/// How far back deliveries are listed: GitHub keeps (and redelivers) 3 days.
pub const WINDOW: Duration = Duration::days(3);
const PER_PAGE: u8 = 100;

/// What the redelivery step did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RedeliveryReport {
    pub repository: String,
    pub hook_id: u64,
    /// Attempts listed in the window.
    pub deliveries_seen: usize,
    /// Guids that need a redelivery.
    pub failed: usize,
    pub redelivered: usize,
    /// Over the per-run limit, or left when time ran out.
    pub left_for_next_run: usize,
    /// Redelivery requests GitHub refused.
    pub errors: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One attempt per guid that never succeeded and was never redelivered, oldest first.
pub fn select(deliveries: &[HookDelivery]) -> Vec<&HookDelivery> {
    let mut by_guid: HashMap<&str, Vec<&HookDelivery>> = HashMap::new();
    for delivery in deliveries.iter().filter(|d| !d.guid.is_empty()) {
        by_guid.entry(&delivery.guid).or_default().push(delivery);
    }
    let mut picks: Vec<&HookDelivery> = by_guid
        .into_values()
        .filter(|attempts| !attempts.iter().any(|d| d.succeeded() || d.redelivery))
        .filter_map(|attempts| {
            attempts
                .into_iter()
                .max_by_key(|d| (d.delivered_at(), d.id))
        })
        .collect();
    picks.sort_by_key(|d| (d.delivered_at(), d.id));
    picks
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
            tracing::error!(repository = %target.repository, hook_id = target.hook_id, error = %error,
                "cannot list webhook deliveries; nothing redelivered");
            report.error = Some(error.to_string());
            return report;
        }
    };
    report.deliveries_seen = deliveries.len();
    let picks = select(&deliveries);
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
                tracing::warn!(guid = %delivery.guid, delivery_id = delivery.id, error = %error,
                    "GitHub refused a redelivery");
            }
        }
    }
    report.left_for_next_run = report.failed - report.redelivered - report.errors;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(id: u64, guid: &str, minute: u8, status: u16, redelivery: bool) -> HookDelivery {
        HookDelivery {
            id,
            guid: guid.into(),
            delivered_at: Some(format!("2026-01-01T10:{minute:02}:00Z")),
            redelivery,
            status: None,
            status_code: Some(status),
            event: Some("issues".into()),
            action: None,
        }
    }

    fn ids(picks: Vec<&HookDelivery>) -> Vec<u64> {
        picks.into_iter().map(|d| d.id).collect()
    }

    #[test]
    fn a_failed_guid_is_picked_once_and_a_successful_one_never() {
        let deliveries = [
            delivery(1, "a", 1, 503, false),
            delivery(2, "b", 2, 200, false),
        ];
        assert_eq!(ids(select(&deliveries)), [1]);
    }

    #[test]
    fn a_guid_already_redelivered_is_not_picked_again_whatever_the_result() {
        let deliveries = [
            delivery(1, "a", 1, 503, false),
            delivery(2, "a", 5, 502, true),
            delivery(3, "b", 2, 503, false),
            delivery(4, "b", 6, 200, true),
        ];
        assert!(select(&deliveries).is_empty());
    }

    #[test]
    fn picks_are_oldest_first_with_the_latest_attempt_of_each_guid() {
        let deliveries = [
            delivery(7, "late", 9, 0, false),
            delivery(5, "early", 1, 500, false),
            delivery(6, "early", 3, 503, false),
        ];
        assert_eq!(ids(select(&deliveries)), [6, 7]);
    }

    #[test]
    fn a_timed_out_delivery_counts_as_failed() {
        let mut timed_out = delivery(1, "a", 1, 0, false);
        timed_out.status_code = None;
        assert_eq!(ids(select(&[timed_out])), [1]);
    }

    #[test]
    fn deliveries_without_a_guid_are_ignored() {
        assert!(select(&[delivery(1, "", 1, 500, false)]).is_empty());
    }
}
