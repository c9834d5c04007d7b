//! The `scheduled-sync` function: on an EventBridge schedule, redeliver failed webhook
//! deliveries, then reconcile every repository in `REPOSITORIES` (see
//! [`crate::sync::reconcile`]), so Notion converges on GitHub even when webhooks fail.
//!
//! Entry point: [`ScheduledApp::from_env`] once per container (a missing `NOTION_DATABASE_ID`
//! or `REPOSITORIES` is an init error naming it), then [`ScheduledApp::handle`] per invocation.
//!
//! - **Redelivery** runs first (a few GitHub calls; it must not starve behind a long backfill)
//!   when `GITHUB_HOOK_ID` is set. A repository webhook belongs to one repository: the one in
//!   `GITHUB_HOOK_REPOSITORY`, else the first of `REPOSITORIES`. `REDELIVERY_LIMIT` caps the
//!   requests per run (default 25). See [`redelivery`].
//! - **Time**: no work starts in the last 10 s (10% of a short invocation), and every call ends
//!   0.5 s before the deadline ([`budget`]). Repositories share the time left in turn; one that
//!   ran out of its share gets what the others left in a second pass.
//! - **Failures**: a repository whose Notion or GitHub calls fail is logged and reported; the
//!   others still run. The invocation fails (so EventBridge retries, then the dead-letter queue)
//!   only when every repository failed, or Notion cannot be reached at all. A Notion 401 reads
//!   the secret again once, in case the token was rotated.

pub mod budget;
pub mod redelivery;
pub mod report;
pub mod settings;

use time::OffsetDateTime;
use tokio::sync::OnceCell;
use tokio::time::Instant;

use self::budget::Budget;
use self::report::{log_repository, RunReport};
pub use self::settings::{HookTarget, ScheduledSettings};
use super::access::{AccessError, NotionAccess};
use crate::config::Env;
use crate::github::{GitHubClient, RestError};
use crate::handler::setup::SetupError;
use crate::secrets::SecretsProvider;
use crate::sync::reconcile::{ReconcileError, StopReason};
use crate::sync::{Reconciler, RepoReport, Syncer};
use crate::telemetry::Chain;

/// GitHub requires a User-Agent; this one names us.
pub const USER_AGENT: &str = concat!(
    "notion-relay/",
    env!("CARGO_PKG_VERSION"),
    " (scheduled-sync)"
);
/// A repository that ran out of its share may continue once with the time others left.
const PASSES: usize = 2;

/// Why an invocation failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("scheduled-sync cannot reach Notion")]
    Notion(#[source] AccessError),
    #[error("scheduled-sync cannot build its GitHub client")]
    GitHub(#[source] RestError),
    /// Several causes, one per repository, so none is the `source`: the message lists them.
    #[error("every repository failed: {}", list(.0))]
    AllFailed(Vec<(String, ReconcileError)>),
}

fn list(failures: &[(String, ReconcileError)]) -> String {
    let each = failures
        .iter()
        .map(|(repository, error)| format!("{repository}: {}", Chain(error)));
    each.collect::<Vec<_>>().join("; ")
}

impl RunError {
    /// Lambda's `errorType`: what to look at (a setting, Notion, GitHub).
    pub fn kind(&self) -> &'static str {
        match self {
            RunError::Notion(access) => access.kind(),
            RunError::GitHub(_) => "GitHubError",
            RunError::AllFailed(_) => "AllRepositoriesFailed",
        }
    }
}

impl From<RunError> for lambda_runtime::Diagnostic {
    fn from(error: RunError) -> Self {
        crate::telemetry::diagnostic(error.kind(), &error)
    }
}

/// The function's state for a warm container.
pub struct ScheduledApp {
    settings: ScheduledSettings,
    access: NotionAccess,
    github: OnceCell<GitHubClient>,
}

impl ScheduledApp {
    pub fn from_env(env: &impl Env) -> Result<Self, SetupError> {
        let settings = ScheduledSettings::from_env(env)?;
        let secrets = SecretsProvider::from_env(env)?;
        let access = NotionAccess::new(settings.notion.clone(), secrets);
        Ok(Self {
            settings,
            access,
            github: OnceCell::new(),
        })
    }

    pub fn settings(&self) -> &ScheduledSettings {
        &self.settings
    }

    /// One scheduled run. `lambda_deadline` is the invocation's deadline, if known.
    pub async fn handle(&self, lambda_deadline: Option<Instant>) -> Result<RunReport, RunError> {
        let started = Instant::now();
        let budget = Budget::new(started, lambda_deadline);
        let result = self.run(&budget, started).await;
        match &result {
            Ok(report) => report.log(),
            Err(error) => tracing::error!(error = %Chain(error), "scheduled sync failed"),
        }
        match result {
            Ok(report) if report.all_failed() => Err(RunError::AllFailed(report.into_failures())),
            other => other,
        }
    }

    async fn run(&self, budget: &Budget, started: Instant) -> Result<RunReport, RunError> {
        let notion = self
            .access
            .client()
            .await
            .map_err(RunError::Notion)?
            .with_deadline(budget.calls_end);
        let github = self.github().await?.clone().with_deadline(budget.calls_end);
        let github_before = github.call_count();
        let redelivery = match &self.settings.hook {
            Some(target) => Some(
                redelivery::redeliver_failed(
                    &github,
                    target,
                    self.settings.redelivery_limit,
                    OffsetDateTime::now_utc(),
                    budget.stop_at,
                )
                .await,
            ),
            None => None,
        };
        // A Notion 401 re-reads the secret once inside the client (`NotionClient::set_token_source`).
        let schema = self
            .access
            .schema(&notion)
            .await
            .map_err(RunError::Notion)?;
        let reconciler = Reconciler {
            syncer: Syncer {
                notion: &notion,
                database: &self.settings.notion.database,
                schema,
            },
            github: &github,
        };
        let repositories = self.reconcile_all(&reconciler, budget).await;
        Ok(RunReport::new(
            repositories,
            redelivery,
            notion.calls(),
            github.call_count() - github_before,
            started.elapsed(),
        ))
    }

    /// The container's GitHub client, built on first use with the token from the secrets.
    async fn github(&self) -> Result<&GitHubClient, RunError> {
        self.github
            .get_or_try_init(|| async {
                let token = self
                    .access
                    .secrets
                    .github_token()
                    .await
                    .map_err(|e| RunError::Notion(AccessError::Secrets(e)))?;
                if token.is_none() {
                    tracing::warn!("no github_token in the secret (or GITHUB_TOKEN): calling GitHub anonymously, 60 requests an hour, and redelivery will be refused");
                }
                GitHubClient::new(&self.settings.github_api_url, token, USER_AGENT)
                    .map_err(RunError::GitHub)
            })
            .await
    }

    /// Every repository in turn, each with its share of the time; then, while time is left,
    /// those that ran out of it again.
    async fn reconcile_all(&self, reconciler: &Reconciler<'_>, budget: &Budget) -> Vec<RepoReport> {
        let repositories = &self.settings.repositories;
        let mut reports: Vec<Option<RepoReport>> = repositories.iter().map(|_| None).collect();
        let mut pending: Vec<usize> = (0..repositories.len()).collect();
        for _ in 0..PASSES {
            let mut again = Vec::new();
            for (turn, &index) in pending.iter().enumerate() {
                let repository = &repositories[index];
                let now = Instant::now();
                if now >= budget.stop_at {
                    break;
                }
                let share = budget.slice(now, pending.len() - turn);
                let report = reconciler.reconcile(repository, Some(share)).await;
                log_repository(&report);
                if report.stop_reason == Some(StopReason::Deadline) {
                    again.push(index);
                }
                match &mut reports[index] {
                    Some(held) => held.absorb(report),
                    slot => *slot = Some(report),
                }
            }
            pending = again;
            if pending.is_empty() || Instant::now() >= budget.stop_at {
                break;
            }
        }
        reports
            .into_iter()
            .zip(repositories)
            .map(|(report, repository)| {
                report.unwrap_or_else(|| RepoReport::not_started(repository))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::map_env;

    #[test]
    fn a_missing_repository_list_is_an_init_error_naming_it() {
        let env = map_env(&[("NOTION_DATABASE_ID", "db"), ("NOTION_TOKEN", "t")]);
        let err = ScheduledApp::from_env(&env).err().expect("init fails");
        assert!(err.to_string().contains("REPOSITORIES"), "{err}");
    }

    #[test]
    fn a_configured_app_keeps_its_repositories_and_hook() {
        let env = map_env(&[
            ("NOTION_DATABASE_ID", "db"),
            ("NOTION_TOKEN", "t"),
            ("REPOSITORIES", "o/a o/b"),
            ("GITHUB_HOOK_ID", "7"),
        ]);
        let app = ScheduledApp::from_env(&env).expect("configured");
        assert_eq!(app.settings().repositories, ["o/a", "o/b"]);
        assert_eq!(app.settings().hook.as_ref().map(|h| h.hook_id), Some(7));
    }

    #[test]
    fn the_user_agent_names_the_product_and_function() {
        assert!(USER_AGENT.starts_with("notion-relay/"));
        assert!(USER_AGENT.ends_with("(scheduled-sync)"));
    }
}
