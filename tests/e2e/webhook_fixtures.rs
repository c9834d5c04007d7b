//! Every octokit `issues`, `pull_request` and `issue_comment` example, and the captured merged
//! pull request, delivered to the release `github-webhook` binary: each gets the right answer,
//! costs the documented Notion calls, and leaves the row its payload describes.
//!
//! The examples share repositories and numbers and carry different `updated_at` values, so each
//! goes into a fresh database with a fresh container (which also shows the schema read once per
//! container). Deliveries run a few at a time; calls are counted per database.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::support::webhook::{
    assert_no_secrets, assert_page, deliver, delivery_calls, describe, expected, fixture,
    fixture_json, fixtures, is_schema_read, multi_select, outcome, page_id, records_for, seed_page,
    select, undashed, writes, Delivery, Stack, WEBHOOK_SECRET,
};

const PARALLEL: usize = 4;

#[derive(Clone, Debug)]
struct Case {
    /// Path under `fixtures/github`.
    rel: String,
    event: String,
}

/// All examples of the three synced events, plus the captured delivery.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for event in ["issues", "pull_request", "issue_comment"] {
        let dir = fixtures().join("octokit").join(event);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        names.sort();
        cases.extend(names.into_iter().map(|name| Case {
            rel: format!("octokit/{event}/{name}"),
            event: event.to_string(),
        }));
    }
    cases.push(Case {
        rel: "captured/pull_request.closed.merged.json".to_string(),
        event: "pull_request".to_string(),
    });
    cases
}

/// What a case should get: the outcome, and how the database is prepared for it.
enum Prepare {
    /// Fresh database: the page is created.
    Nothing,
    /// `deleted` / `transferred`: a page exists and is archived.
    PageToArchive,
    /// `pinned` / `unpinned`: a Closed page labelled `keep-me` exists; the delivery carries no
    /// state or labels, so both must survive.
    ClosedPage,
}

fn prepare_for(case: &Case, payload: &Value) -> Prepare {
    match (case.event.as_str(), payload["action"].as_str()) {
        ("issues", Some("deleted" | "transferred")) => Prepare::PageToArchive,
        ("issues", Some("pinned" | "unpinned")) => Prepare::ClosedPage,
        _ => Prepare::Nothing,
    }
}

async fn run_case(stack: Arc<Stack>, case: Case) {
    let ctx = case.rel.as_str();
    let payload = fixture_json(&case.rel);
    let body = fixture(&case.rel);
    let repository = payload["repository"]["full_name"]
        .as_str()
        .expect("repository")
        .to_string();
    let object = if case.event == "pull_request" {
        &payload["pull_request"]
    } else {
        &payload["issue"]
    };
    let number = object["number"].as_u64().expect("number");
    let db = stack.database();
    let prepare = prepare_for(&case, &payload);
    let seeded = match prepare {
        Prepare::Nothing => None,
        Prepare::PageToArchive => {
            Some(seed_page(&stack, &db, &repository, number, "Open", &[]).await)
        }
        Prepare::ClosedPage => {
            Some(seed_page(&stack, &db, &repository, number, "Closed", &["keep-me"]).await)
        }
    };
    let before = records_for(&stack, &db).len();

    let function = stack.function(&db).await;
    let response = deliver(
        &function,
        &Delivery::signed(WEBHOOK_SECRET, &case.event, body),
    )
    .await;

    let records = records_for(&stack, &db).split_off(before);
    let calls = delivery_calls(&records);
    let schema_reads = records.iter().filter(|r| is_schema_read(r)).count();
    assert_eq!(
        response.status,
        200,
        "{ctx}: {}\n{}",
        response.body,
        function.logs()
    );
    assert_eq!(
        schema_reads,
        1,
        "{ctx}: schema read once per container: {:?}",
        describe(&records)
    );
    let live = stack.live_pages_for(&db, &repository, number);
    match prepare {
        Prepare::Nothing => {
            assert_eq!(outcome(&response), "created", "{ctx}: {}", response.body);
            assert_eq!(
                calls.len(),
                3,
                "{ctx}: query, create, verification query: {:?}",
                describe(&records)
            );
            assert_eq!(writes(&records), 1, "{ctx}");
            assert_eq!(live.len(), 1, "{ctx}: one live page");
            assert_page(&live[0], &expected(&case.event, &payload), ctx);
            assert_eq!(
                page_id(&response).map(|id| undashed(&id)),
                live[0]["id"].as_str().map(undashed),
                "{ctx}"
            );
        }
        Prepare::PageToArchive => {
            assert_eq!(outcome(&response), "archived", "{ctx}: {}", response.body);
            assert_eq!(
                calls.len(),
                2,
                "{ctx}: query, archive: {:?}",
                describe(&records)
            );
            assert!(
                live.is_empty(),
                "{ctx}: the page is archived, not live: {live:#?}"
            );
            let seeded = seeded.expect("seeded page");
            let page = stack
                .emulator
                .pages_in(&db)
                .into_iter()
                .find(|p| p["id"] == seeded.as_str())
                .expect("the page still exists (archive, never delete)");
            assert_eq!(page["archived"], true, "{ctx}");
            assert_eq!(
                page_id(&response).map(|id| undashed(&id)),
                Some(undashed(&seeded)),
                "{ctx}"
            );
        }
        Prepare::ClosedPage => {
            assert_eq!(outcome(&response), "updated", "{ctx}: {}", response.body);
            assert_eq!(
                calls.len(),
                2,
                "{ctx}: query, update: {:?}",
                describe(&records)
            );
            assert_eq!(live.len(), 1, "{ctx}: one live page");
            let page = &live[0];
            let want = expected(&case.event, &payload);
            assert_eq!(want.status, None, "{ctx}: the example carries no state");
            assert_page(page, &want, ctx);
            assert_eq!(
                select(page, "Status").as_deref(),
                Some("Closed"),
                "{ctx}: Status must not be written from a payload without state"
            );
            assert_eq!(
                multi_select(page, "Labels"),
                ["keep-me"],
                "{ctx}: Labels must not be written from a payload without labels"
            );
        }
    }
    assert_no_secrets(&function.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_octokit_issue_pull_request_and_comment_example_gets_the_right_answer_and_row() {
    let stack = Arc::new(Stack::start().await);
    let cases = cases();
    assert!(
        cases.len() >= 60,
        "expected the whole octokit set, found {}",
        cases.len()
    );
    let gate = Arc::new(Semaphore::new(PARALLEL));
    let mut tasks = JoinSet::new();
    for case in cases.clone() {
        let stack = stack.clone();
        let gate = gate.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.expect("semaphore open");
            let rel = case.rel.clone();
            (rel, tokio::spawn(run_case(stack, case)).await)
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (rel, result) = joined.expect("case task");
        if let Err(error) = result {
            let message = error
                .try_into_panic()
                .ok()
                .and_then(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                })
                .unwrap_or_else(|| "task failed".to_string());
            failures.push(format!("--- {rel}\n{message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_expectations_this_suite_derives_agree_with_product_md_on_known_examples() {
    // Guards the derivation itself: if it drifted, the big test above would compare against
    // the wrong thing. These are facts about the fixtures, read by a person.
    let status = |event: &str, rel: &str| expected(event, &fixture_json(rel)).status;
    assert_eq!(
        status("pull_request", "captured/pull_request.closed.merged.json"),
        Some("Merged")
    );
    assert_eq!(
        status("pull_request", "octokit/pull_request/closed.payload.json"),
        Some("Closed")
    );
    assert_eq!(
        status(
            "pull_request",
            "octokit/pull_request/converted_to_draft.payload.json"
        ),
        Some("Draft")
    );
    assert_eq!(
        status("issues", "octokit/issues/opened.payload.json"),
        Some("Open")
    );
    assert_eq!(status("issues", "octokit/issues/pinned.payload.json"), None);
    let milestoned = expected(
        "issues",
        &fixture_json("octokit/issues/milestoned.payload.json"),
    );
    assert_eq!(
        milestoned.kind, "Pull request",
        "an issues event about a PR (issue.pull_request set)"
    );
    let labeled = expected(
        "issues",
        &fixture_json("octokit/issues/labeled.payload.json"),
    );
    assert_eq!(labeled.labels.as_deref(), Some(&["bug".to_string()][..]));
    assert_eq!(labeled.repository, "Codertocat/Hello-World");
    assert_eq!(labeled.author.as_deref(), Some("Codertocat"));
}
