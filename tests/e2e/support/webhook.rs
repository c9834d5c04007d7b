//! Shared set-up for the `github-webhook` end-to-end tests: a Notion emulator, a `moto_server`
//! holding the function's secret, the RELEASE binary run through the Lambda Runtime API harness,
//! signed deliveries, and Notion call counts read from the emulator's request log (never from
//! our own logs). What a page should hold is in `support::expect`, re-exported here.

use std::path::PathBuf;
use std::time::Duration;

use notion_relay::github::webhook::sign;
use relay_tests::emulator::{Emulator, EmulatorConfig, RequestRecord};
use relay_tests::lambda::{release_binary, HttpRequest, HttpResponse, LambdaFunction};
use relay_tests::moto::MotoServer;
use serde_json::{json, Value};

pub use crate::support::expect::*;

/// Distinctive values, so a leak into any log is found by a plain substring search.
pub const NOTION_TOKEN: &str = "secret_e2eNotionTokenQx7Lw2Vb9Rk4";
pub const WEBHOOK_SECRET: &str = "whsec-e2e-Zp3Nc8Ud1Mf6";
pub const GITHUB_TOKEN: &str = "ghp_e2eGithubTokenHy5Te0Sa7";
const SECRET_NAME: &str = "notion-relay/e2e";

pub fn fixtures() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/github"
    ))
}

pub fn events_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../events"))
}

/// A fixture file's bytes, as they are (octokit bodies are pretty-printed; we sign them so).
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn fixture_json(rel: &str) -> Value {
    serde_json::from_slice(&fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// One emulator and one `moto_server` whose secret holds the Notion token and webhook secret.
pub struct Stack {
    pub emulator: Emulator,
    pub moto: MotoServer,
    pub secret_arn: String,
    /// GitHub as the functions see it (`GITHUB_API_URL`): asked before a create whether the
    /// issue was deleted; it knows no issue unless a test puts or deletes one.
    pub github: relay_tests::fake_github::FakeGitHub,
}

impl Stack {
    pub async fn start() -> Stack {
        Stack::with_webhook_secret(WEBHOOK_SECRET).await
    }

    pub async fn with_webhook_secret(webhook_secret: &str) -> Stack {
        let config = EmulatorConfig {
            token: NOTION_TOKEN.to_string(),
            ..EmulatorConfig::default()
        };
        let emulator = Emulator::start(config).await.expect("emulator binds");
        let moto = MotoServer::start().await.unwrap_or_else(|e| panic!("{e}"));
        let secret = json!({
            "notion_token": NOTION_TOKEN,
            "github_webhook_secret": webhook_secret,
            "github_token": GITHUB_TOKEN,
        });
        let secret_arn = moto
            .create_secret(SECRET_NAME, &secret.to_string())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let github = relay_tests::fake_github::FakeGitHub::start()
            .await
            .expect("fake GitHub binds");
        Stack {
            emulator,
            moto,
            secret_arn,
            github,
        }
    }

    /// A fresh "GitHub Issues" database (the schema PRODUCT.md writes to).
    pub fn database(&self) -> String {
        self.emulator
            .create_demo_database()
            .expect("demo database")
            .database_id
    }

    /// The function's environment: no secret values, only where to find them.
    pub fn env(&self, database_id: &str) -> Vec<(String, String)> {
        let mut env = vec![
            ("NOTION_API_URL".to_string(), self.emulator.base_url()),
            ("NOTION_DATABASE_ID".to_string(), database_id.to_string()),
            ("SECRET_ID".to_string(), self.secret_arn.clone()),
            ("AWS_LAMBDA_LOG_FORMAT".to_string(), "JSON".to_string()),
            (
                "GITHUB_API_URL".to_string(),
                self.github.base_url().to_string(),
            ),
        ];
        env.extend(self.moto.aws_env());
        env
    }

    /// A warm container of the release `github-webhook` binary writing to `database_id`.
    pub async fn function(&self, database_id: &str) -> LambdaFunction {
        self.function_with(database_id, &[]).await
    }

    pub async fn function_with(&self, database_id: &str, extra: &[(&str, &str)]) -> LambdaFunction {
        let mut env = self.env(database_id);
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        LambdaFunction::spawn(&release_binary("github-webhook"), &env)
            .await
            .expect("github-webhook starts")
    }

    /// A mark in the emulator's request log; see [`Stack::since`].
    pub fn mark(&self) -> usize {
        self.emulator.request_count()
    }

    /// Notion requests since `mark`.
    pub fn since(&self, mark: usize) -> Vec<RequestRecord> {
        self.emulator.requests().split_off(mark)
    }

    /// The live (not archived) rows of a database.
    pub fn live_pages(&self, database_id: &str) -> Vec<Value> {
        self.emulator
            .pages_in(database_id)
            .into_iter()
            .filter(|p| p["in_trash"] != true && p["archived"] != true)
            .collect()
    }

    /// Live rows holding `repository#number`.
    pub fn live_pages_for(&self, database_id: &str, repository: &str, number: u64) -> Vec<Value> {
        self.live_pages(database_id)
            .into_iter()
            .filter(|p| select(p, "Repository").as_deref() == Some(repository))
            .filter(|p| number_prop(p, "Issue #") == Some(number as f64))
            .collect()
    }

    /// The single live row for a key (fails the test otherwise).
    pub fn page_for(&self, database_id: &str, repository: &str, number: u64) -> Value {
        let pages = self.live_pages_for(database_id, repository, number);
        assert_eq!(
            pages.len(),
            1,
            "live pages for {repository}#{number}: {pages:#?}"
        );
        pages.into_iter().next().expect("one page")
    }
}

/// A delivery to send: raw body bytes, event name, delivery id, how it is encoded and signed.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub event: String,
    pub body: Vec<u8>,
    pub id: String,
    pub content_type: Option<String>,
    /// `x-hub-signature-256`; `None` sends none.
    pub signature: Option<String>,
    /// Extra headers (e.g. a sha1 `x-hub-signature`).
    pub headers: Vec<(String, String)>,
    pub base64: bool,
}

impl Delivery {
    /// A JSON delivery signed with `secret` over exactly `body`.
    pub fn signed(secret: &str, event: &str, body: Vec<u8>) -> Delivery {
        Delivery {
            event: event.to_string(),
            signature: Some(sign(secret, &body)),
            body,
            id: new_delivery_id(),
            content_type: Some("application/json".to_string()),
            headers: Vec::new(),
            base64: false,
        }
    }

    /// A JSON delivery of `payload` (compact), signed with the test secret.
    pub fn json(event: &str, payload: &Value) -> Delivery {
        Delivery::signed(WEBHOOK_SECRET, event, payload.to_string().into_bytes())
    }

    /// The same payload as GitHub's `application/x-www-form-urlencoded` content type
    /// (`payload=<url-encoded JSON>`), signed over the form body.
    pub fn form(secret: &str, event: &str, json: &[u8]) -> Delivery {
        let encoded: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &String::from_utf8_lossy(json))
            .finish();
        let mut delivery = Delivery::signed(secret, event, encoded.into_bytes());
        delivery.content_type = Some("application/x-www-form-urlencoded".to_string());
        delivery
    }

    pub fn request(&self) -> HttpRequest {
        let mut req = HttpRequest::post("/")
            .header("user-agent", "GitHub-Hookshot/e2e")
            .header("x-github-delivery", &self.id)
            .header("x-github-hook-id", "109948940")
            .body(self.body.clone())
            .base64_encoded(self.base64)
            .timeout(Duration::from_secs(15));
        if !self.event.is_empty() {
            req = req.header("x-github-event", &self.event);
        }
        if let Some(ct) = &self.content_type {
            req = req.header("content-type", ct);
        }
        if let Some(sig) = &self.signature {
            req = req.header("x-hub-signature-256", sig);
        }
        for (name, value) in &self.headers {
            req = req.header(name, value);
        }
        req
    }
}

pub fn new_delivery_id() -> String {
    let n = fastrand::u128(..);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        (n >> 96) as u32,
        (n >> 80) as u16,
        (n >> 68) as u16 & 0xfff,
        (n >> 56) as u16 & 0xfff,
        n as u64 & 0xffff_ffff_ffff
    )
}

/// Sends a delivery through the function's (simulated) Function URL.
pub async fn deliver(function: &LambdaFunction, delivery: &Delivery) -> HttpResponse {
    function
        .invoke_http(delivery.request())
        .await
        .unwrap_or_else(|e| panic!("invoke failed: {e}"))
}

/// The `outcome` of a 200 answer (empty when absent).
pub fn outcome(response: &HttpResponse) -> String {
    response
        .json()
        .ok()
        .and_then(|v| v["outcome"].as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn page_id(response: &HttpResponse) -> Option<String> {
    response
        .json()
        .ok()
        .and_then(|v| v["page_id"].as_str().map(str::to_string))
}

/// Notion calls that are part of handling a delivery: all but the once-per-container schema read.
pub fn delivery_calls(records: &[RequestRecord]) -> Vec<&RequestRecord> {
    records.iter().filter(|r| !is_schema_read(r)).collect()
}

pub fn is_schema_read(r: &RequestRecord) -> bool {
    // 2022-06-28 reads the database; 2025-09-03 also reads its data source.
    r.method == "GET"
        && (r.path.starts_with("/v1/databases/") || r.path.starts_with("/v1/data_sources/"))
        && !r.path.ends_with("/query")
}

/// Page writes: creates and updates (archives included).
pub fn writes(records: &[RequestRecord]) -> usize {
    records
        .iter()
        .filter(|r| {
            (r.method == "POST" && r.path == "/v1/pages")
                || (r.method == "PATCH" && r.path.starts_with("/v1/pages/"))
        })
        .count()
}

pub fn creates(records: &[RequestRecord]) -> usize {
    records
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/pages")
        .count()
}

/// `METHOD /path` per record, for failure messages.
pub fn describe(records: &[RequestRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
        .collect()
}

/// Fails if a secret value is in the function's output.
pub fn assert_no_secrets(logs: &str) {
    for secret in [NOTION_TOKEN, WEBHOOK_SECRET, GITHUB_TOKEN] {
        assert!(
            !logs.contains(secret),
            "a secret leaked into the logs:\n{logs}"
        );
    }
}

// ---- per-database views of the request log (for deliveries that run in parallel) ---------------

pub fn undashed(id: &str) -> String {
    id.chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The requests that concern one database: its schema reads and queries, creates under it, and
/// updates of its pages. Order is the log's, so a slice after a known length is "since then".
pub fn records_for(stack: &Stack, database_id: &str) -> Vec<RequestRecord> {
    let db = undashed(database_id);
    let page_ids: Vec<String> = stack
        .emulator
        .pages_in(database_id)
        .iter()
        .filter_map(|p| p["id"].as_str().map(undashed))
        .collect();
    stack
        .emulator
        .requests()
        .into_iter()
        .filter(|r| {
            let path = undashed(&r.path);
            if path.starts_with("/v1/databases/") {
                return path.contains(&db);
            }
            if r.method == "POST" && r.path == "/v1/pages" {
                return r.body["parent"]["database_id"]
                    .as_str()
                    .is_some_and(|id| undashed(id) == db);
            }
            r.path.starts_with("/v1/pages/") && page_ids.iter().any(|id| path.contains(id.as_str()))
        })
        .collect()
}

/// Puts a row into the database directly (as a person editing Notion would), bypassing the
/// function: `Updated` far in the past, so any delivery is newer.
pub async fn seed_page(
    stack: &Stack,
    database_id: &str,
    repository: &str,
    number: u64,
    status: &str,
    labels: &[&str],
) -> String {
    let client = relay_tests::emulator_client::Client::new(
        &stack.emulator,
        relay_tests::emulator_client::V2022,
    );
    let labels: Vec<Value> = labels.iter().map(|l| json!({"name": l})).collect();
    let answer = client
        .post(
            "/v1/pages",
            json!({
                "parent": {"database_id": database_id},
                "properties": {
                    "Name": {"title": relay_tests::emulator_client::text("seeded by hand")},
                    "Issue #": {"number": number},
                    "Repository": {"select": {"name": repository}},
                    "Status": {"select": {"name": status}},
                    "Labels": {"multi_select": labels},
                    "Updated": {"date": {"start": "2001-01-01T00:00:00Z"}},
                }
            }),
        )
        .await;
    assert_eq!(answer.status, 200, "seeding a page: {}", answer.body);
    answer.body["id"].as_str().expect("page id").to_string()
}
