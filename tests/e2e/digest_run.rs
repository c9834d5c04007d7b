//! `weekly-digest` end to end: the RELEASE binary through the Lambda harness against the Notion
//! emulator, over a seeded "GitHub Issues" database (130 open + 20 closed this week across two
//! repositories, plus 5 closed long ago that must not show). The page is read back through the
//! emulator's block listing; call counts come from its request log.

use std::time::Duration;

use relay_tests::emulator::{Emulator, EmulatorConfig};
use relay_tests::emulator_client::{Client, V2022, V2025};
use relay_tests::lambda::{release_binary, Error, LambdaFunction};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const TOKEN: &str = "secret_e2eDigestTokenWq4Zr8";
const REPOS: [&str; 2] = ["octo/api", "octo/web"];
const TIMEOUT: Duration = Duration::from_secs(60);

struct Seeded {
    emulator: Emulator,
    database_id: String,
    parent_id: String,
}

fn ago(days: i64) -> String {
    (OffsetDateTime::now_utc() - time::Duration::days(days))
        .format(&Rfc3339)
        .expect("formats")
}

fn row(
    database_id: &str,
    repo: &str,
    number: u64,
    status: &str,
    kind: &str,
    updated: &str,
) -> Value {
    let url = format!("https://github.com/{repo}/issues/{number}");
    let title = format!("{repo} item {number}");
    json!({
        "parent": {"database_id": database_id},
        "properties": {
            "Name": {"title": [{"text": {"content": title, "link": {"url": format!("{url}#updated={updated}")}}}]},
            "Issue #": {"number": number},
            "Status": {"select": {"name": status}},
            "Repository": {"select": {"name": repo}},
            "Type": {"select": {"name": kind}},
            "URL": {"url": url},
            "Updated": {"date": {"start": updated}},
        }
    })
}

/// 20 closed in the window (every 4th a merged PR), 5 closed 20 days ago, 130 open (every 10th
/// a draft PR), spread over two repositories; numbers are unique per repository.
async fn seeded() -> Seeded {
    let config = EmulatorConfig {
        token: TOKEN.to_string(),
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start(config).await.expect("emulator binds");
    let database_id = emulator
        .create_demo_database()
        .expect("demo database")
        .database_id;
    let parent_id = emulator.create_root_page("Digests");
    let client = Client::new(&emulator, V2022);
    let mut rows = Vec::new();
    for n in 1..=20u64 {
        let (status, kind) = if n % 4 == 0 {
            ("Merged", "Pull request")
        } else {
            ("Closed", "Issue")
        };
        rows.push(row(
            &database_id,
            REPOS[(n % 2) as usize],
            n,
            status,
            kind,
            &ago(2),
        ));
    }
    for n in 21..=25u64 {
        rows.push(row(&database_id, REPOS[0], n, "Closed", "Issue", &ago(20)));
    }
    for n in 101..=230u64 {
        let (status, kind) = if n % 10 == 0 {
            ("Draft", "Pull request")
        } else {
            ("Open", "Issue")
        };
        rows.push(row(
            &database_id,
            REPOS[(n % 2) as usize],
            n,
            status,
            kind,
            &ago(30),
        ));
    }
    for body in rows {
        let created = client.post("/v1/pages", body).await;
        assert_eq!(created.status, 200, "{}", created.body);
    }
    emulator.reset_log();
    Seeded {
        emulator,
        database_id,
        parent_id,
    }
}

async fn digest(seeded: &Seeded, extra: &[(&str, &str)]) -> Result<LambdaFunction, Error> {
    let mut env: Vec<(String, String)> = vec![
        ("NOTION_API_URL".into(), seeded.emulator.base_url()),
        ("NOTION_TOKEN".into(), TOKEN.into()),
        ("NOTION_DATABASE_ID".into(), seeded.database_id.clone()),
        ("NOTION_DIGEST_PARENT_ID".into(), seeded.parent_id.clone()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    LambdaFunction::spawn(&release_binary("weekly-digest"), &env).await
}

fn scheduled_event() -> Value {
    json!({
        "version": "0", "id": "5f7e3b1c-0000-4000-8000-000000000001",
        "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-07-06T09:00:00Z", "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/weekly-digest"], "detail": {}
    })
}

/// Every block under `id`, all pages of the listing.
async fn blocks_of(client: &Client, id: &str) -> Vec<Value> {
    let mut blocks = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/v1/blocks/{id}/children?page_size=100{cursor}");
        let page = client.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        blocks.extend(
            page.body["results"]
                .as_array()
                .expect("results")
                .iter()
                .cloned(),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) if page.body["has_more"] == true => cursor = format!("&start_cursor={next}"),
            _ => return blocks,
        }
    }
}

fn plain(block: &Value) -> String {
    let kind = block["type"].as_str().unwrap_or_default();
    block[kind]["rich_text"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["plain_text"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn run_count(seeded: &Seeded) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for r in seeded.emulator.requests() {
        let template = r
            .path
            .split('/')
            .map(|s| if s.len() >= 32 { "{id}" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        *counts
            .entry(format!("{} {template}", r.method))
            .or_insert(0) += 1;
    }
    counts
}

async fn digest_over_the_seeded_database(version: &str, schema_calls: usize) {
    let seeded = seeded().await;
    let function = digest(&seeded, &[("NOTION_VERSION", version)])
        .await
        .expect("starts");

    let answer = function
        .invoke(scheduled_event(), TIMEOUT)
        .await
        .expect("answers");

    assert_eq!(answer.error, None, "{}", function.logs());
    let report = answer.payload;
    assert_eq!(
        (report["closed"].as_u64(), report["open"].as_u64()),
        (Some(20), Some(130)),
        "{report}"
    );
    assert_eq!(report["replaced"], 0);
    // schema, closed (1 page), open (2 pages), parent listing, create, one append.
    let calls = schema_calls + 1 + 2 + 1 + 1 + 1;
    assert_eq!(
        report["notion_calls"].as_u64(),
        Some(calls as u64),
        "{:?}",
        run_count(&seeded)
    );
    assert_eq!(
        seeded.emulator.request_count(),
        calls,
        "{:?}",
        run_count(&seeded)
    );
    let creates: Vec<_> = seeded
        .emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/pages")
        .collect();
    assert_eq!(creates.len(), 1);
    assert_eq!(
        creates[0].body["children"].as_array().map(Vec::len),
        Some(100)
    );

    let reader = Client::new(&seeded.emulator, V2022);
    let children = blocks_of(&reader, &seeded.parent_id).await;
    let today = OffsetDateTime::now_utc().date();
    assert_eq!(children.len(), 1, "{children:#?}");
    assert_eq!(
        children[0]["child_page"]["title"],
        format!("Weekly digest — {today}")
    );
    assert_eq!(report["page_id"], children[0]["id"]);

    let page_id = report["page_id"].as_str().expect("page id");
    let blocks = blocks_of(&reader, page_id).await;
    let kinds: Vec<&str> = blocks
        .iter()
        .map(|b| b["type"].as_str().unwrap_or_default())
        .collect();
    let mut expected = vec!["heading_1", "heading_2", "heading_3"];
    expected.extend(["bulleted_list_item"; 10]);
    expected.push("heading_3");
    expected.extend(["bulleted_list_item"; 10]);
    expected.extend(["heading_2", "heading_3"]);
    expected.extend(["to_do"; 65]);
    expected.push("heading_3");
    expected.extend(["to_do"; 65]);
    expected.extend(["divider", "paragraph"]);
    assert_eq!(kinds, expected);

    assert_eq!(
        plain(&blocks[0]),
        "20 closed (5 merged) · 130 still open (13 drafts) · last 7 days"
    );
    assert_eq!(plain(&blocks[1]), "Closed this week");
    assert_eq!(plain(&blocks[2]), "octo/api");
    assert_eq!(plain(&blocks[3]), "octo/api item 2 (#2)");
    assert_eq!(plain(&blocks[4]), "octo/api item 4 (#4) — merged");
    assert_eq!(
        blocks[4]["bulleted_list_item"]["rich_text"][0]["href"],
        "https://github.com/octo/api/issues/4"
    );
    assert_eq!(plain(&blocks[13]), "octo/web");
    assert!(
        !blocks.iter().any(|b| plain(b).contains("item 21 ")),
        "an old closed item is listed"
    );
    let still_open = blocks
        .iter()
        .position(|b| plain(b) == "Still open")
        .expect("open section");
    let first_todo = &blocks[still_open + 2];
    assert_eq!(first_todo["to_do"]["checked"], false);
    assert_eq!(plain(first_todo), "octo/api item 102 (#102)");
    assert!(blocks
        .iter()
        .any(|b| plain(b) == "octo/api item 110 (#110) — draft"));
    assert!(plain(blocks.last().expect("blocks")).starts_with("Generated by notion-relay at "));
    assert!(!function.logs().contains(TOKEN));
}

#[tokio::test]
async fn a_digest_over_a_seeded_database_writes_one_page_in_seven_calls() {
    digest_over_the_seeded_database(V2022, 1).await;
}

#[tokio::test]
async fn a_digest_works_the_same_through_data_sources() {
    digest_over_the_seeded_database(V2025, 2).await;
}

#[tokio::test]
async fn a_second_run_the_same_day_replaces_the_digest_instead_of_adding_one() {
    let seeded = seeded().await;
    let function = digest(&seeded, &[]).await.expect("starts");
    let first = function
        .invoke(scheduled_event(), TIMEOUT)
        .await
        .expect("answers");
    assert_eq!(first.error, None, "{}", function.logs());
    seeded.emulator.reset_log();

    let second = function
        .invoke(scheduled_event(), TIMEOUT)
        .await
        .expect("answers");

    assert_eq!(second.error, None, "{}", function.logs());
    assert_eq!(second.payload["replaced"], 1);
    // Warm: no schema read; closed, open ×2, listing, create, append, archive.
    assert_eq!(
        second.payload["notion_calls"],
        7,
        "{:?}",
        run_count(&seeded)
    );
    let reader = Client::new(&seeded.emulator, V2022);
    let children = blocks_of(&reader, &seeded.parent_id).await;
    assert_eq!(children.len(), 1, "{children:#?}");
    assert_eq!(children[0]["id"], second.payload["page_id"]);
    let old = reader
        .get(&format!(
            "/v1/pages/{}",
            first.payload["page_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(old.body["archived"], true, "{}", old.body);
    assert_ne!(first.payload["page_id"], second.payload["page_id"]);
}

#[tokio::test]
async fn a_database_without_updated_fails_the_run_naming_the_property() {
    let emulator = Emulator::start(EmulatorConfig {
        token: TOKEN.into(),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator binds");
    let database_id = emulator
        .create_database(
            "Bare",
            json!({"Name": {"title": {}}, "Issue #": {"number": {}}, "Status": {"select": {}}}),
        )
        .expect("database")
        .database_id;
    let parent_id = emulator.create_root_page("Digests");
    let seeded = Seeded {
        emulator,
        database_id,
        parent_id,
    };
    let function = digest(&seeded, &[]).await.expect("starts");

    let answer = function
        .invoke(scheduled_event(), TIMEOUT)
        .await
        .expect("answers");

    let error = answer.error.expect("the run fails");
    assert_eq!(error["errorType"], "DatabaseSchemaError", "{error}");
    let message = error["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("\"Updated\"") && message.contains("PROPERTY_UPDATED"),
        "{message}"
    );
    assert_eq!(seeded.emulator.count("POST", "/v1/pages"), 0);
}

#[tokio::test]
async fn without_a_parent_page_the_function_fails_at_start_up_naming_the_variable() {
    let emulator = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator binds");
    let env = vec![
        ("NOTION_API_URL".to_string(), emulator.base_url()),
        ("NOTION_TOKEN".to_string(), TOKEN.to_string()),
        ("NOTION_DATABASE_ID".to_string(), "db".to_string()),
    ];
    let function = LambdaFunction::spawn(&release_binary("weekly-digest"), &env)
        .await
        .expect("spawns");

    let err = function
        .invoke(scheduled_event(), TIMEOUT)
        .await
        .expect_err("no answer");

    assert!(err.to_string().contains("NOTION_DIGEST_PARENT_ID"), "{err}");
    assert_eq!(emulator.request_count(), 0);
}
