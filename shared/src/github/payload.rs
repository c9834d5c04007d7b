//! Our own serde models of the GitHub objects we read, shared by webhook payloads and the REST
//! issues/pulls endpoints.
//!
//! Unknown is normal: every field is optional (`#[serde(default)]`), unknown fields are ignored,
//! explicit `null` reads as absent, and actions keep an `Unknown(String)` fallback, because
//! GitHub adds actions and fields without notice and some real payloads omit fields
//! (octokit's `issues/pinned` has no `state` and no `labels`). Deciding what a missing field
//! means is left to [`crate::github::item`].

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default, for fields we never want to fail on.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Reads a field that may be present-but-null as `Some(None)`, absent staying `None` (with
/// `#[serde(default)]`): "no milestone" and "this payload did not say" differ.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Some(Option::<T>::deserialize(d)?))
}

/// Reads a string that may be `null` as `Some("")`, absent staying `None`: GitHub sends an
/// emptied issue body as `null`, which must clear the page content, not leave it.
fn null_as_empty<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Some(Option::<String>::deserialize(d)?.unwrap_or_default()))
}

/// Defines an action enum read from a string, with an `Unknown(String)` fallback so that a
/// new GitHub action still parses.
macro_rules! action_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
            /// An action this version does not know; kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The action as GitHub spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(wire: &str) -> Self {
                match wire {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let wire: Option<String> = Option::deserialize(d)?;
                Ok(Self::from(wire.as_deref().unwrap_or("")))
            }
        }
    };
}

action_enum! {
    /// `action` of an `issues` delivery.
    IssuesAction {
        Opened => "opened",
        Edited => "edited",
        Closed => "closed",
        Reopened => "reopened",
        Labeled => "labeled",
        Unlabeled => "unlabeled",
        Assigned => "assigned",
        Unassigned => "unassigned",
        Milestoned => "milestoned",
        Demilestoned => "demilestoned",
        Locked => "locked",
        Unlocked => "unlocked",
        Pinned => "pinned",
        Unpinned => "unpinned",
        Transferred => "transferred",
        Deleted => "deleted",
        Typed => "typed",
        Untyped => "untyped",
    }
}

action_enum! {
    /// `action` of a `sub_issues` delivery (the sub-issue's parent changed).
    SubIssuesAction {
        ParentIssueAdded => "parent_issue_added",
        ParentIssueRemoved => "parent_issue_removed",
        SubIssueAdded => "sub_issue_added",
        SubIssueRemoved => "sub_issue_removed",
    }
}

action_enum! {
    /// `action` of a `pull_request` delivery.
    PullRequestAction {
        Opened => "opened",
        Edited => "edited",
        Closed => "closed",
        Reopened => "reopened",
        ReadyForReview => "ready_for_review",
        ConvertedToDraft => "converted_to_draft",
        Labeled => "labeled",
        Unlabeled => "unlabeled",
        Assigned => "assigned",
        Unassigned => "unassigned",
        Synchronize => "synchronize",
        ReviewRequested => "review_requested",
        ReviewRequestRemoved => "review_request_removed",
        Locked => "locked",
        Unlocked => "unlocked",
        Milestoned => "milestoned",
        Demilestoned => "demilestoned",
        AutoMergeEnabled => "auto_merge_enabled",
        AutoMergeDisabled => "auto_merge_disabled",
        Enqueued => "enqueued",
        Dequeued => "dequeued",
    }
}

action_enum! {
    /// `action` of an `issue_comment` delivery.
    IssueCommentAction {
        Created => "created",
        Edited => "edited",
        Deleted => "deleted",
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct User {
    #[serde(deserialize_with = "null_as_default")]
    pub login: String,
    pub id: Option<u64>,
}

/// A label. The REST schema allows a label to be a bare string as well as an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Label {
    pub name: String,
}

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Name(String),
            Object {
                #[serde(default, deserialize_with = "null_as_default")]
                name: String,
            },
        }
        let name = match Option::<Repr>::deserialize(d)? {
            Some(Repr::Name(name)) | Some(Repr::Object { name }) => name,
            None => String::new(),
        };
        Ok(Label { name })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Repository {
    /// `owner/name`.
    pub full_name: Option<String>,
    pub name: Option<String>,
    pub owner: Option<User>,
    pub html_url: Option<String>,
    pub id: Option<u64>,
    /// Where relative links in bodies point (`main`, `master`…).
    pub default_branch: Option<String>,
}

/// An issue's or pull request's milestone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Milestone {
    pub title: Option<String>,
    pub number: Option<u64>,
}

/// An issue type (`Bug`, `Feature`, `Task`…), set by the organization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct IssueType {
    pub name: Option<String>,
    pub id: Option<u64>,
}

/// A team asked to review a pull request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Team {
    pub name: Option<String>,
    pub slug: Option<String>,
}

/// The `pull_request` link an issue object carries when the issue is a pull request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct IssuePrLink {
    pub url: Option<String>,
    pub html_url: Option<String>,
    /// Present on newer payloads and the REST issues list; set when the PR was merged.
    pub merged_at: Option<String>,
}

/// An issue as webhooks and `GET /repos/{o}/{r}/issues` send it (the latter includes PRs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Issue {
    pub number: Option<u64>,
    pub title: Option<String>,
    /// "open" / "closed"; absent on pinned/unpinned deliveries.
    pub state: Option<String>,
    pub state_reason: Option<String>,
    pub labels: Option<Vec<Label>>,
    pub assignees: Option<Vec<User>>,
    pub assignee: Option<User>,
    pub user: Option<User>,
    pub html_url: Option<String>,
    #[serde(deserialize_with = "null_as_empty")]
    pub body: Option<String>,
    pub comments: Option<u64>,
    pub locked: Option<bool>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub closed_at: Option<String>,
    /// Present when this "issue" is a pull request.
    pub pull_request: Option<IssuePrLink>,
    pub draft: Option<bool>,
    /// `Some(None)`: the payload says there is none.
    #[serde(deserialize_with = "present")]
    pub milestone: Option<Option<Milestone>>,
    /// `issue.type`; `Some(None)` after `untyped`.
    #[serde(rename = "type", deserialize_with = "present")]
    pub issue_type: Option<Option<IssueType>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PullRequest {
    pub number: Option<u64>,
    pub title: Option<String>,
    pub state: Option<String>,
    pub draft: Option<bool>,
    pub merged: Option<bool>,
    pub merged_at: Option<String>,
    pub labels: Option<Vec<Label>>,
    pub assignees: Option<Vec<User>>,
    pub assignee: Option<User>,
    pub user: Option<User>,
    pub html_url: Option<String>,
    #[serde(deserialize_with = "null_as_empty")]
    pub body: Option<String>,
    /// Issue-style (conversation) comments; review comments are counted separately by GitHub.
    pub comments: Option<u64>,
    pub locked: Option<bool>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub closed_at: Option<String>,
    #[serde(deserialize_with = "present")]
    pub milestone: Option<Option<Milestone>>,
    pub requested_reviewers: Option<Vec<User>>,
    pub requested_teams: Option<Vec<Team>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Comment {
    pub id: Option<u64>,
    pub body: Option<String>,
    pub user: Option<User>,
    pub html_url: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_action_is_kept_verbatim() {
        let action: IssuesAction = serde_json::from_str("\"field_added\"").unwrap();
        assert_eq!(action, IssuesAction::Unknown("field_added".into()));
        assert_eq!(action.as_str(), "field_added");
        let typed: IssuesAction = serde_json::from_str("\"typed\"").unwrap();
        assert_eq!(typed, IssuesAction::Typed);
        let known: PullRequestAction = serde_json::from_str("\"ready_for_review\"").unwrap();
        assert_eq!(known, PullRequestAction::ReadyForReview);
    }

    #[test]
    fn an_issue_without_state_or_labels_parses_with_them_absent() {
        let issue: Issue =
            serde_json::from_str(r#"{"number": 1, "title": "t", "extra": {"x": 1}}"#).unwrap();
        assert_eq!(issue.number, Some(1));
        assert_eq!(issue.state, None);
        assert_eq!(issue.labels, None);
    }

    #[test]
    fn nulls_read_as_absent() {
        let issue: Issue = serde_json::from_str(
            r#"{"labels": null, "user": {"login": null}, "body": null, "pull_request": null}"#,
        )
        .unwrap();
        assert_eq!(issue.labels, None);
        assert_eq!(issue.body.as_deref(), Some(""), "an emptied body");
        assert_eq!(issue.user.unwrap().login, "");
        assert_eq!(issue.pull_request, None);
    }

    #[test]
    fn labels_may_be_objects_or_bare_strings() {
        let issue: Issue =
            serde_json::from_str(r#"{"labels": [{"name": "bug", "color": "f00"}, "help wanted"]}"#)
                .unwrap();
        let names: Vec<_> = issue.labels.unwrap().into_iter().map(|l| l.name).collect();
        assert_eq!(names, vec!["bug", "help wanted"]);
    }

    #[test]
    fn a_null_milestone_or_type_says_none_and_an_absent_one_says_nothing() {
        let cleared: Issue = serde_json::from_str(r#"{"milestone": null, "type": null}"#).unwrap();
        assert_eq!(cleared.milestone, Some(None));
        assert_eq!(cleared.issue_type, Some(None));
        let silent: Issue = serde_json::from_str("{}").unwrap();
        assert_eq!(silent.milestone, None);
        let set: Issue =
            serde_json::from_str(r#"{"milestone": {"title": "v1"}, "type": {"name": "Bug"}}"#)
                .unwrap();
        assert_eq!(
            set.milestone.flatten().and_then(|m| m.title).as_deref(),
            Some("v1")
        );
        assert_eq!(
            set.issue_type.flatten().and_then(|t| t.name).as_deref(),
            Some("Bug")
        );
    }

    #[test]
    fn a_wrongly_typed_known_field_is_an_error() {
        assert!(serde_json::from_str::<Issue>(r#"{"number": "one"}"#).is_err());
    }
}
