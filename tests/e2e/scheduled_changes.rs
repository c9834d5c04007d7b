//! A reconcile of a 1,000-issue repository in which 10 issues changed reads and writes only
//! what it must: at most 20 Notion calls, exactly the 10 writes.

use std::collections::BTreeSet;

use super::scheduled_support::{assert_page_matches, run, two_days_ago, writes, Rig, LONG, REPO};

/// Spread over the repository: some among the 100 most recently updated pages, most not.
const CHANGED: [u64; 10] = [3, 150, 299, 420, 512, 640, 777, 850, 960, 999];

#[tokio::test]
async fn reconciling_1000_issues_with_10_changed_costs_at_most_20_notion_calls() {
    let rig = Rig::start().await;
    rig.github.generate(REPO, 1_000, two_days_ago());
    let seeded = rig.seed(REPO).await;
    assert_eq!(seeded.counts.created, 1_000);
    // GitHub keeps whole seconds.
    let an_hour_ago = (time::OffsetDateTime::now_utc() - time::Duration::hours(1))
        .replace_nanosecond(0)
        .expect("valid time");
    for (i, number) in CHANGED.iter().enumerate() {
        let edited = rig.github.update_issue(REPO, *number, |issue| {
            issue.updated_at = an_hour_ago + time::Duration::minutes(i as i64);
            issue.labels.push("triaged".into());
            issue.comments += 1;
            if i % 2 == 0 {
                issue.open = !issue.open;
            }
        });
        assert!(edited);
    }
    let function = rig.function(REPO, &[]).await;

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
}
