//! The issue as GitHub has it now, asked in the two cases where a delivery alone could undo
//! something: before a page is created, whether the issue was deleted (`sync::tombstone`), and
//! before a delivery overwrites a person's Notion edit, what GitHub holds now
//! (`sync::person_edit`).

use reqwest::Method;

use super::{decode, GitHubClient, RestError};
use crate::github::payload::Issue;

impl GitHubClient {
    /// `GET /repos/{repo}/issues/{number}`: the issue, or the issue view of a pull request (its
    /// `pull_request` field set). A deleted issue is `RestError::Api { status: 410, .. }`.
    pub async fn current_issue(&self, repo: &str, number: u64) -> Result<Issue, RestError> {
        let url = self.repo_url(repo, &format!("/issues/{number}"))?;
        let response = self.send(Method::GET, url.as_str()).await?;
        decode(url.path(), response).await
    }

    /// `Some(true)` when GitHub answers 410 Gone (the issue was deleted), `Some(false)` when it
    /// answers with the issue, `None` when it cannot say (not visible to the token, rate limited,
    /// unreachable): then the caller goes on as if the issue exists.
    pub async fn issue_deleted(&self, repo: &str, number: u64) -> Option<bool> {
        match self.current_issue(repo, number).await {
            Ok(_) => Some(false),
            Err(RestError::Api { status: 410, .. }) => Some(true),
            Err(error) => {
                tracing::debug!(error = %crate::telemetry::Chain(&error), repo, number, "cannot tell whether the issue still exists");
                None
            }
        }
    }
}
