//! Integration webhooks, as Notion sends them (<https://developers.notion.com/reference/webhooks>,
//! <https://developers.notion.com/reference/webhooks-events-delivery>): a subscription (URL +
//! verification token) registered by an admin call; the one unsigned verification POST
//! `{"verification_token": …}`; then, for every change of a database row, a signed event
//! (`X-Notion-Signature: sha256=<hex HMAC-SHA256 of the body keyed by the token>`) with
//! `authors` telling a person from our integration's bot (the token's bot user).
//!
//! Delivery is deterministic and test-controlled: events wait in a queue until the test flushes
//! them ([`Emulator::deliver_webhooks`]) or takes them to send itself, reordered, duplicated or
//! late ([`Emulator::take_webhook_events`], [`Emulator::send_webhook_event`]). With aggregation
//! on, property updates of one page merge into one event (authors and properties united,
//! latest timestamp), as Notion batches edits made close together. A person's edit (what a user
//! does in the UI) goes through [`Emulator::edit_as_person`]: the same validation as the API,
//! but the event's author is that person.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

use super::context::{ApiVersion, Ctx};
use super::errors::ApiError;
use super::ids;
use super::pages;
use super::state::{lock, Parent, SharedState, State};
use super::Emulator;

/// The person a [`Emulator::edit_as_person`] without an explicit id acts as.
pub const DEFAULT_PERSON_ID: &str = "6f1b3c1e-5a55-4c4e-9a0e-0f2d9e1c7a11";

/// The subscription a test registered.
#[derive(Clone, Debug)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub verification_token: String,
}

/// One event waiting to be delivered.
#[derive(Clone, Debug)]
struct Pending {
    id: String,
    kind: &'static str,
    page_id: String,
    database_id: String,
    authors: Vec<(String, &'static str)>,
    updated_properties: Vec<String>,
    timestamp: time::OffsetDateTime,
}

/// What the emulator knows about webhooks; lives in the workspace state.
#[derive(Clone, Debug, Default)]
pub struct Webhooks {
    subscription: Option<Subscription>,
    pending: Vec<Pending>,
    /// Merge property updates of one page into one pending event.
    pub aggregate: bool,
    /// Set while a person's edit is applied: the author of the events it raises.
    acting_person: Option<String>,
    integration_id: String,
    /// Pages a person edited last (page id → person id); our bot's writes clear the entry.
    editors: std::collections::HashMap<String, String>,
}

/// One delivery attempt the emulator made, for assertions.
#[derive(Clone, Debug)]
pub struct Sent {
    pub body: Value,
    pub status: u16,
    pub answer: String,
}

impl Webhooks {
    fn author(&self, st_bot: &str) -> (String, &'static str) {
        match &self.acting_person {
            Some(person) => (person.clone(), "person"),
            None => (st_bot.to_string(), "bot"),
        }
    }
}

/// Called by `pages::create` after a page is stored.
pub fn page_created(st: &mut State, page_id: &str) {
    record(st, page_id, "page.created", Vec::new());
}

/// Called by `pages::update` after a page is stored, with the ids of the properties it set.
pub fn page_updated(st: &mut State, page_id: &str, property_ids: Vec<String>) {
    match st.webhooks.acting_person.clone() {
        Some(person) => st.webhooks.editors.insert(page_id.to_string(), person),
        None => st.webhooks.editors.remove(page_id),
    };
    if property_ids.is_empty() {
        return;
    }
    record(st, page_id, "page.properties_updated", property_ids);
}

fn record(st: &mut State, page_id: &str, kind: &'static str, property_ids: Vec<String>) {
    if st.webhooks.subscription.is_none() {
        return;
    }
    let Some(Parent::DataSource { database_id, .. }) =
        st.pages.get(page_id).map(|p| p.parent.clone())
    else {
        return;
    };
    let author = st.webhooks.author(&st.settings.bot_user_id);
    let timestamp = st.now();
    // Notion URL-encodes property ids in `updated_properties` (`XGe%40`).
    let encoded: Vec<String> = property_ids.iter().map(|id| percent_encode(id)).collect();
    if st.webhooks.aggregate && kind == "page.properties_updated" {
        if let Some(open) = st
            .webhooks
            .pending
            .iter_mut()
            .find(|p| p.page_id == page_id && p.kind == kind)
        {
            if !open.authors.contains(&author) {
                open.authors.push(author);
            }
            for id in encoded {
                if !open.updated_properties.contains(&id) {
                    open.updated_properties.push(id);
                }
            }
            open.timestamp = timestamp;
            return;
        }
    }
    let id = st.new_id();
    st.webhooks.pending.push(Pending {
        id,
        kind,
        page_id: page_id.to_string(),
        database_id,
        authors: vec![author],
        updated_properties: encoded,
        timestamp,
    });
}

fn percent_encode(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The event body Notion would send.
fn event_json(st: &State, subscription: &Subscription, event: &Pending, attempt: u32) -> Value {
    let authors: Vec<Value> = event
        .authors
        .iter()
        .map(|(id, kind)| json!({"id": id, "type": kind}))
        .collect();
    let mut data = json!({"parent": {"id": event.database_id, "type": "database"}});
    if event.kind == "page.properties_updated" {
        data["updated_properties"] = json!(event.updated_properties);
    }
    json!({
        "id": event.id,
        "timestamp": event.timestamp.format(&Rfc3339).unwrap_or_default(),
        "workspace_id": st.settings.workspace_id,
        "workspace_name": st.settings.workspace_name,
        "subscription_id": subscription.id,
        "integration_id": st.webhooks.integration_id,
        "type": event.kind,
        "authors": authors,
        "accessible_by": [{"id": st.settings.bot_user_id, "type": "bot"}],
        "attempt_number": attempt,
        "entity": {"id": event.page_id, "type": "page"},
        "data": data,
    })
}

/// `sha256=<hex>` as Notion signs.
pub fn sign(token: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mac = Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes())
        .map(|m| m.chain_update(body).finalize().into_bytes())
        .unwrap_or_default();
    format!("sha256={}", hex::encode(mac))
}

async fn post(url: &str, body: &Value, signature: Option<String>) -> Sent {
    let bytes = body.to_string();
    let client = reqwest::Client::new();
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "notion-api");
    if let Some(signature) = signature {
        request = request.header("x-notion-signature", signature);
    }
    match request.body(bytes).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let answer = response.text().await.unwrap_or_default();
            Sent {
                body: body.clone(),
                status,
                answer,
            }
        }
        Err(error) => Sent {
            body: body.clone(),
            status: 0,
            answer: error.to_string(),
        },
    }
}

/// Registers the subscription (replacing any); a token is generated unless given.
pub fn subscribe(state: &SharedState, url: &str, verification_token: Option<&str>) -> Subscription {
    let mut st = lock(state);
    let token = verification_token
        .map(str::to_string)
        .unwrap_or_else(|| ids::token(&mut st.rng, "secret_"));
    let subscription = Subscription {
        id: st.new_id(),
        url: url.to_string(),
        verification_token: token,
    };
    st.webhooks.integration_id = st.new_id();
    st.webhooks.subscription = Some(subscription.clone());
    subscription
}

/// Sends the subscription's verification request (unsigned), as Notion does once.
pub async fn send_verification(state: &SharedState) -> Sent {
    let subscription = lock(state).webhooks.subscription.clone();
    let Some(subscription) = subscription else {
        return no_subscription();
    };
    let body = json!({"verification_token": subscription.verification_token});
    post(&subscription.url, &body, None).await
}

/// Takes the waiting events as the bodies Notion would send (attempt 1), oldest first.
pub fn take_events(state: &SharedState) -> Vec<Value> {
    let mut st = lock(state);
    let pending = std::mem::take(&mut st.webhooks.pending);
    let Some(subscription) = st.webhooks.subscription.clone() else {
        return Vec::new();
    };
    pending
        .iter()
        .map(|event| event_json(&st, &subscription, event, 1))
        .collect()
}

/// Signs `body` with the subscription's token and POSTs it to the subscription's URL.
pub async fn send_event(state: &SharedState, body: &Value) -> Sent {
    let subscription = lock(state).webhooks.subscription.clone();
    let Some(subscription) = subscription else {
        return no_subscription();
    };
    let signature = sign(
        &subscription.verification_token,
        body.to_string().as_bytes(),
    );
    post(&subscription.url, body, Some(signature)).await
}

/// Delivers every waiting event in order, one at a time; returns each attempt.
pub async fn deliver(state: &SharedState) -> Vec<Sent> {
    let mut sent = Vec::new();
    for body in take_events(state) {
        sent.push(send_event(state, &body).await);
    }
    sent
}

/// Applies a person's edit (see [`Emulator::edit_as_person`]).
pub fn edit_as_person(
    st: &mut State,
    page_id: &str,
    person_id: Option<&str>,
    properties: Value,
) -> Result<Value, ApiError> {
    st.webhooks.acting_person = Some(person_id.unwrap_or(DEFAULT_PERSON_ID).to_string());
    let ctx = Ctx {
        version: ApiVersion::V2022_06_28,
        body: json!({ "properties": properties }),
    };
    let result = pages::update(st, &ctx, page_id);
    st.webhooks.acting_person = None;
    result
}

impl Emulator {
    /// Registers the subscription (replacing any); a token is generated unless given.
    pub fn subscribe_webhooks(&self, url: &str, verification_token: Option<&str>) -> Subscription {
        subscribe(&self.state, url, verification_token)
    }

    /// Sends the subscription's verification request (unsigned), as Notion does once.
    pub async fn send_webhook_verification(&self) -> Sent {
        send_verification(&self.state).await
    }

    /// Turns aggregation of property updates on or off.
    pub fn aggregate_webhooks(&self, on: bool) {
        lock(&self.state).webhooks.aggregate = on;
    }

    /// Events waiting to be delivered.
    pub fn pending_webhooks(&self) -> usize {
        lock(&self.state).webhooks.pending.len()
    }

    /// Takes the waiting events as the bodies Notion would send (attempt 1), without sending.
    pub fn take_webhook_events(&self) -> Vec<Value> {
        take_events(&self.state)
    }

    /// Signs `body` with the subscription's token and POSTs it to the subscription's URL.
    pub async fn send_webhook_event(&self, body: &Value) -> Sent {
        send_event(&self.state, body).await
    }

    /// Delivers every waiting event in order, one at a time; returns each attempt.
    pub async fn deliver_webhooks(&self) -> Vec<Sent> {
        deliver(&self.state).await
    }

    /// Edits a page's properties as person `person_id` (default [`DEFAULT_PERSON_ID`]) would in
    /// Notion's UI: the same validation as `PATCH /v1/pages/{id}`, events naming that person.
    pub fn edit_as_person(
        &self,
        page_id: &str,
        person_id: Option<&str>,
        properties: Value,
    ) -> Result<Value, ApiError> {
        edit_as_person(&mut lock(&self.state), page_id, person_id, properties)
    }

    /// The integration's bot user id (the `authors` id of our own writes).
    pub fn bot_user_id(&self) -> String {
        lock(&self.state).settings.bot_user_id.clone()
    }
}

fn no_subscription() -> Sent {
    Sent {
        body: Value::Null,
        status: 0,
        answer: "no webhook subscription".into(),
    }
}

/// The page's `last_edited_by`: the person who edited it last, else `bot` (our integration).
pub fn last_edited_by(st: &State, page_id: &str, bot: Value) -> Value {
    match st.webhooks.editors.get(page_id) {
        Some(person) => json!({"object": "user", "id": person}),
        None => bot,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_ids_are_url_encoded_like_notion_sends_them() {
        assert_eq!(percent_encode("XGe@"), "XGe%40");
        assert_eq!(percent_encode("title"), "title");
    }

    #[test]
    fn signatures_are_hex_hmac_sha256_of_the_body() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231 style vector.
        assert_eq!(
            sign("key", b"The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
