//! `events/` (made by `scripts/gen_events.py`): each sample Function URL event carries the
//! signature its manifest promises, and the release `github-webhook` binary gives it the status
//! `events/manifest.json` expects, leaving the rows the payloads describe.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use notion_relay::github::webhook::{sign, verify_signature};
use relay_tests::lambda::HttpResponse;
use serde_json::Value;
use time::OffsetDateTime;

use crate::support::webhook::{
    assert_no_secrets, assert_page, describe, events_dir, expected, outcome, Stack,
};

fn read_json(name: &str) -> Value {
    let path = events_dir().join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The body bytes the event carries (as the Function URL service would hand them over).
fn body_of(event: &Value) -> Vec<u8> {
    let body = event["body"].as_str().unwrap_or_default();
    if event["isBase64Encoded"] == true {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("base64 body")
    } else {
        body.as_bytes().to_vec()
    }
}

fn header<'a>(event: &'a Value, name: &str) -> &'a str {
    event["headers"][name].as_str().unwrap_or_default()
}

#[test]
fn every_sample_event_is_signed_as_its_manifest_says() {
    let manifest = read_json("manifest.json");
    let secret = manifest["secret"].as_str().expect("secret").to_string();
    let entries = manifest["events"].as_array().expect("events");
    assert!(entries.len() >= 10, "{entries:?}");
    for entry in entries {
        let file = entry["file"].as_str().expect("file");
        let event = read_json(file);
        let body = body_of(&event);
        let signature = header(&event, "x-hub-signature-256");
        assert_eq!(header(&event, "x-github-event"), entry["event"], "{file}");
        assert_eq!(
            header(&event, "x-github-delivery"),
            entry["delivery"],
            "{file}"
        );
        let payload: Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(
            payload["action"].as_str(),
            entry["action"].as_str(),
            "{file}"
        );
        assert_eq!(
            payload["repository"]["full_name"], entry["repository"],
            "{file}"
        );
        let verified = verify_signature(std::slice::from_ref(&secret), &body, Some(signature));
        if entry["expected_status"] == 401 {
            assert_ne!(signature, sign(&secret, &body), "{file}");
            assert!(verified.is_err(), "{file} must not verify");
        } else {
            assert_eq!(signature, sign(&secret, &body), "{file}");
            assert!(verified.is_ok(), "{file}");
        }
    }
}

#[tokio::test]
async fn every_sample_event_gets_the_status_its_manifest_expects_and_leaves_the_right_rows() {
    let manifest = read_json("manifest.json");
    let secret = manifest["secret"].as_str().expect("secret");
    let stack = Stack::with_webhook_secret(secret).await;
    let db = stack.database();
    let function = stack.function(&db).await;

    // key → (updated_at, event, payload) of the newest delivery that was synced.
    let mut newest: BTreeMap<(String, u64), (OffsetDateTime, String, Value)> = BTreeMap::new();
    for entry in manifest["events"].as_array().expect("events") {
        let file = entry["file"].as_str().expect("file");
        let event = read_json(file);
        let mark = stack.mark();
        let invocation = function
            .invoke(event.clone(), Duration::from_secs(15))
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let response = HttpResponse::from_payload(&invocation.payload).expect("URL response");
        let calls = stack.since(mark);

        let want = entry["expected_status"].as_u64().expect("expected_status");
        assert_eq!(
            u64::from(response.status),
            want,
            "{file}: {}\n{}",
            response.body,
            function.logs()
        );
        if want != 200 || entry["number"].is_null() {
            assert!(
                calls.is_empty(),
                "{file}: no Notion call: {:?}",
                describe(&calls)
            );
            continue;
        }
        let outcome = outcome(&response);
        assert!(
            ["created", "updated", "unchanged"].contains(&outcome.as_str()),
            "{file}: {}",
            response.body
        );
        let name = header(&event, "x-github-event").to_string();
        let payload: Value = serde_json::from_slice(&body_of(&event)).expect("JSON");
        let want = expected(&name, &payload);
        let key = (want.repository.clone(), want.number);
        let at = want.updated_at;
        if newest.get(&key).is_none_or(|(seen, _, _)| at >= *seen) {
            newest.insert(key, (at, name, payload));
        }
    }

    for ((repository, number), (_, event, payload)) in &newest {
        let page = stack.page_for(&db, repository, *number);
        assert_page(
            &page,
            &expected(event, payload),
            &format!("{repository}#{number}"),
        );
    }
    assert_eq!(stack.live_pages(&db).len(), newest.len());
    assert_no_secrets(&function.logs());
}

#[tokio::test]
async fn a_sample_event_with_only_its_sha1_signature_gets_401() {
    let manifest = read_json("manifest.json");
    let stack = Stack::with_webhook_secret(manifest["secret"].as_str().expect("secret")).await;
    let db = stack.database();
    let function = stack.function(&db).await;
    let mut event = read_json("webhook-issues-opened.json");
    let headers = event["headers"].as_object_mut().expect("headers");
    headers.remove("x-hub-signature-256");
    assert!(headers["x-hub-signature"]
        .as_str()
        .is_some_and(|s| s.starts_with("sha1=")));

    let invocation = function
        .invoke(event, Duration::from_secs(15))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let response = HttpResponse::from_payload(&invocation.payload).expect("URL response");

    assert_eq!(response.status, 401, "{}", response.body);
    assert_eq!(stack.emulator.request_count(), 0);
}
