//! The release `github-webhook` binary and its surroundings: Notion-Version 2025-09-03 (data
//! sources), a Notion token rotated in Secrets Manager, configuration that is missing, and a
//! Notion slower than the Lambda deadline.

use std::time::Duration;

use relay_tests::emulator::FaultConfig;
use relay_tests::lambda::{release_binary, LambdaFunction};
use serde_json::{json, Value};

use crate::support::webhook::{
    assert_no_secrets, assert_page, deliver, delivery_calls, describe, expected, fixture_json,
    is_schema_read, outcome, retarget, writes, Delivery, Stack, GITHUB_TOKEN, WEBHOOK_SECRET,
};

const REPO: &str = "Codertocat/Hello-World";

fn issue(action: &str, number: u64, updated_at: &str) -> Value {
    let mut payload = fixture_json(&format!("octokit/issues/{action}.payload.json"));
    retarget(&mut payload, number, updated_at);
    payload
}

#[tokio::test]
async fn with_notion_version_2025_09_03_deliveries_cost_the_same_through_the_data_source() {
    // 2026-03-11 is the same data-source API (with `in_trash` only): the same costs.
    for version in ["2025-09-03", "2026-03-11"] {
        let stack = Stack::start().await;
        let db = stack.database();
        let function = stack
            .function_with(&db, &[("NOTION_VERSION", version)])
            .await;
        let opened = Delivery::json("issues", &issue("opened", 1, "2026-06-01T10:00:00Z"));
        let labeled_payload = issue("labeled", 1, "2026-06-01T10:01:00Z");
        let labeled = Delivery::json("issues", &labeled_payload);

        let mut costs = Vec::new();
        for delivery in [&opened, &opened, &labeled, &labeled] {
            let mark = stack.mark();
            let answer = deliver(&function, delivery).await;
            assert_eq!(answer.status, 200, "{}\n{}", answer.body, function.logs());
            let records = stack.since(mark);
            costs.push((
                outcome(&answer),
                delivery_calls(&records).len(),
                writes(&records),
            ));
            assert!(
                records
                    .iter()
                    .all(|r| !r.path.ends_with("/query") || r.path.starts_with("/v1/data_sources/")),
                "{version} queries the data source: {:?}",
                describe(&records)
            );
        }

        let expected_costs = [
            ("created", 3, 1),
            ("unchanged", 1, 0),
            ("updated", 2, 1),
            ("unchanged", 1, 0),
        ];
        let costs: Vec<(&str, usize, usize)> =
            costs.iter().map(|(o, c, w)| (o.as_str(), *c, *w)).collect();
        assert_eq!(costs, expected_costs, "{version}");
        let log = stack.emulator.requests();
        let reads: Vec<&str> = log
            .iter()
            .filter(|r| is_schema_read(r))
            .map(|r| r.path.as_str())
            .collect();
        assert_eq!(
            reads.len(),
            2,
            "database and data source, once per container: {reads:?}"
        );
        assert_page(
            &stack.page_for(&db, REPO, 1),
            &expected("issues", &labeled_payload),
            version,
        );
        assert_no_secrets(&function.logs());
    }
}

#[tokio::test]
async fn a_notion_token_rotated_in_secrets_manager_is_used_after_notion_answers_401() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function(&db).await;
    let first = deliver(
        &function,
        &Delivery::json("issues", &issue("opened", 2, "2026-06-01T11:00:00Z")),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);

    let rotated = "secret_e2eRotatedTokenJk2Pw8Yc5";
    stack
        .moto
        .put_secret_value(
            &stack.secret_arn,
            &json!({"notion_token": rotated, "github_webhook_secret": WEBHOOK_SECRET, "github_token": GITHUB_TOKEN}).to_string(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    {
        let state = stack.emulator.state();
        let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
        state.settings.tokens.clear();
        state.settings.tokens.insert(rotated.to_string());
    }
    let mark = stack.mark();
    let labeled_payload = issue("labeled", 2, "2026-06-01T11:05:00Z");
    let second = deliver(&function, &Delivery::json("issues", &labeled_payload)).await;
    let records = stack.since(mark);

    assert_eq!(second.status, 200, "{}\n{}", second.body, function.logs());
    assert_eq!(outcome(&second), "updated");
    let statuses: Vec<u16> = records.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [401, 200, 200],
        "old token refused, then query and update: {:?}",
        describe(&records)
    );
    assert_page(
        &stack.page_for(&db, REPO, 2),
        &expected("issues", &labeled_payload),
        "after rotation",
    );
    let logs = function.logs();
    assert_no_secrets(&logs);
    assert!(!logs.contains(rotated), "the rotated token leaked:\n{logs}");
}

#[tokio::test]
async fn a_missing_secret_or_database_id_gets_500_naming_it_and_touches_nothing() {
    let stack = Stack::start().await;
    let db = stack.database();
    let no_secret = stack
        .function_with(&db, &[("SECRET_ID", "notion-relay/does-not-exist")])
        .await;
    let env: Vec<(String, String)> = stack
        .env(&db)
        .into_iter()
        .filter(|(k, _)| k != "NOTION_DATABASE_ID")
        .collect();
    let no_database = LambdaFunction::spawn(&release_binary("github-webhook"), &env)
        .await
        .expect("starts");
    let delivery = Delivery::json("issues", &issue("opened", 3, "2026-06-01T12:00:00Z"));

    let secretless = deliver(&no_secret, &delivery).await;
    let databaseless = deliver(&no_database, &delivery).await;

    assert_eq!(secretless.status, 500, "{}", secretless.body);
    assert_eq!(databaseless.status, 500, "{}", databaseless.body);
    assert!(
        databaseless.body.contains("NOTION_DATABASE_ID"),
        "{}",
        databaseless.body
    );
    assert_eq!(
        stack.emulator.request_count(),
        0,
        "{:?}",
        describe(&stack.emulator.requests())
    );
    assert_no_secrets(&no_secret.logs());
    assert_no_secrets(&no_database.logs());
}

#[tokio::test]
async fn a_notion_slower_than_the_lambda_deadline_gets_503_in_time_and_the_redelivery_lands_once() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function(&db).await;
    let payload = issue("opened", 4, "2026-06-01T13:00:00Z");
    let delivery = Delivery::json("issues", &payload);
    stack.emulator.set_faults(FaultConfig {
        latency_ms: 1_500,
        ..FaultConfig::default()
    });

    // A 3 s function timeout: the function must answer itself, not be cut off by Lambda
    // (the harness reports a missed deadline as an error, not as a response).
    let slow = function
        .invoke_http(delivery.request().timeout(Duration::from_secs(3)))
        .await
        .unwrap_or_else(|e| panic!("the function missed its deadline: {e}"));
    stack.emulator.set_faults(FaultConfig::default());
    let redelivered = deliver(&function, &delivery).await;

    assert_eq!(slow.status, 503, "{}", slow.body);
    assert_eq!(redelivered.status, 200, "{}", redelivered.body);
    assert!(
        ["created", "updated", "unchanged"].contains(&outcome(&redelivered).as_str()),
        "{}",
        redelivered.body
    );
    assert_page(
        &stack.page_for(&db, REPO, 4),
        &expected("issues", &payload),
        "after redelivery",
    );
    assert_eq!(
        stack.emulator.pages_in(&db).len(),
        1,
        "one page, however far the slow try got"
    );
    assert_no_secrets(&function.logs());
}

#[tokio::test]
async fn renamed_and_retyped_properties_are_written_and_missing_ones_skipped_with_one_warning() {
    let stack = Stack::start().await;
    // No Status, Type, Updated, Assignees, Comments; Repository and Labels as text.
    let db = stack
        .emulator
        .create_database(
            "Team board",
            json!({
                "Task": {"title": {}},
                "GH #": {"number": {}},
                "Repo": {"rich_text": {}},
                "Labels": {"rich_text": {}},
                "Link": {"url": {}},
                "Author": {"select": {}},
            }),
        )
        .expect("database")
        .database_id;
    let renamed = [
        ("PROPERTY_NAME", "Task"),
        ("PROPERTY_NUMBER", "GH #"),
        ("PROPERTY_REPOSITORY", "Repo"),
        ("PROPERTY_URL", "Link"),
    ];
    let function = stack.function_with(&db, &renamed).await;
    let mut payload = issue("labeled", 5, "2026-06-01T14:00:00Z");
    payload["issue"]["labels"] = json!([{"name": "bug"}, {"name": "needs, triage"}]);
    let delivery = Delivery::json("issues", &payload);

    let created = deliver(&function, &delivery).await;
    let mark = stack.mark();
    let again = deliver(&function, &delivery).await;
    let redelivery = stack.since(mark);

    assert_eq!(created.status, 200, "{}\n{}", created.body, function.logs());
    assert_eq!(outcome(&created), "created");
    assert_eq!(outcome(&again), "unchanged", "{}", again.body);
    assert_eq!(redelivery.len(), 1, "{:?}", describe(&redelivery));
    let pages = stack.emulator.pages_in(&db);
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    let text = |name: &str| -> String {
        let p = &page["properties"][name];
        let items = p["title"]
            .as_array()
            .or(p["rich_text"].as_array())
            .cloned()
            .unwrap_or_default();
        items
            .iter()
            .filter_map(|t| t["plain_text"].as_str())
            .collect()
    };
    assert_eq!(text("Task"), "Spelling error in the README file");
    assert_eq!(page["properties"]["GH #"]["number"], 5);
    assert_eq!(text("Repo"), REPO);
    assert_eq!(
        text("Labels"),
        "bug, needs, triage",
        "labels as text keep their commas"
    );
    assert_eq!(
        page["properties"]["Link"]["url"],
        format!("https://github.com/{REPO}/issues/5")
    );
    assert_eq!(page["properties"]["Author"]["select"]["name"], "Codertocat");
    let logs = function.logs();
    let warnings = logs
        .lines()
        .filter(|l| l.contains("\"WARN\"") && l.contains("Status"))
        .count();
    assert_eq!(
        warnings, 1,
        "one warning naming the skipped properties:\n{logs}"
    );
    assert_no_secrets(&logs);
}

#[tokio::test]
async fn a_database_without_the_key_property_gets_500_naming_the_setting() {
    let stack = Stack::start().await;
    let db = stack
        .emulator
        .create_database(
            "No key",
            json!({"Name": {"title": {}}, "Number": {"number": {}}}),
        )
        .expect("database")
        .database_id;
    let function = stack.function(&db).await;

    let answer = deliver(
        &function,
        &Delivery::json("issues", &issue("opened", 6, "2026-06-01T15:00:00Z")),
    )
    .await;

    assert_eq!(answer.status, 500, "{}", answer.body);
    assert!(
        answer.body.contains("Issue #") && answer.body.contains("PROPERTY_NUMBER"),
        "{}",
        answer.body
    );
    assert!(stack.emulator.pages_in(&db).is_empty());
    assert_no_secrets(&function.logs());
}
