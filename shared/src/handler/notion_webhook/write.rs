//! The GitHub half of one event: read the issue, decide, write at most once; and how GitHub's
//! refusals are answered.
//!
//! Order of edits: when GitHub's `updated_at` is later than the Notion edit's `timestamp` (and is
//! not the result of this container's own last PATCH), the issue's event log decides: a GitHub
//! change of a field we would write, made after the Notion edit, wins and nothing is written; a
//! change of other fields (or a comment, or our own write-back from another container) does
//! not block the write.

use crate::telemetry::{chain, Chain};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::memory::Memory;
use super::summary::Summary;
use crate::github::rest::issues::IssueState;
use crate::github::{GitHubClient, RestError};
use crate::http::HttpResponse;
use crate::notion::webhook::Event;
use crate::notion::Page;
use crate::sync::writeback::{self, find_milestone, Bindings, Editable};

#[allow(clippy::too_many_arguments)]
pub(super) async fn write_back(
    memory: &Memory,
    github: &GitHubClient,
    page: &Page,
    bindings: &Bindings<'_>,
    touched: Option<&std::collections::BTreeSet<Editable>>,
    event: &Event,
    repository: &str,
    number: u64,
    summary: &mut Summary,
) -> Result<HttpResponse, RestError> {
    let issue = github.get_issue(repository, number).await?;
    let mut plan = writeback::plan(page, bindings, touched, &issue);
    let writes = !plan.patch.is_empty() || plan.milestone_title.is_some();
    if writes
        && github_is_newer(&issue, event)
        && !memory.is_our_write(repository, number, &issue.updated_at)
    {
        if let Some(conflict) = newer_conflict(github, &plan, event, repository, number).await? {
            tracing::info!(
                github_updated_at = %issue.updated_at,
                notion_edited_at = %event.timestamp,
                github_event = %conflict,
                "GitHub changed this field after the Notion edit; GitHub wins, nothing written"
            );
            summary.outcome = "stale";
            return Ok(answer(summary));
        }
    }
    if let Some(title) = plan.milestone_title.take() {
        let milestones = github.list_milestones(repository).await?;
        match find_milestone(&milestones, &title) {
            Some(number) => plan.patch.milestone = Some(Some(number)),
            None => plan.refused.push(format!(
                "milestone {title:?} does not exist in {repository}; create it on GitHub first"
            )),
        }
    }
    for reason in &plan.refused {
        tracing::warn!(repository, number, reason = %reason, "Notion edit not written to GitHub");
    }
    if plan.patch.is_empty() {
        summary.outcome = if plan.refused.is_empty() {
            "unchanged"
        } else {
            "refused"
        };
        return Ok(answer_with(summary, &plan.refused));
    }
    summary.fields = plan.patch.fields();
    let after = github.update_issue(repository, number, &plan.patch).await?;
    memory.wrote(repository, number, &after.updated_at);
    summary.outcome = "patched";
    Ok(answer_with(summary, &plan.refused))
}
/// GitHub was updated after the Notion edit, and not by our own last write from this container
/// (another container's, a comment, someone's edit…): the issue's event log says whether a
/// field this plan writes changed since. One call; a log too long to read counts as a conflict.
/// Returns the conflicting GitHub event.
async fn newer_conflict(
    github: &GitHubClient,
    plan: &writeback::Plan,
    event: &Event,
    repository: &str,
    number: u64,
) -> Result<Option<String>, RestError> {
    let Some(edited) = OffsetDateTime::parse(&event.timestamp, &Rfc3339).ok() else {
        return Ok(Some("unknown (the event has no readable timestamp)".into()));
    };
    let edited_second = edited.replace_nanosecond(0).unwrap_or(edited);
    let Some(events) = github.issue_events(repository, number).await? else {
        return Ok(Some(
            "unknown (the issue's event log is too long to read)".into(),
        ));
    };
    Ok(events
        .into_iter()
        .filter(|e| e.created_at().is_none_or(|at| at > edited_second))
        .find(|e| writeback::conflicts(plan, &e.event))
        .map(|e| e.event))
}

/// Whether GitHub holds an edit made after the Notion edit (Notion's `timestamp` is when the
/// change happened, to the millisecond; GitHub's `updated_at` is to the second, so a GitHub
/// edit in the same second as the Notion edit counts as older: Notion's is then the one a
/// person just made).
pub(super) fn github_is_newer(issue: &IssueState, event: &Event) -> bool {
    let edited = OffsetDateTime::parse(&event.timestamp, &Rfc3339).ok();
    match (issue.updated_at(), edited) {
        (Some(github), Some(notion)) => {
            let notion_second = notion.replace_nanosecond(0).unwrap_or(notion);
            github > notion_second
        }
        _ => false,
    }
}

pub(super) fn answer(summary: &Summary) -> HttpResponse {
    answer_with(summary, &[])
}

fn answer_with(summary: &Summary, refused: &[String]) -> HttpResponse {
    HttpResponse::json(
        200,
        &json!({
            "outcome": summary.outcome,
            "fields": summary.fields,
            "refused": refused,
        }),
    )
}

/// GitHub's refusals: transient ones are answered 503 so Notion retries; a token without
/// Issues write access is a setting to fix (500); a missing issue is nothing to do.
pub(super) fn github_failure(error: &RestError, summary: &mut Summary) -> HttpResponse {
    match error {
        e if e.is_transient() => {
            summary.outcome = "github_unavailable";
            tracing::warn!(error = %Chain(&e), "GitHub unavailable; Notion will retry the event");
            HttpResponse::message(
                503,
                format!("GitHub unavailable, try again later: {}", Chain(e)),
            )
        }
        RestError::Api {
            status: 404 | 410, ..
        } => {
            summary.outcome = "not_found";
            HttpResponse::json(
                202,
                &json!({"outcome": "not_found", "message": chain(error)}),
            )
        }
        RestError::Api { status: 422, .. } => {
            summary.outcome = "refused";
            tracing::warn!(error = %Chain(&error), "GitHub refused the write-back");
            HttpResponse::json(
                200,
                &json!({"outcome": "refused", "refused": [chain(error)]}),
            )
        }
        RestError::Api {
            status: 401 | 403, ..
        } => {
            summary.outcome = "github_forbidden";
            tracing::error!(error = %Chain(&error), "GitHub refused the token: give github_token Issues read/write access");
            HttpResponse::message(
                500,
                format!(
                    "GitHub refused the token ({}): it needs Issues read/write access",
                    Chain(error)
                ),
            )
        }
        other => {
            summary.outcome = "failed";
            tracing::error!(error = %Chain(&other), "write-back failed");
            HttpResponse::message(500, other.to_string())
        }
    }
}
