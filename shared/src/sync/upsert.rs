//! One item, one page: the upsert both the webhook and the scheduled sync use.
//!
//! Cost, in Notion calls: a redelivery or a stale delivery 1 (the key query), an update 2, a
//! create 3 — the key query, the write, and a second key query that heals a race: GitHub sends
//! `opened`, `labeled` and `assigned` within milliseconds, to different Lambda containers, and
//! two of them may both find no page and create one. Every instance keeps the same page and
//! brings it to the newest version before archiving the others (`sync::race`), so they converge.
//! An update inside a burst (versions under a minute apart) costs one more key query, which
//! checks that no older write overtook it (`race::Syncer::settle`).
//!
//! An update whose body changed also rewrites the page content (`body.rs`, cost there); one
//! naming a parent issue costs one more key query (`parent.rs`).

use super::body;
use super::properties::{freshness, holds_values, page_matches, Freshness};
use super::race::{self, Created};
use super::schema::{BoundSchema, Field};
use crate::github::WorkItem;
use crate::notion::{
    self, option_name, Block, DatabaseId, Filter, NotionClient, Page, PageId, Parent, Query,
};

/// What the sync did with one item; the webhook answers it as `outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Stale,
    Archived,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Stale => "stale",
            Outcome::Archived => "archived",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncResult {
    pub outcome: Outcome,
    /// The page that now holds the item (`None` when there was nothing to archive).
    pub page_id: Option<PageId>,
}

/// Syncs items into one database through one client handle.
pub struct Syncer<'a> {
    pub notion: &'a NotionClient,
    pub database: &'a DatabaseId,
    pub schema: &'a BoundSchema,
}

impl Syncer<'_> {
    /// The key filter: the number, within the repository when the database has one.
    pub fn key_filter(&self, repository: &str, number: u64) -> Filter {
        let number = Filter::number(self.schema.number()).equals(number as f64);
        match self.repository_filter(repository) {
            Some(repo) => Filter::and(vec![repo, number]),
            None => number,
        }
    }

    /// Pages of one repository (all of them when the database has no Repository property).
    pub fn repository_filter(&self, repository: &str) -> Option<Filter> {
        let binding = self.schema.get(Field::Repository)?;
        Some(match binding.kind {
            // The name as written: cut to Notion's 100 units like every option we send.
            notion::PropertyType::Select => {
                Filter::select(&binding.property).equals(&option_name(repository))
            }
            _ => Filter::rich_text(&binding.property).equals(repository),
        })
    }

    /// Live pages holding `repository#number` (more than one only after a race).
    pub async fn find(&self, repository: &str, number: u64) -> Result<Vec<Page>, notion::Error> {
        let query = Query::filtered(self.key_filter(repository, number)).page_size(100);
        let list = self.notion.query_database(self.database, &query).await?;
        Ok(list
            .results
            .into_iter()
            .filter(|p| !p.is_archived())
            .collect())
    }

    /// Creates, updates or leaves alone the page for `item`.
    pub async fn upsert(&self, item: &WorkItem) -> Result<SyncResult, notion::Error> {
        let existing = self.find(&item.repository, item.number).await?;
        self.upsert_among(item, existing).await
    }

    /// [`Syncer::upsert`] when the caller already read the item's pages (scheduled sync reads
    /// many keys per query).
    pub async fn upsert_among(
        &self,
        item: &WorkItem,
        existing: Vec<Page>,
    ) -> Result<SyncResult, notion::Error> {
        match race::plan(existing, self.schema) {
            Some(plan) => self.settle(item, plan, false).await,
            None => self.create(item).await,
        }
    }

    pub(super) async fn update(
        &self,
        item: &WorkItem,
        page: &Page,
    ) -> Result<SyncResult, notion::Error> {
        let result = |outcome| SyncResult {
            outcome,
            page_id: Some(page.id.clone()),
        };
        if freshness(item, page, self.schema) == Freshness::Older {
            return Ok(result(Outcome::Stale));
        }
        let mut desired = self.properties_for(item).await?;
        body::keep_recorded_hash(item, page, self.schema, &mut desired);
        let body_changed = body::changed(item, page, self.schema);
        // The echo of a person's Notion edit that notion-webhook wrote back to GitHub: the page
        // already holds the values, only `updated_at` moved on; it costs no write. A changed body
        // is never an echo (notion-webhook does not write bodies).
        let echo = !body_changed
            && page.edited_by_someone_else()
            && holds_values(page, &desired, self.schema);
        if page_matches(page, &desired) || echo {
            return Ok(result(Outcome::Unchanged));
        }
        if body_changed {
            self.refresh_body(item, page).await?;
        }
        self.notion.update_page(&page.id, &desired).await?;
        Ok(result(Outcome::Updated))
    }

    async fn create(&self, item: &WorkItem) -> Result<SyncResult, notion::Error> {
        let created = match self.create_rechecked(item).await? {
            Created::Page(page) => page,
            Created::Found(pages) => return self.settle_found(item, pages, false).await,
        };
        let mut pages = self.find(&item.repository, item.number).await?;
        if !pages.iter().any(|p| p.id == created.id) {
            // A query may lag a create; the page exists all the same.
            pages.push(created.clone());
        }
        let plan = race::plan(pages, self.schema).expect("holds the created page");
        if plan.keeper.id == created.id && plan.duplicates.is_empty() {
            return Ok(SyncResult {
                outcome: Outcome::Created,
                page_id: Some(created.id),
            });
        }
        let mut result = self.settle(item, plan, false).await?;
        if result.page_id.as_ref() == Some(&created.id) && result.outcome == Outcome::Unchanged {
            result.outcome = Outcome::Created;
        }
        Ok(result)
    }

    /// Creates the page for `item` without the race check that [`Syncer::upsert`] does. For
    /// callers that create many pages and check them in bulk afterwards (one key query for many
    /// keys, then [`Syncer::upsert_among`] for every key that came back with two pages).
    pub async fn create_unchecked(&self, item: &WorkItem) -> Result<Page, notion::Error> {
        let properties = self.properties_for(item).await?;
        let children = body::content(item);
        self.notion
            .create_page(
                &Parent::Database(self.database.clone()),
                &properties,
                &children,
            )
            .await
    }

    /// Archives the item's pages (the issue was deleted or transferred away).
    pub async fn archive(
        &self,
        repository: &str,
        number: u64,
    ) -> Result<SyncResult, notion::Error> {
        let pages = self.find(repository, number).await?;
        let mut page_id = None;
        for page in pages {
            self.notion.archive_page(&page.id).await?;
            page_id.get_or_insert(page.id);
        }
        Ok(SyncResult {
            outcome: if page_id.is_some() {
                Outcome::Archived
            } else {
                Outcome::Unchanged
            },
            page_id,
        })
    }
}

/// A body as page content, with no repository to resolve relative links against (see
/// [`body::content`] for an item's).
pub fn body_blocks(body: Option<&str>) -> Vec<Block> {
    let Some(body) = body.filter(|b| !b.trim().is_empty()) else {
        return Vec::new();
    };
    body::capped(notion::markdown_to_blocks(body))
}
