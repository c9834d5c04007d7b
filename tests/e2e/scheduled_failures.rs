//! Failures: a missing setting stops the function at init naming the variable; a repository
//! that fails is reported while the others still sync; the invocation fails only when every
//! repository failed.

use std::time::Duration;

use relay_tests::lambda::{release_binary, Error, LambdaFunction};

use crate::support::scheduled::{run, scheduled_event, two_days_ago, Rig, LONG, REPO};

#[tokio::test]
async fn a_missing_repositories_setting_is_an_init_error_naming_it() {
    let rig = Rig::start().await;
    let env: Vec<(String, String)> = rig
        .env(REPO, &[])
        .into_iter()
        .filter(|(k, _)| k != "REPOSITORIES")
        .collect();
    let function = LambdaFunction::spawn(&release_binary("scheduled-sync"), &env)
        .await
        .expect("spawns");

    let err = function
        .first_ready(Duration::from_secs(10))
        .await
        .expect_err("init fails");

    let Error::Exited { logs, .. } = &err else {
        panic!("expected the process to exit, got {err:?}");
    };
    assert!(logs.contains("REPOSITORIES"), "{logs}");
}

#[tokio::test]
async fn a_failing_repository_is_reported_and_the_others_still_sync() {
    let rig = Rig::start().await;
    rig.github.generate(REPO, 5, two_days_ago());
    let function = rig.function(&format!("octo-org/missing {REPO}"), &[]).await;

    let answer = run(&function, LONG).await;

    assert_eq!(answer["repositories"][0]["status"], "failed", "{answer}");
    let error = answer["repositories"][0]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains("404"), "{error}");
    assert_eq!(answer["repositories"][1]["status"], "complete");
    assert_eq!(answer["created"], 5);
    assert_eq!(rig.live_by_number().len(), 5);
}

#[tokio::test]
async fn the_invocation_fails_when_every_repository_failed() {
    let rig = Rig::start().await;
    let function = rig.function("octo-org/missing octo-org/gone", &[]).await;

    let answer = function
        .invoke(scheduled_event(), LONG)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let error = answer.error.expect("the invocation fails");
    assert_eq!(error["errorType"], "AllRepositoriesFailed", "{error}");
    let error = error.to_string();
    assert!(error.contains("every repository failed"), "{error}");
    assert!(error.contains("octo-org/missing") && error.contains("octo-org/gone"));
}
