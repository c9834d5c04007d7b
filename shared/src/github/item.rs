//! [`WorkItem`]: the one normalized shape of an issue or pull request that both the webhook
//! and the scheduled sync hand to the Notion sync.
//!
//! Fields a payload may lack (`state`, `labels`, `assignees`, `comments`, `author`, `body`) are
//! `Option`: `None` means "this payload did not say", and the sync must leave the matching
//! Notion property untouched. That is how a `pinned` delivery, which carries no `state`, avoids
//! flipping a Closed page back to Open. The key (`repository`, `number`), `title`, `url` and
//! `updated_at` are required: without them there is nothing safe to write.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::payload::{Issue, IssueType, Label, Milestone, PullRequest, Team, User};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ItemKind {
    Issue,
    PullRequest,
}

impl ItemKind {
    /// The `Type` select option.
    pub fn label(self) -> &'static str {
        match self {
            Self::Issue => "Issue",
            Self::PullRequest => "Pull request",
        }
    }

    pub fn from_label(label: &str) -> Option<Self> {
        [Self::Issue, Self::PullRequest]
            .into_iter()
            .find(|k| k.label() == label)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ItemState {
    Open,
    Closed,
    /// Open pull request marked draft.
    Draft,
    /// Closed pull request that was merged.
    Merged,
}

impl ItemState {
    /// The `Status` select option.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Closed => "Closed",
            Self::Draft => "Draft",
            Self::Merged => "Merged",
        }
    }

    pub fn from_label(label: &str) -> Option<Self> {
        [Self::Open, Self::Closed, Self::Draft, Self::Merged]
            .into_iter()
            .find(|s| s.label() == label)
    }

    /// Whether the item is finished (closed or merged).
    pub fn is_done(self) -> bool {
        matches!(self, Self::Closed | Self::Merged)
    }
}

/// An issue or pull request as the sync writes it. See the module docs for what `None` means.
/// Serializable: in queue mode it is the SQS message body (`crate::queue`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkItem {
    /// `owner/name`.
    pub repository: String,
    pub number: u64,
    pub kind: ItemKind,
    pub title: String,
    pub state: Option<ItemState>,
    /// Label names, in GitHub's order.
    pub labels: Option<Vec<String>>,
    /// Assignee logins.
    pub assignees: Option<Vec<String>>,
    pub author: Option<String>,
    /// `html_url`.
    pub url: String,
    pub body: Option<String>,
    pub comments: Option<u64>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The repository's default branch, for relative links in the body (`None`: `HEAD`).
    #[serde(default)]
    pub default_branch: Option<String>,
    /// Milestone title; `Some(None)`: none.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "wire::known")]
    pub milestone: Option<Option<String>>,
    /// Issue type name (`issue.type.name`); `Some(None)`: untyped.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "wire::known")]
    pub issue_type: Option<Option<String>>,
    /// The parent issue (sub-issues); `Some(None)`: the parent was removed.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "wire::known")]
    pub parent: Option<Option<ItemKey>>,
    /// Requested reviewers of a pull request (logins, then team names).
    #[serde(default)]
    pub reviewers: Option<Vec<String>>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Known whenever the state is: `Some(None)` while open.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "wire::known_time"
    )]
    pub closed_at: Option<Option<OffsetDateTime>>,
}

/// The queue message form of the fields where "not in this delivery" (`None`) and "known to be
/// empty" (`Some(None)`) differ: the field is left out for the first and `null` for the second,
/// so a cleared milestone stays cleared through SQS.
mod wire {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::OffsetDateTime;

    pub mod known {
        use super::*;

        pub fn serialize<S: Serializer, T: Serialize>(
            value: &Option<Option<T>>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(inner) => inner.serialize(serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
            deserializer: D,
        ) -> Result<Option<Option<T>>, D::Error> {
            Option::<T>::deserialize(deserializer).map(Some)
        }
    }

    pub mod known_time {
        use super::*;

        pub fn serialize<S: Serializer>(
            value: &Option<Option<OffsetDateTime>>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            time::serde::rfc3339::option::serialize(&value.flatten(), serializer)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Option<OffsetDateTime>>, D::Error> {
            time::serde::rfc3339::option::deserialize(deserializer).map(Some)
        }
    }
}

/// An issue's key: `owner/name` and number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ItemKey {
    pub repository: String,
    pub number: u64,
}

/// Why an issue or PR object cannot become a [`WorkItem`].
#[derive(Debug, thiserror::Error)]
pub enum ItemError {
    #[error("{object} in {repository} has no {field}")]
    Missing {
        object: &'static str,
        repository: String,
        field: &'static str,
    },
    #[error("{field} {value:?} is not an RFC 3339 timestamp")]
    InvalidTimestamp {
        field: &'static str,
        value: String,
        #[source]
        source: time::error::Parse,
    },
}

/// Parses a GitHub timestamp (`2019-05-15T15:20:18Z`).
pub fn parse_timestamp(field: &'static str, value: &str) -> Result<OffsetDateTime, ItemError> {
    OffsetDateTime::parse(value, &Rfc3339).map_err(|source| ItemError::InvalidTimestamp {
        field,
        value: value.to_owned(),
        source,
    })
}

impl WorkItem {
    /// From an issue object, as webhooks and the REST issues list send it. The list includes
    /// pull requests: those carry `pull_request`, whose `merged_at` tells merged from closed.
    pub fn from_issue(issue: &Issue, repository: &str) -> Result<Self, ItemError> {
        let pr = issue.pull_request.as_ref();
        let (object, kind) = match pr {
            Some(_) => ("pull request", ItemKind::PullRequest),
            None => ("issue", ItemKind::Issue),
        };
        let missing = |field| ItemError::Missing {
            object,
            repository: repository.to_owned(),
            field,
        };
        let merged = pr.is_some_and(|pr| pr.merged_at.is_some());
        let draft = pr.is_some() && issue.draft == Some(true);
        let url = issue
            .html_url
            .clone()
            .or_else(|| pr.and_then(|pr| pr.html_url.clone()))
            .ok_or_else(|| missing("html_url"))?;
        Ok(Self {
            repository: repository.to_owned(),
            number: issue.number.ok_or_else(|| missing("number"))?,
            kind,
            title: issue.title.clone().ok_or_else(|| missing("title"))?,
            state: state(issue.state.as_deref(), draft, merged),
            labels: issue.labels.as_deref().map(label_names),
            assignees: assignees(issue.assignees.as_deref(), issue.assignee.as_ref()),
            author: login(issue.user.as_ref()),
            url,
            body: issue.body.clone(),
            comments: issue.comments,
            updated_at: updated_at(issue.updated_at.as_deref(), || missing("updated_at"))?,
            default_branch: None,
            milestone: issue.milestone.as_ref().map(milestone_title),
            issue_type: issue.issue_type.as_ref().map(type_name),
            parent: None,
            reviewers: None,
            created_at: optional_time(issue.created_at.as_deref()),
            closed_at: closed_at(issue.state.as_deref(), issue.closed_at.as_deref()),
        })
    }

    /// From a pull request object (webhook `pull_request` or `GET /repos/{o}/{r}/pulls/{n}`).
    pub fn from_pull_request(pr: &PullRequest, repository: &str) -> Result<Self, ItemError> {
        let missing = |field| ItemError::Missing {
            object: "pull request",
            repository: repository.to_owned(),
            field,
        };
        let merged = pr.merged == Some(true) || pr.merged_at.is_some();
        Ok(Self {
            repository: repository.to_owned(),
            number: pr.number.ok_or_else(|| missing("number"))?,
            kind: ItemKind::PullRequest,
            title: pr.title.clone().ok_or_else(|| missing("title"))?,
            state: state(pr.state.as_deref(), pr.draft == Some(true), merged),
            labels: pr.labels.as_deref().map(label_names),
            assignees: assignees(pr.assignees.as_deref(), pr.assignee.as_ref()),
            author: login(pr.user.as_ref()),
            url: pr.html_url.clone().ok_or_else(|| missing("html_url"))?,
            body: pr.body.clone(),
            comments: pr.comments,
            updated_at: updated_at(pr.updated_at.as_deref(), || missing("updated_at"))?,
            default_branch: None,
            milestone: pr.milestone.as_ref().map(milestone_title),
            issue_type: None,
            parent: None,
            reviewers: reviewers(
                pr.requested_reviewers.as_deref(),
                pr.requested_teams.as_deref(),
            ),
            created_at: optional_time(pr.created_at.as_deref()),
            closed_at: closed_at(pr.state.as_deref(), pr.closed_at.as_deref()),
        })
    }

    /// The item's key.
    pub fn key(&self) -> ItemKey {
        ItemKey {
            repository: self.repository.clone(),
            number: self.number,
        }
    }
}

fn milestone_title(milestone: &Option<Milestone>) -> Option<String> {
    milestone
        .as_ref()
        .and_then(|m| m.title.clone())
        .filter(|t| !t.is_empty())
}

fn type_name(kind: &Option<IssueType>) -> Option<String> {
    kind.as_ref()
        .and_then(|t| t.name.clone())
        .filter(|n| !n.is_empty())
}

/// Logins then team names; `None` when the payload lists neither (issues, older payloads).
fn reviewers(users: Option<&[User]>, teams: Option<&[Team]>) -> Option<Vec<String>> {
    if users.is_none() && teams.is_none() {
        return None;
    }
    let logins = users
        .unwrap_or_default()
        .iter()
        .filter_map(|u| login(Some(u)));
    let teams = teams
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.name.clone().or_else(|| t.slug.clone()))
        .filter(|n| !n.is_empty());
    Some(logins.chain(teams).collect())
}

/// A timestamp we can do without: a bad one reads as absent.
fn optional_time(value: Option<&str>) -> Option<OffsetDateTime> {
    value.and_then(|v| parse_timestamp("timestamp", v).ok())
}

/// `closed_at` when the payload says the state (so "reopened" clears it), else unknown.
fn closed_at(state: Option<&str>, closed: Option<&str>) -> Option<Option<OffsetDateTime>> {
    match state? {
        "open" => Some(None),
        "closed" => Some(optional_time(closed)),
        _ => None,
    }
}

/// `None` when GitHub did not say (or said something new): the sync keeps the current value.
fn state(state: Option<&str>, draft: bool, merged: bool) -> Option<ItemState> {
    match state? {
        "open" if draft => Some(ItemState::Draft),
        "open" => Some(ItemState::Open),
        "closed" if merged => Some(ItemState::Merged),
        "closed" => Some(ItemState::Closed),
        _ => None,
    }
}

fn label_names(labels: &[Label]) -> Vec<String> {
    labels
        .iter()
        .filter(|l| !l.name.is_empty())
        .map(|l| l.name.clone())
        .collect()
}

/// `assignees` when present; older payloads only have the single `assignee`.
fn assignees(assignees: Option<&[User]>, assignee: Option<&User>) -> Option<Vec<String>> {
    match (assignees, assignee) {
        (Some(all), _) => Some(all.iter().filter_map(|u| login(Some(u))).collect()),
        (None, Some(one)) => login(Some(one)).map(|l| vec![l]),
        (None, None) => None,
    }
}

fn login(user: Option<&User>) -> Option<String> {
    user.map(|u| u.login.clone()).filter(|l| !l.is_empty())
}

fn updated_at(
    value: Option<&str>,
    missing: impl FnOnce() -> ItemError,
) -> Result<OffsetDateTime, ItemError> {
    parse_timestamp("updated_at", value.ok_or_else(missing)?)
}

#[cfg(test)]
mod tests;
