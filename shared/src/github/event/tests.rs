//! Unit tests of `event.rs`.

use super::*;
use crate::github::item::{ItemKind, ItemState};

const ISSUE: &str = r#"{"number": 3, "title": "t", "state": "open",
    "html_url": "https://github.com/o/r/issues/3", "updated_at": "2024-01-01T00:00:00Z"}"#;

/// The `repository` member of a delivery in o/r, as [`issues`] appends it.
const IN_O_R: &str = r#", "repository": {"full_name": "o/r"}"#;

fn issues(action: &str, repository: &str) -> Vec<u8> {
    format!(r#"{{"action": "{action}", "issue": {ISSUE}{repository}}}"#).into_bytes()
}

/// What the relay makes of a delivery of `event` whose JSON is `body`.
fn sync_action(event: &str, body: &[u8]) -> SyncAction {
    Event::parse(event, body).unwrap().sync_action().unwrap()
}

#[test]
fn an_unknown_event_type_parses_as_other_and_is_ignored() {
    let event = Event::parse("workflow_run", b"not even json").unwrap();
    assert_eq!(
        event,
        Event::Other {
            event: "workflow_run".into()
        }
    );
    assert!(matches!(
        event.sync_action().unwrap(),
        SyncAction::Ignore { .. }
    ));
}

#[test]
fn bad_json_for_a_known_event_is_an_invalid_payload_keeping_the_source() {
    let err = Event::parse("issues", b"{\"action\": \"opened\"").unwrap_err();
    match err {
        WebhookError::InvalidPayload { source, .. } => assert!(source.is_some()),
        other => panic!("unexpected {other:?}"),
    }
    let err = Event::parse("issues", br#"{"action": "opened"}"#).unwrap_err();
    assert_eq!(err.status(), 400);
}

#[test]
fn an_unknown_issues_action_is_ignored_not_rejected() {
    let SyncAction::Ignore { reason } = sync_action("issues", &issues("field_added", IN_O_R))
    else {
        panic!("expected Ignore");
    };
    assert!(reason.contains("field_added"), "{reason}");
}

#[test]
fn an_opened_issue_is_upserted() {
    let SyncAction::Upsert(item) = sync_action("issues", &issues("opened", IN_O_R)) else {
        panic!("expected Upsert");
    };
    assert_eq!((item.repository.as_str(), item.number), ("o/r", 3));
    assert_eq!(item.kind, ItemKind::Issue);
    assert_eq!(item.state, Some(ItemState::Open));
}

#[test]
fn an_upsert_without_repository_is_an_invalid_payload() {
    let event = Event::parse("issues", &issues("opened", "")).unwrap();
    let err = event.sync_action().unwrap_err();
    assert!(err.to_string().contains("repository"), "{err}");
    assert_eq!(err.status(), 400);
}

#[test]
fn typed_and_untyped_set_and_clear_the_issue_type() {
    let typed = format!(
        r#"{{"action": "typed", "issue": {}, "repository": {{"full_name": "o/r", "default_branch": "trunk"}}}}"#,
        ISSUE.replacen('{', r#"{"type": {"name": "Bug"}, "#, 1)
    );
    let SyncAction::Upsert(item) = sync_action("issues", typed.as_bytes()) else {
        panic!("expected Upsert");
    };
    assert_eq!(item.issue_type, Some(Some("Bug".into())));
    assert_eq!(item.default_branch.as_deref(), Some("trunk"));
    let untyped = format!(
        r#"{{"action": "untyped", "issue": {}, "repository": {{"full_name": "o/r"}}}}"#,
        ISSUE.replacen('{', r#"{"type": null, "#, 1)
    );
    let SyncAction::Upsert(item) = sync_action("issues", untyped.as_bytes()) else {
        panic!("expected Upsert");
    };
    assert_eq!(item.issue_type, Some(None));
}

#[test]
fn a_sub_issue_event_upserts_the_sub_issue_with_its_parent() {
    let body = |action: &str| {
        format!(
            r#"{{"action": "{action}", "sub_issue": {ISSUE}, "parent_issue": {},
            "sub_issue_repo": {{"full_name": "o/r"}}, "parent_issue_repo": {{"full_name": "o/plan"}},
            "repository": {{"full_name": "o/plan"}}}}"#,
            ISSUE.replace("\"number\": 3", "\"number\": 1")
        )
    };
    let action = |a: &str| sync_action("sub_issues", body(a).as_bytes());
    let SyncAction::Upsert(item) = action("sub_issue_added") else {
        panic!("expected Upsert");
    };
    assert_eq!((item.repository.as_str(), item.number), ("o/r", 3));
    assert_eq!(
        item.parent,
        Some(Some(ItemKey {
            repository: "o/plan".into(),
            number: 1
        }))
    );
    let SyncAction::Upsert(item) = action("parent_issue_removed") else {
        panic!("expected Upsert");
    };
    assert_eq!(item.parent, Some(None));
    assert!(matches!(action("reordered"), SyncAction::Ignore { .. }));
}

#[test]
fn issue_dependencies_events_parse_and_are_ignored() {
    let action = sync_action(
        "issue_dependencies",
        br#"{"action": "blocked_by_added", "blocked_issue": {}, "blocking_issue": {}}"#,
    );
    assert!(matches!(action, SyncAction::Ignore { .. }));
}

#[test]
fn a_deleted_issue_is_archived() {
    assert_eq!(
        sync_action("issues", &issues("deleted", IN_O_R)),
        SyncAction::Archive {
            repository: "o/r".into(),
            number: 3,
        }
    );
}
