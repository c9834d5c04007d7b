//! Two-way sync end to end: a person edits a page in the Notion emulator, the emulator sends the
//! signed event to the RELEASE `notion-webhook` binary, which PATCHes the fake GitHub; the fake
//! GitHub's resulting deliveries go to the RELEASE `github-webhook` binary, which must find the
//! page already holding the change. Calls are counted on both sides.

use relay_tests::emulator::RequestRecord;
use serde_json::{json, Value};

use crate::support::twoway::{answer, issue, labels, multi, select, sign, TwoWay, REPO};
use crate::support::webhook::{assert_no_secrets, describe, multi_select, writes};

/// Notion page writes in a slice of the emulator log.
fn notion_writes(records: &[RequestRecord]) -> usize {
    writes(records)
}

/// Issue `number` synced, closed by a person in Notion (the event held back, returned with the
/// page id), then labeled `triaged` and commented on GitHub two seconds later.
async fn closed_in_notion_then_triaged_on_github(two: &TwoWay, number: u64) -> (String, Value) {
    let page_id = two.sync_new(issue(number, "Fix the parser")).await;
    two.person_edits(&page_id, json!({"Status": select("Closed")}));
    let event = two.stack.emulator.take_webhook_events().remove(0);
    two.edit_on_github(number, "labeled", |i| {
        i.comments += 1;
        i.labels.push("triaged".into());
    });
    (page_id, event)
}

#[tokio::test]
async fn a_person_closing_an_issue_in_notion_closes_it_on_github_with_one_write_and_the_echo_changes_nothing(
) {
    let two = TwoWay::start().await;
    let page_id = two.sync_new(issue(7, "Fix the parser")).await;
    let github_mark = two.github.requests().len();
    let notion_mark = two.stack.mark();

    two.person_edits(&page_id, json!({"Status": select("Closed")}));
    let sent = two.flush_notion().await;

    assert_eq!(sent.len(), 1, "one edit, one event");
    assert_eq!(
        sent[0].status,
        200,
        "{}\n{}",
        sent[0].answer,
        two.notion_webhook.logs()
    );
    assert_eq!(answer(&sent[0])["outcome"], "patched");
    let on_github = two.issue(7);
    assert_eq!(on_github["state"], "closed");
    assert_eq!(on_github["state_reason"], "completed");
    let patches = two.github.patches();
    assert_eq!(patches.len(), 1, "one GitHub write");
    assert_eq!(
        patches[0].2,
        json!({"state": "closed", "state_reason": "completed"}),
        "only the field that changed"
    );
    let github_calls = two.github_since(github_mark);
    let notion_calls_of_the_event = two.stack.since(notion_mark);

    // The delivery our PATCH causes comes back through github-webhook and changes nothing.
    let notion_mark_echo = two.stack.mark();
    let echo = two.flush_github().await;
    assert_eq!(echo.len(), 1, "GitHub sends one `closed` delivery");
    assert_eq!(echo[0].action, "closed");
    assert_eq!(
        echo[0].answer["outcome"],
        "unchanged",
        "{:?}\n{}",
        echo[0].answer,
        two.github_webhook.logs()
    );
    let echo_calls = two.stack.since(notion_mark_echo);
    assert_eq!(notion_writes(&echo_calls), 0, "{:?}", describe(&echo_calls));
    assert_eq!(
        two.stack.emulator.pending_webhooks(),
        0,
        "no write, no new event"
    );
    assert_eq!(
        crate::support::webhook::select(&two.page(&page_id), "Status").as_deref(),
        Some("Closed")
    );

    // Calls per edit, bounded: Notion 1 page read (+1 schema read on this container's first
    // property event), GitHub 1 read + 1 write, and the echo 1 key query.
    let page_reads = notion_calls_of_the_event
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/v1/pages/"))
        .count();
    assert_eq!(page_reads, 1, "{:?}", describe(&notion_calls_of_the_event));
    assert!(
        notion_calls_of_the_event.len() <= 2,
        "{:?}",
        describe(&notion_calls_of_the_event)
    );
    assert_eq!(github_calls.len(), 2, "GET + PATCH: {github_calls:?}");
    assert_eq!(echo_calls.len(), 1, "{:?}", describe(&echo_calls));
    println!(
        "calls per person edit: notion-webhook Notion {} GitHub {}; echo github-webhook Notion {}",
        notion_calls_of_the_event.len(),
        github_calls.len(),
        echo_calls.len()
    );
    assert_no_secrets(&two.notion_webhook.logs());
    assert!(!two
        .notion_webhook
        .logs()
        .contains(&two.subscription.verification_token));
}

#[tokio::test]
async fn forged_or_missing_signatures_get_401_and_call_nothing() {
    let two = TwoWay::start().await;
    let page_id = two.sync_new(issue(10, "Fix the parser")).await;
    two.person_edits(&page_id, json!({"Status": select("Closed")}));
    let events = two.stack.emulator.take_webhook_events();
    let body = events[0].to_string();
    let notion_mark = two.stack.mark();
    let github_mark = two.github.requests().len();
    let url = two.notion_webhook.url.url();
    let client = reqwest::Client::new();
    let forged = sign("secret_not_the_token", body.as_bytes());
    let mut tampered: Value = events[0].clone();
    tampered["entity"]["id"] = json!("00000000-0000-4000-8000-000000000000");
    let genuine_signature = sign(&two.subscription.verification_token, body.as_bytes());

    let cases = [
        ("missing", body.clone(), None),
        ("forged", body.clone(), Some(forged)),
        (
            "tampered body",
            tampered.to_string(),
            Some(genuine_signature),
        ),
        ("garbage", body.clone(), Some("sha256=nothex".to_string())),
    ];
    for (case, payload, signature) in cases {
        let mut request = client
            .post(&url)
            .header("content-type", "application/json")
            .body(payload);
        if let Some(signature) = signature {
            request = request.header("x-notion-signature", signature);
        }
        let response = request.send().await.expect("answer");
        assert_eq!(response.status().as_u16(), 401, "{case}");
    }

    assert_eq!(two.stack.since(notion_mark).len(), 0, "no Notion call");
    assert_eq!(two.github_since(github_mark).len(), 0, "no GitHub call");
    assert_eq!(two.issue(10)["state"], "open");
}

#[tokio::test]
async fn the_handshake_stores_the_token_in_the_secret_once_and_keeps_the_other_keys() {
    let two = TwoWay::start().await;

    let stored = two
        .stack
        .moto
        .get_secret_value(&two.stack.secret_arn)
        .await
        .expect("secret readable");
    let stored: Value = serde_json::from_str(&stored).expect("JSON secret");
    assert_eq!(
        stored["notion_webhook_secret"],
        json!(two.subscription.verification_token)
    );
    assert_eq!(
        stored["github_token"],
        json!(crate::support::webhook::GITHUB_TOKEN)
    );
    assert_eq!(
        stored["notion_token"],
        json!(crate::support::webhook::NOTION_TOKEN)
    );
    let logs = two.notion_webhook.logs();
    assert!(
        logs.contains("stored the Notion webhook verification token"),
        "{logs}"
    );
    assert!(
        !logs.contains(&two.subscription.verification_token),
        "never the value"
    );

    // A second verification request (anyone can POST one) does not replace the stored token.
    let again = two.stack.emulator.send_webhook_verification().await;
    assert_eq!(again.status, 409, "{}", again.answer);
    // A new container reads the stored token from the secret and accepts signed events.
    let other = two.another_notion_webhook().await;
    let page_id = two.sync_new(issue(11, "Fix the parser")).await;
    two.person_edits(&page_id, json!({"Status": select("Closed")}));
    let event = two.stack.emulator.take_webhook_events().remove(0);
    let signature = sign(
        &two.subscription.verification_token,
        event.to_string().as_bytes(),
    );
    let response = reqwest::Client::new()
        .post(other.url.url())
        .header("x-notion-signature", signature)
        .body(event.to_string())
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 200, "{}", other.logs());
    assert_eq!(two.issue(11)["state"], "closed");
}

#[tokio::test]
async fn an_older_notion_event_after_a_newer_github_edit_writes_nothing() {
    let two = TwoWay::start().await;
    let page_id = two.sync_new(issue(12, "Fix the parser")).await;
    two.person_edits(&page_id, json!({"Labels": multi(&["bug", "p1"])}));
    let event = two.stack.emulator.take_webhook_events().remove(0);
    // Someone relabels the issue on GitHub after the Notion edit; the event arrives after that.
    two.edit_on_github(12, "labeled", |i| {
        i.labels = vec!["bug".into(), "wontfix".into()];
    });

    let sent = two.stack.emulator.send_webhook_event(&event).await;

    assert_eq!(sent.status, 200, "{}", sent.answer);
    assert_eq!(answer(&sent)["outcome"], "stale");
    assert_eq!(two.patches(), 0, "GitHub's newer edit wins");
    assert_eq!(labels(&two.issue(12)), ["bug", "wontfix"]);
    assert!(two
        .notion_webhook
        .logs()
        .contains("GitHub changed this field after the Notion edit"));
}

#[tokio::test]
async fn a_newer_github_comment_or_edit_of_another_field_does_not_block_the_write() {
    let two = TwoWay::start().await;
    let (_, event) = closed_in_notion_then_triaged_on_github(&two, 17).await;
    let github_mark = two.github.requests().len();

    let sent = two.stack.emulator.send_webhook_event(&event).await;

    assert_eq!(answer(&sent)["outcome"], "patched", "{}", sent.answer);
    assert_eq!(two.issue(17)["state"], "closed");
    assert_eq!(
        labels(&two.issue(17)),
        ["bug", "triaged"],
        "GitHub's label kept"
    );
    let calls = two.github_calls_since(github_mark);
    assert_eq!(
        calls,
        [
            "GET /repos/octo-org/planner/issues/17",
            "GET /repos/octo-org/planner/issues/17/events",
            "PATCH /repos/octo-org/planner/issues/17",
        ]
    );
}

#[tokio::test]
async fn duplicate_events_write_once_in_one_container_and_across_containers() {
    let two = TwoWay::start().await;
    let page_id = two.sync_new(issue(13, "Fix the parser")).await;
    two.person_edits(&page_id, json!({"Labels": multi(&["bug", "p1"])}));
    let event = two.stack.emulator.take_webhook_events().remove(0);
    let other = two.another_notion_webhook().await;

    let first = two.stack.emulator.send_webhook_event(&event).await;
    let same_container = two.stack.emulator.send_webhook_event(&event).await;
    let mut retry = event.clone();
    retry["attempt_number"] = json!(2);
    let signature = sign(
        &two.subscription.verification_token,
        retry.to_string().as_bytes(),
    );
    let other_container = reqwest::Client::new()
        .post(other.url.url())
        .header("x-notion-signature", signature)
        .body(retry.to_string())
        .send()
        .await
        .expect("answer");
    let other_status = other_container.status().as_u16();
    let other_answer: Value = other_container.json().await.expect("JSON");

    assert_eq!(answer(&first)["outcome"], "patched", "{}", first.answer);
    assert_eq!(answer(&same_container)["outcome"], "duplicate");
    assert_eq!(other_status, 200);
    assert!(
        matches!(
            other_answer["outcome"].as_str(),
            Some("unchanged" | "stale")
        ),
        "the other container finds GitHub already written: {other_answer}"
    );
    assert_eq!(two.patches(), 1, "written once");
    assert_eq!(labels(&two.issue(13)), ["bug", "p1"]);
}

#[tokio::test]
async fn aggregated_events_with_a_person_among_the_authors_are_written_and_our_own_are_free() {
    let two = TwoWay::start().await;
    let page_id = two.sync_new(issue(14, "Fix the parser")).await;
    two.stack.emulator.aggregate_webhooks(true);
    // A GitHub label change reaches the page (our write) and a person closes it, close together.
    assert!(two.github.update_issue(REPO, 14, |i| {
        i.labels.push("triaged".into());
        i.updated_at = time::OffsetDateTime::now_utc() - time::Duration::minutes(5);
    }));
    assert!(two.github.queue_webhook(REPO, 14, "labeled"));
    let synced = two.flush_github().await;
    assert_eq!(synced[0].answer["outcome"], "updated", "{synced:?}");
    two.person_edits(&page_id, json!({"Status": select("Closed")}));
    let github_mark = two.github.requests().len();

    let sent = two.flush_notion().await;

    assert_eq!(sent.len(), 1, "aggregated into one event");
    let authors: Vec<&str> = sent[0].body["authors"]
        .as_array()
        .expect("authors")
        .iter()
        .filter_map(|a| a["type"].as_str())
        .collect();
    assert_eq!(authors, ["bot", "person"]);
    assert_eq!(answer(&sent[0])["outcome"], "patched", "{}", sent[0].answer);
    assert_eq!(two.issue(14)["state"], "closed");
    assert_eq!(labels(&two.issue(14)), ["bug", "triaged"], "labels kept");
    assert_eq!(two.github_since(github_mark).len(), 2);
}

#[tokio::test]
async fn under_notion_version_2025_09_03_a_close_costs_the_same_and_the_echo_is_unchanged() {
    let two = TwoWay::start_with(&[("NOTION_VERSION", "2025-09-03")]).await;
    let page_id = two.sync_new(issue(16, "Fix the parser")).await;
    let github_mark = two.github.requests().len();

    two.person_edits(&page_id, json!({"Status": select("Closed")}));
    let sent = two.flush_notion().await;

    assert_eq!(
        answer(&sent[0])["outcome"],
        "patched",
        "{}\n{}",
        sent[0].answer,
        two.notion_webhook.logs()
    );
    assert_eq!(two.issue(16)["state_reason"], "completed");
    assert_eq!(two.github_since(github_mark).len(), 2);
    let echo = two.flush_github().await;
    assert_eq!(echo[0].answer["outcome"], "unchanged", "{echo:?}");
}

/// A delivery GitHub made before the write-back but that arrives after its echo (a redelivery of
/// one answered 503 after it was applied, an SQS duplicate, a slow container) passes the stale
/// guard — the echo wrote nothing, so the page still records the older `updated_at` — and used
/// to put back what the person changed. github-webhook now reads the issue from GitHub first and
/// writes that newer state: the person's edit stands, for one GitHub read and no Notion write.
#[tokio::test]
async fn a_late_delivery_from_before_the_write_back_does_not_undo_the_persons_edit() {
    let two = TwoWay::start().await;
    let page_id = two.sync_new(issue(8, "Fix the lexer").label("bug")).await;
    // GitHub's `labeled` of the issue as the page holds it, held back to arrive late.
    assert!(two.github.queue_webhook(REPO, 8, "labeled"));
    let late = two.github.hold_outbox();
    assert_eq!(late.len(), 1);

    two.person_edits(&page_id, json!({"Status": select("Closed")}));
    let sent = two.flush_notion().await;
    assert_eq!(answer(&sent[0])["outcome"], "patched", "{}", sent[0].answer);
    let echo = two.flush_github().await;
    assert_eq!(
        echo[0].answer["outcome"], "unchanged",
        "{:?}",
        echo[0].answer
    );
    assert_eq!(two.issue(8)["state"], "closed");

    let github_mark = two.github.requests().len();
    let notion_mark = two.stack.mark();
    let delivered = two.github.deliver_held(late).await;
    assert_eq!(
        (delivered[0].status, &delivered[0].answer["outcome"]),
        (200, &json!("unchanged")),
        "{:?}\n{}",
        delivered[0].answer,
        two.github_webhook.logs()
    );
    assert_eq!(
        crate::support::webhook::select(&two.page(&page_id), "Status").as_deref(),
        Some("Closed"),
        "the person's edit stands"
    );
    let github_calls = two.github_since(github_mark);
    assert_eq!(
        github_calls.len(),
        1,
        "one read of the issue: {github_calls:?}"
    );
    assert_eq!(github_calls[0].method, "GET");
    assert_eq!(github_calls[0].path, format!("/repos/{REPO}/issues/8"));
    let notion_calls = two.stack.since(notion_mark);
    assert_eq!(
        notion_writes(&notion_calls),
        0,
        "{:?}",
        describe(&notion_calls)
    );
    assert_eq!(
        two.github.patches().len(),
        1,
        "nothing more written to GitHub"
    );
    assert!(two
        .github_webhook
        .logs()
        .contains("writing GitHub's newer state instead"));
}

/// The other order: GitHub's delivery arrives between a person's edit and notion-webhook's
/// handling of it (Notion sends its events late). github-webhook keeps the Status the person set
/// — GitHub has not changed the state since the version the page records — and writes what
/// GitHub did change (a label); notion-webhook then still finds the edit and writes it back.
/// Before, the delivery put Status back to Open and the edit was lost on both sides.
#[tokio::test]
async fn a_github_delivery_before_the_write_back_keeps_the_persons_pending_edit() {
    let two = TwoWay::start().await;
    let (page_id, event) = closed_in_notion_then_triaged_on_github(&two, 19).await;
    assert!(two.github.queue_webhook(REPO, 19, "labeled"));
    let github_mark = two.github.requests().len();

    let delivered = two.flush_github().await;
    assert_eq!(
        (delivered[0].status, &delivered[0].answer["outcome"]),
        (200, &json!("updated")),
        "{:?}\n{}",
        delivered[0].answer,
        two.github_webhook.logs()
    );
    let page = two.page(&page_id);
    assert_eq!(
        crate::support::webhook::select(&page, "Status").as_deref(),
        Some("Closed"),
        "the pending edit is kept"
    );
    assert_eq!(
        multi_select(&page, "Labels"),
        ["bug", "triaged"],
        "GitHub's change is written"
    );
    let calls = two.github_calls_since(github_mark);
    assert_eq!(
        calls,
        [
            "GET /repos/octo-org/planner/issues/19",
            "GET /repos/octo-org/planner/issues/19/events",
        ]
    );

    let sent = two.stack.emulator.send_webhook_event(&event).await;
    assert_eq!(answer(&sent)["outcome"], "patched", "{}", sent.answer);
    assert_eq!(two.issue(19)["state"], "closed");
    assert_eq!(labels(&two.issue(19)), ["bug", "triaged"]);
    two.flush_github().await;
    let page = two.page(&page_id);
    assert_eq!(
        crate::support::webhook::select(&page, "Status").as_deref(),
        Some("Closed")
    );
    assert_eq!(multi_select(&page, "Labels"), ["bug", "triaged"]);
}
