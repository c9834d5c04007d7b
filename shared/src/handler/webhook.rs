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
use super::existence::DeletionCheck;
use crate::config::{self, ConfigError};
use crate::github::{webhook, Event, SyncAction, WebhookError};
use crate::http::{HttpRequest, HttpResponse};
use crate::queue::{DeliveryQueue, WorkOp};
use crate::secrets::SecretsProvider;
use crate::sync::Syncer;

/// GitHub gives up on an answer after 10 s; we answer before that whatever Notion does.
pub const ANSWER_BUDGET: Duration = Duration::from_secs(9);
/// Room kept before the Lambda deadline to serialize and send the answer.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(500);

/// The function's state for a warm container.
pub struct WebhookApp {
    /// A configuration error is kept, not fatal: every delivery gets a 500 naming it, so GitHub
    /// shows the problem in its delivery log.
    setup: Result<NotionAccess, String>,
    /// Queue mode when set.
    queue: Option<DeliveryQueue>,
    deletions: DeletionCheck,
}

impl WebhookApp {
    pub fn from_env() -> Self {
        Self::from_env_in(&config::process_env)
    }

    pub fn from_env_in(env: &impl Fn(&str) -> Option<String>) -> Self {
        let setup = NotionSettings::from_env_in(env)
            .map_err(|e: ConfigError| e.to_string())
            .and_then(|settings| {
                let secrets = SecretsProvider::from_env_in(env).map_err(|e| e.to_string())?;
                Ok(NotionAccess::new(settings, secrets))
            });
        let (setup, queue) = match DeliveryQueue::from_env_in(env) {
            Ok(queue) => (setup, queue),
            Err(error) => (
                Err(format!("the delivery queue cannot be used: {error}")),
                None,
            ),
        };
        if let Err(message) = &setup {
            tracing::error!(error = %message, "github-webhook is not configured; every delivery will get 500");
        }
        let deletions = DeletionCheck::from_env_in(env);
        Self {
            setup,
            queue,
            deletions,
        }
    }

    /// Handles one delivery. `lambda_deadline` is the invocation's deadline, if known.
    pub async fn handle(
        &self,
        request: &HttpRequest,
        lambda_deadline: Option<Instant>,
    ) -> HttpResponse {
        let started = Instant::now();
        let deadline = crate::telemetry::work_deadline(
            started,
            lambda_deadline,
            ANSWER_BUDGET,
            DEADLINE_MARGIN,
        );
        let mut summary = Summary::new(request);
        let response = self.respond(request, deadline, &mut summary).await;
        summary.log(&response, started.elapsed());
        response
    }

    async fn respond(
        &self,
        request: &HttpRequest,
        deadline: Instant,
        summary: &mut Summary,
    ) -> HttpResponse {
        let body = match webhook::decode_body(
            request.body.as_deref().unwrap_or_default().as_bytes(),
            request.is_base64_encoded,
        ) {
            Ok(body) => body,
            Err(error) => return rejection(error),
        };
        let access = match &self.setup {
            Ok(access) => access,
            Err(message) => return HttpResponse::message(500, message.clone()),
        };
        let secrets = match access.secrets.webhook_secrets().await {
            Ok(secrets) => secrets,
            Err(error) => {
                tracing::error!(error = %error, "webhook secret unavailable");
                return HttpResponse::message(500, format!("webhook secret unavailable: {error}"));
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
                summary.action = action_of(&json);
                Event::parse(event_name, &json)?.sync_action()
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
                self.apply(access, request, deadline, summary, WorkOp::Upsert { item })
                    .await
            }
            SyncAction::Archive {
                repository, number, ..
            } => {
                summary.item(&repository, number);
                let op = WorkOp::Archive { repository, number };
                self.apply(access, request, deadline, summary, op).await
            }
        }
    }

    /// Queue mode: enqueue the work; direct mode: sync it now.
    async fn apply(
        &self,
        access: &NotionAccess,
        request: &HttpRequest,
        deadline: Instant,
        summary: &mut Summary,
        op: WorkOp,
    ) -> HttpResponse {
        let Some(queue) = &self.queue else {
            return self.sync(access, deadline, summary, &op).await;
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
                tracing::warn!(error = %error, "the delivery queue refused the delivery; GitHub will record a failed delivery");
                HttpResponse::message(503, format!("{error}, try again later"))
            }
        }
    }

    /// Runs one sync operation with the deadline-bound client, retrying once after a token
    /// refresh if Notion answers 401.
    async fn sync(
        &self,
        access: &NotionAccess,
        deadline: Instant,
        summary: &mut Summary,
        operation: &WorkOp,
    ) -> HttpResponse {
        let client = match access.client().await {
            Ok(client) => client.with_deadline(deadline),
            Err(error) => return access_failure(&error),
        };
        let github = self.deletions.client(&access.secrets, deadline).await;
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

/// The payload's `action`, for the log line only.
fn action_of(json: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Action {
        action: Option<String>,
    }
    serde_json::from_slice::<Action>(json)
        .ok()
        .and_then(|a| a.action)
        .unwrap_or_default()
}

fn rejection(error: WebhookError) -> HttpResponse {
    HttpResponse::message(error.status(), error.to_string())
}

fn access_failure(error: &AccessError) -> HttpResponse {
    if error.is_transient() {
        tracing::warn!(error = %error, "Notion unavailable within the time budget; GitHub will record a failed delivery");
        return HttpResponse::message(503, format!("Notion unavailable, try again later: {error}"));
    }
    tracing::error!(error = %error, "delivery failed");
    HttpResponse::message(500, error.to_string())
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

    fn log(&self, response: &HttpResponse, elapsed: Duration) {
        let status = response.status_code;
        // The answer's message says why a delivery was refused or failed; it never holds a secret.
        let reason = (status >= 300)
            .then(|| serde_json::from_str::<serde_json::Value>(&response.body).ok())
            .flatten()
            .and_then(|body| {
                body.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        tracing::info!(
            delivery = %self.delivery,
            event = %self.event,
            action = %self.action,
            repository = %self.repository,
            number = self.number,
            outcome = self.outcome,
            status,
            notion_calls = self.notion_calls,
            duration_ms = elapsed.as_millis() as u64,
            reason = %reason,
            "delivery handled"
        );
    }
}

/// A header value as a log field: unverified input, so cut short.
fn loggable(value: Option<&str>) -> String {
    value.unwrap_or_default().chars().take(80).collect()
}
