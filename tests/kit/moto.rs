//! The `moto_server` launcher: a real local Secrets Manager, reached with plain HTTP calls.

use relay_tests::moto::{Error, MotoServer};

/// Starts moto or fails the test with the launcher's explanation (never skips).
async fn moto() -> MotoServer {
    match MotoServer::start().await {
        Ok(server) => server,
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn a_created_secret_reads_back_and_follows_updates() {
    let moto = moto().await;
    let secret = r#"{"notion_token":"secret_abc","github_webhook_secret":"whs"}"#;

    let arn = moto.create_secret("relay/test", secret).await.unwrap();
    let read = moto.get_secret_value("relay/test").await.unwrap();
    moto.put_secret_value(&arn, r#"{"notion_token":"rotated"}"#)
        .await
        .unwrap();
    let by_arn = moto.get_secret_value(&arn).await.unwrap();

    assert!(
        arn.starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:relay/test-"),
        "{arn}"
    );
    assert_eq!(read, secret);
    assert_eq!(by_arn, r#"{"notion_token":"rotated"}"#);
}

#[tokio::test]
async fn an_unknown_secret_is_an_api_error() {
    let moto = moto().await;

    let err = moto.get_secret_value("nope").await.unwrap_err();

    let Error::Api { status, body, .. } = &err else {
        panic!("expected Api, got {err:?}");
    };
    // Real Secrets Manager answers 400; moto answers 404. Both are client errors.
    assert!((400..500).contains(status), "{status}");
    assert_eq!(body["__type"], "ResourceNotFoundException");
}

#[tokio::test]
async fn aws_env_points_at_the_server() {
    let moto = moto().await;

    let env = moto.aws_env();

    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("AWS_ENDPOINT_URL").as_deref(), Some(moto.endpoint()));
    assert_eq!(get("AWS_REGION").as_deref(), Some("us-east-1"));
    assert_eq!(get("AWS_ACCESS_KEY_ID").as_deref(), Some("testing"));
    assert_eq!(get("AWS_SECRET_ACCESS_KEY").as_deref(), Some("testing"));
    assert!(moto.endpoint().starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn a_missing_moto_server_says_make_test_installs_it() {
    let err = MotoServer::start_at("/nonexistent/.venv/bin/moto_server".into())
        .await
        .err()
        .unwrap();

    assert!(matches!(err, Error::Missing { .. }), "{err:?}");
    assert!(err.to_string().contains("`make test` installs it"), "{err}");
}
