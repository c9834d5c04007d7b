//! What the release `github-webhook` binary refuses, and what it accepts that looks unusual:
//! bad, missing and sha1-only signatures (401, no Notion call), bodies that are not a payload
//! (400), form-encoded and base64 bodies (same page as JSON), a 2,500-character title with 150
//! labels; and that no secret value reaches the logs, even at debug level.

use std::time::Duration;

use relay_tests::lambda::{HttpResponse, LambdaFunction};
use serde_json::{json, Value};

use crate::support::webhook::{
    assert_no_secrets, assert_page, deliver, delivery_calls, describe, expected, fixture,
    fixture_json, multi_select, option_names, outcome, page_id, retarget, title, undashed, writes,
    Delivery, Stack, WEBHOOK_SECRET,
};

const REPO: &str = "Codertocat/Hello-World";

fn opened(number: u64) -> Value {
    let mut payload = fixture_json("octokit/issues/opened.payload.json");
    retarget(&mut payload, number, "2026-05-01T08:00:00Z");
    payload
}

/// Sends a raw Function URL event (for bodies the harness would not produce itself).
async fn invoke_raw(function: &LambdaFunction, event: Value) -> HttpResponse {
    let invocation = function
        .invoke(event, Duration::from_secs(15))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    HttpResponse::from_payload(&invocation.payload).expect("a Function URL response")
}

#[tokio::test]
async fn bad_missing_and_sha1_only_signatures_get_401_without_any_notion_call() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function_with(&db, &[("RUST_LOG", "debug")]).await;
    let body = fixture("octokit/issues/opened.payload.json");
    let good = Delivery::signed(WEBHOOK_SECRET, "issues", body.clone());

    let mut cases: Vec<(&str, Delivery)> = Vec::new();
    cases.push((
        "wrong secret",
        Delivery::signed("not-the-secret", "issues", body.clone()),
    ));
    let mut missing = good.clone();
    missing.signature = None;
    cases.push(("no signature header", missing));
    let mut sha1_only = good.clone();
    sha1_only.signature = None;
    sha1_only.headers.push((
        "x-hub-signature".into(),
        "sha1=23dd4801e7d13a1b1fefcdbc913d23019683d271".into(),
    ));
    cases.push(("sha1 X-Hub-Signature only", sha1_only));
    let mut sha1_in_256 = good.clone();
    sha1_in_256.signature = Some("sha1=23dd4801e7d13a1b1fefcdbc913d23019683d271".into());
    cases.push(("sha1 value in X-Hub-Signature-256", sha1_in_256));
    let mut not_hex = good.clone();
    not_hex.signature = Some("sha256=not-hex-at-all".into());
    cases.push(("signature not hex", not_hex));
    let mut empty = good.clone();
    empty.signature = Some(String::new());
    cases.push(("empty signature", empty));
    let mut tampered = good.clone();
    tampered.body = String::from_utf8(body.clone())
        .expect("utf-8")
        .replacen("Spelling error", "Spelling errors", 1)
        .into_bytes();
    assert_ne!(tampered.body, body, "the title was changed");
    cases.push(("body changed after signing", tampered));
    let mut truncated = good.clone();
    truncated.signature = good
        .signature
        .as_ref()
        .map(|s| s[..s.len() - 2].to_string());
    cases.push(("truncated signature", truncated));

    for (why, delivery) in &cases {
        let response = deliver(&function, delivery).await;
        assert_eq!(response.status, 401, "{why}: {}", response.body);
    }

    assert_eq!(
        stack.emulator.request_count(),
        0,
        "no Notion call at all: {:?}",
        describe(&stack.emulator.requests())
    );
    // The same body correctly signed goes through: the 401s were about the signature.
    let accepted = deliver(&function, &good).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_no_secrets(&function.logs());
}

#[tokio::test]
async fn bodies_that_are_not_a_payload_get_400_without_any_notion_call() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function(&db).await;

    let not_json = Delivery::signed(WEBHOOK_SECRET, "issues", b"this is not JSON".to_vec());
    let truncated_json = Delivery::signed(
        WEBHOOK_SECRET,
        "issues",
        br#"{"action": "opened", "issue": {"#.to_vec(),
    );
    let mut no_number = opened(1);
    no_number["issue"]
        .as_object_mut()
        .expect("issue")
        .remove("number");
    let no_number = Delivery::json("issues", &no_number);
    let mut no_event = Delivery::json("issues", &opened(2));
    no_event.event = String::new();
    let mut form_without_payload = Delivery::signed(WEBHOOK_SECRET, "issues", b"other=1".to_vec());
    form_without_payload.content_type = Some("application/x-www-form-urlencoded".into());
    for (why, delivery) in [
        ("not JSON", &not_json),
        ("truncated JSON", &truncated_json),
        ("issue without number", &no_number),
        ("no X-GitHub-Event", &no_event),
        ("form without payload field", &form_without_payload),
    ] {
        let response = deliver(&function, delivery).await;
        assert_eq!(response.status, 400, "{why}: {}", response.body);
    }
    // isBase64Encoded with a body that is not base64.
    let mut event = Delivery::json("issues", &opened(3)).request().to_event();
    event["isBase64Encoded"] = true.into();
    event["body"] = "%%% not base64 %%%".into();
    let response = invoke_raw(&function, event).await;
    assert_eq!(response.status, 400, "invalid base64: {}", response.body);

    assert_eq!(
        stack.emulator.request_count(),
        0,
        "{:?}",
        describe(&stack.emulator.requests())
    );
    assert_no_secrets(&function.logs());
}

#[tokio::test]
async fn form_encoded_and_base64_bodies_give_the_same_page_as_json() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function(&db).await;
    // Pretty-printed JSON, as GitHub's form content type and as JSON.
    let payload = opened(11);
    let json_bytes = serde_json::to_vec_pretty(&payload).expect("json");

    let form = deliver(
        &function,
        &Delivery::form(WEBHOOK_SECRET, "issues", &json_bytes),
    )
    .await;
    let page = stack.page_for(&db, REPO, 11);
    let mark = stack.mark();
    let as_json = deliver(
        &function,
        &Delivery::signed(WEBHOOK_SECRET, "issues", json_bytes.clone()),
    )
    .await;
    let mut b64 = Delivery::signed(WEBHOOK_SECRET, "issues", json_bytes.clone());
    b64.base64 = true;
    let as_base64 = deliver(&function, &b64).await;
    let mut b64_form = Delivery::form(WEBHOOK_SECRET, "issues", &json_bytes);
    b64_form.base64 = true;
    let as_base64_form = deliver(&function, &b64_form).await;
    let after = stack.since(mark);

    assert_eq!(
        (form.status, outcome(&form).as_str()),
        (200, "created"),
        "{}",
        form.body
    );
    assert_page(&page, &expected("issues", &payload), "form-encoded");
    for (how, answer) in [
        ("json", &as_json),
        ("base64 json", &as_base64),
        ("base64 form", &as_base64_form),
    ] {
        assert_eq!(answer.status, 200, "{how}: {}", answer.body);
        assert_eq!(
            outcome(answer),
            "unchanged",
            "{how}: the same page, nothing to write"
        );
        assert_eq!(
            page_id(answer).map(|id| undashed(&id)),
            page["id"].as_str().map(undashed)
        );
    }
    assert_eq!(writes(&after), 0, "{:?}", describe(&after));
    assert_eq!(stack.live_pages(&db).len(), 1);
    assert_no_secrets(&function.logs());
}

#[tokio::test]
async fn a_2500_character_title_and_150_labels_are_accepted_by_the_emulator() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function(&db).await;
    let mut payload = opened(21);
    // 2,500 characters with astral emoji: 2,900 UTF-16 units, over the 2,000 per text item.
    let long_title: String = (0..2500)
        .map(|i| if i % 6 == 0 { '🦀' } else { 'é' })
        .collect();
    let labels: Vec<Value> = (0..150)
        .map(|i| json!({"id": i, "name": if i == 7 { "needs, triage".to_string() } else { format!("label-{i:03}") }, "color": "ededed"}))
        .collect();
    payload["issue"]["title"] = long_title.clone().into();
    payload["issue"]["labels"] = Value::Array(labels.clone());
    let delivery = Delivery::json("issues", &payload);

    let created = deliver(&function, &delivery).await;
    let mark = stack.mark();
    let again = deliver(&function, &delivery).await;
    let redelivery = stack.since(mark);

    assert_eq!(created.status, 200, "{}\n{}", created.body, function.logs());
    assert_eq!(outcome(&created), "created");
    let page = stack.page_for(&db, REPO, 21);
    assert_eq!(title(&page).chars().count(), 2500);
    assert_eq!(title(&page), long_title);
    let names = option_names(labels.iter().filter_map(|l| l["name"].as_str()));
    assert_eq!(
        names.len(),
        100,
        "Notion takes at most 100 options per multi_select value"
    );
    let mut want = names.clone();
    want.sort();
    assert_eq!(multi_select(&page, "Labels"), want);
    assert!(
        want.contains(&"needs triage".to_string()),
        "commas are dropped from option names"
    );
    assert_eq!(
        outcome(&again),
        "unchanged",
        "the redelivery reads the long title back as equal: {}",
        again.body
    );
    assert_eq!(
        delivery_calls(&redelivery).len(),
        1,
        "{:?}",
        describe(&redelivery)
    );
    assert_no_secrets(&function.logs());
}

#[tokio::test]
async fn an_issue_body_past_notions_block_limits_still_creates_the_page_with_its_content() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function(&db).await;
    let mut payload = opened(31);
    // Five levels of nesting, a 4,500-character code block, a table, an image, HTML, and
    // 150 paragraphs: over Notion's 2 levels per request, 2,000 characters per text item and
    // 100 blocks per request.
    let mut body = String::from("# Crash on start\n\n");
    for depth in 0..5 {
        body.push_str(&format!("{}- level {depth} 🦀\n", "  ".repeat(depth)));
    }
    body.push_str(&format!(
        "\n```rust\n{}\n```\n\n",
        "let x = 1; // é\n".repeat(280)
    ));
    body.push_str("| a | b |\n|---|---|\n| 1 | 2 |\n\n![logo](https://example.com/logo.png)\n\n<details>html</details>\n\n");
    for i in 0..150 {
        body.push_str(&format!(
            "Paragraph {i} with **bold** and [a link](https://example.com/{i}).\n\n"
        ));
    }
    payload["issue"]["body"] = body.into();

    let created = deliver(&function, &Delivery::json("issues", &payload)).await;

    assert_eq!(created.status, 200, "{}\n{}", created.body, function.logs());
    assert_eq!(outcome(&created), "created");
    let page = stack.page_for(&db, REPO, 31);
    assert_page(&page, &expected("issues", &payload), "long body");
    let client = relay_tests::emulator_client::Client::new(
        &stack.emulator,
        relay_tests::emulator_client::V2022,
    );
    let id = page["id"].as_str().expect("id");
    let children = client
        .get(&format!("/v1/blocks/{id}/children?page_size=100"))
        .await;
    assert_eq!(children.status, 200, "{}", children.body);
    let blocks = children.body["results"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(
        blocks > 10,
        "the description is on the page: {} blocks",
        blocks
    );
    assert_no_secrets(&function.logs());
}
