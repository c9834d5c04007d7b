//! A test-only HTTP Lambda function (built on `lambda_http`, like `github-webhook`) for the
//! `lambda` harness tests: answers 201 with JSON describing the request it received, a header
//! and a cookie, so a test can check the Function URL event round trip.

use lambda_http::{service_fn, Body, Error, Request, Response};
use serde_json::json;

async fn handle(req: Request) -> Result<Response<Body>, Error> {
    let headers: serde_json::Map<_, _> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), json!(String::from_utf8_lossy(v.as_bytes()))))
        .collect();
    let described = json!({
        "method": req.method().as_str(),
        "path": req.uri().path(),
        "query": req.uri().query(),
        "headers": headers,
        "body": String::from_utf8_lossy(req.body().as_ref()),
    });
    let response = Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .header("x-echo", "yes")
        .header("set-cookie", "seen=1")
        .body(Body::Text(described.to_string()))?;
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(handle)).await
}
