//! `scheduled-sync` backfills a repository on its first run (the release binary, the Notion
//! emulator, the fake GitHub, the secret in moto), and a run right after lists only the
//! watermark's minute and writes nothing.

use crate::support::scheduled::{
    assert_page_matches, run, two_days_ago, writes, Rig, GITHUB_TOKEN, LONG, NOTION_TOKEN, REPO,
};

#[tokio::test]
async fn a_first_run_backfills_250_issues_over_three_github_pages() {
    let rig = Rig::start().await;
    rig.github.generate(REPO, 250, two_days_ago());
    let function = rig.function(REPO, &[]).await;

    let answer = run(&function, LONG).await;

    let lists: Vec<_> = rig
        .github
        .requests()
        .into_iter()
        .filter(|r| r.path == format!("/repos/{REPO}/issues"))
        .collect();
    assert_eq!(lists.len(), 3, "{lists:?}");
    let first = lists[0].query.as_deref().unwrap_or_default();
    assert!(!first.contains("since="), "no watermark, no since: {first}");
    for part in ["state=all", "sort=updated", "direction=asc", "per_page=100"] {
        assert!(first.contains(part), "{first} lacks {part}");
    }
    assert!(lists.iter().all(|r| r.status == 200 && r.authorized));
    assert!(lists.iter().all(|r| r
        .user_agent
        .as_deref()
        .is_some_and(|ua| ua.starts_with("notion-relay/"))));

    assert_eq!(answer["issues_seen"], 250);
    assert_eq!(answer["created"], 250);
    assert_eq!(answer["stopped_for_deadline"], false);
    assert_eq!(answer["repositories"][0]["status"], "complete");
    assert_eq!(answer["github_calls"], 3);

    let rows = rig.live_by_number();
    assert_eq!(rows.len(), 250);
    for issue in rig.github.issues(REPO) {
        assert_page_matches(&rows[&issue.number], &issue, REPO);
    }
    // Schema, watermark, 250 creates, one duplicate check per 100 creates.
    let requests = rig.notion.requests();
    assert_eq!(requests.len(), 1 + 1 + 250 + 3);
    assert_eq!(answer["notion_calls"], requests.len());
    let logs = function.logs();
    assert!(logs.contains("scheduled sync finished"), "{logs}");
    assert!(!logs.contains(NOTION_TOKEN) && !logs.contains(GITHUB_TOKEN));
}

#[tokio::test]
async fn a_run_after_a_backfill_lists_the_watermark_minute_again_and_writes_nothing() {
    let rig = Rig::start().await;
    let start = two_days_ago();
    rig.github.generate(REPO, 30, start);
    rig.seed(REPO).await;
    let function = rig.function(REPO, &[]).await;

    let answer = run(&function, LONG).await;

    // The newest issue was updated at start + 29 min (+30 s); Notion keeps the minute.
    let newest_minute = start + time::Duration::minutes(29) - time::Duration::seconds(30);
    let expected_since = relay_tests::fake_github::iso(newest_minute);
    let lists = rig.github.requests();
    assert_eq!(lists.len(), 1, "{lists:?}");
    let query = lists[0].query.clone().unwrap_or_default();
    let since = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "since")
        .map(|(_, v)| v.into_owned());
    assert_eq!(since.as_deref(), Some(expected_since.as_str()));
    assert_eq!(answer["issues_seen"], 1);
    assert_eq!(answer["unchanged"], 1);
    assert_eq!(answer["watermarks"][REPO], expected_since);
    let requests = rig.notion.requests();
    assert!(writes(&requests).is_empty(), "{requests:?}");
    // Schema and watermark: the newest issue's page came back with the watermark.
    assert_eq!(requests.len(), 2);
    assert_eq!(answer["repositories"][0]["read_plan"], "in_hand");
}
