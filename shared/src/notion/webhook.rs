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
mod tests {
    use super::*;
    use serde_json::json;

    const TOKEN: &str = "secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl";

    fn event_json() -> serde_json::Value {
        // The shape of Notion's page.properties_updated example (webhooks-events-delivery).
        json!({
            "id": "367cba44-b6f3-4c92-81e7-6a2e9659efd4",
            "timestamp": "2024-12-05T23:55:34.285Z",
            "workspace_id": "13950b26-c203-4f3b-b97d-93ec06319565",
            "workspace_name": "Quantify Labs",
            "subscription_id": "29d75c0d-5546-4414-8459-7b7a92f1fc4b",
            "integration_id": "0ef2e755-4912-8096-91c1-00376a88a5ca",
            "type": "page.properties_updated",
            "authors": [{"id": "c7c11cca-1d73-471d-9b6e-bdef51470190", "type": "person"}],
            "accessible_by": [{"id": "556a1abf-4f08-40c6-878a-75890d2a88ba", "type": "person"}],
            "attempt_number": 1,
            "entity": {"id": "153104cd-477e-809d-8dc4-ff2d96ae3090", "type": "page"},
            "data": {
                "parent": {"id": "13950b26-c203-4f3b-b97d-93ec06319565", "type": "database"},
                "updated_properties": ["XGe%40", "bDf%5B", "DbAu"]
            }
        })
    }

    #[test]
    fn a_signature_over_the_raw_body_verifies_and_any_other_does_not() {
        let body = event_json().to_string().into_bytes();
        let header = sign(TOKEN, &body);
        assert!(header.starts_with("sha256="));
        assert_eq!(verify_signature(TOKEN, &body, Some(&header)), Ok(()));
        let mut tampered = body.clone();
        tampered[10] ^= 1;
        assert_eq!(
            verify_signature(TOKEN, &tampered, Some(&header)),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify_signature("secret_other", &body, Some(&header)),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn missing_malformed_or_unkeyed_signatures_are_refused() {
        let body = b"{}";
        assert_eq!(
            verify_signature(TOKEN, body, None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_signature(TOKEN, body, Some(" ")),
            Err(SignatureError::Missing)
        );
        for bad in ["abc", "sha256=zz", "sha1=00", "sha256="] {
            assert_eq!(
                verify_signature(TOKEN, body, Some(bad)),
                Err(SignatureError::Invalid),
                "{bad}"
            );
        }
        let header = sign("", body);
        assert_eq!(
            verify_signature("", body, Some(&header)),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn the_handshake_is_told_from_an_event() {
        let handshake = Delivery::parse(br#"{"verification_token":"secret_abc"}"#).unwrap();
        assert_eq!(
            handshake,
            Delivery::Verification {
                verification_token: "secret_abc".into()
            }
        );
        let Delivery::Event(event) = Delivery::parse(event_json().to_string().as_bytes()).unwrap()
        else {
            panic!("an event")
        };
        assert_eq!(event.kind, EventType::PagePropertiesUpdated);
        assert_eq!(event.entity.id, "153104cd-477e-809d-8dc4-ff2d96ae3090");
        assert_eq!(event.authors[0].kind, AuthorType::Person);
        assert_eq!(event.attempt_number, Some(1));
        assert_eq!(
            event
                .data
                .updated_properties
                .as_deref()
                .map(<[String]>::len),
            Some(3)
        );
        assert!(Delivery::parse(b"[1]").is_err());
    }

    #[test]
    fn unknown_event_and_author_types_still_parse() {
        let mut json = event_json();
        json["type"] = json!("comment.created");
        json["authors"] = json!([{"id": "a1", "type": "agent"}, {"id": "a2"}]);
        json["data"] = json!({"page_id": "x"});
        let Delivery::Event(event) = Delivery::parse(json.to_string().as_bytes()).unwrap() else {
            panic!("an event")
        };
        assert_eq!(event.kind, EventType::Unknown("comment.created".into()));
        assert_eq!(event.kind.as_str(), "comment.created");
        assert_eq!(event.authors[0].kind, AuthorType::Other("agent".into()));
        assert_eq!(event.authors[1].kind, AuthorType::Unknown);
    }

    #[test]
    fn an_event_is_ours_only_when_every_author_is_our_bot() {
        let mut json = event_json();
        json["authors"] = json!([{"id": "BOT-1", "type": "bot"}]);
        let ours: Event = serde_json::from_value(json.clone()).unwrap();
        assert!(ours.only_by("bot1"));
        json["authors"] = json!([{"id": "bot-1", "type": "bot"}, {"id": "p", "type": "person"}]);
        let mixed: Event = serde_json::from_value(json.clone()).unwrap();
        assert!(
            !mixed.only_by("bot-1"),
            "an aggregated event with a person is looked at"
        );
        json["authors"] = json!([]);
        let anonymous: Event = serde_json::from_value(json).unwrap();
        assert!(!anonymous.only_by("bot-1"));
    }

    #[test]
    fn an_event_of_another_database_is_told_without_a_call() {
        let json = event_json();
        let event: Event = serde_json::from_value(json.clone()).unwrap();
        assert!(event.may_be_in("13950b26c2034f3bb97d93ec06319565"));
        assert!(!event.may_be_in("0000"));
        let mut other = json;
        other["data"]["parent"] = json!({"id": "ds-1", "type": "data_source"});
        let event: Event = serde_json::from_value(other).unwrap();
        assert!(
            event.may_be_in("0000"),
            "a data source is checked on the page"
        );
    }

    #[test]
    fn pages_under_pages_are_not_rows() {
        let mut json = event_json();
        assert!(serde_json::from_value::<Event>(json.clone())
            .unwrap()
            .may_be_a_row());
        json["data"]["parent"] = json!({"id": "p", "type": "page"});
        assert!(!serde_json::from_value::<Event>(json.clone())
            .unwrap()
            .may_be_a_row());
        json["data"] = json!({});
        assert!(serde_json::from_value::<Event>(json)
            .unwrap()
            .may_be_a_row());
    }
}
