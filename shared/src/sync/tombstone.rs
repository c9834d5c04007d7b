//! Not bringing a deleted issue back.
//!
//! GitHub delivers out of order and `scheduled-sync` redelivers failed deliveries, so an older
//! `edited` can arrive after `deleted`. The `deleted` delivery archived the page, and Notion's
//! query never returns archived pages: the key query finds nothing, and a plain upsert would
//! create the deleted issue's page again — for good, since no later event comes for it.
//!
//! Design: a tombstone needs a record that survives the archive and that a lookup can find. In
//! Notion that would be a live row (visible to the user) or a second query per item (and the
//! trash is not queryable under 2022-06-28); GitHub already keeps the record: "Get an issue"
//! answers 410 Gone for a deleted issue. So a create — and only a create, the one step that can
//! resurrect — first asks GitHub. Costs: no Notion call (the rule of one key query per item
//! holds), one GitHub call per create when a GitHub token is configured (private repositories
//! need it; without one there is no check and the gap stays). When GitHub cannot say
//! (unreachable, rate limited, not visible) the create goes ahead: a page too many is visible
//! and archivable; a page lost is not.

use time::OffsetDateTime;

use super::person_edit::{self, GitHubView};
use super::race;
use super::upsert::{Outcome, SyncResult, Syncer};
use crate::github::WorkItem;
use crate::notion;

impl Syncer<'_> {
    /// [`Syncer::upsert`] (or [`Syncer::upsert_alone`] when `alone`) that, given a GitHub
    /// client, asks GitHub in the two cases where the delivery alone could undo something: it
    /// does not create a page for an issue GitHub says was deleted (that delivery is answered
    /// `stale`), and it does not overwrite a person's Notion edit with a state older than
    /// GitHub's current one, nor a two-way edit still on its way to GitHub
    /// (`sync::person_edit`).
    pub async fn upsert_checked(
        &self,
        item: &WorkItem,
        github: Option<&GitHubView>,
        alone: bool,
    ) -> Result<SyncResult, notion::Error> {
        let existing = self.find(&item.repository, item.number).await?;
        let replacement = match github {
            Some(github) if existing.is_empty() => {
                if github
                    .client
                    .issue_deleted(&item.repository, item.number)
                    .await
                    == Some(true)
                {
                    tracing::info!(repository = %item.repository, number = item.number,
                        "GitHub says the issue was deleted; not re-creating its page");
                    return Ok(SyncResult {
                        outcome: Outcome::Stale,
                        page_id: None,
                    });
                }
                None
            }
            Some(github) => {
                let now = OffsetDateTime::now_utc();
                person_edit::replacement(self.schema, item, &existing, github, now).await
            }
            None => None,
        };
        let item = replacement.as_ref().unwrap_or(item);
        if alone {
            self.upsert_alone_among(item, existing).await
        } else {
            self.upsert_among(item, existing).await
        }
    }

    /// [`Syncer::upsert_alone`] when the caller already read the item's pages.
    pub(super) async fn upsert_alone_among(
        &self,
        item: &WorkItem,
        existing: Vec<notion::Page>,
    ) -> Result<SyncResult, notion::Error> {
        let pages = match race::plan(existing, self.schema) {
            Some(plan) => return self.settle(item, plan, true).await,
            None => match self.create_rechecked(item).await? {
                race::Created::Page(page) => {
                    return Ok(SyncResult {
                        outcome: Outcome::Created,
                        page_id: Some(page.id),
                    })
                }
                race::Created::Found(pages) => pages,
            },
        };
        self.settle_found(item, pages, true).await
    }
}
