//! `notion-relay replay` against the release `github-webhook` binary behind a plain-HTTP
//! Function URL (the harness plus `relay_tests::function_url`): every `events/` sample gets the
//! answer `events/manifest.json` lists, and a saved delivery is signed with the webhook secret.

use std::sync::Arc;
use std::time::Duration;

use relay_tests::function_url::FunctionUrl;
use serde_json::Value;

use crate::support::cli::{env, notion_relay};
use crate::support::webhook::{events_dir, fixtures, Stack};

fn manifest() -> Value {
    let path = events_dir().join("manifest.json");
    serde_json::from_slice(&std::fs::read(&path).expect("manifest")).expect("manifest is JSON")
}

#[tokio::test]
async fn every_sample_event_gets_the_answer_the_manifest_lists() {
    let manifest = manifest();
    let secret = manifest["secret"].as_str().expect("the dev secret");
    let stack = Stack::with_webhook_secret(secret).await;
    let database = stack.database();
    let function = Arc::new(stack.function(&database).await);
    let url = FunctionUrl::serve(function.clone(), Duration::from_secs(20))
        .await
        .expect("front door");

    let events = manifest["events"].as_array().expect("events");
    assert!(events.len() >= 10);
    for event in events {
        let file = events_dir().join(event["file"].as_str().unwrap());
        let expected = event["expected_status"].as_u64().unwrap();
        let run = notion_relay(
            &["replay", file.to_str().unwrap(), "--to", &url.url()],
            &[],
            None,
        )
        .await;
        assert!(
            run.stdout.contains(&format!("\n← {expected} ")),
            "{}: expected {expected}\n{run}\n{}",
            event["file"],
            function.logs()
        );
        assert_eq!(run.ok(), expected < 300, "{run}");
    }
    // The synced samples left their rows: the issue (opened … closed) and the two pull requests.
    assert_eq!(stack.live_pages(&database).len(), 3);
}

#[tokio::test]
async fn a_saved_delivery_is_signed_with_the_webhook_secret() {
    let stack = Stack::with_webhook_secret("saved-delivery-secret").await;
    let database = stack.database();
    let function = Arc::new(stack.function(&database).await);
    let url = FunctionUrl::serve(function.clone(), Duration::from_secs(20))
        .await
        .expect("front door");
    let body = fixtures().join("octokit/issues/opened.payload.json");
    let body = body.to_str().unwrap();

    let run = notion_relay(
        &["replay", body, "--to", &url.url(), "--event", "issues"],
        &env(&[("GITHUB_WEBHOOK_SECRET", "saved-delivery-secret")]),
        None,
    )
    .await;
    assert!(run.ok(), "{run}\n{}", function.logs());
    assert!(run.stdout.contains("← 200 "), "{run}");
    assert!(run.stdout.contains("\"outcome\":\"created\""), "{run}");

    let wrong = notion_relay(
        &[
            "replay",
            body,
            "--to",
            &url.url(),
            "--event",
            "issues",
            "--secret",
            "not-it",
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(wrong.code, Some(1), "{wrong}");
    assert!(wrong.stdout.contains("← 401 "), "{wrong}");

    let no_event = notion_relay(&["replay", body, "--to", &url.url()], &[], None).await;
    assert_eq!(no_event.code, Some(1));
    assert!(no_event.stderr.contains("--event"), "{no_event}");
}

/// `notion-emulator --demo` and `events/env.json` agree: the release `github-webhook` with the
/// file's environment as it is (only the port differs, so tests can run side by side) answers
/// every sample as the manifest says — what `cargo lambda invoke --data-file events/…` does.
#[tokio::test]
async fn the_samples_run_against_the_demo_emulator_with_env_json_as_it_is() {
    use std::process::Stdio;
    use std::time::Duration;

    use relay_tests::lambda::{release_binary, HttpResponse, LambdaFunction};
    use tokio::io::{AsyncBufReadExt, BufReader};

    let mut emulator = tokio::process::Command::new(env!("CARGO_BIN_EXE_notion-emulator"))
        .args(["--demo", "--port", "0", "--rate-limit", "off"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the emulator starts");
    let mut lines = BufReader::new(emulator.stdout.take().unwrap()).lines();
    let ready: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();

    let env_json: Value =
        serde_json::from_slice(&std::fs::read(events_dir().join("env.json")).unwrap()).unwrap();
    let mut env: Vec<(String, String)> = env_json["GitHubWebhookFunction"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    for (name, value) in env.iter_mut() {
        if name == "NOTION_API_URL" {
            *value = ready["base_url"].as_str().unwrap().to_string();
        }
    }
    let function = LambdaFunction::spawn(&release_binary("github-webhook"), &env)
        .await
        .expect("github-webhook starts");

    for event in manifest()["events"].as_array().unwrap() {
        let file = events_dir().join(event["file"].as_str().unwrap());
        let sample: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let answer = function
            .invoke(sample, Duration::from_secs(30))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let response = HttpResponse::from_payload(&answer.payload).expect("an HTTP answer");
        assert_eq!(
            u64::from(response.status),
            event["expected_status"].as_u64().unwrap(),
            "{}: {}\n{}",
            event["file"],
            response.body,
            function.logs()
        );
    }
    emulator.kill().await.expect("the emulator stops");
}
