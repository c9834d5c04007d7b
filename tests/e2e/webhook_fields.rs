//! github-webhook (release binary) writing the optional properties — Milestone, Issue type,
//! Parent (sub-issues), Reviewers, Created, Closed — and answering 202 to the events GitHub added
//! that we do not sync.

use relay_tests::emulator::demo_properties;
use serde_json::{json, Value};

use crate::support::content::{payload, sync};
use crate::support::expect::{date_start, multi_select, select};
use crate::support::webhook::{deliver, Delivery, Stack};

fn full_schema() -> Value {
    let mut props = demo_properties();
    let extra = json!({
        "Milestone": {"select": {"options": []}},
        "Issue type": {"select": {"options": []}},
        "Parent": {"relation": {}},
        "Reviewers": {"multi_select": {"options": []}},
        "Created": {"date": {}},
        "Closed": {"date": {}},
    });
    if let (Some(all), Some(extra)) = (props.as_object_mut(), extra.as_object()) {
        all.extend(extra.clone());
    }
    props
}

fn relation(page: &Value, name: &str) -> Vec<String> {
    page["properties"][name]["relation"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str().map(|id| id.replace('-', "")))
        .collect()
}

#[tokio::test]
async fn the_optional_fields_round_trip() {
    let stack = Stack::start().await;
    let db = stack
        .emulator
        .create_database("GitHub Issues", full_schema())
        .expect("database")
        .database_id;
    let function = stack.function(&db).await;

    // Milestone, issue type, created.
    let mut issue = payload("issues", "opened", 30, "2026-03-01T10:00:00Z");
    let repo = issue["repository"]["full_name"]
        .as_str()
        .unwrap()
        .to_owned();
    issue["issue"]["type"] = json!({"id": 1, "name": "Bug"});
    sync(&stack, &function, "issues", &issue).await;
    let page = stack.page_for(&db, &repo, 30);
    assert_eq!(select(&page, "Milestone").as_deref(), Some("v1.0"));
    assert_eq!(select(&page, "Issue type").as_deref(), Some("Bug"));
    assert!(date_start(&page, "Created").is_some());
    assert!(date_start(&page, "Closed").is_none());

    // untyped and demilestoned clear; closed sets Closed.
    let mut cleared = issue.clone();
    cleared["action"] = json!("untyped");
    cleared["issue"]["type"] = Value::Null;
    cleared["issue"]["milestone"] = Value::Null;
    cleared["issue"]["state"] = json!("closed");
    cleared["issue"]["closed_at"] = json!("2026-03-01T10:04:00Z");
    cleared["issue"]["updated_at"] = json!("2026-03-01T10:05:00Z");
    sync(&stack, &function, "issues", &cleared).await;
    let page = stack.page_for(&db, &repo, 30);
    assert_eq!(select(&page, "Milestone"), None);
    assert_eq!(select(&page, "Issue type"), None);
    assert!(date_start(&page, "Closed").is_some());

    // A sub-issue gets its parent's page as Parent; removing the parent clears it.
    let mut child = payload("issues", "opened", 31, "2026-03-01T10:00:00Z");
    sync(&stack, &function, "issues", &child).await;
    let parent_page = stack.page_for(&db, &repo, 30)["id"]
        .as_str()
        .unwrap()
        .replace('-', "");
    child["issue"]["updated_at"] = json!("2026-03-01T10:06:00Z");
    let sub = |action: &str, child: &Value| {
        json!({
            "action": action,
            "sub_issue": child["issue"],
            "sub_issue_repo": child["repository"],
            "parent_issue": cleared["issue"],
            "parent_issue_repo": cleared["repository"],
            "repository": cleared["repository"],
        })
    };
    sync(
        &stack,
        &function,
        "sub_issues",
        &sub("sub_issue_added", &child),
    )
    .await;
    let page = stack.page_for(&db, &repo, 31);
    assert_eq!(relation(&page, "Parent"), [parent_page]);
    child["issue"]["updated_at"] = json!("2026-03-01T10:07:00Z");
    sync(
        &stack,
        &function,
        "sub_issues",
        &sub("sub_issue_removed", &child),
    )
    .await;
    assert!(relation(&stack.page_for(&db, &repo, 31), "Parent").is_empty());

    // Requested reviewers of a pull request.
    let pr = payload(
        "pull_request",
        "review_requested",
        32,
        "2026-03-01T10:00:00Z",
    );
    sync(&stack, &function, "pull_request", &pr).await;
    let page = stack.page_for(&db, &repo, 32);
    assert_eq!(multi_select(&page, "Reviewers"), ["octocat"]);
}

#[tokio::test]
async fn events_we_do_not_sync_answer_202() {
    let stack = Stack::start().await;
    let db = stack.database();
    let function = stack.function(&db).await;
    for (event, body) in [
        (
            "issue_dependencies",
            json!({"action": "blocked_by_added", "blocked_issue": {}, "blocking_issue": {}}),
        ),
        ("sub_issues", json!({"action": "reordered"})),
    ] {
        let response = deliver(&function, &Delivery::json(event, &body)).await;
        assert_eq!(response.status, 202, "{event}: {}", response.body);
    }
    assert_eq!(stack.live_pages(&db).len(), 0);
}
