//! GitHub's rate limits are honoured: a 429 with `Retry-After`, a secondary-limit 403 and an
//! exhausted primary limit (`x-ratelimit-reset`) are each waited out and the same request sent
//! once more; the run still completes.

use std::time::Duration as StdDuration;

use relay_tests::fake_github::Fault;

use crate::support::scheduled::{run, two_days_ago, Rig, LONG, REPO};

#[tokio::test]
async fn rate_limited_github_calls_are_retried_once_each_after_the_advertised_wait() {
    let rig = Rig::start().await;
    rig.github.generate(REPO, 12, two_days_ago());
    rig.github.inject(
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        1,
    );
    rig.github.inject(
        Fault::SecondaryRateLimit {
            retry_after_secs: 1,
        },
        1,
    );
    rig.github.inject(
        Fault::PrimaryRateLimit {
            reset_after: StdDuration::from_secs(1),
        },
        1,
    );
    let function = rig.function(REPO, &[]).await;

    let answer = run(&function, LONG).await;

    assert_eq!(answer["repositories"][0]["status"], "complete", "{answer}");
    assert_eq!(answer["created"], 12);
    assert_eq!(rig.live_by_number().len(), 12);
    let log = rig.github.requests();
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    // Each refusal is followed by exactly one repeat of the same request: no request was sent
    // during a wait, and none was given up.
    assert_eq!(statuses, [429, 403, 403, 200], "{log:?}");
    assert!(log
        .windows(2)
        .all(|w| w[0].path == w[1].path && w[0].query == w[1].query));
    assert_eq!(answer["github_calls"], 4);
    assert_eq!(
        function
            .logs()
            .matches("GitHub call will be retried")
            .count(),
        3
    );
}
