//! One issue read and written: `GET` and `PATCH /repos/{owner}/{repo}/issues/{number}`
//! (<https://docs.github.com/en/rest/issues/issues#update-an-issue>), and the repository's
//! milestones to turn a milestone title into the number PATCH takes. Pull requests are issues
//! here too (title, state, labels, assignees, milestone); merging or drafting is not.
//!
//! The token needs "Issues: read and write" (fine-grained) or `repo` (classic). PATCH replaces
//! `labels` and `assignees` as a whole; a label name that does not exist yet is created by
//! GitHub; assignees without access are silently dropped by GitHub.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{decode, GitHubClient, RestError};
use crate::github::payload::{Label, User};

/// An issue (or pull request) as the write-back compares it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct IssueState {
    pub number: u64,
    pub title: String,
    /// `open` / `closed`.
    pub state: String,
    pub state_reason: Option<String>,
    pub labels: Vec<Label>,
    pub assignees: Vec<User>,
    pub milestone: Option<Milestone>,
    pub updated_at: String,
    /// Present when the issue is a pull request.
    pub pull_request: Option<PullLink>,
    pub draft: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PullLink {
    pub merged_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Milestone {
    pub number: u64,
    pub title: String,
}

impl IssueState {
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }

    pub fn is_merged(&self) -> bool {
        self.pull_request
            .as_ref()
            .is_some_and(|p| p.merged_at.is_some())
    }

    pub fn is_open(&self) -> bool {
        self.state == "open"
    }

    pub fn updated_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.updated_at, &Rfc3339).ok()
    }
}

/// The fields one PATCH changes; `None` leaves a field as it is. Serialized as the request body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IssuePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `completed` / `not_planned` with `closed`, `reopened` with `open` (issues only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignees: Option<Vec<String>>,
    /// `Some(None)` clears the milestone (`"milestone": null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<Option<u64>>,
}

impl IssuePatch {
    pub fn is_empty(&self) -> bool {
        self == &IssuePatch::default()
    }

    /// The names of the fields it changes, for the log line.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut fields = Vec::new();
        let mut add = |set: bool, name| {
            if set {
                fields.push(name)
            }
        };
        add(self.title.is_some(), "title");
        add(self.state.is_some(), "state");
        add(self.labels.is_some(), "labels");
        add(self.assignees.is_some(), "assignees");
        add(self.milestone.is_some(), "milestone");
        fields
    }
}

/// One entry of an issue's event log (`GET /repos/{o}/{r}/issues/{n}/events`,
/// <https://docs.github.com/en/rest/issues/events#list-issue-events>): who changed what, when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct IssueEvent {
    /// `labeled`, `closed`, `renamed`, `assigned`, `milestoned`, …
    pub event: String,
    pub created_at: String,
}

impl IssueEvent {
    pub fn created_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.created_at, &Rfc3339).ok()
    }
}

/// Issue event logs longer than this many pages are not read to the end (the caller then
/// assumes the worst).
pub const MAX_EVENT_PAGES: usize = 3;

impl GitHubClient {
    /// The issue's events, oldest first (GitHub's order), or `None` when the log is longer than
    /// [`MAX_EVENT_PAGES`] pages of 100.
    pub async fn issue_events(
        &self,
        repo: &str,
        number: u64,
    ) -> Result<Option<Vec<IssueEvent>>, RestError> {
        let first = self
            .repo_url(repo, &format!("/issues/{number}/events"))
            .map(|mut url| {
                url.query_pairs_mut().append_pair("per_page", "100");
                url.to_string()
            });
        let pages = self.pages::<IssueEvent>(first);
        let mut pages = std::pin::pin!(pages);
        let mut events = Vec::new();
        let mut read = 0;
        while let Some(page) = futures_util::TryStreamExt::try_next(&mut pages).await? {
            read += 1;
            if read > MAX_EVENT_PAGES {
                return Ok(None);
            }
            events.extend(page);
        }
        Ok(Some(events))
    }

    pub async fn get_issue(&self, repo: &str, number: u64) -> Result<IssueState, RestError> {
        let url = self.repo_url(repo, &format!("/issues/{number}"))?;
        let response = self.send(Method::GET, url.as_str()).await?;
        decode(url.path(), response).await
    }

    /// Sends one PATCH; GitHub answers with the issue as it now is.
    pub async fn update_issue(
        &self,
        repo: &str,
        number: u64,
        patch: &IssuePatch,
    ) -> Result<IssueState, RestError> {
        let url = self.repo_url(repo, &format!("/issues/{number}"))?;
        let body = serde_json::to_value(patch).map_err(|source| RestError::Decode {
            path: url.path().to_owned(),
            source,
        })?;
        let response = self
            .send_json(Method::PATCH, url.as_str(), Some(&body))
            .await?;
        decode(url.path(), response).await
    }

    /// The repository's milestones, open and closed (one page of 100: enough to find a title).
    pub async fn list_milestones(&self, repo: &str) -> Result<Vec<Milestone>, RestError> {
        let mut url = self.repo_url(repo, "/milestones")?;
        url.query_pairs_mut()
            .append_pair("state", "all")
            .append_pair("per_page", "100");
        let response = self.send(Method::GET, url.as_str()).await?;
        decode(url.path(), response).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::test_server::{Canned, TestServer};
    use serde_json::json;

    const ISSUE: &str =
        r#"{"number": 7, "title": "Fix", "state": "closed", "updated_at": "2026-06-27T18:01:16Z"}"#;

    #[tokio::test]
    async fn a_patch_is_one_authenticated_json_request_and_answers_the_issue() {
        let server = TestServer::start(vec![Canned::json(200, ISSUE)]).await;
        let client = GitHubClient::new(&server.url, Some("ghp_t".into()), "ua").unwrap();
        let patch = IssuePatch {
            state: Some("closed".into()),
            state_reason: Some("completed".into()),
            ..IssuePatch::default()
        };
        let after = client.update_issue("o/r", 7, &patch).await.unwrap();
        assert_eq!(after.updated_at, "2026-06-27T18:01:16Z");
        let request = &server.requests()[0];
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("PATCH", "/repos/o/r/issues/7")
        );
        assert_eq!(request.header("authorization"), Some("Bearer ghp_t"));
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&request.body).unwrap(),
            json!({"state": "closed", "state_reason": "completed"})
        );
        assert_eq!(client.call_count(), 1);
    }

    #[tokio::test]
    async fn an_issue_event_log_is_read_across_pages_and_a_very_long_one_is_none() {
        let server = TestServer::start_with(|url| {
            vec![
                Canned::json(
                    200,
                    r#"[{"event": "labeled", "created_at": "2026-06-27T18:00:00Z"}]"#,
                )
                .with_header(
                    "link",
                    &format!(r#"<{url}/repos/o/r/issues/7/events?page=2>; rel="next""#),
                ),
                Canned::json(
                    200,
                    r#"[{"event": "closed", "created_at": "2026-06-27T18:01:00Z"}]"#,
                ),
            ]
        })
        .await;
        let client = GitHubClient::new(&server.url, None, "ua").unwrap();
        let events = client
            .issue_events("o/r", 7)
            .await
            .unwrap()
            .expect("short log");
        let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(names, ["labeled", "closed"]);
        assert!(events[1].created_at().is_some());
        assert!(server.requests()[0]
            .path
            .starts_with("/repos/o/r/issues/7/events"));

        let endless = TestServer::start_with(|url| {
            (0..=MAX_EVENT_PAGES)
                .map(|i| {
                    Canned::json(200, "[]").with_header(
                        "link",
                        &format!(
                            r#"<{url}/repos/o/r/issues/7/events?page={}>; rel="next""#,
                            i + 2
                        ),
                    )
                })
                .collect()
        })
        .await;
        let client = GitHubClient::new(&endless.url, None, "ua").unwrap();
        assert_eq!(client.issue_events("o/r", 7).await.unwrap(), None);
    }

    #[test]
    fn a_patch_sends_only_the_fields_it_changes() {
        let patch = IssuePatch {
            state: Some("closed".into()),
            state_reason: Some("completed".into()),
            ..IssuePatch::default()
        };
        assert_eq!(
            serde_json::to_value(&patch).unwrap(),
            json!({"state": "closed", "state_reason": "completed"})
        );
        assert_eq!(patch.fields(), vec!["state"]);
        let clear = IssuePatch {
            milestone: Some(None),
            labels: Some(vec![]),
            ..IssuePatch::default()
        };
        assert_eq!(
            serde_json::to_value(&clear).unwrap(),
            json!({"milestone": null, "labels": []})
        );
        assert!(IssuePatch::default().is_empty());
    }

    #[test]
    fn an_issue_answer_reads_pull_request_state_and_milestone() {
        let issue: IssueState = serde_json::from_value(json!({
            "number": 7, "title": "Fix", "state": "closed", "state_reason": null,
            "labels": [{"name": "bug"}, "raw"], "assignees": [{"login": "ana"}],
            "milestone": {"number": 3, "title": "v1"},
            "updated_at": "2026-06-27T18:01:15Z",
            "pull_request": {"merged_at": "2026-06-27T18:01:15Z"}
        }))
        .unwrap();
        assert!(issue.is_pull_request() && issue.is_merged() && !issue.is_open());
        assert_eq!(issue.labels[1].name, "raw");
        assert_eq!(issue.milestone.as_ref().map(|m| m.number), Some(3));
        assert!(issue.updated_at().is_some());
    }
}
