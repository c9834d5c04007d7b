//! `make demo`: the `github-webhook` release binary run as a real Lambda function (through the
//! Runtime API harness), fed the sample deliveries in `events/`, then the resulting Notion rows
//! printed as a table with the Notion calls each delivery used.
//!
//! By default it starts the Notion emulator in-process with its demo "GitHub Issues" database.
//! With `NOTION_TOKEN`, `NOTION_DATABASE_ID` and `GITHUB_WEBHOOK_SECRET` set it targets that
//! real database instead (`NOTION_API_URL`, default `https://api.notion.com`), starts no
//! emulator, and signs each event with the given secret. Exits non-zero when any event gets a
//! status other than the one `events/manifest.json` expects.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use notion_relay::config::{self, map_env};
use notion_relay::github::webhook::sign;
use notion_relay::handler::NotionSettings;
use notion_relay::notion::{NotionClient, NotionConfig, Page, PropertyValue};
use notion_relay::sync::{BoundSchema, Field, Syncer};
use relay_tests::emulator::{Emulator, EmulatorConfig};
use relay_tests::lambda::{release_binary, HttpResponse, LambdaFunction};
use serde_json::Value;

#[path = "demo/queue_path.rs"]
mod queue_path;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const EVENTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../events");
/// Variables passed through to the function in real-Notion mode when set.
const PASS_THROUGH: &[&str] = &[
    "NOTION_VERSION",
    "PROPERTY_NAME",
    "PROPERTY_NUMBER",
    "PROPERTY_STATUS",
    "PROPERTY_LABELS",
    "PROPERTY_URL",
    "PROPERTY_REPOSITORY",
    "PROPERTY_TYPE",
    "PROPERTY_UPDATED",
    "PROPERTY_ASSIGNEES",
    "PROPERTY_AUTHOR",
    "PROPERTY_COMMENTS",
];

/// Where the rows go. The emulator handle is kept alive for the whole run.
enum Target {
    Emulator(Emulator),
    RealNotion,
}

/// One sample event and what it got.
struct Delivered {
    file: String,
    what: String,
    expected: u16,
    status: u16,
    outcome: String,
    /// Notion requests this delivery made (from the emulator's log, or the function's own
    /// `notion_calls` log field against real Notion); `schema` marks the container's one read.
    calls: Option<usize>,
    schema: usize,
    key: Option<(String, u64)>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("demo failed: {e}");
            ExitCode::from(2)
        }
    }
}

fn set(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

fn step(text: &str) {
    println!("\n\x1b[1m==> {text}\x1b[0m");
}

async fn run() -> Result<bool, BoxError> {
    let started = Instant::now();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(format!("{EVENTS_DIR}/manifest.json"))?)?;
    let real = (
        set("NOTION_TOKEN"),
        set("NOTION_DATABASE_ID"),
        set("GITHUB_WEBHOOK_SECRET"),
    );
    let (target, env, secret) = match real {
        (Some(token), Some(database), Some(secret)) => {
            let base = set(config::NOTION_API_URL)
                .unwrap_or_else(|| config::DEFAULT_NOTION_API_URL.to_string());
            step(&format!(
                "real Notion at {base}, database {database} (no emulator)"
            ));
            let mut env = vec![
                ("NOTION_API_URL".to_string(), base),
                ("NOTION_TOKEN".to_string(), token),
                ("NOTION_DATABASE_ID".to_string(), database),
                ("GITHUB_WEBHOOK_SECRET".to_string(), secret.clone()),
            ];
            env.extend(
                PASS_THROUGH
                    .iter()
                    .filter_map(|v| set(v).map(|x| (v.to_string(), x))),
            );
            (Target::RealNotion, env, secret)
        }
        _ => {
            let emulator = Emulator::start(EmulatorConfig::default()).await?;
            let db = emulator
                .create_demo_database()
                .map_err(|e| format!("{e:?}"))?;
            step(&format!(
                "Notion emulator at {}, demo database \"GitHub Issues\" {}",
                emulator.base_url(),
                db.database_id
            ));
            let secret = manifest["secret"]
                .as_str()
                .ok_or("manifest has no secret")?
                .to_string();
            let env = vec![
                ("NOTION_API_URL".to_string(), emulator.base_url()),
                ("NOTION_TOKEN".to_string(), emulator.token()),
                ("NOTION_DATABASE_ID".to_string(), db.database_id),
                ("GITHUB_WEBHOOK_SECRET".to_string(), secret.clone()),
            ];
            (Target::Emulator(emulator), env, secret)
        }
    };
    let binary = release_binary("github-webhook");
    step(&format!(
        "github-webhook as a Lambda function: {}",
        binary.display()
    ));
    let function = LambdaFunction::spawn(&binary, &env).await?;
    let ready = function.first_ready(Duration::from_secs(10)).await?;
    println!(
        "initialised in {ready:?}; polling the Runtime API at {}",
        function.runtime_api()
    );

    step("delivering events/ (manifest order)");
    let mut delivered = Vec::new();
    for entry in manifest["events"]
        .as_array()
        .ok_or("manifest has no events")?
    {
        delivered.push(deliver(&function, &target, entry, &secret).await?);
        let d = delivered.last().ok_or("no delivery")?;
        let mark = if d.status == d.expected { "ok " } else { "BAD" };
        println!(
            "{mark} {:<42} {:<28} -> {} {}",
            d.file, d.what, d.status, d.outcome
        );
    }
    print_deliveries(&delivered);

    step("rows in Notion");
    let rows = read_rows(&env, &delivered).await?;
    print_rows(&rows, &delivered);
    if let Target::Emulator(emulator) = &target {
        let total = emulator.request_count();
        println!("\nNotion requests in all: {total} (emulator request log; the demo's read-back included)");
        step("queue mode: deliveries -> github-webhook -> SQS FIFO (moto) -> sync-worker -> rows");
        queue_path::run(emulator).await?;
    } else {
        println!("\n(Notion calls as the function counts them; the first includes the container's schema read)");
    }
    let bad: Vec<&Delivered> = delivered
        .iter()
        .filter(|d| d.status != d.expected)
        .collect();
    println!("\nfinished in {:.1?}", started.elapsed());
    if bad.is_empty() {
        println!("every event got the status events/manifest.json expects");
        return Ok(true);
    }
    for d in &bad {
        eprintln!(
            "UNEXPECTED: {} got {} (expected {})",
            d.file, d.status, d.expected
        );
    }
    Ok(false)
}

/// Sends one sample event as it is (emulator), or re-signed with the real secret.
async fn deliver(
    function: &LambdaFunction,
    target: &Target,
    entry: &Value,
    secret: &str,
) -> Result<Delivered, BoxError> {
    let file = entry["file"]
        .as_str()
        .ok_or("event without file")?
        .to_string();
    let mut event: Value = serde_json::from_slice(&std::fs::read(format!("{EVENTS_DIR}/{file}"))?)?;
    let expected = entry["expected_status"].as_u64().unwrap_or(200) as u16;
    if let Target::RealNotion = target {
        let body = event["body"]
            .as_str()
            .unwrap_or_default()
            .as_bytes()
            .to_vec();
        // The bad-signature sample must stay bad whatever the real secret is.
        let key = if expected == 401 {
            format!("{secret}-wrong")
        } else {
            secret.to_string()
        };
        let headers = event["headers"]
            .as_object_mut()
            .ok_or("event without headers")?;
        headers.insert("x-hub-signature-256".into(), sign(&key, &body).into());
        headers.remove("x-hub-signature");
    }
    let before_log = function.logs().len();
    let before = match target {
        Target::Emulator(e) => e.request_count(),
        Target::RealNotion => 0,
    };
    let invocation = function.invoke(event, Duration::from_secs(30)).await?;
    let response = HttpResponse::from_payload(&invocation.payload)?;
    let (calls, schema) = match target {
        Target::Emulator(e) => {
            let new = e.requests().split_off(before);
            let schema = new
                .iter()
                .filter(|r| r.method == "GET" && !r.path.ends_with("/query"))
                .count();
            (Some(new.len() - schema), schema)
        }
        Target::RealNotion => (logged_calls(function, before_log).await, 0),
    };
    let json = response.json().unwrap_or(Value::Null);
    let outcome = json["outcome"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| {
            json["message"]
                .as_str()
                .map(|m| m.chars().take(40).collect())
                .unwrap_or_default()
        });
    let action = entry["action"]
        .as_str()
        .map(|a| format!(".{a}"))
        .unwrap_or_default();
    let key = match (entry["repository"].as_str(), entry["number"].as_u64()) {
        (Some(repo), Some(n)) if response.status == 200 => Some((repo.to_string(), n)),
        _ => None,
    };
    Ok(Delivered {
        file,
        what: format!("{}{action}", entry["event"].as_str().unwrap_or("?")),
        expected,
        status: response.status,
        outcome,
        calls,
        schema,
        key,
    })
}

/// `notion_calls` of the function's "delivery handled" line (JSON logs) printed after byte
/// `from` of its output. It includes the once-per-container schema read. The line is written
/// before the answer, but the harness reads the pipe asynchronously: wait for it a little.
async fn logged_calls(function: &LambdaFunction, from: usize) -> Option<usize> {
    for _ in 0..100 {
        let found = function.logs()[from..]
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|l| l["message"] == "delivery handled")
            .and_then(|l| l["notion_calls"].as_u64());
        if let Some(n) = found {
            return Some(n as usize);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

fn calls_text(d: &Delivered) -> String {
    match (d.calls, d.schema) {
        (Some(n), 0) => n.to_string(),
        (Some(n), s) => format!("{n} (+{s} schema)"),
        (None, _) => "?".to_string(),
    }
}

fn print_deliveries(delivered: &[Delivered]) {
    let rows: Vec<Vec<String>> = delivered
        .iter()
        .map(|d| {
            vec![
                d.file.clone(),
                d.what.clone(),
                d.expected.to_string(),
                d.status.to_string(),
                d.outcome.clone(),
                calls_text(d),
            ]
        })
        .collect();
    println!();
    relay_tests::report::print_table(
        &[
            "event file",
            "event",
            "expected",
            "status",
            "outcome",
            "Notion calls",
        ],
        &rows,
    );
}

/// The live pages of every key that was synced, read back through the crate's own key query.
async fn read_rows(
    env: &[(String, String)],
    delivered: &[Delivered],
) -> Result<Vec<(Option<Page>, (String, u64))>, BoxError> {
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let lookup = map_env(&pairs);
    let settings = NotionSettings::from_env(&lookup)?;
    let token = lookup("NOTION_TOKEN").ok_or("no NOTION_TOKEN")?;
    let client = NotionClient::new(NotionConfig::new(
        &settings.base_url,
        token,
        settings.version,
    ))?;
    let database = client.retrieve_database(&settings.database).await?;
    let schema = BoundSchema::bind(&database, &settings.names)?;
    let syncer = Syncer {
        notion: &client,
        database: &settings.database,
        schema: &schema,
    };
    let mut keys: Vec<(String, u64)> = Vec::new();
    for key in delivered.iter().filter_map(|d| d.key.clone()) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let mut rows = Vec::new();
    for key in keys {
        let pages = syncer.find(&key.0, key.1).await?;
        rows.push((
            pages.into_iter().next().map(|p| with_names(p, &schema)),
            key,
        ));
    }
    Ok(rows)
}

/// Re-keys a page's properties by field (so the table works with renamed properties).
fn with_names(mut page: Page, schema: &BoundSchema) -> Page {
    let mut by_field = BTreeMap::new();
    for field in Field::ALL {
        if let Some(value) = schema
            .get(field)
            .and_then(|b| page.property(&b.property))
            .cloned()
        {
            by_field.insert(format!("{field:?}"), value);
        }
    }
    page.properties = by_field.into_iter().collect();
    page
}

fn text(page: &Page, field: &str) -> String {
    match page.property(field) {
        Some(PropertyValue::MultiSelect(items)) => items.join(", "),
        Some(PropertyValue::Number(Some(n))) => format!("{n}"),
        Some(v) => v
            .as_select()
            .map(str::to_string)
            .or_else(|| v.plain_text())
            .unwrap_or_default(),
        None => String::new(),
    }
}

fn print_rows(rows: &[(Option<Page>, (String, u64))], delivered: &[Delivered]) {
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|(page, key)| {
            let mine: Vec<&Delivered> = delivered
                .iter()
                .filter(|d| d.key.as_ref() == Some(key))
                .collect();
            let outcomes = mine
                .iter()
                .map(|d| d.outcome.as_str())
                .collect::<Vec<_>>()
                .join(" → ");
            let calls = mine
                .iter()
                .map(|d| calls_text(d))
                .collect::<Vec<_>>()
                .join(", ");
            match page {
                Some(p) => {
                    let name: String = text(p, "Name").chars().take(40).collect();
                    vec![
                        name,
                        text(p, "Number"),
                        text(p, "Type"),
                        text(p, "Status"),
                        text(p, "Labels"),
                        text(p, "Repository"),
                        outcomes,
                        calls,
                    ]
                }
                None => vec![
                    "(no live page)".into(),
                    key.1.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    key.0.clone(),
                    outcomes,
                    calls,
                ],
            }
        })
        .collect();
    relay_tests::report::print_table(
        &[
            "Name",
            "#",
            "Type",
            "Status",
            "Labels",
            "Repository",
            "outcome",
            "Notion calls per delivery",
        ],
        &lines,
    );
}
