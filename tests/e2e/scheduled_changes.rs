//! A reconcile of a 1,000-issue repository in which 10 issues changed reads and writes only
//! what it must: at most 20 Notion calls, exactly the 10 writes (under both Notion versions).
//! A duplicate page left by a race is merged into the oldest on the way.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::support::scheduled::{
    assert_page_matches, run, two_days_ago, writes, Rig, LONG, NOTION_TOKEN, REPO,
};

/// Spread over the repository: some among the 100 most recently updated pages, most not.
const CHANGED: [u64; 10] = [3, 150, 299, 420, 512, 640, 777, 850, 960, 999];

/// Edits issue `number` on GitHub: newer `updated_at`, a label, a comment, maybe closed.
fn edit(rig: &Rig, number: u64, i: usize) {
    // GitHub keeps whole seconds.
    let an_hour_ago = (time::OffsetDateTime::now_utc() - time::Duration::hours(1))
        .replace_nanosecond(0)
        .expect("valid time");
    let edited = rig.github.update_issue(REPO, number, |issue| {
        issue.updated_at = an_hour_ago + time::Duration::minutes(i as i64);
        issue.labels.push("triaged".into());
        issue.comments += 1;
        if i.is_multiple_of(2) {
            issue.open = !issue.open;
        }
    });
    assert!(edited, "#{number} exists");
}

/// Seeds 1,000 issues, changes 10, runs the function once with `env`; checks the writes.
async fn reconcile_with_10_changed(env: &[(&str, &str)]) -> (Rig, Value) {
    let rig = Rig::start().await;
    rig.github.generate(REPO, 1_000, two_days_ago());
    let seeded = rig.seed(REPO).await;
    assert_eq!(seeded.counts.created, 1_000);
    for (i, number) in CHANGED.iter().enumerate() {
        edit(&rig, *number, i);
    }
    let function = rig.function(REPO, env).await;

    let answer = run(&function, LONG).await;

    let requests = rig.notion.requests();
    assert!(
        requests.len() <= 20,
        "{} calls: {requests:?}",
        requests.len()
    );
    assert_eq!(answer["notion_calls"], requests.len());
    let rows = rig.live_by_number();
    assert_eq!(rows.len(), 1_000);
    let changed_ids: BTreeSet<String> = CHANGED
        .iter()
        .map(|n| rows[n].id.as_str().replace('-', ""))
        .collect();
    let written: BTreeSet<String> = writes(&requests)
        .iter()
        .map(|r| {
            assert_eq!(r.method, "PATCH", "{r:?}");
            r.path.trim_start_matches("/v1/pages/").replace('-', "")
        })
        .collect();
    assert_eq!(writes(&requests).len(), 10);
    assert_eq!(written, changed_ids);
    for number in CHANGED {
        let issue = rig.github.issue(REPO, number).expect("issue");
        assert_page_matches(&rows[&number], &issue, REPO);
    }
    // The 10 changes and the newest issue, listed again for the watermark's minute.
    assert_eq!(answer["issues_seen"], 11);
    assert_eq!(answer["updated"], 10);
    assert_eq!(answer["unchanged"], 1);
    assert_eq!(answer["created"], 0);
    assert_eq!(answer["github_calls"], 1);
    assert_eq!(answer["repositories"][0]["read_plan"], "keyed");
    (rig, answer)
}

#[tokio::test]
async fn reconciling_1000_issues_with_10_changed_costs_at_most_20_notion_calls() {
    let (_, answer) = reconcile_with_10_changed(&[]).await;
    // Schema, watermark (its 100 pages hold #960 and #999), one key query for the other 8,
    // and the 10 updates.
    assert_eq!(answer["notion_calls"], 13);
}

#[tokio::test]
async fn the_same_reconcile_under_notion_version_2025_09_03_costs_the_data_source_lookup_more() {
    // 2026-03-11 speaks data sources too (and `in_trash` only): the same cost.
    for version in ["2025-09-03", "2026-03-11"] {
        let (rig, answer) = reconcile_with_10_changed(&[("NOTION_VERSION", version)]).await;
        assert_eq!(answer["notion_calls"], 14, "{version}");
        let queries = rig.notion.count("POST", "/v1/data_sources/");
        assert_eq!(
            queries, 2,
            "{version}: watermark and key query go to the data source"
        );
    }
}

#[tokio::test]
async fn a_duplicate_page_is_merged_into_the_oldest_when_its_issue_changes() {
    let rig = Rig::start().await;
    rig.github.generate(REPO, 5, two_days_ago());
    rig.seed(REPO).await;
    let duplicate = json!({
        "parent": {"database_id": rig.database_id},
        "properties": {
            "Name": {"title": [{"text": {"content": "Issue 3 (made by a racing delivery)"}}]},
            "Issue #": {"number": 3},
            "Repository": {"select": {"name": REPO}},
        }
    });
    let created = reqwest::Client::new()
        .post(format!("{}/v1/pages", rig.notion.base_url()))
        .bearer_auth(NOTION_TOKEN)
        .header("Notion-Version", "2022-06-28")
        .json(&duplicate)
        .send()
        .await
        .expect("emulator answers");
    assert_eq!(created.status(), 200);
    // Notion keeps created_time to the minute; ties go to the smaller id, so every instance
    // picks the same page.
    let keep = rig
        .pages()
        .into_iter()
        .filter(|p| p.property("Issue #").and_then(|v| v.as_number()) == Some(3.0))
        .min_by(|a, b| (&a.created_time, a.id.as_str()).cmp(&(&b.created_time, b.id.as_str())))
        .expect("two pages for #3")
        .id;
    edit(&rig, 3, 0);
    let function = rig.function(REPO, &[]).await;

    let answer = run(&function, LONG).await;

    assert_eq!(answer["archived"], 1, "{answer}");
    assert_eq!(answer["updated"], 1);
    let rows = rig.live_by_number();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[&3].id, keep, "the oldest page is kept");
    assert_page_matches(&rows[&3], &rig.github.issue(REPO, 3).expect("issue"), REPO);
    assert_eq!(rig.pages().len(), 6, "archived, not deleted");
}
