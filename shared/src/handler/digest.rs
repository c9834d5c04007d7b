//! The `weekly-digest` function: on a schedule, one Notion page under `NOTION_DIGEST_PARENT_ID`
//! titled "Weekly digest — YYYY-MM-DD" listing what closed in the last `DIGEST_DAYS` (default 7)
//! and what is still open. Entry point: [`DigestApp::from_env`] once, [`DigestApp::handle`] per
//! invocation. The page layout is in [`content`].
//!
//! Reads are filtered queries, never scans: closed = `Status` ∈ {Closed, Merged} and `Updated`
//! on or after the window start (one query, paginated); open = `Status` ∈ {Open, Draft}.
//!
//! One digest per day: before writing, the parent's child pages are listed (exact and
//! immediately consistent, unlike `/v1/search`, whose index lags by seconds to minutes — the
//! window in which Lambda retries a failed scheduled run) and a live page with today's title is
//! **replaced**: the new page is created first, then the old one archived (never deleted). So a
//! rerun after a failure half-way (a page with only its first 100 blocks) leaves one complete
//! digest, and a rerun later the same day refreshes the numbers.
//!
//! Cost in Notion calls (3 requests/s, so also its duration), with C closed, O open, P child
//! pages under the parent and B = blocks written (≈ C + O + repositories·2 + 6):
//! - schema: 1 per warm container (2 under `Notion-Version` 2025-09-03, plus the data source);
//! - closed: ⌈C/100⌉ (at least 1); open: ⌈O/100⌉ (at least 1);
//! - existing digest: ⌈P/100⌉ (at least 1), plus 1 archive when replacing;
//! - write: 1 create carrying the first 100 blocks, then ⌈(B−100)/100⌉ appends.
//!
//! E.g. 20 closed + 130 open over 2 repositories (158 blocks), first run: 1 + 1 + 2 + 1 + 1 + 1
//! = 7 calls.
//! Sections are capped at [`content::MAX_ITEMS_PER_SECTION`] items, so a write is ≤ 11 calls.

pub mod content;

use std::time::Duration;

pub use crate::config::{Env, DIGEST_DAYS, NOTION_DIGEST_PARENT_ID};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::access::{AccessError, NotionAccess, NotionSettings};
use crate::config::{self, ConfigError, PropertyNames, PROPERTY_STATUS, PROPERTY_UPDATED};
use crate::handler::setup::SetupError;
use crate::notion::{
    self, BlockId, Filter, NotionClient, Page, PageId, Parent, Properties, PropertyType,
    PropertyValue, Query,
};
use crate::secrets::SecretsProvider;
use crate::sync::schema::Binding;
use crate::sync::{BoundSchema, Field};
use crate::telemetry::Chain;
use content::{digest_blocks, digest_title, window_start, DigestItem, CLOSED, DRAFT, MERGED, OPEN};

pub const DEFAULT_DIGEST_DAYS: u32 = 7;
const MAX_DIGEST_DAYS: u32 = 366;
/// Room kept before the Lambda deadline to report the outcome.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(2);

/// Why a digest could not be written. The messages name the fix.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error("the weekly digest needs the {kind} property {property:?}, which the Notion database lacks (or has with another type): add it, or set {var} to the name of the database's property")]
    Unbound {
        property: String,
        kind: &'static str,
        var: &'static str,
    },
    #[error("{context}")]
    Notion {
        context: &'static str,
        #[source]
        source: notion::Error,
    },
}

impl DigestError {
    /// Lambda's `errorType`: a setting to fix, or Notion to wait for.
    pub fn kind(&self) -> &'static str {
        match self {
            DigestError::Unbound { .. } => "DatabaseSchemaError",
            DigestError::Access(access) => access.kind(),
            DigestError::Notion { source, .. } if source.is_retryable() => "NotionUnavailable",
            DigestError::Notion { .. } => "NotionError",
        }
    }
}

impl From<DigestError> for lambda_runtime::Diagnostic {
    fn from(error: DigestError) -> Self {
        crate::telemetry::diagnostic(error.kind(), &error)
    }
}

fn notion_error(context: &'static str) -> impl FnOnce(notion::Error) -> DigestError {
    move |source| DigestError::Notion { context, source }
}

/// The digest's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestSettings {
    pub parent: PageId,
    pub days: u32,
}

impl DigestSettings {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let parent = PageId::new(config::required(env, NOTION_DIGEST_PARENT_ID)?);
        let hint = "a whole number of days from 1 to 366";
        let days = config::parsed::<u32>(env, DIGEST_DAYS, hint)?.unwrap_or(DEFAULT_DIGEST_DAYS);
        if !(1..=MAX_DIGEST_DAYS).contains(&days) {
            return Err(ConfigError::Invalid {
                var: DIGEST_DAYS,
                value_hint: hint,
                reason: format!("{days} is out of range"),
            });
        }
        Ok(Self { parent, days })
    }
}

/// What one run did; the function's JSON answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestReport {
    pub page_id: String,
    pub title: String,
    pub closed: usize,
    pub open: usize,
    /// Earlier digests with the same title that this run archived.
    pub replaced: usize,
    pub notion_calls: u64,
}

/// The function's state for a warm container.
pub struct DigestApp {
    access: NotionAccess,
    settings: DigestSettings,
}

impl DigestApp {
    /// Reads every setting; a missing one is an error naming it (the function fails to start).
    pub fn from_env(env: &impl Env) -> Result<Self, SetupError> {
        let notion = NotionSettings::from_env(env)?;
        let settings = DigestSettings::from_env(env)?;
        let secrets = SecretsProvider::from_env(env)?;
        Ok(Self::new(NotionAccess::new(notion, secrets), settings))
    }

    pub fn new(access: NotionAccess, settings: DigestSettings) -> Self {
        Self { access, settings }
    }

    /// One scheduled run, now.
    pub async fn handle(
        &self,
        lambda_deadline: Option<Instant>,
    ) -> Result<DigestReport, DigestError> {
        self.run(OffsetDateTime::now_utc(), lambda_deadline).await
    }

    /// One run as of `now` (tests pass a fixed time).
    pub async fn run(
        &self,
        now: OffsetDateTime,
        lambda_deadline: Option<Instant>,
    ) -> Result<DigestReport, DigestError> {
        let started = Instant::now();
        let deadline = crate::deadline::before_end(started, lambda_deadline, DEADLINE_MARGIN, 1);
        let client = self.access.client().await?.with_deadline(deadline);
        // A 401 re-reads the secret once inside the client (`NotionClient::set_token_source`).
        let result = self.write(&client, now).await;
        let notion_calls = client.calls();
        match &result {
            Ok(written) => tracing::info!(
                page_id = %written.page_id,
                closed = written.closed,
                open = written.open,
                replaced = written.replaced,
                notion_calls,
                duration_ms = started.elapsed().as_millis() as u64,
                "weekly digest written"
            ),
            Err(error) => {
                tracing::error!(error = %Chain(error), notion_calls, "weekly digest failed")
            }
        }
        result.map(|written| DigestReport {
            notion_calls,
            ..written
        })
    }

    async fn write(
        &self,
        client: &NotionClient,
        now: OffsetDateTime,
    ) -> Result<DigestReport, DigestError> {
        let schema = self.access.schema(client).await?;
        let names = &self.access.settings.names;
        let status = required_status(schema, names)?;
        let updated = required_updated(schema, names)?;
        let database = &self.access.settings.database;
        let days = self.settings.days;

        let closed_filter = Filter::and(vec![
            Filter::or(vec![status_is(status, CLOSED), status_is(status, MERGED)]),
            Filter::date(&updated.property).on_or_after(&window_start(now, days)),
        ]);
        let closed = client
            .query_database_all(database, Query::filtered(closed_filter).page_size(100))
            .await
            .map_err(notion_error("cannot query the closed items"))?;
        let open_filter = Filter::or(vec![status_is(status, OPEN), status_is(status, DRAFT)]);
        let open = client
            .query_database_all(database, Query::filtered(open_filter).page_size(100))
            .await
            .map_err(notion_error("cannot query the open items"))?;
        let (closed, open) = (items(&closed, schema), items(&open, schema));

        let title = digest_title(now);
        let previous = self.digests_titled(client, &title).await?;
        let mut properties = Properties::new();
        properties.insert("title".to_owned(), PropertyValue::title(&title));
        let blocks = digest_blocks(&closed, &open, days, now);
        let page = client
            .create_page(
                &Parent::Page(self.settings.parent.clone()),
                &properties,
                &blocks,
            )
            .await
            .map_err(notion_error("cannot write the digest page"))?;
        // Archived only once the new page exists, so a failed run never leaves no digest.
        for old in &previous {
            client
                .archive_page(old)
                .await
                .map_err(notion_error("cannot archive the earlier digest of today"))?;
        }
        Ok(DigestReport {
            page_id: page.id.to_string(),
            title,
            closed: closed.len(),
            open: open.len(),
            replaced: previous.len(),
            notion_calls: 0,
        })
    }

    /// Live child pages of the parent titled `title` (normally none, or one from an earlier run).
    async fn digests_titled(
        &self,
        client: &NotionClient,
        title: &str,
    ) -> Result<Vec<PageId>, DigestError> {
        let parent = BlockId::from(&self.settings.parent);
        let mut found = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let list = client
                .list_block_children(&parent, cursor.as_deref())
                .await
                .map_err(|source| DigestError::Notion {
                    context: if source.is_not_found() {
                        "the digest parent page was not found: check NOTION_DIGEST_PARENT_ID and share the page with the integration"
                    } else {
                        "cannot list the digest parent page"
                    },
                    source,
                })?;
            found.extend(
                list.results
                    .iter()
                    .filter(|b| b.kind == "child_page" && !b.archived && !b.in_trash)
                    .filter(|b| b.plain_text().trim() == title)
                    .map(|b| PageId::new(b.id.as_str())),
            );
            match (list.has_more, list.next_cursor) {
                (true, Some(next)) => cursor = Some(next),
                _ => return Ok(found),
            }
        }
    }
}

fn items(pages: &[Page], schema: &BoundSchema) -> Vec<DigestItem> {
    pages
        .iter()
        .filter(|p| !p.is_archived())
        .map(|p| DigestItem::from_page(p, schema))
        .collect()
}

fn required_status<'a>(
    schema: &'a BoundSchema,
    names: &PropertyNames,
) -> Result<&'a Binding, DigestError> {
    schema
        .get(Field::Status)
        .ok_or_else(|| DigestError::Unbound {
            property: names.status.clone(),
            kind: "select (or status, or rich_text)",
            var: PROPERTY_STATUS,
        })
}

fn required_updated<'a>(
    schema: &'a BoundSchema,
    names: &PropertyNames,
) -> Result<&'a Binding, DigestError> {
    schema
        .get(Field::Updated)
        .ok_or_else(|| DigestError::Unbound {
            property: names.updated.clone(),
            kind: "date",
            var: PROPERTY_UPDATED,
        })
}

/// `Status` equals `label`, in the filter type of the property's declared type.
fn status_is(binding: &Binding, label: &str) -> Filter {
    match binding.kind {
        PropertyType::Status => Filter::status(&binding.property).equals(label),
        PropertyType::RichText => Filter::rich_text(&binding.property).equals(label),
        _ => Filter::select(&binding.property).equals(label),
    }
}

#[cfg(test)]
mod tests;
