use super::memory::{Memory, Seen, CAPACITY};
use super::write::github_is_newer;
use super::*;
use crate::config::{self, map_env};
use crate::github::rest::issues::IssueState;

fn event(timestamp: &str) -> Event {
    serde_json::from_value(json!({
        "id": "e1", "timestamp": timestamp, "type": "page.properties_updated",
        "authors": [{"id": "u1", "type": "person"}],
        "entity": {"id": "p1", "type": "page"}
    }))
    .expect("event parses")
}

fn issue(updated_at: &str) -> IssueState {
    IssueState {
        updated_at: updated_at.into(),
        ..IssueState::default()
    }
}

#[test]
fn a_github_edit_after_the_notion_edit_wins_and_the_same_second_does_not() {
    let edit = event("2026-06-27T18:01:15.500Z");
    assert!(github_is_newer(&issue("2026-06-27T18:01:16Z"), &edit));
    assert!(!github_is_newer(&issue("2026-06-27T18:01:15Z"), &edit));
    assert!(!github_is_newer(&issue("2026-06-27T18:00:00Z"), &edit));
    assert!(!github_is_newer(&issue("garbage"), &edit));
}

#[test]
fn a_row_belongs_to_the_database_named_in_its_parent_whatever_the_dashes() {
    let page: Page = serde_json::from_value(json!({
        "object": "page", "id": "p1",
        "parent": {"type": "data_source_id", "data_source_id": "ds", "database_id": "AB-cd"},
        "properties": {}
    }))
    .expect("page parses");
    assert!(in_database(&page, "abcd"));
    assert!(!in_database(&page, "abce"));
}

#[test]
fn seen_ids_are_forgotten_oldest_first() {
    let mut seen = Seen::default();
    for i in 0..=CAPACITY {
        seen.insert(&i.to_string());
    }
    assert!(!seen.contains("0"));
    assert!(seen.contains("1") && seen.contains(&CAPACITY.to_string()));
}

#[test]
fn our_own_write_back_is_not_mistaken_for_a_newer_github_edit() {
    let memory = Memory::default();
    assert!(!memory.is_our_write("o/r", 7, "2026-06-27T18:01:16Z"));
    memory.wrote("o/r", 7, "2026-06-27T18:01:16Z");
    assert!(memory.is_our_write("o/r", 7, "2026-06-27T18:01:16Z"));
    assert!(!memory.is_our_write("o/r", 7, "2026-06-27T18:01:17Z"));
    assert!(!memory.is_our_write("o/r", 8, "2026-06-27T18:01:16Z"));
}

#[tokio::test]
async fn an_unconfigured_function_answers_500_naming_the_variable() {
    let app = NotionWebhookApp::from_env(&map_env(&[]));
    let request: HttpRequest = serde_json::from_value(json!({"body": "{}"})).unwrap();
    let response = app.handle(&request, None).await;
    assert_eq!(response.status_code, 500);
    assert!(
        response.body.contains("NOTION_DATABASE_ID"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn unsigned_events_and_forged_signatures_are_401_without_any_call() {
    // NOTION_API_URL points nowhere: any Notion call would fail the test with a 5xx instead.
    let app = NotionWebhookApp::from_env(&map_env(&[
        (config::NOTION_DATABASE_ID, "db"),
        (config::NOTION_API_URL, "http://127.0.0.1:9"),
        (config::NOTION_TOKEN, "ntn_x"),
        (config::NOTION_WEBHOOK_SECRET, "secret_token"),
    ]));
    let body = r#"{"id":"e1","timestamp":"2026-01-01T00:00:00Z","type":"page.created","entity":{"id":"p","type":"page"}}"#;
    let unsigned: HttpRequest = serde_json::from_value(json!({"body": body})).unwrap();
    assert_eq!(app.handle(&unsigned, None).await.status_code, 401);
    let forged: HttpRequest = serde_json::from_value(json!({
        "body": body,
        "headers": {"X-Notion-Signature": webhook::sign("secret_other", body.as_bytes())}
    }))
    .unwrap();
    assert_eq!(app.handle(&forged, None).await.status_code, 401);
    let unknown = r#"{"id":"e2","timestamp":"2026-01-01T00:00:00Z","type":"comment.created","entity":{"id":"c","type":"comment"}}"#;
    let signed: HttpRequest = serde_json::from_value(json!({
        "body": unknown,
        "headers": {"x-notion-signature": webhook::sign("secret_token", unknown.as_bytes())}
    }))
    .unwrap();
    assert_eq!(app.handle(&signed, None).await.status_code, 202);
}

#[tokio::test]
async fn a_handshake_never_replaces_a_configured_token() {
    let app = NotionWebhookApp::from_env(&map_env(&[
        (config::NOTION_DATABASE_ID, "db"),
        (config::NOTION_TOKEN, "ntn_x"),
        (config::NOTION_WEBHOOK_SECRET, "secret_token"),
    ]));
    let request: HttpRequest =
        serde_json::from_value(json!({"body": r#"{"verification_token":"secret_evil"}"#})).unwrap();
    let response = app.handle(&request, None).await;
    assert_eq!(response.status_code, 409);
    assert!(!response.body.contains("secret_evil"));
}
