use super::*;
use crate::config::map_env;
use crate::secrets::test_server::{Canned, TestServer};

fn client_for(server: &TestServer, service: AwsService) -> AwsClient {
    AwsClient::from_env(
        &map_env(&[
            (AWS_REGION, "us-east-1"),
            (AWS_ACCESS_KEY_ID, "AKID"),
            (AWS_SECRET_ACCESS_KEY, "SECRETKEY"),
            (AWS_ENDPOINT_URL, &server.url),
        ]),
        service,
    )
    .unwrap()
}

#[tokio::test]
async fn throttling_and_5xx_are_retried_then_the_answer_returned() {
    let server = TestServer::start(vec![
        Canned::json(
            400,
            r#"{"__type":"com.amazonaws.sqs#ThrottlingException","message":"slow down"}"#,
        ),
        Canned::json(503, "{}"),
        Canned::json(200, r#"{"MessageId":"m1"}"#),
    ])
    .await;
    let body = client_for(&server, SQS)
        .call("AmazonSQS.SendMessage", &serde_json::json!({}))
        .await
        .unwrap();
    assert_eq!(body, br#"{"MessageId":"m1"}"#);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[0].header("content-type"),
        Some("application/x-amz-json-1.0")
    );
    let auth = requests[2].header("authorization").unwrap();
    assert!(auth.contains("/us-east-1/sqs/aws4_request"), "{auth}");
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let server = TestServer::start(vec![Canned::json(
        400,
        r#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"no queue"}"#,
    )])
    .await;
    let err = client_for(&server, SQS)
        .call("AmazonSQS.SendMessage", &serde_json::json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AwsError::Aws { status: 400, type_, .. } if type_ == "QueueDoesNotExist"),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn retries_stop_before_the_deadline() {
    let server = TestServer::start(vec![Canned::json(503, "{}")]).await;
    let deadline = Instant::now() + Duration::from_millis(30);
    let err = client_for(&server, SECRETS_MANAGER)
        .call_until(
            "secretsmanager.GetSecretValue",
            &serde_json::json!({}),
            Some(deadline),
        )
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(Instant::now() < deadline + Duration::from_millis(500));
}

#[test]
fn endpoint_prefers_the_service_override_then_the_generic_one_then_the_region() {
    let creds = [
        (AWS_ACCESS_KEY_ID, "AKID"),
        (AWS_SECRET_ACCESS_KEY, "SECRET"),
        (AWS_DEFAULT_REGION, "eu-west-1"),
    ];
    let client = AwsClient::from_env(&map_env(&creds), SQS).unwrap();
    assert_eq!(client.endpoint(), "https://sqs.eu-west-1.amazonaws.com/");
    let mut env = creds.to_vec();
    env.push((AWS_ENDPOINT_URL, "http://127.0.0.1:5000"));
    let client = AwsClient::from_env(&map_env(&env), SQS).unwrap();
    assert_eq!(client.endpoint(), "http://127.0.0.1:5000/");
    env.push(("AWS_ENDPOINT_URL_SQS", "http://localhost:4566"));
    let client = AwsClient::from_env(&map_env(&env), SQS).unwrap();
    assert_eq!(client.endpoint(), "http://localhost:4566/");
    let client = AwsClient::from_env(&map_env(&env), SECRETS_MANAGER).unwrap();
    assert_eq!(client.endpoint(), "http://127.0.0.1:5000/");
}

#[test]
fn aws_errors_keep_type_and_message() {
    let err = aws_error(
        "Secrets Manager",
        400,
        None,
        crate::secrets::test_server::SECRET_NOT_FOUND.as_bytes(),
    );
    assert!(
        matches!(&err, AwsError::Aws { status: 400, type_, message, .. }
        if type_ == "ResourceNotFoundException" && message.contains("can't find"))
    );
    let err = aws_error(
        "SQS",
        403,
        Some("UnrecognizedClientException:http://internal.amazon.com/"),
        b"{}",
    );
    assert!(matches!(&err, AwsError::Aws { type_, .. } if type_ == "UnrecognizedClientException"));
    let err = aws_error(
        "SQS",
        400,
        Some("AWS.SimpleQueueService.RequestThrottled;Sender"),
        b"",
    );
    assert!(err.is_retryable(), "{err:?}");
    let err = aws_error(
        "SQS",
        400,
        None,
        br#"{"__type":"com.amazonaws.x#AccessDeniedException","Message":"no"}"#,
    );
    assert!(matches!(&err, AwsError::Aws { type_, message, .. }
        if type_ == "AccessDeniedException" && message == "no"));
    let err = aws_error("SQS", 503, None, b"<html>");
    assert!(matches!(&err, AwsError::Aws { status: 503, type_, .. } if type_ == "UnknownError"));
    assert!(err.is_retryable());
}

#[test]
fn missing_credentials_or_region_name_the_variable() {
    let only_region = map_env(&[(AWS_REGION, "us-east-1")]);
    let err = AwsClient::from_env(&only_region, SECRETS_MANAGER).unwrap_err();
    assert!(matches!(
        err,
        AwsError::MissingCredentials {
            var: AWS_ACCESS_KEY_ID
        }
    ));
    let err = AwsClient::from_env(&map_env(&[]), SQS).unwrap_err();
    assert!(err.to_string().contains("AWS_REGION"), "{err}");
}

#[test]
fn an_endpoint_without_host_is_a_config_error() {
    let env = map_env(&[
        (AWS_REGION, "us-east-1"),
        (AWS_ACCESS_KEY_ID, "AKID"),
        (AWS_SECRET_ACCESS_KEY, "SECRET"),
        (AWS_ENDPOINT_URL, "localhost:5000"),
    ]);
    let err = AwsClient::from_env(&env, SECRETS_MANAGER).unwrap_err();
    assert!(err.to_string().contains("AWS_ENDPOINT_URL"), "{err}");
}
