//! `notion-relay replay FILE [--to URL]`: sends one delivery to a Function URL (deployed) or a
//! local runtime (`cargo lambda watch`, or anything that speaks plain HTTP) and prints the answer.
//!
//! FILE is either a Function URL event (`events/*.json`: payload format 2.0, already signed by
//! `scripts/gen_events.py`), whose body and GitHub headers are sent as they are; or a saved
//! delivery (the raw JSON body GitHub sent, e.g. from the hook's "Recent Deliveries"), sent with
//! `X-GitHub-Event: --event` and signed like GitHub signs
//! (`X-Hub-Signature-256: sha256=HMAC-SHA256(secret, body)`) with the webhook secret.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use notion_relay::config;
use notion_relay::github::webhook::sign;
use serde_json::Value;

use crate::args::ReplayArgs;
use crate::context::Context;
use crate::error::CliError;

/// GitHub gives up on an answer after 10 s; waiting a bit longer shows what a slow function says.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Headers of a Function URL event that belong to the hop, not to the delivery.
const HOP_HEADERS: [&str; 7] = [
    "host",
    "content-length",
    "x-forwarded-for",
    "x-forwarded-port",
    "x-forwarded-proto",
    "x-amzn-trace-id",
    "connection",
];

/// What will be sent.
#[derive(Debug, PartialEq)]
pub struct Outgoing {
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// For the first line of output.
    pub summary: String,
}

pub async fn run(ctx: &Context, args: ReplayArgs) -> Result<ExitCode, CliError> {
    let raw = std::fs::read(&args.file)
        .map_err(CliError::io(format!("reading {}", args.file.display())))?;
    let outgoing = match function_url_event(&raw) {
        Some(event) => from_event(&event)?,
        None => {
            let event = args.event.clone().ok_or_else(|| {
                CliError::Usage(format!(
                    "{} is not a Function URL event, so it is taken as a saved delivery: say which event it is with --event (issues, pull_request, issue_comment, ping, …)",
                    args.file.display()
                ))
            })?;
            let secret = webhook_secret(ctx, args.secret.as_deref()).await?;
            let delivery = args.delivery.clone().unwrap_or_else(new_delivery_id);
            from_delivery(raw, &event, &delivery, &secret)
        }
    };
    say!("→ {} {} ({})", outgoing.method, args.to, outgoing.summary);
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| CliError::Usage(format!("cannot build the HTTP client: {e}")))?;
    let method = reqwest::Method::from_bytes(outgoing.method.as_bytes())
        .map_err(|_| CliError::Usage(format!("bad method {:?}", outgoing.method)))?;
    let mut request = client.request(method, &args.to);
    for (name, value) in &outgoing.headers {
        request = request.header(name, value);
    }
    let started = Instant::now();
    let response = request.body(outgoing.body).send().await.map_err(|e| {
        CliError::Usage(format!(
            "no answer from {}: {e} (is the function running? `cargo lambda watch` serves it at {})",
            args.to,
            crate::args::DEFAULT_REPLAY_URL
        ))
    })?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    say!(
        "← {} {} ({} ms)",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        started.elapsed().as_millis()
    );
    if !body.is_empty() {
        say!("{body}");
    }
    Ok(if status.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The file as a Function URL event (payload 2.0 with a body), if it is one.
fn function_url_event(raw: &[u8]) -> Option<Value> {
    let value: Value = serde_json::from_slice(raw).ok()?;
    let is_event = value.get("requestContext").is_some()
        && value.get("headers").is_some_and(Value::is_object)
        && value.get("body").is_some();
    is_event.then_some(value)
}

/// The event's request: its method, its headers less the hop's, its body (decoded if base64).
pub fn from_event(event: &Value) -> Result<Outgoing, CliError> {
    let method = event
        .pointer("/requestContext/http/method")
        .and_then(Value::as_str)
        .unwrap_or("POST")
        .to_owned();
    let body = match event.get("body") {
        Some(Value::String(text)) => {
            if event.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| CliError::Usage("the event's body is not valid base64".into()))?
            } else {
                text.clone().into_bytes()
            }
        }
        _ => Vec::new(),
    };
    let mut headers = Vec::new();
    if let Some(map) = event.get("headers").and_then(Value::as_object) {
        for (name, value) in map {
            let lower = name.to_ascii_lowercase();
            if HOP_HEADERS.contains(&lower.as_str()) {
                continue;
            }
            if let Some(value) = value.as_str() {
                headers.push((lower, value.to_owned()));
            }
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("?")
    };
    let summary = format!(
        "Function URL event: {}, delivery {}",
        header("x-github-event"),
        header("x-github-delivery")
    );
    Ok(Outgoing {
        method,
        headers,
        body,
        summary,
    })
}

/// A saved delivery as GitHub sends it: JSON body, event and delivery headers, signature.
pub fn from_delivery(body: Vec<u8>, event: &str, delivery: &str, secret: &str) -> Outgoing {
    let headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        (
            "user-agent".to_owned(),
            "GitHub-Hookshot/notion-relay-replay".to_owned(),
        ),
        ("x-github-event".to_owned(), event.to_owned()),
        ("x-github-delivery".to_owned(), delivery.to_owned()),
        ("x-hub-signature-256".to_owned(), sign(secret, &body)),
    ];
    Outgoing {
        method: "POST".to_owned(),
        headers,
        body,
        summary: format!("saved delivery: {event}, delivery {delivery}, signed"),
    }
}

/// `--secret`, else `GITHUB_WEBHOOK_SECRET`, else the secret's `github_webhook_secret` (the
/// first, while rotating).
async fn webhook_secret(ctx: &Context, flag: Option<&str>) -> Result<String, CliError> {
    if let Some(secret) = flag {
        return Ok(secret.to_owned());
    }
    if let Some(secret) = ctx.optional(config::GITHUB_WEBHOOK_SECRET) {
        return Ok(secret);
    }
    let secrets = ctx.secrets()?.webhook_secrets().await?;
    secrets
        .into_iter()
        .next()
        .ok_or_else(|| CliError::Usage("no webhook secret: pass --secret".into()))
}

/// A random version-4-shaped GUID, like GitHub's delivery ids.
fn new_delivery_id() -> String {
    let random = || {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        hasher.finish()
    };
    let (a, b) = (random(), random());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48 & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_event_sends_its_body_and_github_headers_without_the_hop_headers() {
        let event = json!({
            "version": "2.0", "requestContext": {"http": {"method": "POST"}},
            "headers": {"host": "x.lambda-url.us-east-1.on.aws", "content-length": "2",
                        "x-github-event": "ping", "x-github-delivery": "d-1",
                        "x-hub-signature-256": "sha256=ab"},
            "body": "{}", "isBase64Encoded": false
        });
        let out = from_event(&event).unwrap();
        assert_eq!(out.body, b"{}");
        let names: Vec<&str> = out.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["x-github-delivery", "x-github-event", "x-hub-signature-256"]
        );
        assert!(out.summary.contains("ping") && out.summary.contains("d-1"));
    }

    #[test]
    fn a_base64_body_is_decoded() {
        let event = json!({"requestContext": {}, "headers": {}, "body": "eyJhIjoxfQ==", "isBase64Encoded": true});
        assert_eq!(from_event(&event).unwrap().body, br#"{"a":1}"#);
    }

    #[test]
    fn a_saved_delivery_is_signed_over_its_exact_bytes() {
        let body = b"{\"zen\": \"x\"}\n".to_vec();
        let out = from_delivery(body.clone(), "ping", "d-2", "s3cret");
        let signature = out
            .headers
            .iter()
            .find(|(n, _)| n == "x-hub-signature-256")
            .map(|(_, v)| v.clone())
            .unwrap();
        assert_eq!(signature, sign("s3cret", &body));
        assert_eq!(out.body, body);
    }

    #[test]
    fn only_function_url_events_are_taken_as_events() {
        assert!(function_url_event(br#"{"requestContext":{},"headers":{},"body":""}"#).is_some());
        assert!(function_url_event(br#"{"action":"opened","issue":{}}"#).is_none());
        assert!(function_url_event(b"not json").is_none());
    }

    #[test]
    fn delivery_ids_look_like_guids_and_differ() {
        let (a, b) = (new_delivery_id(), new_delivery_id());
        assert_eq!(a.len(), 36);
        assert_ne!(a, b);
    }
}
