//! Reconciling one repository: Notion converges on GitHub even when webhooks fail.
//!
//! Entry point: [`Reconciler::reconcile`]. One run of one repository:
//! 1. **Watermark**: the newest `Updated` among the repository's pages (one query sorted by
//!    `Updated` descending; it asks for 100 pages, not 1 — same cost — and they spare reads later,
//!    see [`plan`]). No watermark: a backfill of the whole repository.
//! 2. **Listing**: the issues and pull requests GitHub changed since the watermark, streamed
//!    page by page in ascending `updated_at` ([`listing`]); steps 3 and 4 run on each page before
//!    the next is fetched. GitHub's `since` is inclusive and `Updated` keeps minutes, so the
//!    items of the watermark's minute are listed again; they come out `unchanged` (no write).
//! 3. **Reads**: the cheaper of key queries and a scan, chosen on the first page ([`plan`],
//!    [`reads`]).
//! 4. **Writes**, in ascending `updated_at`, with the webhook's stale guard and no-op skip
//!    ([`Syncer::upsert_among`]). New pages are created without the per-item race check; one key
//!    query per 100 creates checks them all afterwards and merges any duplicate a concurrent
//!    webhook made (same rule as the webhook: keep the oldest, archive the rest).
//!
//! **Deadline**: no item (and no listing page) starts at or after `stop_at`. Writes go in
//! ascending `updated_at` as the pages arrive, so when a run stops, everything before its last
//! item is in Notion, and the next run's watermark (that item's minute, or later) resumes there:
//! nothing skipped, nothing created twice, and a listing longer than one run's time share is
//! still worked through over several runs.
//!
//! An item Notion refuses (400 validation, 404) is logged and passed over rather than blocking
//! the repository forever; anything else (Notion or GitHub unavailable, 401) stops the repository
//! and is reported as its error.

pub mod listing;
pub mod plan;
pub mod reads;
mod report;

use futures_util::TryStreamExt;
use tokio::time::Instant;

use self::listing::Listed;
use self::plan::{ReadPlan, KEYS_PER_QUERY};
use self::reads::Known;
pub use self::report::{Counts, RepoReport, RepoStatus, StopReason};
use super::{Outcome, Syncer};
use crate::github::{GitHubClient, RestError, WorkItem};
use crate::notion;

/// Why a repository could not be reconciled.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("Notion, {context}")]
    Notion {
        context: &'static str,
        #[source]
        source: notion::Error,
    },
    #[error("GitHub, {context}")]
    GitHub {
        context: &'static str,
        #[source]
        source: RestError,
    },
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
                report.stop_reason = Some(StopReason::Deadline);
            }
            Some(Halt::RateLimited) => {
                report.status = RepoStatus::Stopped;
                report.stop_reason = Some(StopReason::GithubRateLimit);
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
        let backfill = first.watermark.is_none();
        let number_property = self.syncer.schema.number();
        let mut known = Known::default();
        known.complete = first.rest.is_none();
        known.add(first.pages, number_property);
        let mut scan_rest = first.rest;
        let pages = listing::changed_pages(self.github, self.repository, first.watermark);
        let mut pages = std::pin::pin!(pages);
        // Each page is written before the next is fetched: what a run writes stays written,
        // and the next run's watermark resumes after it, however long the listing.
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(self.github("listing issues changed since the watermark"))?
        {
            self.report.counts.issues_seen += page.items.len() as u64;
            self.report.counts.skipped += page.skipped;
            if page.items.is_empty() {
                continue;
            }
            if self.report.read_plan.is_none() {
                let plan = self
                    .plan(&known, &page.items, backfill, page.more_may_follow)
                    .await?;
                self.report.read_plan = Some(plan);
                if let (ReadPlan::Scan, Some(rest)) = (plan, scan_rest.take()) {
                    self.check_time()?;
                    let pages = reads::scan_rest(self.syncer, rest)
                        .await
                        .map_err(self.notion("scanning the repository's pages"))?;
                    known.add(pages, number_property);
                    known.complete = true;
                }
            }
            for chunk in page.items.chunks(KEYS_PER_QUERY) {
                self.check_time()?;
                self.read_chunk(chunk, &mut known).await?;
                let mut created = Vec::new();
                let written = self.write_chunk(chunk, &mut known, &mut created).await;
                // Check what was created even when the chunk stopped early.
                let checked = self.check_created(&created).await;
                written.and(checked)?;
            }
            // No time check here: after the last page the stream ends without a request, and a
            // next page fetched late is bounded by the client's deadline, then its first chunk
            // stops on `stop_at`.
        }
        if self.report.read_plan.is_none() {
            self.report.read_plan = Some(ReadPlan::InHand);
        }
        Ok(())
    }

    /// The cheaper read plan, chosen on the listing's first page; may spend one query to bound
    /// the repository's size. A backfill whose listing runs past its first page is read by key
    /// queries page by page: a scan would save at most one query in all, but only after reading
    /// the whole repository before the first write.
    async fn plan(
        &self,
        known: &Known,
        items: &[Listed],
        backfill: bool,
        more_may_follow: bool,
    ) -> Result<ReadPlan, Halt> {
        let unresolved = items
            .iter()
            .filter(|l| !known.resolved(l.item.number))
            .count();
        let estimate = if known.complete || unresolved == 0 {
            None
        } else if backfill && !more_may_follow {
            // Every issue of the repository was listed; Notion holds about one page for each.
            Some(items.len())
        } else if backfill {
            None
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
    async fn read_chunk(&mut self, chunk: &[Listed], known: &mut Known) -> Result<(), Halt> {
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
        if self.report.read_plan == Some(ReadPlan::InHand) {
            // A later page of the listing needed reads the first one did not.
            self.report.read_plan = Some(ReadPlan::Keyed);
        }
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
                    tracing::error!(repository = self.repository, number = item.number, error = %crate::telemetry::Chain(&error),
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
}
