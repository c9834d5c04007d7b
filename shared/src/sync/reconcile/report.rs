//! What one repository's reconcile did: counts, how it ended, the watermarks, the error.

use serde::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::plan::ReadPlan;
use super::ReconcileError;

/// What happened to each item, summed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub issues_seen: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub stale: u64,
    /// Duplicate pages merged away (left by races with the webhook).
    pub archived: u64,
    /// Listed objects that cannot be synced, and items Notion refused.
    pub skipped: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.issues_seen += other.issues_seen;
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.stale += other.stale;
        self.archived += other.archived;
        self.skipped += other.skipped;
    }
}

/// How a repository's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RepoStatus {
    Complete,
    /// Out of time (or a GitHub rate-limit wait that would end past it); the next run resumes.
    Stopped,
    Failed,
}

/// Why a repository's run stopped before the listing's end (`stop_reason` in the report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Its share of the invocation's time ran out; the next pass or run continues.
    Deadline,
    /// GitHub's rate limit; the next run continues.
    GithubRateLimit,
}

impl StopReason {
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Deadline => "deadline",
            StopReason::GithubRateLimit => "github_rate_limit",
        }
    }
}

/// One repository's run, for the log line and the function's answer.
#[derive(Debug, Serialize)]
pub struct RepoReport {
    pub repository: String,
    pub status: RepoStatus,
    /// Why it stopped early, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<StopReason>,
    #[serde(flatten)]
    pub counts: Counts,
    /// The watermark read at the start (the `since` sent to GitHub).
    #[serde(serialize_with = "rfc3339")]
    pub watermark: Option<OffsetDateTime>,
    /// `updated_at` of the last item reconciled: the next watermark is at least its minute.
    #[serde(serialize_with = "rfc3339")]
    pub synced_through: Option<OffsetDateTime>,
    pub read_plan: Option<ReadPlan>,
    #[serde(serialize_with = "display", skip_serializing_if = "Option::is_none")]
    pub error: Option<ReconcileError>,
}

impl RepoReport {
    pub fn new(repository: &str) -> Self {
        Self {
            repository: repository.to_owned(),
            status: RepoStatus::Complete,
            stop_reason: None,
            counts: Counts::default(),
            watermark: None,
            synced_through: None,
            read_plan: None,
            error: None,
        }
    }

    /// A repository the run had no time left to start.
    pub fn not_started(repository: &str) -> Self {
        Self {
            status: RepoStatus::Stopped,
            stop_reason: Some(StopReason::Deadline),
            ..Self::new(repository)
        }
    }

    /// Where the next run will start from, to the minute (at least).
    pub fn next_watermark(&self) -> Option<OffsetDateTime> {
        let synced = self
            .synced_through
            .and_then(|t| t.replace_second(0).ok())
            .and_then(|t| t.replace_nanosecond(0).ok());
        self.watermark.max(synced)
    }

    /// Folds a later run of the same repository (a second pass in one invocation) into this one.
    pub fn absorb(&mut self, later: RepoReport) {
        self.counts += later.counts;
        self.status = later.status;
        self.stop_reason = later.stop_reason;
        self.watermark = self.watermark.or(later.watermark);
        self.synced_through = later.synced_through.or(self.synced_through);
        self.read_plan = later.read_plan.or(self.read_plan);
        self.error = later.error;
    }
}

fn rfc3339<S: Serializer>(at: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    at.and_then(|t| t.format(&Rfc3339).ok()).serialize(s)
}

fn display<S: Serializer>(error: &Option<ReconcileError>, s: S) -> Result<S::Ok, S::Error> {
    error
        .as_ref()
        .map(|e| crate::telemetry::chain(e))
        .serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    #[test]
    fn the_next_watermark_is_the_later_of_the_old_one_and_the_last_item_s_minute() {
        let mut report = RepoReport::new("o/r");
        assert_eq!(report.next_watermark(), None);
        report.watermark = Some(datetime!(2026-01-01 10:00 UTC));
        report.synced_through = Some(datetime!(2026-01-01 10:05:42 UTC));
        assert_eq!(
            report.next_watermark(),
            Some(datetime!(2026-01-01 10:05 UTC))
        );
    }

    #[test]
    fn a_second_pass_adds_its_counts_and_takes_its_status() {
        let mut first = RepoReport::not_started("o/r");
        first.counts.created = 3;
        first.watermark = Some(datetime!(2026-01-01 10:00 UTC));
        let mut later = RepoReport::new("o/r");
        later.counts.created = 2;
        later.counts.unchanged = 1;
        first.absorb(later);
        assert_eq!(first.status, RepoStatus::Complete);
        assert_eq!(first.stop_reason, None);
        assert_eq!((first.counts.created, first.counts.unchanged), (5, 1));
        assert_eq!(first.watermark, Some(datetime!(2026-01-01 10:00 UTC)));
    }

    #[test]
    fn the_report_serializes_flat_counts_and_times() {
        let mut report = RepoReport::new("o/r");
        report.counts.created = 2;
        report.watermark = Some(datetime!(2026-01-01 10:00 UTC));
        report.read_plan = Some(ReadPlan::Keyed);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["created"], 2);
        assert_eq!(json["status"], "complete");
        assert_eq!(json["watermark"], "2026-01-01T10:00:00Z");
        assert_eq!(json["read_plan"], "keyed");
        assert!(json.get("error").is_none());
    }
}
