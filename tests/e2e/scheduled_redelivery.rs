//! Failed webhook deliveries are redelivered, across runs, up to 3 times per guid with a
//! doubling backoff (30 min after the first redelivery, 60 after the second), then given up
//! and logged; successful ones and ones past GitHub's 3-day window never; at most
//! `REDELIVERY_LIMIT` per run. The fake GitHub's delivery log is aged instead of sleeping.

use relay_tests::fake_github::Delivery;
use time::{Duration, OffsetDateTime};

use crate::support::scheduled::{run, Rig, LONG, REPO};

const HOOK: u64 = 4242;

fn at(ago: Duration, guid: &str, status: u16, redelivery: bool) -> Delivery {
    Delivery {
        redelivery,
        ..Delivery::new(
            guid,
            "issues",
            Some("edited"),
            status,
            OffsetDateTime::now_utc() - ago,
        )
    }
}

fn redelivered_guids(rig: &Rig) -> Vec<String> {
    rig.github
        .redeliveries()
        .into_iter()
        .map(|r| r.guid)
        .collect()
}

#[tokio::test]
async fn failed_deliveries_are_redelivered_and_successful_or_backing_off_ones_not() {
    let rig = Rig::start().await;
    let add = |d| rig.github.add_delivery(REPO, HOOK, d);
    add(at(Duration::days(4), "g-too-old", 503, false));
    add(at(Duration::hours(2), "g-retried", 502, false));
    add(at(Duration::minutes(10), "g-retried", 500, true));
    add(at(Duration::minutes(80), "g-healed", 503, false));
    add(at(Duration::minutes(70), "g-healed", 200, true));
    let failed = add(at(Duration::hours(1), "g-failed", 503, false));
    add(at(Duration::minutes(50), "g-ok", 200, false));
    let timed_out = add(at(Duration::minutes(30), "g-timeout", 0, false));
    let function = rig.function(REPO, &[("GITHUB_HOOK_ID", "4242")]).await;

    let first = run(&function, LONG).await;

    assert_eq!(first["redelivered"], 2, "{first}");
    assert_eq!(redelivered_guids(&rig), ["g-failed", "g-timeout"]);
    let ids: Vec<u64> = rig
        .github
        .redeliveries()
        .iter()
        .map(|r| r.delivery_id)
        .collect();
    assert_eq!(ids, [failed, timed_out]);
    assert_eq!(first["redelivery"]["failed"], 2);
    assert_eq!(first["redelivery"]["left_for_next_run"], 0);
    assert_eq!(first["redelivery"]["backing_off"], 1, "g-retried waits");

    let second = run(&function, LONG).await;

    assert_eq!(second["redelivered"], 0, "{second}");
    assert_eq!(rig.github.redeliveries().len(), 2);
    let posts = rig
        .github
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 2);
    assert!(function.logs().contains("requested redelivery"));
}

#[tokio::test]
async fn redeliveries_are_capped_per_run_oldest_first_on_the_named_hook_repository() {
    let rig = Rig::start().await;
    let hooks_repo = "octo-org/hooks";
    for i in 0..6 {
        let ago = Duration::minutes(60 - i);
        rig.github
            .add_delivery(hooks_repo, HOOK, at(ago, &format!("g-{i}"), 503, false));
    }
    rig.github
        .generate(REPO, 1, OffsetDateTime::now_utc() - Duration::days(1));
    let env = [
        ("GITHUB_HOOK_ID", "4242"),
        ("GITHUB_HOOK_REPOSITORY", hooks_repo),
        ("REDELIVERY_LIMIT", "4"),
    ];
    let function = rig.function(REPO, &env).await;

    let first = run(&function, LONG).await;
    assert_eq!(first["redelivered"], 4);
    assert_eq!(first["redelivery"]["left_for_next_run"], 2);
    assert_eq!(redelivered_guids(&rig), ["g-0", "g-1", "g-2", "g-3"]);

    let second = run(&function, LONG).await;
    assert_eq!(second["redelivered"], 2);
    assert_eq!(redelivered_guids(&rig)[4..], ["g-4", "g-5"]);

    let third = run(&function, LONG).await;
    assert_eq!(third["redelivered"], 0);
    assert!(rig
        .github
        .redeliveries()
        .iter()
        .all(|r| r.repo == hooks_repo && r.hook_id == HOOK));
}

#[tokio::test]
async fn a_redelivery_that_fails_too_is_retried_by_a_later_run_after_its_backoff() {
    let rig = Rig::start().await;
    let original =
        rig.github
            .add_delivery(REPO, HOOK, at(Duration::minutes(20), "g-down", 503, false));
    rig.github.set_redelivery_status(503); // Notion is still down
    let function = rig.function(REPO, &[("GITHUB_HOOK_ID", "4242")]).await;

    let first = run(&function, LONG).await;
    assert_eq!(first["redelivered"], 1, "{first}");
    assert_eq!(rig.github.redeliveries()[0].delivery_id, original);

    // Right after, the failed redelivery is too recent: the guid backs off.
    let soon = run(&function, LONG).await;
    assert_eq!(soon["redelivered"], 0, "{soon}");
    assert_eq!(soon["redelivery"]["backing_off"], 1);

    // Half an hour later Notion is back: the next run asks again, and that one heals it.
    rig.github.age_deliveries(Duration::minutes(31));
    rig.github.set_redelivery_status(200);
    let later = run(&function, LONG).await;
    assert_eq!(later["redelivered"], 1, "{later}");
    assert_eq!(redelivered_guids(&rig), ["g-down", "g-down"]);
    let first_retry = rig.github.redeliveries()[0].new_id;
    assert_eq!(
        rig.github.redeliveries()[1].delivery_id,
        first_retry,
        "the latest attempt is the one redelivered"
    );

    rig.github.age_deliveries(Duration::hours(2));
    let healed = run(&function, LONG).await;
    assert_eq!(healed["redelivered"], 0, "{healed}");
    assert_eq!(healed["redelivery"]["backing_off"], 0);
    assert_eq!(healed["redelivery"]["given_up"], 0);
}

#[tokio::test]
async fn a_guid_whose_three_redeliveries_all_fail_is_given_up_and_logged() {
    let rig = Rig::start().await;
    rig.github
        .add_delivery(REPO, HOOK, at(Duration::minutes(5), "g-doomed", 502, false));
    rig.github.set_redelivery_status(502);
    let function = rig.function(REPO, &[("GITHUB_HOOK_ID", "4242")]).await;

    // Each run finds the backoff of the previous redelivery passed (30, then 60 minutes).
    for (run_no, age) in [(1, 0), (2, 31), (3, 61)] {
        rig.github.age_deliveries(Duration::minutes(age));
        let report = run(&function, LONG).await;
        assert_eq!(report["redelivered"], 1, "run {run_no}: {report}");
    }
    assert_eq!(rig.github.redeliveries().len(), 3);

    rig.github.age_deliveries(Duration::hours(5));
    let after = run(&function, LONG).await;

    assert_eq!(after["redelivered"], 0, "{after}");
    assert_eq!(after["redelivery"]["given_up"], 1);
    assert_eq!(rig.github.redeliveries().len(), 3, "no fourth redelivery");
    let logs = function.logs();
    assert!(
        logs.contains("gave up redelivering") && logs.contains("g-doomed"),
        "{logs}"
    );
}
