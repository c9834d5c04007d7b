//! When a delivery is checked against GitHub's current state, and what is written then.

use time::macros::datetime;

use super::*;
use crate::github::ItemState;
use crate::notion::PropertyValue;
use crate::secrets::test_server::{Canned, TestServer};
use crate::sync::fixtures;

const COLUMNS: &str = "Name, Issue #, Status, Labels, Updated";

/// Issue 7, open, as the delivery (and the page written from it) hold it.
fn delivered() -> WorkItem {
    WorkItem {
        state: Some(ItemState::Open),
        labels: Some(vec!["bug".into()]),
        default_branch: Some("trunk".into()),
        ..fixtures::item()
    }
}

/// The page we wrote from `item`, then last edited by `editor` (`"bot"` is us) with `edits`.
fn page(item: &WorkItem, editor: &str, edits: &[(&str, PropertyValue)]) -> Page {
    let schema = fixtures::schema(COLUMNS);
    let mut properties = desired_properties(item, &schema);
    for (name, value) in edits {
        properties.insert((*name).into(), value.clone());
    }
    let mut page = fixtures::page("p1", properties);
    page.created_by = Some("bot".into());
    page.last_edited_by = Some(editor.into());
    page
}

fn closed_by_a_person() -> Page {
    page(
        &delivered(),
        "person",
        &[("Status", PropertyValue::select("Closed"))],
    )
}

/// GitHub's issue 7, closed by our write-back at 18:05:00.
const CLOSED_ON_GITHUB: &str = r#"{"number": 7, "title": "Fix it", "state": "closed",
    "html_url": "https://github.com/octo/repo/issues/7", "updated_at": "2026-06-27T18:05:00Z",
    "closed_at": "2026-06-27T18:05:00Z", "labels": [{"name": "bug"}]}"#;

fn client(server: &TestServer) -> GitHubClient {
    GitHubClient::new(&server.url, Some("ghp_t".into()), "notion-relay-tests").unwrap()
}

/// [`newer_state`] of [`delivered`] over the page a person closed, asking `server`.
async fn after_a_person_closed_it(server: &TestServer) -> Option<WorkItem> {
    let schema = fixtures::schema(COLUMNS);
    newer_state(
        &schema,
        &delivered(),
        &[closed_by_a_person()],
        &client(server),
    )
    .await
}

#[test]
fn only_a_change_to_a_page_someone_else_edited_last_is_checked() {
    let schema = fixtures::schema(COLUMNS);
    let item = delivered();
    assert!(would_undo_an_edit(&schema, &item, &[closed_by_a_person()]));
    // We wrote last: the delivery is written as it is.
    let ours = page(&item, "bot", &[("Status", PropertyValue::select("Closed"))]);
    assert!(!would_undo_an_edit(&schema, &item, &[ours]));
    // The echo of the edit: the page already holds every value.
    let echo = WorkItem {
        state: Some(ItemState::Closed),
        updated_at: datetime!(2026-06-27 18:05:00 UTC),
        ..item.clone()
    };
    assert!(!would_undo_an_edit(&schema, &echo, &[closed_by_a_person()]));
    // Older than what the page records: the stale guard refuses it anyway.
    let older = WorkItem {
        updated_at: datetime!(2026-06-27 17:00:00 UTC),
        ..item
    };
    assert!(!would_undo_an_edit(
        &schema,
        &older,
        &[closed_by_a_person()]
    ));
}

#[tokio::test]
async fn a_delivery_older_than_github_is_replaced_by_what_github_holds_now() {
    let server = TestServer::start(vec![Canned::json(200, CLOSED_ON_GITHUB)]).await;
    let current = after_a_person_closed_it(&server)
        .await
        .expect("GitHub is newer");
    assert_eq!(current.state, Some(ItemState::Closed));
    assert_eq!(current.updated_at, datetime!(2026-06-27 18:05:00 UTC));
    assert_eq!(current.default_branch.as_deref(), Some("trunk"));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("GET", "/repos/octo/repo/issues/7")
    );
    // What GitHub holds now is what the person left: nothing to undo.
    assert!(!would_undo_an_edit(
        &fixtures::schema(COLUMNS),
        &current,
        &[closed_by_a_person()]
    ));
}

#[tokio::test]
async fn a_delivery_as_new_as_github_or_a_github_that_cannot_say_is_written_as_it_is() {
    let same_time = r#"{"number": 7, "title": "Fix it", "state": "open",
        "html_url": "https://github.com/octo/repo/issues/7", "updated_at": "2026-06-27T18:01:15Z"}"#;
    for answer in [
        Canned::json(200, same_time),
        Canned::json(404, r#"{"message": "Not Found"}"#),
        Canned::json(200, r#"{"number": 7}"#),
    ] {
        let server = TestServer::start(vec![answer]).await;
        let current = after_a_person_closed_it(&server).await;
        assert_eq!(current, None);
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn a_pull_request_is_read_from_the_pulls_api_for_draft_merged_and_reviewers() {
    let server = TestServer::start(vec![
        Canned::json(
            200,
            r#"{"number": 7, "title": "Fix it", "state": "open", "html_url": "https://github.com/octo/repo/pull/7",
                "updated_at": "2026-06-27T18:05:00Z", "pull_request": {"merged_at": null}}"#,
        ),
        Canned::json(
            200,
            r#"{"number": 7, "title": "Fix it", "state": "open", "draft": true, "merged": false,
                "html_url": "https://github.com/octo/repo/pull/7", "updated_at": "2026-06-27T18:05:00Z",
                "requested_reviewers": [{"login": "ana"}]}"#,
        ),
    ])
    .await;
    let current = after_a_person_closed_it(&server)
        .await
        .expect("GitHub is newer");
    assert_eq!(current.state, Some(ItemState::Draft));
    assert_eq!(current.reviewers, Some(vec!["ana".to_string()]));
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/repos/octo/repo/issues/7", "/repos/octo/repo/pulls/7"]
    );
}

#[tokio::test]
async fn a_page_we_wrote_last_costs_no_github_call() {
    let server = TestServer::start(vec![Canned::json(200, CLOSED_ON_GITHUB)]).await;
    let schema = fixtures::schema(COLUMNS);
    let ours = page(&delivered(), "bot", &[]);
    let mut newer = delivered();
    newer.labels = Some(vec!["docs".into()]);
    assert_eq!(
        newer_state(&schema, &newer, &[ours], &client(&server)).await,
        None
    );
    assert!(server.requests().is_empty());
}
