//! `notion-relay secret set/show` against moto: setting one key keeps every other key (the
//! generated webhook secret above all), a value can come from stdin, `show` masks unless asked.

use relay_tests::moto::MotoServer;
use serde_json::{json, Value};

use crate::support::cli::notion_relay;

const GENERATED: &str = "generated-webhook-secret-Xy7Qp2";

async fn secret_json(moto: &MotoServer, id: &str) -> Value {
    let raw = moto
        .get_secret_value(id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_str(&raw).expect("the secret is JSON")
}

#[tokio::test]
async fn set_merges_one_key_and_keeps_the_others() {
    let moto = MotoServer::start().await.unwrap_or_else(|e| panic!("{e}"));
    // As the stack creates it: a generated webhook secret, empty tokens.
    let created = json!({"notion_token": "", "github_webhook_secret": GENERATED, "github_token": "", "notion_oauth_client_secret": "keep-me"});
    let arn = moto
        .create_secret("notion-relay/cli-e2e", &created.to_string())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut env = moto.aws_env();
    env.push(("SECRET_ID".into(), arn.clone()));

    let run = notion_relay(
        &["secret", "set", "notion_token", "ntn_fromTheArgument1234"],
        &env,
        None,
    )
    .await;
    assert!(run.ok(), "{run}");
    assert!(run.stdout.contains("replaced notion_token"), "{run}");
    assert!(
        !run.stdout.contains("ntn_fromTheArgument1234"),
        "never printed: {run}"
    );

    let run = notion_relay(
        &["secret", "set", "github_token", "-"],
        &env,
        Some("ghp_fromStdin5678\n"),
    )
    .await;
    assert!(run.ok(), "{run}");
    let run = notion_relay(&["secret", "set", "extra_key"], &env, Some("x-value")).await;
    assert!(run.ok(), "{run}");
    assert!(run.stdout.contains("added extra_key"), "{run}");

    let secret = secret_json(&moto, &arn).await;
    assert_eq!(
        secret,
        json!({
            "notion_token": "ntn_fromTheArgument1234",
            "github_webhook_secret": GENERATED,
            "github_token": "ghp_fromStdin5678",
            "notion_oauth_client_secret": "keep-me",
            "extra_key": "x-value",
        })
    );

    let run = notion_relay(&["secret", "show", "github_webhook_secret"], &env, None).await;
    assert!(run.ok(), "{run}");
    assert!(!run.stdout.contains(GENERATED), "masked: {run}");
    assert!(
        run.stdout
            .contains(&format!("gene…({} characters", GENERATED.len())),
        "{run}"
    );
    let run = notion_relay(
        &["secret", "show", "github_webhook_secret", "--reveal"],
        &env,
        None,
    )
    .await;
    assert_eq!(run.stdout.trim(), GENERATED, "{run}");
    let run = notion_relay(&["secret", "show", "nope"], &env, None).await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("has no key nope"), "{run}");
}

#[tokio::test]
async fn set_without_a_secret_id_names_the_variable() {
    let run = notion_relay(&["secret", "set", "notion_token", "x"], &[], None).await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("SECRET_ID"), "{run}");
}
