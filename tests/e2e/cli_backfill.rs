//! `notion-relay backfill` of 250 issues from a laptop: the same rows as the release
//! `scheduled-sync` binary writes into another database, with progress on stderr and a summary
//! on stdout; a second run resumes from the watermark and writes nothing.

use std::collections::BTreeMap;

use notion_relay::notion::Page;
use serde_json::Value;

use crate::support::cli::{notion_relay, spawn_notion_relay};
use crate::support::scheduled::{run, two_days_ago, Rig, LONG, REPO};

/// Each live row by issue number, as its properties in Notion's write form (option ids and page
/// ids differ between databases; what they say must not).
fn rows(rig: &Rig, database: &str) -> BTreeMap<u64, BTreeMap<String, Value>> {
    rig.notion
        .pages_in(database)
        .into_iter()
        .map(|p| serde_json::from_value::<Page>(p).expect("page parses"))
        .filter(|p| !p.is_archived())
        .map(|p| {
            let number = p.property("Issue #").and_then(|v| v.as_number()).unwrap() as u64;
            let props = p
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), v.to_write_json()))
                .collect();
            (number, props)
        })
        .collect()
}

#[tokio::test]
async fn a_backfill_of_250_issues_matches_scheduled_sync_and_shows_progress() {
    let rig = Rig::start().await;
    rig.github.generate(REPO, 250, two_days_ago());
    let laptop_db = rig
        .notion
        .create_demo_database()
        .expect("second database")
        .database_id;

    let function = rig.function(REPO, &[]).await;
    let answer = run(&function, LONG).await;
    assert_eq!(answer["created"], 250, "{answer}");

    let mut env = rig.env(REPO, &[]);
    env.retain(|(k, _)| k != "NOTION_DATABASE_ID" && k != "AWS_LAMBDA_LOG_FORMAT");
    env.push(("NOTION_DATABASE_ID".into(), laptop_db.clone()));
    let creates_before = rig.notion.count("POST", "/v1/pages");
    let cli = notion_relay(
        &["backfill", REPO, "--rate", "300", "--progress", "lines"],
        &env,
        None,
    )
    .await;
    assert!(cli.ok(), "{cli}");
    assert_eq!(rig.notion.count("POST", "/v1/pages") - creates_before, 250);
    assert!(
        cli.stderr.contains(&format!(
            "{REPO}: 250 pages written (250 created, 0 updated)"
        )),
        "progress: {cli}"
    );
    assert!(cli.stderr.contains("Notion calls ("), "{cli}");
    let row = cli
        .stdout
        .lines()
        .find(|l| l.starts_with(REPO))
        .unwrap_or_else(|| panic!("a summary row: {cli}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[1..4], ["complete", "250", "250"], "{row}");

    let by_function = rows(&rig, &rig.database_id);
    let by_cli = rows(&rig, &laptop_db);
    assert_eq!(by_cli.len(), 250);
    assert_eq!(by_cli, by_function);

    // Resumable: the second run starts from the watermark and finds everything in place.
    let again = notion_relay(
        &["backfill", "--rate", "300", "--progress", "off"],
        &env,
        None,
    )
    .await;
    assert!(again.ok(), "{again}");
    assert_eq!(rig.notion.count("POST", "/v1/pages") - creates_before, 250);
    let row = again.stdout.lines().find(|l| l.starts_with(REPO)).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[3], "0", "nothing created again: {row}");
}

#[tokio::test]
async fn an_interrupted_backfill_resumes_where_it_stopped_creating_nothing_twice() {
    let rig = Rig::start().await;
    rig.github.generate(REPO, 250, two_days_ago());
    let mut env = rig.env(REPO, &[]);
    env.retain(|(k, _)| k != "AWS_LAMBDA_LOG_FORMAT");

    // Slow enough to be caught mid-way; killed once a quarter of the pages are in.
    let mut child = spawn_notion_relay(&["backfill", "--rate", "40", "--progress", "off"], &env);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    while rig.notion.pages_in(&rig.database_id).len() < 60 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the backfill never got going"
        );
        assert!(child.try_wait().unwrap().is_none(), "it ended too early");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().await.expect("interrupted");
    let interrupted_at = rig.notion.pages_in(&rig.database_id).len();
    assert!(
        interrupted_at < 250,
        "interrupted before the end: {interrupted_at}"
    );

    let resumed = notion_relay(
        &["backfill", "--rate", "300", "--progress", "off"],
        &env,
        None,
    )
    .await;
    assert!(resumed.ok(), "{resumed}");
    let rows = rows(&rig, &rig.database_id);
    assert_eq!(rows.len(), 250, "every issue once");
    assert_eq!(
        rig.notion.pages_in(&rig.database_id).len(),
        250,
        "no page created twice (none archived as a duplicate either)"
    );
    assert_eq!(rig.notion.count("POST", "/v1/pages"), 250);
    let row = resumed
        .stdout
        .lines()
        .find(|l| l.starts_with(REPO))
        .unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_ne!(
        cells[9], "—",
        "the resumed run started from a watermark: {row}"
    );
}
