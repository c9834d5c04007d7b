//! The `notion-webhook` function (a Function URL, two-way sync): a person's edit of a page in
//! Notion becomes at most one `PATCH` of the GitHub issue. Entry point:
//! [`NotionWebhookApp::from_env`] once, [`NotionWebhookApp::handle`] per request.
//!
//! Order matters (Notion's reference: <https://developers.notion.com/reference/webhooks>):
//! 1. the body is size-checked; an UNSIGNED body is only ever read as the subscription's
//!    handshake `{"verification_token": …}`, which is stored in the secret as
//!    `notion_webhook_secret` (read, merge, put) and answered 200 — unless a token is already
//!    configured (409: a stranger must not replace it);
//! 2. every other request needs `X-Notion-Signature`, checked in constant time over the raw
//!    body before anything parses it (401 otherwise, nothing touched);
//! 3. only `page.created` / `page.properties_updated` of pages are looked at (202 otherwise);
//!    events whose authors are all our own bot are ignored at no cost (our writes, no echo);
//!    an event id seen before in this container is answered at once;
//! 4. the page is read and must be a row of our database; the GitHub issue is read; one PATCH
//!    carries only the touched fields that differ ([`crate::sync::writeback`]) — unless GitHub
//!    changed one of them after the Notion edit (`updated_at` later than the event `timestamp`,
//!    then the event log decides, see `write`): GitHub wins and nothing is written.
//!
//! notion-webhook never writes Notion: the PATCH makes GitHub send a delivery that
//! github-webhook (and its queue, in queue mode) applies like any other, and finds the page
//! already holding the values (`unchanged`). So Notion-side and GitHub-side writes of one issue
//! cannot race here.
//!
//! Calls per person edit, warm container: Notion 1 (the page), GitHub 1 read + at most 1 write
//! (+1 milestone list when a milestone is set by name, +1 event log when GitHub changed after
//! the Notion edit). A cold container adds `users/me` and the
//! database read (2025-09-03: + its data source) and one secret read.

mod memory;
mod setup;
mod summary;
mod write;

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use memory::Memory;
pub use setup::PROPERTY_MILESTONE;
use setup::{PartError, Setup};
use summary::{loggable, Summary};
use write::{answer, github_failure};

use crate::config::Env;
use crate::github::webhook as github_webhook;
use crate::handler::access::AccessError;
use crate::handler::request;
use crate::handler::setup::Kept;
use crate::http::{HttpRequest, HttpResponse};
use crate::notion::webhook::{self, ids_equal, Delivery, Event, EventType};
use crate::notion::{NotionClient, Page, PageId};
use crate::secrets::KEY_NOTION_WEBHOOK_SECRET;
use crate::telemetry::{chain, Chain};

/// Notion waits a few seconds for an answer and retries later; answer well within that.
pub const ANSWER_BUDGET: Duration = Duration::from_secs(9);
/// An unsigned body larger than this is refused without being parsed.
const MAX_HANDSHAKE_BYTES: usize = 4096;

/// The function's state for a warm container.
pub struct NotionWebhookApp {
    setup: Kept<Setup>,
    memory: Memory,
}

impl NotionWebhookApp {
    pub fn from_env(env: &impl Env) -> Self {
        Self {
            setup: Kept::new("notion-webhook", Setup::from_env(env)),
            memory: Memory::default(),
        }
    }

    /// Handles one request. `lambda_deadline` is the invocation's deadline, if known.
    pub async fn handle(
        &self,
        request: &HttpRequest,
        lambda_deadline: Option<Instant>,
    ) -> HttpResponse {
        let summary = Summary::default();
        request::answer(
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
        let body = match github_webhook::request_body(request) {
            Ok(body) => body,
            Err(error) => return HttpResponse::message(error.status(), chain(&error)),
        };
        let setup = match self.setup.or_answer() {
            Ok(setup) => setup,
            Err(answer) => return answer,
        };
        let signature = request
            .header(webhook::SIGNATURE_HEADER)
            .filter(|s| !s.trim().is_empty());
        let Some(signature) = signature else {
            return self.unsigned(setup, &body, summary).await;
        };
        if let Err(response) = self.verify(setup, &body, signature).await {
            return response;
        }
        let event = match Delivery::parse(&body) {
            Ok(Delivery::Event(event)) => event,
            Ok(Delivery::Verification { .. }) => {
                return HttpResponse::message(
                    409,
                    "a signed verification request: the subscription is already verified",
                )
            }
            Err(error) => {
                return HttpResponse::message(
                    400,
                    format!("invalid Notion webhook event: {}", Chain(&error)),
                )
            }
        };
        summary.event_id = loggable(&event.id);
        summary.event_type = loggable(event.kind.as_str());
        summary.page_id = loggable(&event.entity.id);
        if self.memory.seen_before(&event.id) {
            summary.outcome = "duplicate";
            return answer(summary);
        }
        let result = self.event(setup, &event, deadline, summary).await;
        match result {
            Ok(response) => {
                if response.status_code < 300 {
                    self.memory.remember(&event.id);
                }
                response
            }
            Err(error) => failure(&error),
        }
    }

    /// An unsigned POST: the handshake (a few dozen bytes; nothing bigger is even parsed), or
    /// a 401.
    async fn unsigned(&self, setup: &Setup, body: &[u8], summary: &mut Summary) -> HttpResponse {
        let handshake = (body.len() <= MAX_HANDSHAKE_BYTES)
            .then(|| Delivery::parse(body).ok())
            .flatten();
        let Some(Delivery::Verification { verification_token }) = handshake else {
            return HttpResponse::message(401, webhook::SignatureError::Missing.to_string());
        };
        summary.event_type = "verification".into();
        let secrets = setup.secrets();
        let configured = match setup.webhook_token(true).await {
            Ok(token) => token.is_some(),
            Err(error) => {
                return HttpResponse::message(
                    500,
                    format!("secrets unavailable: {}", Chain(&error)),
                )
            }
        };
        if configured {
            tracing::warn!("a verification request arrived but a verification token is already configured; it was NOT replaced");
            return HttpResponse::message(
                409,
                format!("a verification token is already configured; to accept a new subscription, remove the key {KEY_NOTION_WEBHOOK_SECRET} from the secret (or unset NOTION_WEBHOOK_SECRET) and resend the verification from Notion"),
            );
        }
        if let Err(error) = secrets
            .store_notion_webhook_secret(verification_token.trim())
            .await
        {
            tracing::error!(error = %Chain(&error), "could not store the Notion webhook verification token");
            return HttpResponse::message(
                500,
                format!(
                    "the verification token could not be stored: {}",
                    Chain(&error)
                ),
            );
        }
        let secret_id = secrets.secret_id().unwrap_or_default();
        tracing::info!(
            secret_id = %secret_id,
            key = KEY_NOTION_WEBHOOK_SECRET,
            "stored the Notion webhook verification token; read it with `aws secretsmanager get-secret-value --secret-id <secret_id> --query SecretString --output text` and paste the notion_webhook_secret value into the integration's Webhooks tab in Notion to verify the subscription"
        );
        summary.outcome = "verification_stored";
        HttpResponse::json(
            200,
            &json!({"outcome": "verification_stored", "secret_key": KEY_NOTION_WEBHOOK_SECRET}),
        )
    }

    /// The signature check; the secret is re-read once (rate-limited) before refusing, in case
    /// another container just stored the token.
    async fn verify(
        &self,
        setup: &Setup,
        body: &[u8],
        signature: &str,
    ) -> Result<(), HttpResponse> {
        let unavailable = |error: crate::secrets::Error| {
            HttpResponse::message(500, format!("secrets unavailable: {}", Chain(&error)))
        };
        let mut refreshed = false;
        loop {
            let token = setup.webhook_token(refreshed).await.map_err(unavailable)?;
            let verdict = match token.as_deref() {
                Some(token) => webhook::verify_signature(token, body, Some(signature)),
                None => Err(webhook::SignatureError::Invalid),
            };
            match verdict {
                Ok(()) => return Ok(()),
                Err(_) if !refreshed => refreshed = true,
                Err(error) => {
                    let message = match token {
                        Some(_) => chain(&error),
                        None => format!("no verification token is stored yet (secret key {KEY_NOTION_WEBHOOK_SECRET}); create the subscription so Notion sends its verification request first"),
                    };
                    return Err(HttpResponse::message(401, message));
                }
            }
        }
    }

    /// A verified event.
    async fn event(
        &self,
        setup: &Setup,
        event: &Event,
        deadline: Instant,
        summary: &mut Summary,
    ) -> Result<HttpResponse, PartError> {
        if !matches!(
            event.kind,
            EventType::PageCreated | EventType::PagePropertiesUpdated
        ) || event.entity.kind != "page"
        {
            return Ok(ignored(
                summary,
                "ignored",
                "an event type two-way sync does not act on",
            ));
        }
        if !event.may_be_a_row() || !event.may_be_in(setup.access.settings.database.as_str()) {
            return Ok(ignored(
                summary,
                "ignored",
                "not a row of the synced database",
            ));
        }
        let notion = setup.notion(deadline).await?;
        let result = self
            .page_event(setup, &notion, event, deadline, summary)
            .await;
        summary.notion_calls = notion.calls();
        result
    }

    async fn page_event(
        &self,
        setup: &Setup,
        notion: &NotionClient,
        event: &Event,
        deadline: Instant,
        summary: &mut Summary,
    ) -> Result<HttpResponse, PartError> {
        let bot_id = setup.bot_id(notion).await?;
        if event.only_by(bot_id) {
            return Ok(ignored(
                summary,
                "own_write",
                "an edit made by notion-relay itself",
            ));
        }
        let schema = setup.schema(notion).await?;
        let touched = match (&event.kind, &event.data.updated_properties) {
            (EventType::PagePropertiesUpdated, Some(ids)) => {
                let touched = schema.touched(ids);
                if touched.is_empty() {
                    return Ok(ignored(
                        summary,
                        "ignored",
                        "no property two-way sync writes was edited",
                    ));
                }
                Some(touched)
            }
            _ => None,
        };
        let page = notion
            .retrieve_page(&PageId::new(&event.entity.id))
            .await
            .map_err(|source| AccessError::Notion {
                context: "cannot read the edited page",
                source,
            })?;
        if !in_database(&page, setup.access.settings.database.as_str()) || page.is_archived() {
            return Ok(ignored(
                summary,
                "ignored",
                "not a live row of the synced database",
            ));
        }
        // Issues are not created from Notion: a row a person made by hand is left alone.
        if event.kind == EventType::PageCreated
            && !page
                .created_by
                .as_deref()
                .is_some_and(|c| ids_equal(c, bot_id))
        {
            tracing::warn!(page_id = %page.id, "a row made by hand in Notion is not written to GitHub (issues are created on GitHub)");
            return Ok(ignored(
                summary,
                "ignored",
                "a row made by hand in Notion is not written to GitHub",
            ));
        }
        let bindings = schema.bindings();
        let Some((repository, number)) = bindings.key(&page) else {
            return Ok(ignored(
                summary,
                "ignored",
                "the page has no Repository and Issue # to write to",
            ));
        };
        summary.repository = repository.clone();
        summary.number = Some(number);
        let github = setup.github(deadline).await?;
        let result = write::write_back(
            &self.memory,
            &github,
            &page,
            &bindings,
            touched.as_ref(),
            event,
            &repository,
            number,
            summary,
        )
        .await;
        summary.github_calls = github.call_count();
        match result {
            Ok(response) => Ok(response),
            Err(error) => Ok(github_failure(&error, summary)),
        }
    }
}

/// The page's parent is our database (2022-06-28 `database_id`; 2025-09-03 also names it).
fn in_database(page: &Page, database_id: &str) -> bool {
    page.parent
        .get("database_id")
        .and_then(|v| v.as_str())
        .is_some_and(|id| ids_equal(id, database_id))
}

/// 202: the event asks nothing of two-way sync (`outcome` says why).
fn ignored(summary: &mut Summary, outcome: &'static str, message: &str) -> HttpResponse {
    summary.outcome = outcome;
    HttpResponse::json(202, &json!({"outcome": outcome, "message": message}))
}

fn failure(error: &PartError) -> HttpResponse {
    match error {
        PartError::Access(access) if access.is_transient() => {
            tracing::warn!(error = %Chain(access), "Notion unavailable within the time budget; Notion will retry the event");
            HttpResponse::message(
                503,
                format!("Notion unavailable, try again later: {}", Chain(access)),
            )
        }
        other => {
            tracing::error!(error = %Chain(other), "event failed");
            HttpResponse::message(500, chain(other))
        }
    }
}

#[cfg(test)]
mod tests;
