//! The `sync-worker` function (queue mode): applies a batch of queued deliveries from the SQS FIFO
//! queue, per issue in order, within one Notion budget shared by every container.
//!
//! Entry point: [`WorkerApp::from_env`] once per container, then [`WorkerApp::handle`] per batch.
//!
//! - **Batch** (≤ 10 records): grouped by issue and merged (`batch`): only the newest version of
//!   an issue is applied, so a burst of `opened`/`labeled`/`assigned` costs one write.
//! - **Failures** are reported per message (`ReportBatchItemFailures`): a failed issue fails that
//!   message and the later ones of its group, the other issues of the batch are still applied.
//!   SQS makes the failed ones visible again; after `maxReceiveCount` they go to the DLQ.
//! - **Budget**: the container's pace is `NOTION_REQUESTS_PER_SECOND`, which the template sets to
//!   (budget − headroom) ÷ MaximumConcurrency (`queue::pace`). A 429 is waited out (its
//!   `Retry-After`, up to 60 s) within the invocation's deadline.
//! - **Cost**: SQS hands an issue to one worker at a time, so a create is 2 calls (key query and
//!   write; no race-heal query), an update 2, a redelivery 1.

pub mod batch;

use std::time::Duration;

pub use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use tokio::time::Instant;

use self::batch::GroupPlan;
use super::access::{AccessError, NotionAccess, NotionSettings};
use super::existence::GitHubChecks;
use super::setup::SetupError;
use crate::config::{self, ConfigError, Env};
use crate::notion::{NotionClient, RetryPolicy};
use crate::queue;
use crate::secrets::SecretsProvider;
use crate::sync::Syncer;
use crate::telemetry::Chain;

/// Room kept before the Lambda deadline to answer.
const DEADLINE_MARGIN: Duration = Duration::from_secs(2);
/// An issue is not started with less than this left (it would likely fail half-done).
const MIN_TIME_FOR_AN_ISSUE: Duration = Duration::from_secs(3);

/// The pace from `NOTION_REQUEST_BUDGET` and `WORKER_MAX_CONCURRENCY` (see [`queue::pace`]);
/// `None` without a budget. `NOTION_REQUESTS_PER_SECOND`, when set, wins over both.
fn budget_pace_in(env: &impl Env) -> Result<Option<f64>, ConfigError> {
    let budget: Option<f64> = config::parsed(
        env,
        config::NOTION_REQUEST_BUDGET,
        "requests per second for the whole deployment, e.g. 3",
    )?;
    let workers: Option<u32> = config::parsed(
        env,
        config::WORKER_MAX_CONCURRENCY,
        "the event source's MaximumConcurrency, e.g. 2",
    )?;
    Ok(budget.map(|b| queue::pace(b, workers.unwrap_or(2), queue::RESERVED_PER_SECOND)))
}

/// The function's state for a warm container.
pub struct WorkerApp {
    access: NotionAccess,
    github_checks: GitHubChecks,
}

impl WorkerApp {
    pub fn from_env(env: &impl Env) -> Result<Self, SetupError> {
        let mut settings = NotionSettings::from_env(env)?;
        if settings.requests_per_second.is_none() {
            settings.requests_per_second = budget_pace_in(env)?;
        }
        if let Some(rate) = settings.requests_per_second {
            tracing::info!(requests_per_second = rate, "sync-worker Notion pace");
        }
        let secrets = SecretsProvider::from_env(env)?;
        // Newer Notion limits ask for up to 60 s; a worker has the time (a webhook does not).
        let retry = RetryPolicy {
            max_attempts: 8,
            max_delay: Duration::from_secs(60),
            ..RetryPolicy::default()
        };
        Ok(Self {
            access: NotionAccess::new(settings, secrets).with_retry(retry),
            github_checks: GitHubChecks::from_env(env)?,
        })
    }

    /// Applies one batch; the messages to retry.
    pub async fn handle(
        &self,
        event: SqsEvent,
        lambda_deadline: Option<Instant>,
    ) -> SqsBatchResponse {
        let started = Instant::now();
        let deadline = crate::deadline::before_end(started, lambda_deadline, DEADLINE_MARGIN, 1);
        let groups = batch::plan(&event.records);
        let mut response = SqsBatchResponse::default();
        let client = match self.access.client().await {
            Ok(client) => client.with_deadline(deadline),
            Err(error) => {
                tracing::error!(error = %Chain(&error), "no Notion client; the whole batch will be retried");
                response.set_failures(event.records.iter().filter_map(|r| r.message_id.clone()));
                return response;
            }
        };
        for group in &groups {
            if let Err(from) = self.apply_group(&client, group, deadline).await {
                for id in group.failed_from(from) {
                    response.add_failure(id);
                }
            }
        }
        tracing::info!(
            records = event.records.len(),
            issues = groups.len(),
            failed = response.batch_item_failures.len(),
            notion_calls = client.calls(),
            duration_ms = started.elapsed().as_millis() as u64,
            "batch handled"
        );
        response
    }

    /// Applies one issue's steps in order; `Err(i)` when step `i` failed (it and the later ones
    /// are to be retried).
    async fn apply_group(
        &self,
        client: &NotionClient,
        group: &GroupPlan,
        deadline: Instant,
    ) -> Result<(), usize> {
        if Instant::now() + MIN_TIME_FOR_AN_ISSUE > deadline {
            tracing::warn!(group = %group.group, "no time left for this issue; it will be retried");
            return Err(0);
        }
        for (i, step) in group.steps.iter().enumerate() {
            let op = match &step.op {
                Ok(op) => op,
                Err(reason) => {
                    tracing::error!(group = %group.group, messages = ?step.message_ids, reason = %reason,
                        "unusable message; it goes to the dead-letter queue after maxReceiveCount");
                    return Err(i);
                }
            };
            let calls_before = client.calls();
            match self.run(client, op).await {
                Ok(result) => tracing::info!(
                    group = %group.group,
                    deliveries = ?step.deliveries,
                    merged = step.message_ids.len(),
                    outcome = result.outcome.as_str(),
                    notion_calls = client.calls() - calls_before,
                    "issue synced"
                ),
                Err(error) => {
                    tracing::warn!(group = %group.group, deliveries = ?step.deliveries,
                        error = %Chain(&error), transient = error.is_transient(),
                        "issue failed; its messages will be retried");
                    return Err(i);
                }
            }
        }
        Ok(())
    }

    /// One step. A 401 re-reads the secret once inside the client
    /// (`NotionClient::set_token_source`).
    async fn run(
        &self,
        client: &NotionClient,
        op: &crate::queue::WorkOp,
    ) -> Result<crate::sync::SyncResult, AccessError> {
        let deadline = client
            .deadline()
            .unwrap_or_else(|| Instant::now() + crate::deadline::LAMBDA_MAX_TIMEOUT);
        let github = self
            .github_checks
            .client(&self.access.secrets, deadline)
            .await;
        let schema = self.access.schema(client).await?;
        let syncer = Syncer {
            notion: client,
            database: &self.access.settings.database,
            schema,
        };
        op.run(&syncer, github.as_ref(), true)
            .await
            .map_err(|source| AccessError::Notion {
                context: "Notion sync failed",
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::map_env;

    #[test]
    fn the_pace_comes_from_the_budget_and_the_concurrency_unless_set_directly() {
        let env = [
            ("NOTION_REQUEST_BUDGET", "3"),
            ("WORKER_MAX_CONCURRENCY", "5"),
        ];
        assert_eq!(budget_pace_in(&map_env(&env)).unwrap(), Some(0.5));
        assert_eq!(budget_pace_in(&map_env(&[])).unwrap(), None);
        let bad = [("NOTION_REQUEST_BUDGET", "fast")];
        let err = budget_pace_in(&map_env(&bad)).unwrap_err();
        assert!(err.to_string().contains("NOTION_REQUEST_BUDGET"), "{err}");
    }
}
