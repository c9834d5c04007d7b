//! When a delivery is checked against GitHub, and what is written then: GitHub's newer state, or
//! (two-way) the delivery without a person's pending edits.

use time::macros::datetime;

use super::*;
use crate::github::ItemState;
use crate::notion::PropertyValue;
use crate::secrets::test_server::{Canned, TestServer};
use crate::sync::fixtures;

const COLUMNS: &str = "Name, Issue #, Status, Labels, Comments, Updated";

/// Three minutes after the pages' last edit (`fixtures::page`: 2026-01-01T00:00:00Z).
const NOW: OffsetDateTime = datetime!(2026-01-01 00:03:00 UTC);

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

/// GitHub's issue 7 as delivered: no newer than the delivery.
const AS_DELIVERED: &str = r#"{"number": 7, "title": "Fix it", "state": "open",
    "html_url": "https://github.com/octo/repo/issues/7", "updated_at": "2026-06-27T18:01:15Z",
    "labels": [{"name": "bug"}]}"#;

fn view(server: &TestServer, two_way: bool) -> GitHubView {
    GitHubView {
        client: GitHubClient::new(&server.url, Some("ghp_t".into()), "notion-relay-tests").unwrap(),
        two_way,
    }
}

/// [`replacement`] of `item` over `page`, asking `server`, at [`NOW`].
async fn check(
    server: &TestServer,
    two_way: bool,
    item: &WorkItem,
    page: Page,
) -> Option<WorkItem> {
    let schema = fixtures::schema(COLUMNS);
    replacement(&schema, item, &[page], &view(server, two_way), NOW).await
}

/// GitHub answering for pull request 7, open, updated at `updated`: the issue view, then the
/// pull request with `fields` added.
async fn pull_request_on_github(updated: &str, fields: &str) -> TestServer {
    let url = "https://github.com/octo/repo/pull/7";
    TestServer::start(vec![
        Canned::json(
            200,
            format!(
                r#"{{"number": 7, "title": "Fix it", "state": "open", "html_url": "{url}",
                    "updated_at": "{updated}", "pull_request": {{"merged_at": null}}}}"#
            ),
        ),
        Canned::json(
            200,
            format!(
                r#"{{"number": 7, "title": "Fix it", "state": "open", "merged": false,
                    "html_url": "{url}", "updated_at": "{updated}", {fields}}}"#
            ),
        ),
    ])
    .await
}

/// [`would_undo_an_edit`] of `item` over `page`.
fn undoes(item: &WorkItem, page: &Page) -> bool {
    let schema = fixtures::schema(COLUMNS);
    would_undo_an_edit(&schema, item, &desired_properties(item, &schema), page)
}

fn event(name: &str, at: &str) -> String {
    format!(r#"{{"event": "{name}", "created_at": "{at}"}}"#)
}

#[test]
fn only_a_change_to_a_page_someone_else_edited_last_is_checked() {
    let item = delivered();
    assert!(undoes(&item, &closed_by_a_person()));
    // We wrote last: the delivery is written as it is.
    let ours = page(&item, "bot", &[("Status", PropertyValue::select("Closed"))]);
    assert!(!undoes(&item, &ours));
    // The echo of the edit: the page already holds every value.
    let echo = WorkItem {
        state: Some(ItemState::Closed),
        updated_at: datetime!(2026-06-27 18:05:00 UTC),
        ..item.clone()
    };
    assert!(!undoes(&echo, &closed_by_a_person()));
    // Older than what the page records: the stale guard refuses it anyway.
    let older = WorkItem {
        updated_at: datetime!(2026-06-27 17:00:00 UTC),
        ..item
    };
    assert!(!undoes(&older, &closed_by_a_person()));
}

#[tokio::test]
async fn a_delivery_older_than_github_is_replaced_by_what_github_holds_now() {
    let server = TestServer::start(vec![Canned::json(200, CLOSED_ON_GITHUB)]).await;
    let current = check(&server, true, &delivered(), closed_by_a_person())
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
    assert!(!undoes(&current, &closed_by_a_person()));
}

#[tokio::test]
async fn without_two_way_or_an_answer_a_delivery_as_new_as_github_is_written_as_it_is() {
    for (two_way, answer) in [
        (false, Canned::json(200, AS_DELIVERED)),
        (true, Canned::json(404, r#"{"message": "Not Found"}"#)),
        (true, Canned::json(200, r#"{"number": 7}"#)),
    ] {
        let server = TestServer::start(vec![answer]).await;
        let current = check(&server, two_way, &delivered(), closed_by_a_person()).await;
        assert_eq!(current, None);
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn two_way_keeps_a_pending_edit_github_has_not_changed_since_and_writes_the_rest() {
    // A comment on GitHub after the person closed the issue in Notion, before the write-back.
    let commented = WorkItem {
        comments: Some(1),
        ..delivered()
    };
    let events = format!(
        "[{}, {}]",
        event("labeled", "2026-06-27T17:00:00Z"),
        event("mentioned", "2026-06-27T18:02:00Z")
    );
    let server = TestServer::start(vec![
        Canned::json(200, AS_DELIVERED),
        Canned::json(200, events),
    ])
    .await;
    let written = check(&server, true, &commented, closed_by_a_person())
        .await
        .expect("the pending Status is kept");
    assert_eq!(written.state, None, "Status stays as the person set it");
    assert_eq!(written.comments, Some(1), "the comment count is written");
    assert_eq!(written.labels, commented.labels);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/repos/octo/repo/issues/7",
            "/repos/octo/repo/issues/7/events?per_page=100"
        ]
    );
}

#[tokio::test]
async fn a_github_change_of_the_same_value_since_or_an_old_edit_is_not_kept() {
    // GitHub reopened it after the version the page records: GitHub's edit wins.
    let reopened = format!("[{}]", event("reopened", "2026-06-27T18:01:40Z"));
    let server = TestServer::start(vec![
        Canned::json(200, AS_DELIVERED),
        Canned::json(200, reopened),
    ])
    .await;
    assert_eq!(
        check(&server, true, &delivered(), closed_by_a_person()).await,
        None
    );
    // An edit older than the window: notion-webhook has had its chance.
    let server = TestServer::start(vec![Canned::json(200, AS_DELIVERED)]).await;
    let schema = fixtures::schema(COLUMNS);
    let later = NOW + PENDING_WINDOW + Duration::from_secs(120);
    let view = view(&server, true);
    let kept = replacement(&schema, &delivered(), &[closed_by_a_person()], &view, later).await;
    assert_eq!(kept, None);
    assert_eq!(server.requests().len(), 1, "no event log read");
}

#[tokio::test]
async fn a_pull_requests_status_is_never_kept() {
    let server =
        pull_request_on_github("2026-06-27T18:01:15Z", r#""labels": [{"name": "bug"}]"#).await;
    let pull = WorkItem {
        kind: ItemKind::PullRequest,
        ..delivered()
    };
    let merged_by_a_person = page(
        &pull,
        "person",
        &[("Status", PropertyValue::select("Merged"))],
    );
    assert_eq!(check(&server, true, &pull, merged_by_a_person).await, None);
    assert_eq!(
        server.requests().len(),
        2,
        "issue and pull read, no event log"
    );
}

#[tokio::test]
async fn a_pull_request_is_read_from_the_pulls_api_for_draft_merged_and_reviewers() {
    let server = pull_request_on_github(
        "2026-06-27T18:05:00Z",
        r#""draft": true, "requested_reviewers": [{"login": "ana"}]"#,
    )
    .await;
    let current = check(&server, true, &delivered(), closed_by_a_person())
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
    let ours = page(&delivered(), "bot", &[]);
    let mut newer = delivered();
    newer.labels = Some(vec!["docs".into()]);
    assert_eq!(check(&server, true, &newer, ours).await, None);
    assert!(server.requests().is_empty());
}
