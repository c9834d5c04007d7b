//! A test-only Lambda function for the `lambda` harness tests: echoes its event with what it
//! can see of its environment, and misbehaves on request.
//!
//! Event switches: `{"panic": true}` panics in the handler, `{"fail": true}` returns an error,
//! `{"exit": N}` exits the process with code N, `{"sleep_ms": N}` answers after N ms. Env `ECHO_INIT_FAIL` reports an init error.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    if payload.get("panic") == Some(&Value::Bool(true)) {
        panic!("echo-lambda was asked to panic");
    }
    if payload.get("fail") == Some(&Value::Bool(true)) {
        return Err("echo-lambda was asked to fail".into());
    }
    if let Some(code) = payload.get("exit").and_then(Value::as_i64) {
        eprintln!("echo-lambda exiting with {code} as asked");
        std::process::exit(i32::try_from(code).unwrap_or(1));
    }
    if let Some(ms) = payload.get("sleep_ms").and_then(Value::as_u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    println!("echo-lambda handling {}", context.request_id);
    Ok(json!({
        "event": payload,
        "env": std::env::var("ECHO_ENV").ok(),
        "home": std::env::var("HOME").ok(),
        "function_name": std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok(),
        "request_id": context.request_id,
        "deadline_ms": context.deadline,
        "function_arn": context.invoked_function_arn,
        "trace_id": context.xray_trace_id,
        "pid": std::process::id(),
    }))
}

/// Reports an init error the way managed runtimes do, then exits.
async fn fail_init(reason: String) -> Result<(), Error> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")?;
    let url = format!("http://{api}/2018-06-01/runtime/init/error");
    let body = json!({"errorType": "Runtime.InitError", "errorMessage": reason});
    reqwest::Client::new()
        .post(url)
        .header("lambda-runtime-function-error-type", "Runtime.InitError")
        .json(&body)
        .send()
        .await?;
    eprintln!("echo-lambda init failed: {reason}");
    std::process::exit(2);
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    if let Ok(reason) = std::env::var("ECHO_INIT_FAIL") {
        return fail_init(reason).await;
    }
    eprintln!("echo-lambda initialised");
    lambda_runtime::run(service_fn(handle)).await
}
