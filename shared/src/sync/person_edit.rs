//! Not undoing a person's Notion edit with an older GitHub state.
//!
//! The stale guard compares a delivery with the `updated_at` the page records. When a person
//! edits a page and notion-webhook writes the edit back to GitHub, GitHub's answering delivery
//! finds the values already in Notion and writes nothing (no echo write), so the page still
//! records the `updated_at` from before the edit. A delivery GitHub made before our PATCH that
//! arrives after it — a redelivery of one answered 503 after it was applied, an SQS duplicate, a
//! slow container — then passes the guard and would put back what the person changed, on a page
//! no later event corrects.
//!
//! So before a delivery changes a value on a page a person (or another integration) edited last,
//! GitHub is asked for the item as it is now (`GET /repos/{o}/{r}/issues/{n}`, and the pull
//! request itself for a PR: draft, merged, reviewers), and when that is newer than the delivery
//! it is written instead. Without a write-back it is also right: GitHub's newest state wins, as
//! in one-way sync. Costs: GitHub calls on that path only (an echo already holds the values and
//! costs none, so does every delivery to a page we wrote last); no Notion call. Without a GitHub
//! token there is no check and the gap stays; when GitHub cannot say, the delivery is written.
//!
//! The other order: with two-way sync on (the secret holds the Notion webhook's
//! `notion_webhook_secret`), a GitHub delivery can arrive between a person's edit and
//! notion-webhook's handling of it — Notion sends its events seconds to a minute late — and
//! GitHub's state then is no newer than the delivery. A value the person changed that GitHub has
//! not changed since the version the page records (the issue's event log, one more call) is the
//! person's pending edit: it is kept, and the rest of the delivery written, so notion-webhook
//! still finds the edit to write back. Only for an edit of the last [`PENDING_WINDOW`]: an edit
//! notion-webhook refused (a label GitHub does not take) is put back by GitHub's next delivery
//! after that, as before. A pull request's Status is never kept (Merged and Draft cannot be set
//! from Notion, and a merged pull request is not reopened).

use std::collections::BTreeSet;
use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::properties::{
    desired_properties, freshness, holds_value, holds_values, recorded_updated, Freshness,
};
use super::schema::{BoundSchema, Field};
use super::title::timestamp;
use super::writeback::{edited_field, Editable};
use crate::github::{GitHubClient, ItemKind, WorkItem};
use crate::notion::{Page, Properties, PropertyValue};

/// How long after a person's edit its values are taken for a write-back still on its way.
pub const PENDING_WINDOW: Duration = Duration::from_secs(10 * 60);

/// What the sync may ask GitHub before a write: the client (with a GitHub token), and whether
/// Notion-side edits are written back (two-way sync set up).
#[derive(Debug, Clone)]
pub struct GitHubView {
    pub client: GitHubClient,
    pub two_way: bool,
}

/// The item to write instead of `item` over `existing`, when `item` would change a value someone
/// else set: GitHub's current state when that is newer, else (two-way) `item` without the
/// person's pending edits; `None` to write `item` as it is.
pub async fn replacement(
    schema: &BoundSchema,
    item: &WorkItem,
    existing: &[Page],
    github: &GitHubView,
    now: OffsetDateTime,
) -> Option<WorkItem> {
    let desired = desired_properties(item, schema);
    let page = existing
        .iter()
        .find(|page| would_undo_an_edit(schema, item, &desired, page))?;
    let current = current_item(&github.client, item).await?;
    if current.updated_at > item.updated_at {
        tracing::info!(
            repository = %item.repository,
            number = item.number,
            delivered = %timestamp(item.updated_at),
            current = %timestamp(current.updated_at),
            "the delivery would undo an edit made in Notion; writing GitHub's newer state instead"
        );
        return Some(current);
    }
    if !github.two_way || !edited_within(page, PENDING_WINDOW, now) {
        return None;
    }
    without_pending_edits(schema, item, &desired, page, &github.client).await
}

/// Whether writing `item` (its `desired` properties) would change a value on `page`, which
/// someone other than us edited last (and that the stale guard lets through).
fn would_undo_an_edit(
    schema: &BoundSchema,
    item: &WorkItem,
    desired: &Properties,
    page: &Page,
) -> bool {
    page.edited_by_someone_else()
        && freshness(item, page, schema) == Freshness::NotOlder
        && !holds_values(page, desired, schema)
}

/// Whether the page's last edit is at most `window` before `now` (Notion keeps the minute).
fn edited_within(page: &Page, window: Duration, now: OffsetDateTime) -> bool {
    OffsetDateTime::parse(&page.last_edited_time, &Rfc3339)
        .is_ok_and(|edited| now - edited <= window + Duration::from_secs(60))
}

/// `item` without the values a person changed on `page` that GitHub has not changed since the
/// version the page records; `None` when there are none (or GitHub cannot say).
async fn without_pending_edits(
    schema: &BoundSchema,
    item: &WorkItem,
    desired: &Properties,
    page: &Page,
    github: &GitHubClient,
) -> Option<WorkItem> {
    let since = recorded_updated(page, schema)?;
    let differing = differing_editables(schema, item, desired, page);
    if differing.is_empty() {
        return None;
    }
    let events = github
        .issue_events(&item.repository, item.number)
        .await
        .inspect_err(|error| tracing::warn!(repository = %item.repository, number = item.number,
            error = %crate::telemetry::Chain(error), "cannot read the issue's event log; writing the delivery as it is"))
        .ok()??;
    let changed_on_github: BTreeSet<Editable> = events
        .iter()
        .filter(|e| e.created_at().is_none_or(|at| at > since))
        .filter_map(|e| edited_field(&e.event))
        .collect();
    let pending: Vec<Editable> = differing
        .into_iter()
        .filter(|field| !changed_on_github.contains(field))
        .collect();
    if pending.is_empty() {
        return None;
    }
    tracing::info!(repository = %item.repository, number = item.number, kept = ?pending,
        "keeping values a person changed in Notion that are not written back to GitHub yet");
    Some(keeping(item, page, schema, &pending))
}

/// The editable values where `page` holds something other than `desired` (a pull request's
/// Status aside).
fn differing_editables(
    schema: &BoundSchema,
    item: &WorkItem,
    desired: &Properties,
    page: &Page,
) -> Vec<Editable> {
    Editable::ALL
        .into_iter()
        .filter(|field| !(*field == Editable::Status && item.kind == ItemKind::PullRequest))
        .filter(|field| {
            property_name(schema, *field)
                .and_then(|name| Some((name, desired.get(name)?)))
                .is_some_and(|(name, want)| !holds_value(page, name, want, schema))
        })
        .collect()
}

fn property_name(schema: &BoundSchema, field: Editable) -> Option<&str> {
    let bound = match field {
        Editable::Title => return Some(schema.title()),
        Editable::Status => Field::Status,
        Editable::Labels => Field::Labels,
        Editable::Assignees => Field::Assignees,
        Editable::Milestone => Field::Milestone,
    };
    schema.get(bound).map(|b| b.property.as_str())
}

/// `item` with `fields` left as the page has them: unknown, so the write skips them (the title,
/// which is always written, takes the page's text).
fn keeping(item: &WorkItem, page: &Page, schema: &BoundSchema, fields: &[Editable]) -> WorkItem {
    let mut item = item.clone();
    for field in fields {
        match field {
            Editable::Status => item.state = None,
            Editable::Labels => item.labels = None,
            Editable::Assignees => item.assignees = None,
            Editable::Milestone => item.milestone = None,
            Editable::Title => {
                if let Some(PropertyValue::Title(text)) = page.property(schema.title()) {
                    item.title = text.iter().map(|t| t.content.as_str()).collect();
                }
            }
        }
    }
    item
}

/// The item as GitHub has it now; `None` when GitHub cannot say (logged).
async fn current_item(github: &GitHubClient, delivered: &WorkItem) -> Option<WorkItem> {
    let (repository, number) = (delivered.repository.as_str(), delivered.number);
    let fail = |error: &dyn std::error::Error| {
        tracing::warn!(repository, number, error = %crate::telemetry::Chain(error),
            "cannot read the item's current state from GitHub; writing the delivery as it is");
    };
    let issue = github
        .current_issue(repository, number)
        .await
        .inspect_err(|e| fail(e))
        .ok()?;
    let current = if issue.pull_request.is_some() {
        let pull = github
            .get_pull(repository, number)
            .await
            .inspect_err(|e| fail(e))
            .ok()?;
        WorkItem::from_pull_request(&pull, repository)
    } else {
        WorkItem::from_issue(&issue, repository)
    };
    let mut current = current.inspect_err(|e| fail(e)).ok()?;
    // The REST objects do not carry the branch relative links resolve against (the parent is
    // left unknown too, so Parent keeps what the page has).
    current.default_branch = current
        .default_branch
        .or_else(|| delivered.default_branch.clone());
    Some(current)
}

#[cfg(test)]
mod tests;
