//! Reconciling one repository: Notion converges on GitHub even when webhooks fail.
//!
//! Entry point: [`Reconciler::reconcile`]. One run of one repository:
//! 1. **Watermark**: the newest `Updated` among the repository's pages (one query sorted by
//!    `Updated` descending; it asks for 100 pages, not 1 — same cost — and they spare reads later,
//!    see [`plan`]). No watermark: a backfill of the whole repository.
//! 2. **Listing**: the issues and pull requests GitHub changed since the watermark
//!    ([`listing`]). GitHub's `since` is inclusive and `Updated` keeps minutes, so the items of
//!    the watermark's minute are listed again; they come out `unchanged` (no write).
//! 3. **Reads**: the cheaper of key queries and a scan ([`plan`], [`reads`]).
//! 4. **Writes**, in ascending `updated_at`, with the webhook's stale guard and no-op skip
//!    ([`Syncer::upsert_among`]). New pages are created without the per-item race check; one key
//!    query per 100 creates checks them all afterwards and merges any duplicate a concurrent
//!    webhook made (same rule as the webhook: keep the oldest, archive the rest).
//!
//! **Deadline**: no item starts at or after `stop_at`. Writes go in ascending `updated_at`, so
//! when a run stops, everything before its last item is in Notion, and the next run's watermark
//! (that item's minute, or later) resumes there: nothing skipped, nothing created twice.
//!
//! An item Notion refuses (400 validation, 404) is logged and passed over rather than blocking
//! the repository forever; anything else (Notion or GitHub unavailable, 401) stops the repository
//! and is reported as its error.

pub mod listing;
pub mod plan;
pub mod reads;

use serde::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::time::Instant;

use self::listing::Listed;
use self::plan::{ReadPlan, KEYS_PER_QUERY};
use self::reads::Known;
use super::{Outcome, Syncer};
use crate::github::{GitHubClient, RestError, WorkItem};
use crate::notion;

/// Why a repository could not be reconciled.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("Notion, {context}: {source}")]
    Notion {
        context: &'static str,
        #[source]
        source: notion::Error,
    },
    #[error("GitHub, {context}: {source}")]
    GitHub {
        context: &'static str,
        #[source]
        source: RestError,
    },
}

impl ReconcileError {
    /// Notion refused the token (worth one retry after the secret is read again).
    pub fn is_notion_unauthorized(&self) -> bool {
        matches!(self, ReconcileError::Notion { source, .. } if source.is_unauthorized())
    }
}

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

/// One repository's run, for the log line and the function's answer.
#[derive(Debug, Serialize)]
pub struct RepoReport {
    pub repository: String,
    pub status: RepoStatus,
    /// `deadline` or `github_rate_limit` when stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<&'static str>,
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
            stop_reason: Some("deadline"),
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
    error.as_ref().map(ToString::to_string).serialize(s)
}

/// Why a run ended early.
enum Halt {
    Deadline,
    RateLimited,
    Failed(ReconcileError),
}

/// Reconciles repositories into one database. The clients' own deadlines bound every call;
/// `stop_at` (earlier) bounds when new work may start.
pub struct Reconciler<'a> {
    pub syncer: Syncer<'a>,
    pub github: &'a GitHubClient,
}

impl Reconciler<'_> {
    /// Reconciles `repository`, starting no item at or after `stop_at`.
    pub async fn reconcile(&self, repository: &str, stop_at: Option<Instant>) -> RepoReport {
        let mut run = Run {
            syncer: &self.syncer,
            github: self.github,
            repository,
            stop_at,
            report: RepoReport::new(repository),
        };
        let halt = run.run().await.err();
        let mut report = run.report;
        match halt {
            None => {}
            Some(Halt::Deadline) => {
                report.status = RepoStatus::Stopped;
                report.stop_reason = Some("deadline");
            }
            Some(Halt::RateLimited) => {
                report.status = RepoStatus::Stopped;
                report.stop_reason = Some("github_rate_limit");
            }
            Some(Halt::Failed(error)) => {
                report.status = RepoStatus::Failed;
                report.error = Some(error);
            }
        }
        report
    }
}

/// One repository's run in progress.
struct Run<'r, 'a> {
    syncer: &'r Syncer<'a>,
    github: &'r GitHubClient,
    repository: &'r str,
    stop_at: Option<Instant>,
    report: RepoReport,
}

impl Run<'_, '_> {
    fn out_of_time(&self) -> bool {
        self.stop_at.is_some_and(|t| Instant::now() >= t)
    }

    fn check_time(&self) -> Result<(), Halt> {
        if self.out_of_time() {
            return Err(Halt::Deadline);
        }
        Ok(())
    }

    /// A Notion failure as a halt: past the deadline it is the deadline's doing.
    fn notion(&self, context: &'static str) -> impl FnOnce(notion::Error) -> Halt + '_ {
        move |source| match source {
            notion::Error::DeadlineExceeded { .. } => Halt::Deadline,
            _ if self.out_of_time() => Halt::Deadline,
            source => Halt::Failed(ReconcileError::Notion { context, source }),
        }
    }

    fn github(&self, context: &'static str) -> impl FnOnce(RestError) -> Halt + '_ {
        move |source| match source {
            RestError::DeadlineExceeded => Halt::Deadline,
            RestError::RateLimited { .. } => Halt::RateLimited,
            _ if self.out_of_time() => Halt::Deadline,
            source => Halt::Failed(ReconcileError::GitHub { context, source }),
        }
    }

    async fn run(&mut self) -> Result<(), Halt> {
        self.check_time()?;
        let first = reads::first_page(self.syncer, self.repository)
            .await
            .map_err(self.notion("reading the newest pages (watermark)"))?;
        self.report.watermark = first.watermark;
        let listing = listing::changed_since(self.github, self.repository, first.watermark)
            .await
            .map_err(self.github("listing issues changed since the watermark"))?;
        self.report.counts.issues_seen = listing.items.len() as u64;
        self.report.counts.skipped += listing.skipped;
        if listing.items.is_empty() {
            self.report.read_plan = Some(ReadPlan::InHand);
            return Ok(());
        }
        let backfill = first.watermark.is_none();
        let number_property = self.syncer.schema.number();
        let mut known = Known::default();
        known.complete = first.rest.is_none();
        known.add(first.pages, number_property);
        let plan = self.plan(&known, &listing.items, backfill).await?;
        self.report.read_plan = Some(plan);
        if let (ReadPlan::Scan, Some(rest)) = (plan, first.rest) {
            self.check_time()?;
            let pages = reads::scan_rest(self.syncer, rest)
                .await
                .map_err(self.notion("scanning the repository's pages"))?;
            known.add(pages, number_property);
            known.complete = true;
        }
        for chunk in listing.items.chunks(KEYS_PER_QUERY) {
            self.check_time()?;
            self.read_chunk(chunk, &mut known).await?;
            let mut created = Vec::new();
            let written = self.write_chunk(chunk, &mut known, &mut created).await;
            // Check what was created even when the chunk stopped early.
            let checked = self.check_created(&created).await;
            written.and(checked)?;
        }
        Ok(())
    }

    /// The cheaper read plan; may spend one query to bound the repository's size.
    async fn plan(
        &self,
        known: &Known,
        items: &[Listed],
        backfill: bool,
    ) -> Result<ReadPlan, Halt> {
        let unresolved = items
            .iter()
            .filter(|l| !known.resolved(l.item.number))
            .count();
        let estimate = if known.complete || unresolved == 0 {
            None
        } else if backfill {
            // Every issue of the repository was listed; Notion holds about one page for each.
            Some(items.len())
        } else if plan::worth_estimating(unresolved) {
            self.check_time()?;
            reads::highest_number(self.syncer, self.repository)
                .await
                .map_err(self.notion("reading the highest issue number"))?
                .map(|n| n as usize)
        } else {
            None
        };
        Ok(plan::choose(known.complete, unresolved, estimate))
    }

    /// One key query for the chunk's numbers not read yet.
    async fn read_chunk(&self, chunk: &[Listed], known: &mut Known) -> Result<(), Halt> {
        let missing: Vec<u64> = chunk
            .iter()
            .map(|l| l.item.number)
            .filter(|n| !known.resolved(*n))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let pages = reads::read_keys(self.syncer, self.repository, &missing)
            .await
            .map_err(self.notion("reading the pages of changed issues"))?;
        known.add(pages, self.syncer.schema.number());
        known.mark_read(&missing);
        Ok(())
    }

    async fn write_chunk(
        &mut self,
        chunk: &[Listed],
        known: &mut Known,
        created: &mut Vec<WorkItem>,
    ) -> Result<(), Halt> {
        for listed in chunk {
            self.check_time()?;
            let item = listing::resolve(self.github, listed)
                .await
                .map_err(self.github("reading a pull request"))?;
            let pages = known.take(item.number);
            let duplicates = pages.len().saturating_sub(1) as u64;
            let written = if pages.is_empty() {
                self.syncer.create_unchecked(&item).await.map(|_| None)
            } else {
                self.syncer
                    .upsert_among(&item, pages)
                    .await
                    .map(|r| Some(r.outcome))
            };
            match written {
                Ok(None) => {
                    self.report.counts.created += 1;
                    created.push(item.clone());
                }
                Ok(Some(outcome)) => {
                    self.report.counts.archived += duplicates;
                    self.count(outcome);
                }
                Err(error) if refused(&error) => {
                    self.report.counts.skipped += 1;
                    tracing::error!(repository = self.repository, number = item.number, error = %error,
                        "Notion refused this item; it is skipped until it changes again");
                }
                Err(error) => return Err(self.notion("writing a page")(error)),
            }
            self.report.synced_through = Some(item.updated_at);
        }
        Ok(())
    }

    /// The race check for pages this run created: one key query for all of them; a key with
    /// two pages (a webhook created one too) keeps the oldest, like the webhook does.
    async fn check_created(&mut self, created: &[WorkItem]) -> Result<(), Halt> {
        if created.is_empty() {
            return Ok(());
        }
        let numbers: Vec<u64> = created.iter().map(|i| i.number).collect();
        let pages = reads::read_keys(self.syncer, self.repository, &numbers)
            .await
            .map_err(self.notion("checking created pages for duplicates"))?;
        let mut by_number = reads::by_number(pages, self.syncer.schema.number());
        for item in created {
            let pages = by_number.remove(&item.number).unwrap_or_default();
            if pages.len() < 2 {
                continue;
            }
            self.report.counts.archived += (pages.len() - 1) as u64;
            tracing::warn!(
                repository = self.repository,
                number = item.number,
                "a concurrent delivery created the same page; merging"
            );
            self.syncer
                .upsert_among(item, pages)
                .await
                .map_err(self.notion("merging duplicate pages"))?;
        }
        Ok(())
    }

    fn count(&mut self, outcome: Outcome) {
        let counts = &mut self.report.counts;
        match outcome {
            Outcome::Created => counts.created += 1,
            Outcome::Updated => counts.updated += 1,
            Outcome::Unchanged => counts.unchanged += 1,
            Outcome::Stale => counts.stale += 1,
            Outcome::Archived => counts.archived += 1,
        }
    }
}

/// Notion refused this one item (it would refuse it again): skip it rather than block the rest.
fn refused(error: &notion::Error) -> bool {
    match error {
        notion::Error::InvalidRequest(_) => true,
        notion::Error::Api { status, .. } => matches!(status, 400 | 404),
        _ => false,
    }
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
    fn validation_errors_skip_the_item_but_outages_stop_the_repository() {
        let api = |status| notion::Error::Api {
            status,
            code: notion::ErrorCode::ValidationError,
            message: String::new(),
            request_id: None,
            retry_after: None,
        };
        assert!(refused(&api(400)));
        assert!(refused(&api(404)));
        assert!(!refused(&api(401)));
        assert!(!refused(&api(503)));
        assert!(!refused(&api(429)));
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
