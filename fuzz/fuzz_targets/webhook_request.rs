//! The github-webhook request path, from the Lambda event JSON to the answer's status, in the
//! order `handler::webhook` runs it: decode the body, verify the signature, read the event
//! header, take the JSON out of the body (JSON or form-encoded), parse the event, decide the
//! sync action. Whatever arrives, it never panics and every refusal maps to one of the answers
//! PRODUCT.md lists.
//!
//! The signature is checked twice: as sent (the fuzzer cannot forge an HMAC, so this exercises
//! the refusal paths), then with a correct one computed here, so everything after the signature
//! is fuzzed too, as it runs for a genuine delivery.
#![no_main]

use libfuzzer_sys::fuzz_target;
use notion_relay::github::{webhook, Event, SyncAction, WebhookError};
use notion_relay::http::HttpRequest;

const SECRET: &str = "fuzz-secret";

fuzz_target!(|data: &[u8]| {
    // lambda_runtime refuses an event that does not deserialize before our handler runs.
    let Ok(request) = serde_json::from_slice::<HttpRequest>(data) else {
        return;
    };
    let status = answer(&request, request.header("x-hub-signature-256"));
    assert!(
        matches!(status, 400 | 401 | 413),
        "as sent, the signature cannot hold: {status}"
    );
    if let Ok(body) = webhook::request_body(&request) {
        let signature = webhook::sign(SECRET, &body);
        let status = answer(&request, Some(&signature));
        assert!(
            matches!(status, 200 | 202 | 400 | 413),
            "with a valid signature: {status}"
        );
    }
});

/// The answer's status for `request` signed with `signature`; 200 stands for "synced" (the
/// Notion side is not part of this target).
fn answer(request: &HttpRequest, signature: Option<&str>) -> u16 {
    let body = match webhook::request_body(request) {
        Ok(body) => body,
        Err(error) => return rejection(error),
    };
    let secrets = [SECRET.to_owned(), String::new()];
    if let Err(error) = webhook::verify_signature(&secrets, &body, signature) {
        return rejection(error);
    }
    let event_name = match webhook::event_name(request.header("x-github-event")) {
        Ok(name) => name,
        Err(error) => return rejection(error),
    };
    let action = webhook::payload_json(&body, request.header("content-type"))
        .and_then(|json| Event::parse(event_name, &json)?.sync_action());
    match action {
        Ok(SyncAction::Ping) => 200,
        Ok(SyncAction::Ignore { reason }) => {
            assert!(!reason.is_empty());
            202
        }
        Ok(SyncAction::Upsert(item)) => {
            assert!(!item.repository.is_empty());
            200
        }
        Ok(SyncAction::Archive { repository, .. }) => {
            assert!(!repository.is_empty());
            200
        }
        Err(error) => rejection(error),
    }
}

fn rejection(error: WebhookError) -> u16 {
    // The message is the answer's body (the whole chain): building it must not panic either.
    let message = notion_relay::telemetry::chain(&error);
    assert!(!message.is_empty());
    error.status()
}
