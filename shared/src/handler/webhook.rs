//! The `github-webhook` function: a signed GitHub delivery in, one exact Notion page out.
//!
//! Order matters: the body is size-checked and its signature verified before anything parses
//! it, and nothing touches Notion before the signature holds. Answers follow PRODUCT.md: 401
//! bad signature, 400 bad payload, 413 too large, 200 ping, 202 ignored, 200 synced, 500
//! configuration or secret missing, 503 Notion unavailable within the time budget.
//! Queue mode (`DELIVERY_QUEUE_URL` set): the verified work goes to SQS instead (`crate::queue`),
//! answered 202 `{"queued": <message id>}`, or 503 if the queue refuses it.

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::access::{AccessError, NotionAccess, NotionSettings};
use super::existence::GitHubChecks;
use super::request::{answer, Answered, RequestLog};
use super::setup::{Kept, SetupError};
use crate::config::Env;
use crate::github::{webhook, Event, SyncAction, WebhookError};
use crate::http::{HttpRequest, HttpResponse};
use crate::queue::{DeliveryQueue, WorkOp};
use crate::secrets::SecretsProvider;
use crate::sync::Syncer;
use crate::telemetry::{chain, Chain};

/// GitHub gives up on an answer after 10 s; we answer before that whatever Notion does.
pub const ANSWER_BUDGET: Duration = Duration::from_secs(9);

/// What a warm container holds once configured.
struct Setup {
    access: NotionAccess,
    /// Queue mode when set.
    queue: Option<DeliveryQueue>,
    github_checks: GitHubChecks,
}

impl Setup {
    fn from_env(env: &impl Env) -> Result<Self, SetupError> {
        let settings = NotionSettings::from_env(env)?;
        let secrets = SecretsProvider::from_env(env)?;
        Ok(Self {
            access: NotionAccess::new(settings, secrets),
            queue: DeliveryQueue::from_env(env).map_err(SetupError::Queue)?,
            github_checks: GitHubChecks::from_env(env)?,
        })
    }
}

/// The function's state for a warm container.
pub struct WebhookApp {
    setup: Kept<Setup>,
}

impl WebhookApp {
    pub fn from_env(env: &impl Env) -> Self {
        Self {
            setup: Kept::new("github-webhook", Setup::from_env(env)),
        }
    }

    /// Handles one delivery. `lambda_deadline` is the invocation's deadline, if known.
    pub async fn handle(
        &self,
        request: &HttpRequest,
        lambda_deadline: Option<Instant>,
    ) -> HttpResponse {
        let summary = Summary::new(request);
        answer(
            lambda_deadline,
            ANSWER_BUDGET,
            summary,
            async |deadline, summary| self.respond(request, deadline, summary).await,
        )
        .await
    }

    async fn respond(
        &self,
        request: &HttpRequest,
        deadline: Instant,
        summary: &mut Summary,
    ) -> HttpResponse {
        let body = match webhook::request_body(request) {
            Ok(body) => body,
            Err(error) => return rejection(error),
        };
        let setup = match self.setup.or_answer() {
            Ok(setup) => setup,
            Err(answer) => return answer,
        };
        let secrets = match setup.access.secrets.webhook_secrets().await {
            Ok(secrets) => secrets,
            Err(error) => {
                tracing::error!(error = %Chain(&error), "webhook secret unavailable");
                let message = format!("webhook secret unavailable: {}", Chain(&error));
                return HttpResponse::message(500, message);
            }
        };
        if let Err(error) =
            webhook::verify_signature(&secrets, &body, request.header("x-hub-signature-256"))
        {
            return rejection(error);
        }
        let event_name = match webhook::event_name(request.header("x-github-event")) {
            Ok(name) => name,
            Err(error) => return rejection(error),
        };
        let action =
            webhook::payload_json(&body, request.header("content-type")).and_then(|json| {
                let event = Event::parse(event_name, &json)?;
                summary.action = event.action().to_owned();
                event.sync_action()
            });
        let action = match action {
            Ok(action) => action,
            Err(error) => return rejection(error),
        };
        match action {
            SyncAction::Ping => HttpResponse::json(200, &json!({"message": "pong"})),
            SyncAction::Ignore { reason } => HttpResponse::json(202, &json!({"message": reason})),
            SyncAction::Upsert(item) => {
                summary.item(&item.repository, item.number);
                self.apply(setup, request, deadline, summary, WorkOp::Upsert { item })
                    .await
            }
            SyncAction::Archive { repository, number } => {
                summary.item(&repository, number);
                let op = WorkOp::Archive { repository, number };
                self.apply(setup, request, deadline, summary, op).await
            }
        }
    }

    /// Queue mode: enqueue the work; direct mode: sync it now.
    async fn apply(
        &self,
        setup: &Setup,
        request: &HttpRequest,
        deadline: Instant,
        summary: &mut Summary,
        op: WorkOp,
    ) -> HttpResponse {
        let Some(queue) = &setup.queue else {
            return self.sync(setup, deadline, summary, &op).await;
        };
        match queue
            .enqueue(request.header("x-github-delivery"), op, deadline)
            .await
        {
            Ok(message_id) => {
                summary.outcome = "queued";
                HttpResponse::json(202, &json!({ "queued": message_id }))
            }
            Err(error) => {
                tracing::warn!(error = %Chain(&error), "the delivery queue refused the delivery; GitHub will record a failed delivery");
                HttpResponse::message(503, format!("{}; try again later", Chain(&error)))
            }
        }
    }

    /// Runs one sync operation with the deadline-bound client, retrying once after a token
    /// refresh if Notion answers 401.
    async fn sync(
        &self,
        setup: &Setup,
        deadline: Instant,
        summary: &mut Summary,
        operation: &WorkOp,
    ) -> HttpResponse {
        let access = &setup.access;
        let client = match access.client().await {
            Ok(client) => client.with_deadline(deadline),
            Err(error) => return access_failure(&error),
        };
        let github = setup.github_checks.client(&access.secrets, deadline).await;
        // A 401 re-reads the secret once inside the client (`NotionClient::set_token_source`).
        let result = async {
            let schema = access.schema(&client).await?;
            let syncer = Syncer {
                notion: &client,
                database: &access.settings.database,
                schema,
            };
            operation
                .run(&syncer, github.as_ref(), false)
                .await
                .map_err(|source| AccessError::Notion {
                    context: "Notion sync failed",
                    source,
                })
        }
        .await;
        summary.notion_calls = client.calls();
        match result {
            Ok(result) => {
                summary.outcome = result.outcome.as_str();
                HttpResponse::json(
                    200,
                    &json!({"outcome": result.outcome, "page_id": result.page_id.map(|id| id.to_string())}),
                )
            }
            Err(error) => access_failure(&error),
        }
    }
}

fn rejection(error: WebhookError) -> HttpResponse {
    HttpResponse::message(error.status(), chain(&error))
}

fn access_failure(error: &AccessError) -> HttpResponse {
    if error.is_transient() {
        tracing::warn!(error = %Chain(error), "Notion unavailable within the time budget; GitHub will record a failed delivery");
        return HttpResponse::message(
            503,
            format!("Notion unavailable, try again later: {}", Chain(error)),
        );
    }
    tracing::error!(error = %Chain(error), "delivery failed");
    HttpResponse::message(500, chain(error))
}

/// The one log line per delivery.
struct Summary {
    delivery: String,
    event: String,
    action: String,
    repository: String,
    number: Option<u64>,
    outcome: &'static str,
    notion_calls: u64,
}

impl Summary {
    fn new(request: &HttpRequest) -> Self {
        Self {
            delivery: loggable(request.header("x-github-delivery")),
            // Logged even when the signature fails, so refusals can be told apart.
            event: loggable(request.header("x-github-event")),
            action: String::new(),
            repository: String::new(),
            number: None,
            outcome: "",
            notion_calls: 0,
        }
    }

    fn item(&mut self, repository: &str, number: u64) {
        self.repository = repository.to_owned();
        self.number = Some(number);
    }
}

impl RequestLog for Summary {
    fn log(&self, answered: &Answered) {
        tracing::info!(
            delivery = %self.delivery,
            event = %self.event,
            action = %self.action,
            repository = %self.repository,
            number = self.number,
            outcome = self.outcome,
            status = answered.status,
            notion_calls = self.notion_calls,
            duration_ms = answered.duration_ms,
            reason = %answered.reason,
            "delivery handled"
        );
    }
}

/// A header value as a log field: unverified input, so cut short.
fn loggable(value: Option<&str>) -> String {
    value.unwrap_or_default().chars().take(80).collect()
}
