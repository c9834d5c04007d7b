//! The GitHub client the sync asks in the two cases where a delivery alone could undo
//! something: before a page is created, whether the issue was deleted (`sync::tombstone`), and
//! before a person's Notion edit is overwritten, what GitHub holds now (`sync::person_edit`).
//! Built once per container, and only when a GitHub token is configured.

use std::time::Duration;

use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::config::{self, ConfigError, Env};
use crate::github::GitHubClient;
use crate::secrets::SecretsProvider;
use crate::sync::GitHubView;

/// The checks must leave the write its time.
const CHECK_BUDGET: Duration = Duration::from_secs(3);
const USER_AGENT: &str = concat!("notion-relay/", env!("CARGO_PKG_VERSION"), " (sync checks)");

pub struct GitHubChecks {
    base_url: String,
    client: OnceCell<Option<GitHubClient>>,
}

impl GitHubChecks {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self {
            base_url: config::github_api_url(env)?,
            client: OnceCell::new(),
        })
    }

    /// The client, bounded by `deadline` and [`CHECK_BUDGET`], and whether two-way sync is set
    /// up (the secret holds notion-webhook's `notion_webhook_secret`); `None` without a GitHub
    /// token.
    pub async fn client(&self, secrets: &SecretsProvider, deadline: Instant) -> Option<GitHubView> {
        let client = self
            .client
            .get_or_init(|| async {
                let token = secrets.github_token().await.ok().flatten()?;
                GitHubClient::new(&self.base_url, Some(token), USER_AGENT)
                    .inspect_err(|error| tracing::warn!(error = %crate::telemetry::Chain(&error), "no GitHub checks before writes: GITHUB_API_URL is unusable"))
                    .ok()
            })
            .await
            .as_ref()?;
        let two_way = secrets
            .get()
            .await
            .is_ok_and(|s| s.notion_webhook_secret.is_some());
        Some(GitHubView {
            client: client
                .clone()
                .with_deadline(deadline.min(Instant::now() + CHECK_BUDGET)),
            two_way,
        })
    }
}
