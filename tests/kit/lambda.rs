//! The Lambda Runtime API harness, exercised with the test-only `echo-lambda` and
//! `echo-http-lambda` binaries running as real processes.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use relay_tests::lambda::{Error, HttpRequest, LambdaFunction};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(10);

fn echo() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_echo-lambda"))
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test]
async fn invoking_echo_returns_the_event() {
    let function = LambdaFunction::spawn(echo(), &[]).await.unwrap();

    let answer = function
        .invoke(json!({"hello": "world"}), TIMEOUT)
        .await
        .unwrap();

    assert_eq!(answer.error, None);
    assert_eq!(answer.payload["event"], json!({"hello": "world"}));
    assert_eq!(answer.payload["request_id"], json!(answer.request_id));
    assert_eq!(answer.payload["function_name"], "echo-lambda");
    assert_eq!(
        answer.payload["function_arn"],
        "arn:aws:lambda:us-east-1:123456789012:function:echo-lambda"
    );
    assert!(answer.payload["trace_id"]
        .as_str()
        .unwrap()
        .starts_with("Root=1-"));
    assert!(
        function.logs().contains("echo-lambda initialised"),
        "{}",
        function.logs()
    );
}

#[tokio::test]
async fn sequential_invokes_reuse_one_warm_process() {
    let function = LambdaFunction::spawn(echo(), &[]).await.unwrap();

    let mut pids = Vec::new();
    for n in 0..3 {
        let answer = function.invoke(json!({ "n": n }), TIMEOUT).await.unwrap();
        assert_eq!(answer.payload["event"]["n"], n);
        pids.push(answer.payload["pid"].as_u64().unwrap());
    }

    let pid = u64::from(function.pid().unwrap());
    assert_eq!(pids, [pid, pid, pid]);
    assert!(function.peak_rss_kib().unwrap() > 0);
}

#[tokio::test]
async fn the_deadline_header_is_now_plus_the_invoke_timeout() {
    let function = LambdaFunction::spawn(echo(), &[]).await.unwrap();
    let timeout = Duration::from_secs(7);

    let before = epoch_ms();
    let answer = function.invoke(json!({}), timeout).await.unwrap();
    let after = epoch_ms();

    let deadline = answer.payload["deadline_ms"].as_u64().unwrap();
    assert!(deadline >= before + 7000, "{deadline} < {before} + 7000");
    assert!(deadline <= after + 7000, "{deadline} > {after} + 7000");
}

#[tokio::test]
async fn given_env_reaches_the_function_and_the_callers_env_does_not() {
    assert!(
        std::env::var_os("HOME").is_some(),
        "the test needs a caller env to not leak"
    );
    let function = LambdaFunction::spawn(echo(), &env(&[("ECHO_ENV", "from-test")]))
        .await
        .unwrap();

    let answer = function.invoke(json!({}), TIMEOUT).await.unwrap();

    assert_eq!(answer.payload["env"], "from-test");
    assert_eq!(answer.payload["home"], json!(null));
}

#[tokio::test]
async fn handler_errors_and_panics_are_reported_and_the_process_stays_warm() {
    let function = LambdaFunction::spawn(echo(), &[]).await.unwrap();

    let failed = function
        .invoke(json!({"fail": true}), TIMEOUT)
        .await
        .unwrap();
    let panicked = function
        .invoke(json!({"panic": true}), TIMEOUT)
        .await
        .unwrap();
    let fine = function.invoke(json!({"after": 1}), TIMEOUT).await.unwrap();

    let failed = failed.error.expect("an error object");
    assert_eq!(failed["errorMessage"], "echo-lambda was asked to fail");
    assert!(failed["errorType"].is_string());
    let panicked = panicked.error.expect("an error object");
    assert!(
        panicked.to_string().contains("asked to panic"),
        "{panicked}"
    );
    assert_eq!(fine.payload["event"], json!({"after": 1}));
}

#[tokio::test]
async fn a_process_that_exits_fails_the_invoke_with_its_logs_instead_of_hanging() {
    let function = LambdaFunction::spawn(echo(), &[]).await.unwrap();

    let err = function
        .invoke(json!({"exit": 3}), TIMEOUT)
        .await
        .unwrap_err();
    let again = function.invoke(json!({}), TIMEOUT).await.unwrap_err();

    let Error::Exited { status, logs } = &err else {
        panic!("expected Exited, got {err:?}");
    };
    assert!(status.contains('3'), "{status}");
    assert!(logs.contains("exiting with 3 as asked"), "{logs}");
    assert!(err.to_string().contains("exiting with 3 as asked"));
    assert!(matches!(again, Error::Exited { .. }), "{again:?}");
}

#[tokio::test]
async fn an_init_error_fails_pending_invokes() {
    let function = LambdaFunction::spawn(echo(), &env(&[("ECHO_INIT_FAIL", "no config")]))
        .await
        .unwrap();

    let err = function.invoke(json!({}), TIMEOUT).await.unwrap_err();

    let Error::InitError { error, .. } = &err else {
        panic!("expected InitError, got {err:?}");
    };
    assert_eq!(error["errorMessage"], "no config");
    assert!(function.first_ready(TIMEOUT).await.is_err());
}

#[tokio::test]
async fn a_silent_function_times_out_with_its_logs() {
    let function = LambdaFunction::spawn(echo(), &[]).await.unwrap();
    function.first_ready(TIMEOUT).await.unwrap();

    let hang = json!({"sleep_ms": 600_000});
    let err = function
        .invoke(hang, Duration::from_millis(100))
        .await
        .unwrap_err();

    let Error::Timeout { logs, .. } = &err else {
        panic!("expected Timeout, got {err:?}");
    };
    assert!(logs.contains("echo-lambda initialised"), "{logs}");
}

#[tokio::test]
async fn cold_start_milestones_are_recorded_in_order() {
    let function = LambdaFunction::spawn(echo(), &[]).await.unwrap();

    let ready = function.first_ready(TIMEOUT).await.unwrap();
    assert!(function.cold_start().to_first_answer.is_none());
    function.invoke(json!({}), TIMEOUT).await.unwrap();

    let cold = function.cold_start();
    assert_eq!(cold.to_first_next, Some(ready));
    assert!(cold.to_first_answer.unwrap() >= ready);
}

#[tokio::test]
async fn a_binary_that_exits_during_init_fails_the_invoke() {
    let function = LambdaFunction::spawn(Path::new("/bin/false"), &[])
        .await
        .unwrap();

    let err = function.invoke(json!({}), TIMEOUT).await.unwrap_err();

    assert!(matches!(err, Error::Exited { .. }), "{err:?}");
    assert!(function.first_ready(TIMEOUT).await.is_err());
}

#[tokio::test]
async fn a_missing_binary_is_a_spawn_error() {
    let err = LambdaFunction::spawn(Path::new("/nonexistent/bootstrap"), &[])
        .await
        .err()
        .unwrap();
    assert!(matches!(err, Error::Spawn { .. }), "{err:?}");
}

#[tokio::test]
async fn invoke_http_round_trips_through_a_lambda_http_function() {
    let function = LambdaFunction::spawn(Path::new(env!("CARGO_BIN_EXE_echo-http-lambda")), &[])
        .await
        .unwrap();

    let req = HttpRequest::post("/webhook?x=1&y=two")
        .header("X-GitHub-Event", "issues")
        .header("User-Agent", "GitHub-Hookshot/abc")
        .json(&json!({"action": "opened"}));
    let response = function.invoke_http(req).await.unwrap();

    assert_eq!(response.status, 201);
    assert_eq!(response.header("X-Echo"), Some("yes"));
    assert_eq!(response.cookies, ["seen=1"]);
    let seen = response.json().unwrap();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["path"], "/webhook");
    assert_eq!(seen["query"], "x=1&y=two");
    assert_eq!(seen["headers"]["x-github-event"], "issues");
    assert_eq!(seen["headers"]["user-agent"], "GitHub-Hookshot/abc");
    assert_eq!(seen["body"], r#"{"action":"opened"}"#);
}

#[tokio::test]
async fn invoke_http_delivers_base64_bodies_decoded() {
    let function = LambdaFunction::spawn(Path::new(env!("CARGO_BIN_EXE_echo-http-lambda")), &[])
        .await
        .unwrap();

    let req = HttpRequest::post("/").body("raw text").base64_encoded(true);
    let response = function.invoke_http(req).await.unwrap();

    assert_eq!(response.json().unwrap()["body"], "raw text");
}
