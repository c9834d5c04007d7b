//! The digest run against a canned Notion (one answer per expected call, in order), and its
//! settings.

use crate::sync::fixtures;
use serde_json::{json, Value};
use time::macros::datetime;

use super::*;
use crate::config::map_env;
use crate::secrets::test_server::{Canned, Recorded, TestServer};

const NOW: OffsetDateTime = datetime!(2026-07-06 09:00 UTC);
const TITLE: &str = "Weekly digest — 2026-07-06";

/// The columns the digest reads; `Updated` only when asked for.
fn database(with_updated: bool) -> Value {
    let columns = "Name, Issue #, Status, URL, Repository, Type";
    match with_updated {
        true => fixtures::database_json(&format!("{columns}, Updated")),
        false => fixtures::database_json(columns),
    }
}

fn row(repo: &str, number: u64, status: &str) -> Value {
    let url = format!("https://github.com/{repo}/issues/{number}");
    json!({"object": "page", "id": format!("row-{repo}-{number}"), "properties": {
        "Name": {"type": "title", "title": [{"plain_text": format!("Item {number}")}]},
        "Issue #": {"type": "number", "number": number},
        "Status": {"type": "select", "select": {"name": status}},
        "URL": {"type": "url", "url": url},
        "Repository": {"type": "select", "select": {"name": repo}},
        "Type": {"type": "select", "select": {"name": "Issue"}},
    }})
}

fn list(results: Vec<Value>, next: Option<&str>) -> Canned {
    Canned::json(
        200,
        json!({"object": "list", "results": results, "has_more": next.is_some(), "next_cursor": next})
            .to_string(),
    )
}

fn child_page(id: &str, title: &str) -> Value {
    json!({"object": "block", "id": id, "type": "child_page", "has_children": true,
        "archived": false, "in_trash": false, "child_page": {"title": title}})
}

fn app(server: &TestServer, extra: &[(&str, &str)]) -> DigestApp {
    let mut pairs = vec![
        (config::NOTION_API_URL, server.url.as_str()),
        (config::NOTION_DATABASE_ID, "db1"),
        (config::NOTION_TOKEN, "ntn_test"),
        (NOTION_DIGEST_PARENT_ID, "parent-page"),
    ];
    pairs.extend_from_slice(extra);
    DigestApp::from_env(&map_env(&pairs)).expect("configured")
}

fn body(request: &Recorded) -> Value {
    serde_json::from_slice(&request.body).expect("JSON body")
}

#[tokio::test]
async fn a_run_reads_two_filtered_queries_and_replaces_todays_digest_in_chunks() {
    let closed: Vec<Value> = (1..=20)
        .map(|n| row(if n % 2 == 0 { "o/a" } else { "o/b" }, n, "Closed"))
        .collect();
    let open: Vec<Value> = (1..=130).map(|n| row("o/a", 100 + n, "Open")).collect();
    let server = TestServer::start(vec![
        Canned::json(200, database(true).to_string()),
        list(closed, None),
        list(open[..100].to_vec(), Some("cursor-2")),
        list(open[100..].to_vec(), None),
        list(
            vec![
                child_page("old-digest", TITLE),
                child_page("last-week", "Weekly digest — 2026-06-29"),
            ],
            None,
        ),
        Canned::json(
            200,
            json!({"object": "page", "id": "new-digest"}).to_string(),
        ),
        list(Vec::new(), None),
        Canned::json(
            200,
            json!({"object": "page", "id": "old-digest", "archived": true}).to_string(),
        ),
    ])
    .await;

    let report = app(&server, &[])
        .run(NOW, None)
        .await
        .expect("digest written");

    assert_eq!(
        report,
        DigestReport {
            page_id: "new-digest".into(),
            title: TITLE.into(),
            closed: 20,
            open: 130,
            replaced: 1,
            notion_calls: 8,
        }
    );
    let requests = server.requests();
    let calls: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            ("GET", "/v1/databases/db1"),
            ("POST", "/v1/databases/db1/query"),
            ("POST", "/v1/databases/db1/query"),
            ("POST", "/v1/databases/db1/query"),
            ("GET", "/v1/blocks/parent-page/children?page_size=100"),
            ("POST", "/v1/pages"),
            ("PATCH", "/v1/blocks/new-digest/children"),
            ("PATCH", "/v1/pages/old-digest"),
        ]
    );
    let select = |name: &str| json!({"property": "Status", "select": {"equals": name}});
    assert_eq!(
        body(&requests[1]),
        json!({"filter": {"and": [
            {"or": [select("Closed"), select("Merged")]},
            {"property": "Updated", "date": {"on_or_after": "2026-06-29T09:00:00Z"}},
        ]}, "page_size": 100})
    );
    assert_eq!(
        body(&requests[2]),
        json!({"filter": {"or": [select("Open"), select("Draft")]}, "page_size": 100})
    );
    assert_eq!(body(&requests[3])["start_cursor"], "cursor-2");
    let create = body(&requests[5]);
    assert_eq!(
        create["parent"],
        json!({"type": "page_id", "page_id": "parent-page"})
    );
    assert_eq!(
        create["properties"]["title"]["title"][0]["text"]["content"],
        TITLE
    );
    let first = create["children"].as_array().expect("children").len();
    let rest = body(&requests[6])["children"]
        .as_array()
        .expect("children")
        .len();
    assert_eq!((first, rest), (100, 1 + 1 + 22 + 1 + 131 + 2 - 100));
    assert_eq!(body(&requests[7]), json!({"archived": true}));
}

#[tokio::test]
async fn a_database_without_updated_is_an_error_naming_the_property_and_variable() {
    let server = TestServer::start(vec![Canned::json(200, database(false).to_string())]).await;
    let err = app(&server, &[]).run(NOW, None).await.unwrap_err();
    assert!(
        matches!(
            &err,
            DigestError::Unbound {
                var: PROPERTY_UPDATED,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("\"Updated\"") && message.contains("PROPERTY_UPDATED"),
        "{message}"
    );
    assert_eq!(err.kind(), "DatabaseSchemaError");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_missing_parent_page_says_to_share_it() {
    let not_found = Canned::json(
        404,
        r#"{"object":"error","status":404,"code":"object_not_found","message":"Could not find block"}"#,
    );
    let server = TestServer::start(vec![
        Canned::json(200, database(true).to_string()),
        list(Vec::new(), None),
        list(Vec::new(), None),
        not_found,
    ])
    .await;
    let err = app(&server, &[]).run(NOW, None).await.unwrap_err();
    assert!(err.to_string().contains("NOTION_DIGEST_PARENT_ID"), "{err}");
    assert_eq!(err.kind(), "NotionError");
    assert!(!server
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/v1/pages"));
}

#[test]
fn settings_require_the_parent_and_default_to_seven_days() {
    let err = DigestSettings::from_env(&map_env(&[])).unwrap_err();
    assert_eq!(
        err,
        ConfigError::Missing {
            var: NOTION_DIGEST_PARENT_ID
        }
    );
    let dashed = "1a2b3c4d-0000-4000-8000-00000000abcd";
    let undashed = "1A2B3C4D00004000800000000000ABCD";
    let settings =
        DigestSettings::from_env(&map_env(&[(NOTION_DIGEST_PARENT_ID, undashed)])).unwrap();
    assert_eq!(
        settings,
        DigestSettings {
            parent: PageId::new(dashed),
            days: 7
        }
    );
}

#[test]
fn digest_days_must_be_a_whole_number_within_a_year() {
    for bad in ["0", "367", "seven", "-1"] {
        let env = map_env(&[(NOTION_DIGEST_PARENT_ID, "p"), (DIGEST_DAYS, bad)]);
        let err = DigestSettings::from_env(&env).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    var: DIGEST_DAYS,
                    ..
                }
            ),
            "{bad}: {err}"
        );
    }
    let env = map_env(&[(NOTION_DIGEST_PARENT_ID, "p"), (DIGEST_DAYS, "14")]);
    assert_eq!(DigestSettings::from_env(&env).unwrap().days, 14);
}

#[test]
fn a_missing_database_setting_fails_at_start_up_naming_it() {
    let env = map_env(&[(NOTION_DIGEST_PARENT_ID, "p"), (config::NOTION_TOKEN, "t")]);
    let err = DigestApp::from_env(&env).err().expect("not configured");
    assert!(err.to_string().contains("NOTION_DATABASE_ID"), "{err}");
}

#[test]
fn status_filters_follow_the_property_type() {
    let binding = |kind| Binding {
        field: Field::Status,
        property: "State".into(),
        kind,
    };
    let json = |f: Filter| serde_json::to_value(f).unwrap();
    assert_eq!(
        json(status_is(&binding(PropertyType::Status), "Open")),
        json!({"property": "State", "status": {"equals": "Open"}})
    );
    assert_eq!(
        json(status_is(&binding(PropertyType::RichText), "Open")),
        json!({"property": "State", "rich_text": {"equals": "Open"}})
    );
}
