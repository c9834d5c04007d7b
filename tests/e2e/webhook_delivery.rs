//! Delivery semantics of the release `github-webhook` binary against the Notion emulator:
//! what a create, an update and a redelivery cost, that a stale delivery never overwrites, and
//! that two containers racing on one new issue converge to one page.

use relay_tests::emulator::FaultConfig;
use relay_tests::lambda::LambdaFunction;
use serde_json::Value;

use crate::support::webhook::{
    assert_no_secrets, assert_page, creates, deliver, delivery_calls, describe, expected,
    fixture_json, is_schema_read, outcome, page_id, retarget, select, title_link, undashed, writes,
    Delivery, Stack,
};

const REPO: &str = "Codertocat/Hello-World";

/// An `issues` payload from the octokit example for `action`, moved to `number` at `updated_at`.
fn issue_payload(action: &str, number: u64, updated_at: &str) -> Value {
    let mut payload = fixture_json(&format!("octokit/issues/{action}.payload.json"));
    retarget(&mut payload, number, updated_at);
    payload
}

/// Delivers and returns the answer with the Notion requests it caused.
async fn send(
    stack: &Stack,
    function: &LambdaFunction,
    delivery: &Delivery,
) -> (
    relay_tests::lambda::HttpResponse,
    Vec<relay_tests::emulator::RequestRecord>,
) {
    let mark = stack.mark();
    let response = deliver(function, delivery).await;
    assert!(
        response.status == 200,
        "{} {}: {}\n{}",
        response.status,
        delivery.event,
        response.body,
        function.logs()
    );
    (response, stack.since(mark))
}

#[tokio::test]
async fn a_create_costs_three_calls_an_update_two_and_a_redelivery_one_without_writing() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function(&db).await;
    let opened = Delivery::json(
        "issues",
        &issue_payload("opened", 101, "2026-03-01T10:00:15Z"),
    );

    let (created, first) = send(&stack, &function, &opened).await;
    let (again, redelivery) = send(&stack, &function, &opened).await;
    let labeled_payload = issue_payload("labeled", 101, "2026-03-01T10:05:00Z");
    let labeled = Delivery::json("issues", &labeled_payload);
    let (updated, update) = send(&stack, &function, &labeled).await;
    let (unchanged, second_redelivery) = send(&stack, &function, &labeled).await;

    assert_eq!(outcome(&created), "created");
    assert_eq!(
        first.iter().filter(|r| is_schema_read(r)).count(),
        1,
        "the first delivery of a container reads the schema"
    );
    assert_eq!(
        delivery_calls(&first).len(),
        3,
        "query, create, verification query: {:?}",
        describe(&first)
    );
    assert_eq!(outcome(&again), "unchanged", "{}", again.body);
    assert_eq!(
        redelivery.len(),
        1,
        "a redelivery is one key query: {:?}",
        describe(&redelivery)
    );
    assert_eq!(redelivery[0].path, format!("/v1/databases/{db}/query"));
    assert_eq!(writes(&redelivery), 0);
    assert_eq!(outcome(&updated), "updated");
    assert_eq!(update.len(), 2, "query, update: {:?}", describe(&update));
    assert_eq!(writes(&update), 1);
    assert_eq!(outcome(&unchanged), "unchanged");
    assert_eq!(second_redelivery.len(), 1);
    assert_eq!(writes(&second_redelivery), 0);
    let all = stack.emulator.requests();
    assert_eq!(
        all.iter().filter(|r| is_schema_read(r)).count(),
        1,
        "schema read once per container"
    );
    let page = stack.page_for(&db, REPO, 101);
    assert_page(
        &page,
        &expected("issues", &labeled_payload),
        "after labeled",
    );
    for answer in [&created, &again, &updated, &unchanged] {
        assert_eq!(
            page_id(answer).map(|id| undashed(&id)),
            page["id"].as_str().map(undashed)
        );
    }
    assert_no_secrets(&function.logs());
}

#[tokio::test]
async fn a_stale_delivery_is_refused_with_one_call_even_inside_the_same_minute() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function(&db).await;
    let mut closed = issue_payload("edited", 102, "2026-03-01T10:20:45Z");
    closed["action"] = "closed".into();
    closed["issue"]["state"] = "closed".into();
    let (_, _) = send(&stack, &function, &Delivery::json("issues", &closed)).await;

    // Older by 30 s: Notion's `Updated` holds 10:20 either way; the title link orders them.
    let same_minute = issue_payload("reopened", 102, "2026-03-01T10:20:15Z");
    let (stale, refused) = send(&stack, &function, &Delivery::json("issues", &same_minute)).await;
    let minutes_older = issue_payload("labeled", 102, "2026-03-01T10:11:00Z");
    let (stale_too, refused_too) =
        send(&stack, &function, &Delivery::json("issues", &minutes_older)).await;
    let page_between = stack.page_for(&db, REPO, 102);
    let newer = issue_payload("reopened", 102, "2026-03-01T10:20:46Z");
    let (reopened, _) = send(&stack, &function, &Delivery::json("issues", &newer)).await;

    assert_eq!(outcome(&stale), "stale", "{}", stale.body);
    assert_eq!(refused.len(), 1, "{:?}", describe(&refused));
    assert_eq!(writes(&refused), 0);
    assert_eq!(outcome(&stale_too), "stale", "{}", stale_too.body);
    assert_eq!(writes(&refused_too), 0);
    assert_page(
        &page_between,
        &expected("issues", &closed),
        "after the stale deliveries",
    );
    assert_eq!(select(&page_between, "Status").as_deref(), Some("Closed"));
    assert!(title_link(&page_between)
        .unwrap_or_default()
        .contains("#updated=2026-03-01T10:20:45Z&body="));
    assert_eq!(
        outcome(&reopened),
        "updated",
        "one second newer is newer: {}",
        reopened.body
    );
    assert_page(
        &stack.page_for(&db, REPO, 102),
        &expected("issues", &newer),
        "after reopened",
    );
    assert_no_secrets(&function.logs());
}

#[tokio::test]
async fn two_concurrent_opened_deliveries_of_one_issue_in_two_containers_converge_to_one_page() {
    let stack = Stack::start().await;
    let db = stack.database();
    let first = stack.function(&db).await;
    let second = stack.function(&db).await;
    // Warm both containers (secret and schema), so the race is only about the page.
    for (function, number) in [(&first, 201), (&second, 202)] {
        let payload = issue_payload("opened", number, "2026-03-01T11:00:00Z");
        send(&stack, function, &Delivery::json("issues", &payload)).await;
    }

    let mut raced = false;
    for number in 203..206 {
        let payload = issue_payload("opened", number, "2026-03-01T11:00:00Z");
        let a = Delivery::json("issues", &payload);
        let b = Delivery::json("issues", &payload);
        // Every Notion answer takes 400 ms, so both key queries are answered (empty) before
        // either create lands: the race GitHub's burst of deliveries produces.
        stack.emulator.set_faults(FaultConfig {
            latency_ms: 400,
            ..FaultConfig::default()
        });
        let mark = stack.mark();
        let (ra, rb) = tokio::join!(deliver(&first, &a), deliver(&second, &b));
        stack.emulator.set_faults(FaultConfig::default());
        let records = stack.since(mark);

        assert_eq!(
            (ra.status, rb.status),
            (200, 200),
            "{} / {}",
            ra.body,
            rb.body
        );
        let page = stack.page_for(&db, REPO, number);
        assert_page(&page, &expected("issues", &payload), "after the race");
        let live = page["id"].as_str().map(undashed);
        assert_eq!(page_id(&ra).map(|id| undashed(&id)), live, "{}", ra.body);
        assert_eq!(page_id(&rb).map(|id| undashed(&id)), live, "{}", rb.body);
        let mut outcomes = [outcome(&ra), outcome(&rb)];
        outcomes.sort();
        if creates(&records) == 2 {
            raced = true;
            assert_eq!(
                outcomes,
                ["created", "unchanged"],
                "{:?}",
                describe(&records)
            );
            let archived: Vec<Value> = stack
                .emulator
                .pages_in(&db)
                .into_iter()
                .filter(|p| p["archived"] == true)
                .collect();
            assert_eq!(archived.len(), 1, "the duplicate is archived, not deleted");
            break;
        }
    }
    assert!(
        raced,
        "the emulator's latency should have made both containers create"
    );
    assert_no_secrets(&first.logs());
    assert_no_secrets(&second.logs());
}

/// GitHub delivers out of order and `scheduled-sync` redelivers failed deliveries, so an older
/// `edited` can arrive after `deleted`. Notion's query never returns archived pages, so the
/// sync finds nothing; before it creates, it asks GitHub, which answers 410 Gone for a deleted
/// issue (`sync::tombstone`), and the delivery is answered `stale`.
#[tokio::test]
async fn a_stale_delivery_after_a_delete_does_not_bring_the_page_back() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function(&db).await;
    let opened = issue_payload("opened", 401, "2026-03-02T10:00:00Z");
    send(&stack, &function, &Delivery::json("issues", &opened)).await;
    let deleted = issue_payload("deleted", 401, "2026-03-02T10:10:00Z");
    let (archived, _) = send(&stack, &function, &Delivery::json("issues", &deleted)).await;
    assert_eq!(outcome(&archived), "archived");
    stack.github.delete_issue(REPO, 401);

    let late_edit = issue_payload("edited", 401, "2026-03-02T10:05:00Z");
    let (late, _) = send(&stack, &function, &Delivery::json("issues", &late_edit)).await;

    let live = stack.live_pages_for(&db, REPO, 401);
    assert!(
        live.is_empty(),
        "the deleted issue came back ({}): {live:#?}",
        late.body
    );
    assert_eq!(outcome(&late), "stale", "{}", late.body);
    assert_eq!(
        stack
            .github
            .count("/repos/Codertocat/Hello-World/issues/401"),
        2,
        "GitHub is asked before each create (the first `opened`, the late edit), never otherwise"
    );
}
