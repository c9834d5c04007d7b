//! Unit tests of `item.rs`.

use super::*;
use time::macros::datetime;

fn issue(json: &str) -> Issue {
    serde_json::from_str(json).unwrap()
}

const BASE: &str = r#""number": 7, "title": "Fix it", "html_url": "https://github.com/o/r/issues/7",
    "updated_at": "2024-03-01T10:00:00Z""#;

#[test]
fn an_open_issue_becomes_an_open_issue_item() {
    let item = WorkItem::from_issue(
        &issue(&format!(
            r#"{{{BASE}, "state": "open", "labels": [{{"name": "bug"}}],
            "assignees": [{{"login": "ann"}}], "user": {{"login": "bob"}}, "comments": 3}}"#
        )),
        "o/r",
    )
    .unwrap();
    assert_eq!(item.kind, ItemKind::Issue);
    assert_eq!(item.state, Some(ItemState::Open));
    assert_eq!(item.labels, Some(vec!["bug".to_string()]));
    assert_eq!(item.assignees, Some(vec!["ann".to_string()]));
    assert_eq!(item.author.as_deref(), Some("bob"));
    assert_eq!(item.comments, Some(3));
    assert_eq!(item.updated_at, datetime!(2024-03-01 10:00 UTC));
    assert_eq!(item.repository, "o/r");
}

#[test]
fn an_issue_without_state_has_no_state_rather_than_open() {
    let item = WorkItem::from_issue(&issue(&format!("{{{BASE}}}")), "o/r").unwrap();
    assert_eq!(item.state, None);
    assert_eq!(item.labels, None);
    assert_eq!(item.assignees, None);
}

#[test]
fn a_listed_pull_request_is_merged_when_merged_at_is_set() {
    let merged = issue(&format!(
        r#"{{{BASE}, "state": "closed", "pull_request": {{"merged_at": "2024-03-01T09:00:00Z"}}}}"#
    ));
    let item = WorkItem::from_issue(&merged, "o/r").unwrap();
    assert_eq!(item.kind, ItemKind::PullRequest);
    assert_eq!(item.state, Some(ItemState::Merged));
    let closed = issue(&format!(
        r#"{{{BASE}, "state": "closed", "pull_request": {{"merged_at": null}}}}"#
    ));
    assert_eq!(
        WorkItem::from_issue(&closed, "o/r").unwrap().state,
        Some(ItemState::Closed)
    );
}

#[test]
fn a_listed_draft_pull_request_is_draft_but_an_issue_draft_flag_is_ignored() {
    let pr = issue(&format!(
        r#"{{{BASE}, "state": "open", "draft": true, "pull_request": {{}}}}"#
    ));
    assert_eq!(
        WorkItem::from_issue(&pr, "o/r").unwrap().state,
        Some(ItemState::Draft)
    );
    let plain = issue(&format!(r#"{{{BASE}, "state": "open", "draft": true}}"#));
    assert_eq!(
        WorkItem::from_issue(&plain, "o/r").unwrap().state,
        Some(ItemState::Open)
    );
}

#[test]
fn pull_request_states_follow_merged_and_draft() {
    let pr = |extra: &str| -> PullRequest {
        serde_json::from_str(&format!("{{{BASE}, {extra}}}")).unwrap()
    };
    let cases = [
        (r#""state": "closed", "merged": true"#, ItemState::Merged),
        (r#""state": "closed", "merged": false"#, ItemState::Closed),
        (r#""state": "open", "draft": true"#, ItemState::Draft),
        (r#""state": "open", "draft": false"#, ItemState::Open),
    ];
    for (extra, expected) in cases {
        let item = WorkItem::from_pull_request(&pr(extra), "o/r").unwrap();
        assert_eq!(item.state, Some(expected), "{extra}");
        assert_eq!(item.kind, ItemKind::PullRequest);
    }
}

#[test]
fn missing_key_fields_are_errors_naming_the_field() {
    let err =
        WorkItem::from_issue(&issue(r#"{"title": "t", "html_url": "u"}"#), "o/r").unwrap_err();
    assert!(matches!(
        err,
        ItemError::Missing {
            field: "number",
            ..
        }
    ));
    let err = WorkItem::from_issue(
        &issue(r#"{"number": 1, "title": "t", "html_url": "u"}"#),
        "o/r",
    )
    .unwrap_err();
    assert!(err.to_string().contains("updated_at"), "{err}");
}

#[test]
fn a_malformed_updated_at_is_an_invalid_timestamp() {
    let bad = issue(r#"{"number": 1, "title": "t", "html_url": "u", "updated_at": "yesterday"}"#);
    let err = WorkItem::from_issue(&bad, "o/r").unwrap_err();
    assert!(matches!(
        err,
        ItemError::InvalidTimestamp {
            field: "updated_at",
            ..
        }
    ));
}

#[test]
fn labels_round_trip_through_their_select_names() {
    for state in [
        ItemState::Open,
        ItemState::Closed,
        ItemState::Draft,
        ItemState::Merged,
    ] {
        assert_eq!(ItemState::from_label(state.label()), Some(state));
    }
    assert_eq!(ItemKind::PullRequest.label(), "Pull request");
    assert_eq!(ItemKind::from_label("Issue"), Some(ItemKind::Issue));
    assert_eq!(ItemState::from_label("open"), None);
}
