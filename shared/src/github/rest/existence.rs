//! Whether GitHub still has an issue: asked before a page is created, so that a late, older
//! delivery of a deleted issue does not bring its archived page back (`sync::tombstone`).

use reqwest::Method;

use super::{GitHubClient, RestError};

impl GitHubClient {
    /// `Some(true)` when GitHub answers 410 Gone (the issue was deleted), `Some(false)` when it
    /// answers with the issue, `None` when it cannot say (not visible to the token, rate limited,
    /// unreachable): then the caller goes on as if the issue exists.
    pub async fn issue_deleted(&self, repo: &str, number: u64) -> Option<bool> {
        let url = self.repo_url(repo, &format!("/issues/{number}")).ok()?;
        match self.send(Method::GET, url.as_str()).await {
            Ok(_) => Some(false),
            Err(RestError::Api { status: 410, .. }) => Some(true),
            Err(error) => {
                tracing::debug!(error = %crate::telemetry::Chain(&error), repo, number, "cannot tell whether the issue still exists");
                None
            }
        }
    }
}
