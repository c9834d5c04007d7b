//! A verified webhook delivery as a typed [`Event`], and what the sync should do about it
//! ([`SyncAction`]).
//!
//! The `X-GitHub-Event` header picks the type. An event we do not sync (`push`, `star`, ...)
//! still parses, as [`Event::Other`], and an action we do not know still parses, as the
//! action enum's `Unknown`: both become [`SyncAction::Ignore`] (HTTP 202), never an error.

use serde::Deserialize;

use super::item::{ItemKey, WorkItem};
use super::payload::{
    Comment, Issue, IssueCommentAction, IssuesAction, PullRequest, PullRequestAction, Repository,
    SubIssuesAction,
};
use super::webhook::WebhookError;

/// A webhook delivery we understand. Large payload objects are boxed to keep the enum small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Ping {
        zen: Option<String>,
        hook_id: Option<u64>,
    },
    Issues {
        action: IssuesAction,
        issue: Box<Issue>,
        repository: Option<Repository>,
    },
    PullRequest {
        action: PullRequestAction,
        pull_request: Box<PullRequest>,
        repository: Option<Repository>,
    },
    IssueComment {
        action: IssueCommentAction,
        issue: Box<Issue>,
        comment: Box<Comment>,
        repository: Option<Repository>,
    },
    /// A sub-issue gained or lost its parent (`sub_issues`; GitHub sends it for both sides).
    SubIssues(Box<SubIssues>),
    /// Any other event type (`issue_dependencies`, `push`…); its body is not parsed.
    Other { event: String },
}

/// What one delivery asks of the Notion side. One value per delivery, so the size of `Upsert`
/// does not matter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum SyncAction {
    /// Answer 200, touch nothing.
    Ping,
    /// Create or update the page for this item (unless Notion holds something newer).
    Upsert(WorkItem),
    /// The item is gone from this repository (deleted or transferred): archive its page.
    Archive { repository: String, number: u64 },
    /// Answer 202: an event or action we do not sync.
    Ignore { reason: String },
}

#[derive(Deserialize)]
struct PingBody {
    #[serde(default)]
    zen: Option<String>,
    #[serde(default)]
    hook_id: Option<u64>,
}

#[derive(Deserialize)]
struct IssuesBody {
    action: IssuesAction,
    issue: Box<Issue>,
    #[serde(default)]
    repository: Option<Repository>,
}

#[derive(Deserialize)]
struct PullRequestBody {
    action: PullRequestAction,
    pull_request: Box<PullRequest>,
    #[serde(default)]
    repository: Option<Repository>,
}

/// A `sub_issues` delivery: the sub-issue, its parent, and their repositories.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SubIssues {
    pub action: SubIssuesAction,
    #[serde(default)]
    pub sub_issue: Issue,
    #[serde(default)]
    pub parent_issue: Issue,
    #[serde(default)]
    pub sub_issue_repo: Option<Repository>,
    #[serde(default)]
    pub parent_issue_repo: Option<Repository>,
    #[serde(default)]
    pub repository: Option<Repository>,
}

#[derive(Deserialize)]
struct IssueCommentBody {
    action: IssueCommentAction,
    issue: Box<Issue>,
    comment: Box<Comment>,
    #[serde(default)]
    repository: Option<Repository>,
}

fn from_json<'a, T: Deserialize<'a>>(event: &str, json: &'a [u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(json).map_err(|source| WebhookError::InvalidPayload {
        reason: format!("{event} payload does not parse"),
        source: Some(source),
    })
}

impl Event {
    /// Parses the payload of a delivery whose `X-GitHub-Event` is `event_header`.
    /// Unknown event types are [`Event::Other`]; bad JSON for a known one is `InvalidPayload`.
    pub fn parse(event_header: &str, json: &[u8]) -> Result<Event, WebhookError> {
        let event = event_header.trim();
        Ok(match event {
            "ping" => {
                let body: PingBody = from_json(event, json)?;
                Event::Ping {
                    zen: body.zen,
                    hook_id: body.hook_id,
                }
            }
            "issues" => {
                let body: IssuesBody = from_json(event, json)?;
                Event::Issues {
                    action: body.action,
                    issue: body.issue,
                    repository: body.repository,
                }
            }
            "pull_request" => {
                let body: PullRequestBody = from_json(event, json)?;
                Event::PullRequest {
                    action: body.action,
                    pull_request: body.pull_request,
                    repository: body.repository,
                }
            }
            "issue_comment" => {
                let body: IssueCommentBody = from_json(event, json)?;
                Event::IssueComment {
                    action: body.action,
                    issue: body.issue,
                    comment: body.comment,
                    repository: body.repository,
                }
            }
            "sub_issues" => Event::SubIssues(Box::new(from_json(event, json)?)),
            other => Event::Other {
                event: other.to_owned(),
            },
        })
    }

    /// The payload's `action` as GitHub spelled it ("" for `ping` and events not parsed).
    pub fn action(&self) -> &str {
        match self {
            Event::Issues { action, .. } => action.as_str(),
            Event::PullRequest { action, .. } => action.as_str(),
            Event::IssueComment { action, .. } => action.as_str(),
            Event::SubIssues(sub) => sub.action.as_str(),
            Event::Ping { .. } | Event::Other { .. } => "",
        }
    }

    /// The event name, as in the `X-GitHub-Event` header.
    pub fn name(&self) -> &str {
        match self {
            Event::Ping { .. } => "ping",
            Event::Issues { .. } => "issues",
            Event::PullRequest { .. } => "pull_request",
            Event::IssueComment { .. } => "issue_comment",
            Event::SubIssues(_) => "sub_issues",
            Event::Other { event } => event,
        }
    }

    /// What the sync should do. Missing `repository`, `number`, `title`, `html_url` or
    /// `updated_at` on something to upsert is `InvalidPayload` (400): nothing safe to write.
    pub fn sync_action(&self) -> Result<SyncAction, WebhookError> {
        match self {
            Event::Ping { .. } => Ok(SyncAction::Ping),
            Event::Issues {
                action,
                issue,
                repository,
            } => match action {
                IssuesAction::Deleted | IssuesAction::Transferred => {
                    let repository = repository_name(self.name(), repository.as_ref())?;
                    let number = issue.number.ok_or_else(|| {
                        WebhookError::invalid("issues payload has no issue.number")
                    })?;
                    // No timestamp is read: the archive is final, and a late, older delivery of
                    // the issue is refused by its tombstone (`sync::tombstone`), not by time.
                    Ok(SyncAction::Archive { repository, number })
                }
                IssuesAction::Unknown(_) => Ok(ignore_action(self.name(), action.as_str())),
                _ => upsert_issue(self.name(), issue, repository.as_ref()),
            },
            Event::PullRequest {
                action,
                pull_request,
                repository,
            } => match action {
                PullRequestAction::Unknown(_) => Ok(ignore_action(self.name(), action.as_str())),
                _ => {
                    let name = repository_name(self.name(), repository.as_ref())?;
                    WorkItem::from_pull_request(pull_request, &name)
                        .map(|item| SyncAction::Upsert(in_repository(item, repository.as_ref())))
                        .map_err(item_error)
                }
            },
            Event::IssueComment {
                action,
                issue,
                repository,
                ..
            } => match action {
                // The comment count and `updated_at` of the issue (or PR) changed.
                IssueCommentAction::Unknown(_) => Ok(ignore_action(self.name(), action.as_str())),
                _ => upsert_issue(self.name(), issue, repository.as_ref()),
            },
            Event::SubIssues(sub) => {
                let SubIssues {
                    action,
                    sub_issue,
                    parent_issue,
                    sub_issue_repo,
                    parent_issue_repo,
                    repository,
                } = sub.as_ref();
                let added = match action {
                    SubIssuesAction::ParentIssueAdded | SubIssuesAction::SubIssueAdded => true,
                    SubIssuesAction::ParentIssueRemoved | SubIssuesAction::SubIssueRemoved => false,
                    SubIssuesAction::Unknown(_) => {
                        return Ok(ignore_action(self.name(), action.as_str()))
                    }
                };
                let repo = sub_issue_repo.as_ref().or(repository.as_ref());
                let SyncAction::Upsert(mut item) = upsert_issue(self.name(), sub_issue, repo)?
                else {
                    return Ok(ignore_action(self.name(), action.as_str()));
                };
                item.parent = Some(if added {
                    let parent_repo = parent_issue_repo.as_ref().or(repository.as_ref());
                    let number = parent_issue.number.ok_or_else(|| {
                        WebhookError::invalid("sub_issues payload has no parent_issue.number")
                    })?;
                    Some(ItemKey {
                        repository: repository_name(self.name(), parent_repo)?,
                        number,
                    })
                } else {
                    None
                });
                Ok(SyncAction::Upsert(item))
            }
            Event::Other { event } => Ok(SyncAction::Ignore {
                reason: format!("{event} events are not synced"),
            }),
        }
    }
}

fn upsert_issue(
    event: &str,
    issue: &Issue,
    repository: Option<&Repository>,
) -> Result<SyncAction, WebhookError> {
    let name = repository_name(event, repository)?;
    WorkItem::from_issue(issue, &name)
        .map(|item| SyncAction::Upsert(in_repository(item, repository)))
        .map_err(item_error)
}

/// What the payload's repository tells about the item (its default branch, for links).
fn in_repository(mut item: WorkItem, repository: Option<&Repository>) -> WorkItem {
    item.default_branch = repository.and_then(|r| r.default_branch.clone());
    item
}

fn ignore_action(event: &str, action: &str) -> SyncAction {
    SyncAction::Ignore {
        reason: format!("{event} action {action:?} is not synced"),
    }
}

fn repository_name(event: &str, repository: Option<&Repository>) -> Result<String, WebhookError> {
    repository
        .and_then(|r| r.full_name.clone())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            WebhookError::invalid(format!("{event} payload has no repository.full_name"))
        })
}

/// The item error's message already names the object and field; it has no JSON source.
fn item_error(err: super::item::ItemError) -> WebhookError {
    WebhookError::invalid(err.to_string())
}

#[cfg(test)]
mod tests;
