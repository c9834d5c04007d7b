//! Notion's integration webhooks: the signature check over the raw body and the event types we
//! read. Entry points, in the order the handler applies them: [`verify_signature`], then
//! [`Delivery::parse`].
//!
//! Facts from Notion's reference (<https://developers.notion.com/reference/webhooks> and
//! <https://developers.notion.com/reference/webhooks-events-delivery>):
//! - creating a subscription makes Notion POST `{"verification_token": "secret_…"}` once,
//!   unsigned; the user pastes that token into the integration's Webhooks tab to verify it;
//! - every later event carries `X-Notion-Signature: sha256=<hex HMAC-SHA256 of the raw body,
//!   keyed by the verification token>`;
//! - an event is `{id, timestamp, workspace_id, subscription_id, integration_id, type,
//!   authors: [{id, type: person | bot | agent}], entity: {id, type}, data: {parent,
//!   updated_properties, …}, attempt_number}`; it carries no content (fetch the page), and may
//!   arrive late, out of order, aggregated (several edits, several authors) and up to 8 times.
//!
//! Unknown event types and author types still parse (`Unknown`), so a new Notion event is
//! answered "ignored" instead of "invalid".

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// Header carrying `sha256=<hex>`; under HTTP API header names arrive lowercased.
pub const SIGNATURE_HEADER: &str = "x-notion-signature";

/// Why an event was refused before anything else happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing X-Notion-Signature header")]
    Missing,
    #[error(
        "X-Notion-Signature does not match the body under the subscription's verification token"
    )]
    Invalid,
}

/// Checks `X-Notion-Signature` against the raw body, in constant time (`verify_slice`). A blank
/// token matches nothing: we fail closed.
pub fn verify_signature(
    token: &str,
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(SignatureError::Missing)?;
    let expected = header
        .strip_prefix("sha256=")
        .and_then(|hex_mac| hex::decode(hex_mac.trim()).ok())
        .ok_or(SignatureError::Invalid)?;
    if token.is_empty() {
        return Err(SignatureError::Invalid);
    }
    let mut mac =
        Hmac::<Sha256>::new_from_slice(token.as_bytes()).map_err(|_| SignatureError::Invalid)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Invalid)
}

/// `sha256=<hex>` of `body` under `token`, as Notion signs (tests and the emulator use it).
pub fn sign(token: &str, body: &[u8]) -> String {
    let mac = Hmac::<Sha256>::new_from_slice(token.as_bytes())
        .map(|mac| mac.chain_update(body).finalize().into_bytes())
        .unwrap_or_default();
    format!("sha256={}", hex::encode(mac))
}

/// What a (verified or handshake) POST holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The subscription's one-time handshake.
    Verification {
        verification_token: String,
    },
    Event(Box<Event>),
}

impl Delivery {
    /// Reads the body; an object with `verification_token` is the handshake, anything else
    /// must be an event.
    pub fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Handshake {
            verification_token: String,
        }
        if let Ok(handshake) = serde_json::from_slice::<Handshake>(body) {
            return Ok(Delivery::Verification {
                verification_token: handshake.verification_token,
            });
        }
        serde_json::from_slice::<Event>(body).map(|e| Delivery::Event(Box::new(e)))
    }
}

/// One webhook event (see the module docs for the shape).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event {
    pub id: String,
    /// When the (last aggregated) change happened, RFC 3339 with milliseconds.
    pub timestamp: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    #[serde(default)]
    pub workspace_id: Option<String>,
    #[serde(default)]
    pub subscription_id: Option<String>,
    #[serde(default)]
    pub integration_id: Option<String>,
    #[serde(default)]
    pub authors: Vec<Author>,
    pub entity: Entity,
    #[serde(default)]
    pub data: EventData,
    #[serde(default)]
    pub attempt_number: Option<u32>,
}

/// The event types notion-relay acts on; every other one is `Unknown`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventType {
    PageCreated,
    PagePropertiesUpdated,
    Unknown(String),
}

impl EventType {
    pub fn as_str(&self) -> &str {
        match self {
            EventType::PageCreated => "page.created",
            EventType::PagePropertiesUpdated => "page.properties_updated",
            EventType::Unknown(other) => other,
        }
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(match name.as_str() {
            "page.created" => EventType::PageCreated,
            "page.properties_updated" => EventType::PagePropertiesUpdated,
            _ => EventType::Unknown(name),
        })
    }
}

/// Who made a change: a person, a bot (an integration; ours among them), or something newer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Author {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: AuthorType,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AuthorType {
    Person,
    Bot,
    #[default]
    Unknown,
    Other(String),
}

impl<'de> Deserialize<'de> for AuthorType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(match name.as_str() {
            "person" => AuthorType::Person,
            "bot" => AuthorType::Bot,
            _ => AuthorType::Other(name),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Entity {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// `data`: where the entity lives and, for property updates, which properties changed (by
/// property id, URL-encoded as Notion sends them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct EventData {
    pub parent: Option<EventParent>,
    pub updated_properties: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EventParent {
    pub id: String,
    /// `database`, `data_source`, `page`, `space`, …
    #[serde(rename = "type", default)]
    pub kind: String,
}

impl Event {
    /// Whether every author is the bot `bot_id` (our own write): such an event costs nothing.
    /// An event without authors is not ours (we cannot tell, so it is looked at).
    pub fn only_by(&self, bot_id: &str) -> bool {
        !self.authors.is_empty() && self.authors.iter().all(|a| ids_equal(&a.id, bot_id))
    }

    /// Whether the parent named in the event can hold a database row at all. An event for a
    /// page under a page or the workspace is ignored without a call; one without a parent, or
    /// under a database or data source, is checked against the page itself.
    pub fn may_be_a_row(&self) -> bool {
        match &self.data.parent {
            Some(parent) => matches!(parent.kind.as_str(), "database" | "data_source" | ""),
            None => true,
        }
    }
}

impl Event {
    /// False only when the event names a parent database that is not `database_id` (an event
    /// of another database costs no call); a data source parent is checked on the page itself.
    pub fn may_be_in(&self, database_id: &str) -> bool {
        match &self.data.parent {
            Some(parent) if parent.kind == "database" => ids_equal(&parent.id, database_id),
            _ => true,
        }
    }
}

/// Notion ids compare without dashes or case.
pub fn ids_equal(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests;
