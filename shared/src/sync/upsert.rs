//! One item, one page: the upsert both the webhook and the scheduled sync use.
//!
//! Cost, in Notion calls: a redelivery or a stale delivery 1 (the key query), an update 2, a
//! create 3 — the key query, the write, and a second key query that heals a race: GitHub sends
//! `opened`, `labeled` and `assigned` within milliseconds, to different Lambda containers, and
//! two of them may both find no page and create one. Every instance keeps the same page (the
//! oldest by `created_time`, then id) and archives the others, so they converge.
//!
//! An update whose body changed also rewrites the page content (`body.rs`, cost there); one
//! naming a parent issue costs one more key query (`parent.rs`).

use time::OffsetDateTime;

use super::body;
use super::properties::{freshness, holds_values, page_matches, Freshness};
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
        let Some(keep) = self.keep_oldest(existing).await? else {
            return self.create(item).await;
        };
        self.update(item, &keep).await
    }

    async fn update(&self, item: &WorkItem, page: &Page) -> Result<SyncResult, notion::Error> {
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
        let created = self.create_unchecked(item).await?;
        let pages = self.find(&item.repository, item.number).await?;
        match self.keep_oldest(pages).await? {
            Some(keep) if keep.id != created.id => self.update(item, &keep).await,
            _ => Ok(SyncResult {
                outcome: Outcome::Created,
                page_id: Some(created.id),
            }),
        }
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

    /// Keeps the oldest page and archives the rest; deterministic, so racing instances agree.
    async fn keep_oldest(&self, mut pages: Vec<Page>) -> Result<Option<Page>, notion::Error> {
        pages.sort_by(|a, b| {
            created_at(a)
                .cmp(&created_at(b))
                .then_with(|| a.id.as_str().cmp(b.id.as_str()))
        });
        let mut pages = pages.into_iter();
        let keep = pages.next();
        for duplicate in pages {
            tracing::warn!(page_id = %duplicate.id, "archiving a duplicate page left by a race");
            self.notion.archive_page(&duplicate.id).await?;
        }
        Ok(keep)
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

fn created_at(page: &Page) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(
        &page.created_time,
        &time::format_description::well_known::Rfc3339,
    )
    .ok()
}

/// A body as page content, with no repository to resolve relative links against (see
/// [`body::content`] for an item's).
pub fn body_blocks(body: Option<&str>) -> Vec<Block> {
    let Some(body) = body.filter(|b| !b.trim().is_empty()) else {
        return Vec::new();
    };
    body::capped(notion::markdown_to_blocks(body))
}
