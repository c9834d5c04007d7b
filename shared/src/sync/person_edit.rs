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

use super::properties::{desired_properties, freshness, holds_values, Freshness};
use super::schema::BoundSchema;
use super::title::timestamp;
use crate::github::{GitHubClient, WorkItem};
use crate::notion::Page;

/// GitHub's current state of `item` when `item` would change a value someone else set on one of
/// `existing` and GitHub holds something newer; `None` otherwise.
pub async fn newer_state(
    schema: &BoundSchema,
    item: &WorkItem,
    existing: &[Page],
    github: &GitHubClient,
) -> Option<WorkItem> {
    if !would_undo_an_edit(schema, item, existing) {
        return None;
    }
    let current = current_item(github, item).await?;
    if current.updated_at <= item.updated_at {
        return None;
    }
    tracing::info!(
        repository = %item.repository,
        number = item.number,
        delivered = %timestamp(item.updated_at),
        current = %timestamp(current.updated_at),
        "the delivery would undo an edit made in Notion; writing GitHub's newer state instead"
    );
    Some(current)
}

/// Whether writing `item` would change a value on a page someone other than us edited last
/// (and that the stale guard lets through).
fn would_undo_an_edit(schema: &BoundSchema, item: &WorkItem, existing: &[Page]) -> bool {
    let desired = desired_properties(item, schema);
    existing.iter().any(|page| {
        page.edited_by_someone_else()
            && freshness(item, page, schema) == Freshness::NotOlder
            && !holds_values(page, &desired, schema)
    })
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
