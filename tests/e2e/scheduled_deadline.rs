//! A run cut short by its deadline stops cleanly, and the next run resumes from the watermark:
//! nothing lost, nothing created twice. The client's pacing (3 requests/s, as Notion allows)
//! makes 40 creates take over 13 s, so a 6 s invocation cannot finish them.

use std::time::Duration;

use crate::support::scheduled::{assert_page_matches, run, two_days_ago, Rig, LONG, REPO};

#[tokio::test]
async fn a_run_stopped_by_its_deadline_is_resumed_by_the_next_without_loss_or_duplicates() {
    let rig = Rig::start().await;
    rig.github.generate(REPO, 40, two_days_ago());
    let function = rig.function(REPO, &[]).await;

    let first = run(&function, Duration::from_secs(6)).await;

    assert_eq!(first["stopped_for_deadline"], true, "{first}");
    assert_eq!(first["repositories"][0]["stop_reason"], "deadline");
    let created_first = first["created"].as_u64().expect("created");
    assert!(created_first > 0 && created_first < 40, "{first}");
    assert_eq!(rig.live_by_number().len() as u64, created_first);

    let second = run(&function, LONG).await;

    assert_eq!(second["stopped_for_deadline"], false, "{second}");
    assert_eq!(second["created"].as_u64(), Some(40 - created_first));
    // The last item the first run wrote is listed again (the watermark's minute), unchanged.
    assert_eq!(second["unchanged"], 1);
    let rows = rig.live_by_number();
    assert_eq!(rows.len(), 40);
    assert_eq!(rig.pages().len(), 40, "no page was created twice");
    for issue in rig.github.issues(REPO) {
        assert_page_matches(&rows[&issue.number], &issue, REPO);
    }
}

/// The issues list requests of `repo` so far.
fn listings(rig: &Rig) -> usize {
    rig.github
        .requests()
        .iter()
        .filter(|r| r.path == format!("/repos/{REPO}/issues"))
        .count()
}

#[tokio::test]
async fn a_backfill_whose_listing_outlasts_a_run_still_progresses_and_finishes_over_runs() {
    let rig = Rig::start().await;
    rig.github.generate(REPO, 35, two_days_ago());
    // Four pages of 10, 1.5 s each: listing them all (6 s) takes longer than a 6 s run has
    // for work (5.4 s), so a reconcile that lists everything before writing never writes.
    rig.github.set_max_issues_per_page(10);
    rig.github.set_latency(Duration::from_millis(1500));
    let function = rig.function(REPO, &[]).await;

    let first = run(&function, Duration::from_secs(6)).await;

    assert_eq!(first["stopped_for_deadline"], true, "{first}");
    let created_first = first["created"].as_u64().expect("created");
    assert!(
        created_first > 0,
        "the first page is written before the listing ends: {first}"
    );
    assert!(
        listings(&rig) < 4,
        "the run wrote while GitHub was still listing"
    );
    assert_eq!(rig.live_by_number().len() as u64, created_first);

    let mut created = created_first;
    let mut runs = 1;
    while created < 35 {
        runs += 1;
        assert!(runs <= 10, "no progress: {created} of 35 after {runs} runs");
        let before = created;
        let answer = run(&function, Duration::from_secs(6)).await;
        created += answer["created"].as_u64().expect("created");
        assert!(created > before, "run {runs} wrote nothing: {answer}");
        assert_eq!(rig.live_by_number().len() as u64, created);
    }

    assert_eq!(created, 35);
    let rows = rig.live_by_number();
    assert_eq!(rig.pages().len(), 35, "no page was created twice");
    for issue in rig.github.issues(REPO) {
        assert_page_matches(&rows[&issue.number], &issue, REPO);
    }
}
