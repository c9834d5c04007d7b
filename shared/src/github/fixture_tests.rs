//! Every real webhook body in `../shared/fixtures/github` goes through the whole delivery path
//! (signature, parse, sync action) and lands on the action it should.

use std::path::{Path, PathBuf};

use super::webhook::{payload_json, sign, verify_signature};
use super::{Event, ItemKind, ItemState, SyncAction, WorkItem};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/github");

fn bodies(event: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(FIXTURES).join("octokit").join(event);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// The delivery path the webhook function runs, with the body signed as GitHub would.
fn deliver(event: &str, body: &[u8]) -> SyncAction {
    let secrets = vec!["fixture-secret".to_string()];
    verify_signature(&secrets, body, Some(&sign("fixture-secret", body))).unwrap();
    let json = payload_json(body, Some("application/json")).unwrap();
    Event::parse(event, &json).unwrap().sync_action().unwrap()
}

fn upserted(event: &str, path: &Path, body: &[u8]) -> WorkItem {
    match deliver(event, body) {
        SyncAction::Upsert(item) => item,
        other => panic!("{}: expected Upsert, got {other:?}", path.display()),
    }
}

fn name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

#[test]
fn every_issues_example_is_upserted_or_archived() {
    let mut count = 0;
    for (path, body) in bodies("issues") {
        count += 1;
        let file = name(&path);
        if file.starts_with("deleted") || file.starts_with("transferred") {
            let action = deliver("issues", &body);
            assert!(
                matches!(&action, SyncAction::Archive { number: 1, repository }
                    if repository.contains('/')),
                "{file}: {action:?}"
            );
            continue;
        }
        let item = upserted("issues", &path, &body);
        assert!(
            item.number > 0 && !item.title.is_empty() && !item.url.is_empty(),
            "{file}"
        );
        if file.starts_with("pinned") || file.starts_with("unpinned") {
            // No state in the payload: the page's Status must be left alone.
            assert_eq!(item.state, None, "{file}");
            assert_eq!(item.labels, None, "{file}");
        } else {
            assert!(item.state.is_some(), "{file}");
        }
        if file.starts_with("milestoned") || file.starts_with("demilestoned") {
            // These examples are a pull request seen through the issues API.
            assert_eq!(item.kind, ItemKind::PullRequest, "{file}");
        }
    }
    assert!(count >= 28, "only {count} issues examples");
}

#[test]
fn every_pull_request_example_is_upserted_with_its_state() {
    let mut count = 0;
    for (path, body) in bodies("pull_request") {
        count += 1;
        let file = name(&path);
        let item = upserted("pull_request", &path, &body);
        assert_eq!(item.kind, ItemKind::PullRequest, "{file}");
        let expected = if file.starts_with("closed") {
            ItemState::Closed
        } else if file.starts_with("converted_to_draft") {
            ItemState::Draft
        } else {
            ItemState::Open
        };
        assert_eq!(item.state, Some(expected), "{file}");
        assert!(item.labels.is_some() && item.assignees.is_some(), "{file}");
    }
    assert!(count >= 28, "only {count} pull_request examples");
}

#[test]
fn every_issue_comment_example_upserts_the_commented_issue() {
    let mut count = 0;
    for (path, body) in bodies("issue_comment") {
        count += 1;
        let item = upserted("issue_comment", &path, &body);
        assert_eq!(item.kind, ItemKind::Issue, "{}", path.display());
        assert!(item.comments.is_some(), "{}", path.display());
    }
    assert!(count >= 8, "only {count} issue_comment examples");
}

#[test]
fn every_ping_example_is_a_ping() {
    for (path, body) in bodies("ping") {
        let event = Event::parse("ping", &body).unwrap();
        assert!(
            matches!(
                &event,
                Event::Ping {
                    hook_id: Some(_),
                    zen: Some(_)
                }
            ),
            "{}",
            path.display()
        );
        assert_eq!(event.sync_action().unwrap(), SyncAction::Ping);
    }
}

#[test]
fn every_push_release_and_star_example_is_ignored() {
    let mut count = 0;
    for event in ["push", "release", "star"] {
        for (path, body) in bodies(event) {
            count += 1;
            let action = deliver(event, &body);
            assert!(
                matches!(&action, SyncAction::Ignore { reason } if reason.contains(event)),
                "{}: {action:?}",
                path.display()
            );
        }
    }
    assert!(count >= 20, "only {count} ignored examples");
}

#[test]
fn the_captured_merged_pull_request_is_upserted_as_merged() {
    let body = std::fs::read(Path::new(FIXTURES).join("captured/pull_request.closed.merged.json"))
        .unwrap();
    let SyncAction::Upsert(item) = deliver("pull_request", &body) else {
        panic!("expected Upsert");
    };
    assert_eq!(item.state, Some(ItemState::Merged));
    assert_eq!(item.repository, "ailisp/gcbapp-buildconfig-example");
    assert_eq!(item.number, 3);
    assert_eq!(
        item.updated_at,
        time::macros::datetime!(2019-11-26 07:01:13 UTC)
    );
}

#[test]
fn a_fixture_body_fails_verification_once_one_byte_changes() {
    let (_, body) = bodies("issues").remove(0);
    let header = sign("fixture-secret", &body);
    let mut tampered = body.clone();
    let last = tampered.len() - 2;
    tampered[last] ^= 1;
    let secrets = vec!["fixture-secret".to_string()];
    assert!(verify_signature(&secrets, &tampered, Some(&header)).is_err());
}
