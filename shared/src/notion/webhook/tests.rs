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
