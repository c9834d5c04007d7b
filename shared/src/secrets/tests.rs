//! Tests of the provider and the Secrets Manager client against a local fake endpoint.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::test_server::{Canned, TestServer};
use super::*;
use crate::config::{map_env, AWS_ENDPOINT_URL};

fn secret_answer(secret_json: &str) -> Canned {
    let body = serde_json::json!({
        "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:relay-AbCdEf",
        "Name": "relay",
        "SecretString": secret_json,
        "VersionId": "v1",
        "CreatedDate": 1.7e9,
    });
    Canned::json(200, body.to_string())
}

const FULL: &str = r#"{"notion_token":"ntn_from_secret","github_webhook_secret":["old-hook","new-hook"],"github_token":"ghp_from_secret"}"#;

fn env_for(server: &TestServer, extra: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        (SECRET_ID.into(), "relay".into()),
        (AWS_REGION.into(), "us-east-1".into()),
        (AWS_ACCESS_KEY_ID.into(), "AKID".into()),
        (AWS_SECRET_ACCESS_KEY.into(), "SECRETKEY".into()),
        (AWS_SESSION_TOKEN.into(), "SESSIONTOKEN".into()),
        (AWS_ENDPOINT_URL.into(), server.url.clone()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

fn provider(env: &[(String, String)]) -> SecretsProvider {
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    SecretsProvider::from_env(&map_env(&pairs)).unwrap()
}

/// A clock the test moves by hand.
fn manual_clock() -> (Clock, Arc<AtomicU64>) {
    let base = Instant::now();
    let offset = Arc::new(AtomicU64::new(0));
    let read = offset.clone();
    let clock: Clock = Arc::new(move || base + Duration::from_secs(read.load(Ordering::SeqCst)));
    (clock, offset)
}

#[tokio::test]
async fn get_secret_value_is_sigv4_signed_for_secretsmanager() {
    let server = TestServer::start(vec![secret_answer(FULL)]).await;
    let secrets = provider(&env_for(&server, &[])).get().await.unwrap();
    assert_eq!(secrets.notion_token.as_deref(), Some("ntn_from_secret"));
    assert_eq!(secrets.github_webhook_secrets, vec!["old-hook", "new-hook"]);
    assert_eq!(secrets.github_token.as_deref(), Some("ghp_from_secret"));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/")
    );
    let auth = request.header("authorization").unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/"),
        "{auth}"
    );
    assert!(
        auth.contains("/us-east-1/secretsmanager/aws4_request"),
        "{auth}"
    );
    assert!(
        auth.contains("SignedHeaders=") && auth.contains("x-amz-target"),
        "{auth}"
    );
    assert!(auth.contains("Signature="), "{auth}");
    assert_eq!(
        request.header("x-amz-target"),
        Some("secretsmanager.GetSecretValue")
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert_eq!(request.header("x-amz-security-token"), Some("SESSIONTOKEN"));
    assert!(request.header("x-amz-date").is_some());
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, serde_json::json!({"SecretId": "relay"}));
}

#[tokio::test]
async fn two_gets_within_the_ttl_fetch_once() {
    let server = TestServer::start(vec![secret_answer(FULL)]).await;
    let provider = provider(&env_for(&server, &[]));
    provider.get().await.unwrap();
    provider.notion_token().await.unwrap();
    assert_eq!(provider.fetch_count(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn concurrent_first_gets_share_one_fetch() {
    let server = TestServer::start(vec![secret_answer(FULL)]).await;
    let provider = provider(&env_for(&server, &[]));
    let (a, b) = tokio::join!(provider.get(), provider.get());
    assert_eq!(a.unwrap(), b.unwrap());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_secret_is_fetched_again_once_the_ttl_has_passed() {
    let server = TestServer::start(vec![secret_answer(FULL)]).await;
    let (clock, offset) = manual_clock();
    let provider = provider(&env_for(&server, &[]))
        .with_ttl(Duration::from_secs(300))
        .with_clock(clock);
    provider.get().await.unwrap();
    offset.store(299, Ordering::SeqCst);
    provider.get().await.unwrap();
    assert_eq!(provider.fetch_count(), 1);
    offset.store(300, Ordering::SeqCst);
    provider.get().await.unwrap();
    assert_eq!(provider.fetch_count(), 2);
}

#[tokio::test]
async fn refresh_fetches_now_and_picks_up_a_rotated_token() {
    let rotated = r#"{"notion_token":"ntn_rotated","github_webhook_secret":"hook"}"#;
    let server = TestServer::start(vec![secret_answer(FULL), secret_answer(rotated)]).await;
    let provider = provider(&env_for(&server, &[]));
    assert_eq!(provider.notion_token().await.unwrap(), "ntn_from_secret");
    let refreshed = provider.refresh().await.unwrap();
    assert_eq!(refreshed.notion_token.as_deref(), Some("ntn_rotated"));
    assert_eq!(provider.notion_token().await.unwrap(), "ntn_rotated");
    assert_eq!(provider.fetch_count(), 2);
}

#[tokio::test]
async fn a_failed_refetch_after_the_ttl_serves_the_cached_values() {
    let missing = Canned::secret_not_found();
    let server = TestServer::start(vec![secret_answer(FULL), missing]).await;
    let (clock, offset) = manual_clock();
    let provider = provider(&env_for(&server, &[])).with_clock(clock);
    provider.get().await.unwrap();
    offset.store(3600, Ordering::SeqCst);
    assert_eq!(provider.notion_token().await.unwrap(), "ntn_from_secret");
    assert_eq!(provider.fetch_count(), 2);
    assert!(matches!(provider.refresh().await, Err(Error::Aws { .. })));
}

#[tokio::test]
async fn environment_values_win_over_the_secret() {
    let server = TestServer::start(vec![secret_answer(FULL)]).await;
    let env = env_for(
        &server,
        &[
            (NOTION_TOKEN, "ntn_from_env"),
            (GITHUB_WEBHOOK_SECRET, "a, b\nc"),
        ],
    );
    let provider = provider(&env);
    assert_eq!(provider.notion_token().await.unwrap(), "ntn_from_env");
    assert_eq!(
        provider.webhook_secrets().await.unwrap(),
        vec!["a", "b", "c"]
    );
    assert_eq!(
        provider.github_token().await.unwrap().as_deref(),
        Some("ghp_from_secret")
    );
}

#[tokio::test]
async fn with_every_value_in_the_environment_the_secret_is_never_fetched() {
    let env = map_env(&[
        (SECRET_ID, "relay"),
        (NOTION_TOKEN, "n"),
        (GITHUB_WEBHOOK_SECRET, "w"),
        (GITHUB_TOKEN, "g"),
    ]);
    // No AWS credentials or region: they are not needed.
    let provider = SecretsProvider::from_env(&env).unwrap();
    assert_eq!(provider.notion_token().await.unwrap(), "n");
    assert_eq!(provider.fetch_count(), 0);
}

#[tokio::test]
async fn a_secret_without_notion_token_is_a_missing_key_error() {
    let server = TestServer::start(vec![secret_answer(r#"{"github_webhook_secret":"w"}"#)]).await;
    let provider = provider(&env_for(&server, &[]));
    let err = provider.notion_token().await.unwrap_err();
    assert!(
        matches!(&err, Error::MissingKey { key: "notion_token", secret_id } if secret_id == "relay")
    );
    assert_eq!(err.to_string(), "secret relay has no key notion_token");
    assert_eq!(provider.webhook_secrets().await.unwrap(), vec!["w"]);
    assert_eq!(provider.github_token().await.unwrap(), None);
}

#[tokio::test]
async fn an_aws_error_answer_keeps_its_type_and_message() {
    let server = TestServer::start(vec![Canned::secret_not_found()]).await;
    let err = provider(&env_for(&server, &[])).get().await.unwrap_err();
    match err {
        Error::Aws {
            status,
            type_,
            message,
        } => {
            assert_eq!(status, 400);
            assert_eq!(type_, "ResourceNotFoundException");
            assert!(message.contains("can't find"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn with_neither_secret_id_nor_values_each_key_is_not_configured() {
    let provider = SecretsProvider::from_env(&map_env(&[])).unwrap();
    let err = provider.notion_token().await.unwrap_err();
    assert!(matches!(
        err,
        Error::NotConfigured {
            key: "notion_token",
            env_var: "NOTION_TOKEN"
        }
    ));
    let message = err.to_string();
    assert!(
        message.contains("NOTION_TOKEN") && message.contains("SECRET_ID"),
        "{message}"
    );
    assert!(matches!(
        provider.webhook_secrets().await,
        Err(Error::NotConfigured {
            env_var: "GITHUB_WEBHOOK_SECRET",
            ..
        })
    ));
}

#[test]
fn secret_id_without_aws_credentials_fails_at_start_up() {
    let env = map_env(&[(SECRET_ID, "relay"), (AWS_REGION, "us-east-1")]);
    let err = SecretsProvider::from_env(&env).unwrap_err();
    assert!(matches!(
        err,
        Error::MissingCredentials {
            var: "AWS_ACCESS_KEY_ID"
        }
    ));
}

#[test]
fn debug_output_redacts_every_value() {
    let secrets = Secrets::from_secret_json("relay", FULL).unwrap();
    let shown = format!("{secrets:?}");
    for value in ["ntn_from_secret", "old-hook", "new-hook", "ghp_from_secret"] {
        assert!(!shown.contains(value), "{shown}");
    }
    assert!(shown.contains("<2 redacted>"), "{shown}");
    let provider = SecretsProvider::from_values(secrets);
    assert!(!format!("{provider:?}").contains("ntn_from_secret"));
}

#[test]
fn webhook_secret_rotation_lists_accept_strings_and_arrays() {
    let from_string =
        Secrets::from_secret_json("s", r#"{"github_webhook_secret":"one,two\nthree"}"#).unwrap();
    assert_eq!(
        from_string.github_webhook_secrets,
        vec!["one", "two", "three"]
    );
    let from_array =
        Secrets::from_secret_json("s", r#"{"github_webhook_secret":["a,b", " c ", ""]}"#).unwrap();
    assert_eq!(from_array.github_webhook_secrets, vec!["a,b", "c"]);
}

#[test]
fn an_unusable_secret_string_is_invalid_json_without_echoing_it() {
    for json in [
        "ntn_plain_token_value",
        "[\"ntn_in_array\"]",
        r#"{"notion_token": 12345}"#,
    ] {
        let err = Secrets::from_secret_json("relay", json).unwrap_err();
        assert!(matches!(err, Error::InvalidSecretJson { .. }), "{json}");
        let chain = format!(
            "{err} {:?}",
            std::error::Error::source(&err).map(|s| s.to_string())
        );
        assert!(
            !chain.contains("ntn_") && !chain.contains("12345"),
            "{chain}"
        );
    }
}

#[tokio::test]
async fn an_error_type_header_names_the_error_when_the_body_does_not() {
    let server = TestServer::start(vec![Canned::json(403, "").with_header(
        "x-amzn-ErrorType",
        "AccessDeniedException:http://internal.amazon.com/",
    )])
    .await;
    let err = provider(&env_for(&server, &[])).get().await.unwrap_err();
    assert!(
        matches!(&err, Error::Aws { status: 403, type_, .. } if type_ == "AccessDeniedException"),
        "{err:?}"
    );
}
