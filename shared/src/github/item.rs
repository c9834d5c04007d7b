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

use super::payload::{Issue, Label, PullRequest, User};

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
        })
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
mod tests {
    use super::*;
    use time::macros::datetime;

    fn issue(json: &str) -> Issue {
        serde_json::from_str(json).unwrap()
    }

    const BASE: &str = r#""number": 7, "title": "Fix it", "html_url": "https://github.com/o/r/issues/7",
        "updated_at": "2024-03-01T10:00:00Z""#;

    #[test]
    fn an_open_issue_becomes_an_open_issue_item() {
        let item = WorkItem::from_issue(
            &issue(&format!(
                r#"{{{BASE}, "state": "open", "labels": [{{"name": "bug"}}],
                "assignees": [{{"login": "ann"}}], "user": {{"login": "bob"}}, "comments": 3}}"#
            )),
            "o/r",
        )
        .unwrap();
        assert_eq!(item.kind, ItemKind::Issue);
        assert_eq!(item.state, Some(ItemState::Open));
        assert_eq!(item.labels, Some(vec!["bug".to_string()]));
        assert_eq!(item.assignees, Some(vec!["ann".to_string()]));
        assert_eq!(item.author.as_deref(), Some("bob"));
        assert_eq!(item.comments, Some(3));
        assert_eq!(item.updated_at, datetime!(2024-03-01 10:00 UTC));
        assert_eq!(item.repository, "o/r");
    }

    #[test]
    fn an_issue_without_state_has_no_state_rather_than_open() {
        let item = WorkItem::from_issue(&issue(&format!("{{{BASE}}}")), "o/r").unwrap();
        assert_eq!(item.state, None);
        assert_eq!(item.labels, None);
        assert_eq!(item.assignees, None);
    }

    #[test]
    fn a_listed_pull_request_is_merged_when_merged_at_is_set() {
        let merged = issue(&format!(
            r#"{{{BASE}, "state": "closed", "pull_request": {{"merged_at": "2024-03-01T09:00:00Z"}}}}"#
        ));
        let item = WorkItem::from_issue(&merged, "o/r").unwrap();
        assert_eq!(item.kind, ItemKind::PullRequest);
        assert_eq!(item.state, Some(ItemState::Merged));
        let closed = issue(&format!(
            r#"{{{BASE}, "state": "closed", "pull_request": {{"merged_at": null}}}}"#
        ));
        assert_eq!(
            WorkItem::from_issue(&closed, "o/r").unwrap().state,
            Some(ItemState::Closed)
        );
    }

    #[test]
    fn a_listed_draft_pull_request_is_draft_but_an_issue_draft_flag_is_ignored() {
        let pr = issue(&format!(
            r#"{{{BASE}, "state": "open", "draft": true, "pull_request": {{}}}}"#
        ));
        assert_eq!(
            WorkItem::from_issue(&pr, "o/r").unwrap().state,
            Some(ItemState::Draft)
        );
        let plain = issue(&format!(r#"{{{BASE}, "state": "open", "draft": true}}"#));
        assert_eq!(
            WorkItem::from_issue(&plain, "o/r").unwrap().state,
            Some(ItemState::Open)
        );
    }

    #[test]
    fn pull_request_states_follow_merged_and_draft() {
        let pr = |extra: &str| -> PullRequest {
            serde_json::from_str(&format!("{{{BASE}, {extra}}}")).unwrap()
        };
        let cases = [
            (r#""state": "closed", "merged": true"#, ItemState::Merged),
            (r#""state": "closed", "merged": false"#, ItemState::Closed),
            (r#""state": "open", "draft": true"#, ItemState::Draft),
            (r#""state": "open", "draft": false"#, ItemState::Open),
        ];
        for (extra, expected) in cases {
            let item = WorkItem::from_pull_request(&pr(extra), "o/r").unwrap();
            assert_eq!(item.state, Some(expected), "{extra}");
            assert_eq!(item.kind, ItemKind::PullRequest);
        }
    }

    #[test]
    fn missing_key_fields_are_errors_naming_the_field() {
        let err =
            WorkItem::from_issue(&issue(r#"{"title": "t", "html_url": "u"}"#), "o/r").unwrap_err();
        assert!(matches!(
            err,
            ItemError::Missing {
                field: "number",
                ..
            }
        ));
        let err = WorkItem::from_issue(
            &issue(r#"{"number": 1, "title": "t", "html_url": "u"}"#),
            "o/r",
        )
        .unwrap_err();
        assert!(err.to_string().contains("updated_at"), "{err}");
    }

    #[test]
    fn a_malformed_updated_at_is_an_invalid_timestamp() {
        let bad =
            issue(r#"{"number": 1, "title": "t", "html_url": "u", "updated_at": "yesterday"}"#);
        let err = WorkItem::from_issue(&bad, "o/r").unwrap_err();
        assert!(matches!(
            err,
            ItemError::InvalidTimestamp {
                field: "updated_at",
                ..
            }
        ));
    }

    #[test]
    fn labels_round_trip_through_their_select_names() {
        for state in [
            ItemState::Open,
            ItemState::Closed,
            ItemState::Draft,
            ItemState::Merged,
        ] {
            assert_eq!(ItemState::from_label(state.label()), Some(state));
        }
        assert_eq!(ItemKind::PullRequest.label(), "Pull request");
        assert_eq!(ItemKind::from_label("Issue"), Some(ItemKind::Issue));
        assert_eq!(ItemState::from_label("open"), None);
    }
}
