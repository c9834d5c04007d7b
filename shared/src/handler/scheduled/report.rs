//! What one `scheduled-sync` invocation did: the function's JSON answer and its log lines.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use super::redelivery::RedeliveryReport;
use crate::sync::reconcile::ReconcileError;
use crate::sync::reconcile::StopReason;
use crate::sync::{Counts, RepoReport, RepoStatus};
use crate::telemetry::Chain;

/// The answer: totals, then each repository, then the redelivery step.
#[derive(Debug, Serialize)]
pub struct RunReport {
    #[serde(flatten)]
    pub totals: Counts,
    pub redelivered: u64,
    pub notion_calls: u64,
    pub github_calls: u64,
    /// Some repository has work left for the next run (time ran out, or a GitHub rate-limit
    /// wait would have ended past the deadline).
    pub stopped_for_deadline: bool,
    /// Per repository: where the next run starts (the newest `Updated` it will find, at least).
    pub watermarks: BTreeMap<String, Option<String>>,
    pub repositories: Vec<RepoReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redelivery: Option<RedeliveryReport>,
    pub duration_ms: u64,
}

impl RunReport {
    pub fn new(
        repositories: Vec<RepoReport>,
        redelivery: Option<RedeliveryReport>,
        notion_calls: u64,
        github_calls: u64,
        elapsed: Duration,
    ) -> Self {
        let mut totals = Counts::default();
        for repo in &repositories {
            totals += repo.counts;
        }
        let watermarks = repositories
            .iter()
            .map(|r| {
                let next = r.next_watermark().and_then(|t| t.format(&Rfc3339).ok());
                (r.repository.clone(), next)
            })
            .collect();
        Self {
            totals,
            redelivered: redelivery.as_ref().map_or(0, |r| r.redelivered as u64),
            notion_calls,
            github_calls,
            stopped_for_deadline: repositories.iter().any(|r| r.status == RepoStatus::Stopped),
            watermarks,
            repositories,
            redelivery,
            duration_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Every repository failed: the invocation fails too, so EventBridge retries it.
    pub fn all_failed(&self) -> bool {
        !self.repositories.is_empty()
            && self
                .repositories
                .iter()
                .all(|r| r.status == RepoStatus::Failed)
    }

    /// Each failed repository with its error, the report given up.
    pub fn into_failures(self) -> Vec<(String, ReconcileError)> {
        self.repositories
            .into_iter()
            .filter_map(|r| Some((r.repository, r.error?)))
            .collect()
    }

    /// The one summary line of the invocation.
    pub fn log(&self) {
        let t = &self.totals;
        tracing::info!(
            repositories = self.repositories.len(),
            issues_seen = t.issues_seen,
            created = t.created,
            updated = t.updated,
            unchanged = t.unchanged,
            stale = t.stale,
            archived = t.archived,
            skipped = t.skipped,
            redelivered = self.redelivered,
            notion_calls = self.notion_calls,
            github_calls = self.github_calls,
            stopped_for_deadline = self.stopped_for_deadline,
            failed = self
                .repositories
                .iter()
                .filter(|r| r.status == RepoStatus::Failed)
                .count(),
            duration_ms = self.duration_ms,
            "scheduled sync finished"
        );
    }
}

/// One line per repository run.
pub fn log_repository(report: &RepoReport) {
    let c = &report.counts;
    let watermark = report.watermark.and_then(|t| t.format(&Rfc3339).ok());
    let next = report
        .next_watermark()
        .and_then(|t| t.format(&Rfc3339).ok());
    match &report.error {
        Some(error) => tracing::error!(
            repository = %report.repository, error = %Chain(error),
            issues_seen = c.issues_seen, created = c.created, updated = c.updated,
            "repository reconcile failed; the other repositories still run"
        ),
        None => tracing::info!(
            repository = %report.repository,
            status = ?report.status,
            stop_reason = report.stop_reason.map(StopReason::as_str),
            read_plan = report.read_plan.map(|p| p.as_str()),
            watermark, next_watermark = next,
            issues_seen = c.issues_seen, created = c.created, updated = c.updated,
            unchanged = c.unchanged, stale = c.stale, archived = c.archived, skipped = c.skipped,
            "repository reconciled"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::RestError;
    use crate::sync::ReconcileError;

    fn failed(repo: &str) -> RepoReport {
        let mut report = RepoReport::new(repo);
        report.status = RepoStatus::Failed;
        report.error = Some(ReconcileError::GitHub {
            context: "listing",
            source: RestError::DeadlineExceeded,
        });
        report
    }

    #[test]
    fn totals_add_up_and_a_stopped_repository_flags_the_run() {
        let mut a = RepoReport::new("o/a");
        a.counts.created = 2;
        let mut b = RepoReport::not_started("o/b");
        b.counts.unchanged = 1;
        let report = RunReport::new(vec![a, b], None, 7, 3, Duration::from_millis(12));
        assert_eq!((report.totals.created, report.totals.unchanged), (2, 1));
        assert!(report.stopped_for_deadline);
        assert!(!report.all_failed());
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["created"], 2);
        assert_eq!(json["notion_calls"], 7);
        assert_eq!(json["watermarks"]["o/a"], serde_json::Value::Null);
        assert_eq!(json["repositories"][1]["stop_reason"], "deadline");
    }

    #[test]
    fn the_run_fails_only_when_every_repository_failed() {
        let some = RunReport::new(
            vec![failed("o/a"), RepoReport::new("o/b")],
            None,
            0,
            0,
            Duration::ZERO,
        );
        assert!(!some.all_failed());
        let all = RunReport::new(
            vec![failed("o/a"), failed("o/b")],
            None,
            0,
            0,
            Duration::ZERO,
        );
        assert!(all.all_failed());
        let failures = all.into_failures();
        let repositories: Vec<&str> = failures.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(repositories, ["o/a", "o/b"]);
        assert!(failures[0].1.to_string().starts_with("GitHub, listing"));
    }
}
