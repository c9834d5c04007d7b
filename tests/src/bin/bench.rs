//! `make bench`: what one `github-webhook` delivery costs.
//!
//! - Notion calls per delivery (create / update / redelivery / stale) against a 5,000-page
//!   database, next to the seed's approach (query the whole database, then write);
//! - verify + parse time of a 25 KB payload, in-process, with the crate's own functions;
//! - cold start (spawn → first answer, median of 5) and peak RSS (VmHWM after 100 deliveries)
//!   of the RELEASE binary run through the Lambda Runtime API harness;
//! - the size of the release binary and, if built, of `target/lambda/github-webhook/bootstrap`.
//!
//! The 5,000 pages are provisioned in-process through an unpaced client with the emulator's
//! rate limiter off; the measured deliveries then run with it ON (Notion's 3 requests/s, burst
//! 10). Prints a table and writes `target/bench/webhook.json`.

use std::error::Error;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use notion_relay::config::PropertyNames;
use notion_relay::github::webhook::{decode_body, payload_json, sign, verify_signature};
use notion_relay::github::{Event, ItemKind, ItemState, WorkItem};
use notion_relay::notion::{ApiVersion, DatabaseId, NotionClient, NotionConfig, Parent};
use notion_relay::sync::properties::desired_properties;
use notion_relay::sync::BoundSchema;
use relay_tests::emulator::{Emulator, RateLimit};
use relay_tests::lambda::{release_binary, HttpRequest, HttpResponse, LambdaFunction};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::task::JoinSet;

type BoxError = Box<dyn Error + Send + Sync>;

const PAGES: u64 = 5_000;
const REPO: &str = "Codertocat/Hello-World";
const TOKEN: &str = "secret_bench_token";
const SECRET: &str = "bench-webhook-secret";
const PAYLOAD_BYTES: usize = 25 * 1024;
const PARSE_ROUNDS: u32 = 2_000;
const SPAWNS: usize = 5;
const RSS_DELIVERIES: u64 = 100;
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/fixtures/github/octokit/issues/opened.payload.json"
);

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let (emulator, db) = Emulator::with_demo_database(TOKEN).await?;
    let provisioning = provision(&emulator, &db).await?;
    println!("provisioned {PAGES} pages in {provisioning:.1?} (rate limiter off)");
    emulator.reset_log();
    emulator.set_rate_limit(RateLimit::notion());

    let binary = release_binary("github-webhook");
    let env: Vec<(String, String)> = [
        ("NOTION_API_URL", emulator.base_url()),
        ("NOTION_DATABASE_ID", db.clone()),
        ("NOTION_TOKEN", TOKEN.to_string()),
        ("GITHUB_WEBHOOK_SECRET", SECRET.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let function = LambdaFunction::spawn(&binary, &env).await?;

    let template: Value = serde_json::from_slice(&std::fs::read(FIXTURE)?)?;
    let big = payload(&template, PAGES + 1, "2026-02-01T00:00:00Z", PAYLOAD_BYTES);
    let mut costs = Vec::new();
    let cases = [
        (
            "create",
            payload(&template, PAGES + 1, "2026-02-01T00:00:00Z", 0),
        ),
        (
            "redelivery of the create",
            payload(&template, PAGES + 1, "2026-02-01T00:00:00Z", 0),
        ),
        (
            "update",
            payload(&template, 2_500, "2026-02-01T00:00:00Z", 0),
        ),
        (
            "redelivery of the update",
            payload(&template, 2_500, "2026-02-01T00:00:00Z", 0),
        ),
        (
            "stale",
            payload(&template, 2_500, "2026-01-15T00:00:00Z", 0),
        ),
    ];
    for (name, body) in &cases {
        let mark = emulator.request_count();
        let answer = send(&function, body).await?;
        let log = emulator.requests().split_off(mark);
        let schema = log.iter().filter(|r| r.method == "GET").count();
        let limited = log.iter().filter(|r| r.status == 429).count();
        let outcome = answer
            .json()
            .ok()
            .and_then(|v| v["outcome"].as_str().map(str::to_string))
            .unwrap_or_else(|| answer.status.to_string());
        costs.push(json!({"delivery": name, "outcome": outcome, "notion_calls": log.len() - schema - limited, "schema_reads": schema, "answered_429": limited}));
    }
    let seed_calls = PAGES.div_ceil(100) + 1;

    // Peak RSS: 100 deliveries of the 25 KB payload (10 creates with page content, 10 updates,
    // 80 redeliveries), the emulator's limiter off (the client still paces itself at 3/s).
    emulator.set_rate_limit(RateLimit::off());
    let rss_started = Instant::now();
    for i in 0..RSS_DELIVERIES {
        let number = 10_000 + i % 10;
        let at = if i < 10 {
            "2026-02-01T00:00:00Z"
        } else {
            "2026-02-02T00:00:00Z"
        };
        let answer = send(&function, &payload(&template, number, at, PAYLOAD_BYTES)).await?;
        if answer.status != 200 {
            return Err(format!("delivery {i} got {}: {}", answer.status, answer.body).into());
        }
    }
    let rss_kib = function.peak_rss_kib();
    let rss_wall = rss_started.elapsed();
    drop(function);

    let (verify_us, parse_us, both_us) = verify_and_parse(&big)?;
    let (first_answer, first_next) = cold_starts(&binary, &env).await?;
    let target = binary
        .parent()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    let binary_bytes = std::fs::metadata(&binary)?.len();
    let bootstrap = target.join("lambda/github-webhook/bootstrap");
    let bootstrap_meta = std::fs::metadata(&bootstrap).ok();
    let bootstrap_bytes = bootstrap_meta.as_ref().map(|m| m.len());
    // A bootstrap older than the release binary was built from older code.
    let bootstrap_stale = match (&bootstrap_meta, std::fs::metadata(&binary).ok()) {
        (Some(b), Some(r)) => b.modified().ok() < r.modified().ok(),
        _ => false,
    };

    println!("\ngithub-webhook, database of {PAGES} pages (emulator rate limiter on: 3 req/s, burst 10)\n");
    let rows: Vec<Vec<String>> = costs
        .iter()
        .map(|c| {
            let schema = c["schema_reads"].as_u64().unwrap_or(0);
            let extra = if schema > 0 {
                format!(" (+{schema} schema read)")
            } else {
                String::new()
            };
            vec![
                c["delivery"].as_str().unwrap_or("").to_string(),
                c["outcome"].as_str().unwrap_or("").to_string(),
                format!("{}{extra}", c["notion_calls"]),
                seed_calls.to_string(),
            ]
        })
        .collect();
    relay_tests::report::print_table(
        &["delivery", "outcome", "Notion calls", "seed's approach"],
        &rows,
    );
    println!(
        "\nseed's approach (computed): full query = ceil({PAGES}/100) = {} pages, + 1 write = {seed_calls} calls per delivery ({:.1} s at 3 req/s)\n",
        PAGES.div_ceil(100),
        seed_calls as f64 / 3.0
    );
    let mib = |b: u64| format!("{:.2} MiB", b as f64 / 1_048_576.0);
    let bootstrap_text = match (bootstrap_bytes, bootstrap_stale) {
        (None, _) => "not built (make build)".to_string(),
        (Some(b), false) => mib(b),
        (Some(b), true) => format!(
            "{} (STALE: older than the release binary; make build)",
            mib(b)
        ),
    };
    let measures = [
        (
            format!("verify (HMAC-SHA256), {} KB payload", big.len() / 1024),
            format!("{verify_us:.1} µs"),
        ),
        (
            "parse (JSON → event → sync action)".to_string(),
            format!("{parse_us:.1} µs"),
        ),
        ("verify + parse".to_string(), format!("{both_us:.1} µs")),
        (
            format!("cold start: spawn → first answer (median of {SPAWNS})"),
            format!("{:.1} ms", ms(first_answer)),
        ),
        (
            format!("cold start: spawn → ready (median of {SPAWNS})"),
            format!("{:.1} ms", ms(first_next)),
        ),
        (
            format!("peak RSS after {RSS_DELIVERIES} deliveries (VmHWM)"),
            rss_kib.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
        ),
        ("release binary (x86_64)".to_string(), mib(binary_bytes)),
        (
            "lambda bootstrap (cargo lambda, arm64)".to_string(),
            bootstrap_text,
        ),
    ];
    let rows: Vec<Vec<String>> = measures.into_iter().map(|(k, v)| vec![k, v]).collect();
    relay_tests::report::print_table(&["measure", "value"], &rows);
    println!("\n({RSS_DELIVERIES} deliveries for the RSS run took {rss_wall:.1?}: the client paces itself at Notion's 3 req/s)");

    let report = json!({
        "database_pages": PAGES,
        "emulator_rate_limit": "3 req/s, burst 10 (on for the call counts; off for the RSS run)",
        "calls_per_delivery": costs,
        "seed_calls_per_delivery": seed_calls,
        "payload_bytes": big.len(),
        "verify_us": verify_us,
        "parse_us": parse_us,
        "verify_and_parse_us": both_us,
        "cold_start_first_answer_ms_median": ms(first_answer),
        "cold_start_ready_ms_median": ms(first_next),
        "cold_start_spawns": SPAWNS,
        "peak_rss_kib": rss_kib,
        "rss_deliveries": RSS_DELIVERIES,
        "release_binary_bytes": binary_bytes,
        "bootstrap_bytes": bootstrap_bytes,
        "bootstrap_stale": bootstrap_stale,
        "provisioning_ms": provisioning.as_millis() as u64,
    });
    let dir = target.join("bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("webhook.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println!("wrote {}", dir.join("webhook.json").display());
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The octokit `issues/opened` example moved to `number` at `updated_at`, its body padded
/// with markdown so the whole payload is at least `size` bytes (0: unpadded).
fn payload(template: &Value, number: u64, updated_at: &str, size: usize) -> Vec<u8> {
    let mut p = template.clone();
    p["issue"]["number"] = number.into();
    p["issue"]["updated_at"] = updated_at.into();
    p["issue"]["html_url"] = format!("https://github.com/{REPO}/issues/{number}").into();
    let mut body = String::from("## Steps\n\n");
    let mut line = 0;
    while p.to_string().len() + body.len() < size {
        line += 1;
        body.push_str(&format!(
            "- step {line}: the README says `colour` where it means `color`, see line {line}\n"
        ));
    }
    if size > 0 {
        p["issue"]["body"] = body.into();
    }
    p.to_string().into_bytes()
}

async fn send(function: &LambdaFunction, body: &[u8]) -> Result<HttpResponse, BoxError> {
    let request = HttpRequest::post("/")
        .header("content-type", "application/json")
        .header("x-github-event", "issues")
        .header("x-github-delivery", &format!("bench-{}", fastrand::u64(..)))
        .header("x-hub-signature-256", &sign(SECRET, body))
        .body(body.to_vec());
    Ok(function.invoke_http(request).await?)
}

/// µs per op: signature check alone, parse alone (JSON → event → sync action), both.
fn verify_and_parse(body: &[u8]) -> Result<(f64, f64, f64), BoxError> {
    let secrets = vec![SECRET.to_string()];
    let header = sign(SECRET, body);
    let verify = || -> Result<(), BoxError> {
        let raw = decode_body(body, false)?;
        verify_signature(&secrets, &raw, Some(&header))?;
        black_box(raw);
        Ok(())
    };
    let parse = || -> Result<(), BoxError> {
        let json = payload_json(body, Some("application/json"))?;
        black_box(Event::parse("issues", &json)?.sync_action()?);
        Ok(())
    };
    let time = |f: &dyn Fn() -> Result<(), BoxError>| -> Result<f64, BoxError> {
        f()?; // warm-up
        let started = Instant::now();
        for _ in 0..PARSE_ROUNDS {
            f()?;
        }
        Ok(started.elapsed().as_secs_f64() * 1e6 / f64::from(PARSE_ROUNDS))
    };
    let v = time(&verify)?;
    let p = time(&parse)?;
    let both = time(&|| {
        verify()?;
        parse()
    })?;
    Ok((v, p, both))
}

/// Median spawn → first answer (a signed ping) and spawn → first `GET /next`, over fresh
/// processes.
async fn cold_starts(
    binary: &std::path::Path,
    env: &[(String, String)],
) -> Result<(Duration, Duration), BoxError> {
    let ping = br#"{"zen": "Keep it logically awesome.", "hook_id": 1}"#;
    let mut answers = Vec::new();
    let mut ready = Vec::new();
    for _ in 0..SPAWNS {
        let function = LambdaFunction::spawn(binary, env).await?;
        let request = HttpRequest::post("/")
            .header("content-type", "application/json")
            .header("x-github-event", "ping")
            .header("x-hub-signature-256", &sign(SECRET, ping))
            .body(ping.to_vec());
        let answer = function.invoke_http(request).await?;
        if answer.status != 200 {
            return Err(format!("ping got {}: {}", answer.status, answer.body).into());
        }
        let cold = function.cold_start();
        answers.push(cold.to_first_answer.ok_or("no first answer")?);
        ready.push(cold.to_first_next.ok_or("never asked for an event")?);
    }
    answers.sort();
    ready.sort();
    Ok((answers[SPAWNS / 2], ready[SPAWNS / 2]))
}

/// 5,000 pages written the way the function writes them (same properties, title link and
/// all), through an unpaced client, 16 at a time.
async fn provision(emulator: &Emulator, db: &str) -> Result<Duration, BoxError> {
    let started = Instant::now();
    let mut config = NotionConfig::new(emulator.base_url(), TOKEN, ApiVersion::V2022_06_28);
    config.requests_per_second = 100_000.0;
    config.burst = 1_000;
    let client = NotionClient::new(config)?;
    let database = DatabaseId::new(db);
    let schema = BoundSchema::bind(
        &client.retrieve_database(&database).await?,
        &PropertyNames::default(),
    )?;
    let updated_at = OffsetDateTime::parse(
        "2026-01-01T00:00:00Z",
        &time::format_description::well_known::Rfc3339,
    )?;
    let mut tasks = JoinSet::new();
    for lane in 0..16u64 {
        let (client, schema, database) = (client.clone(), schema.clone(), database.clone());
        tasks.spawn(async move {
            for number in (1..=PAGES).filter(|n| n % 16 == lane) {
                let item = WorkItem {
                    repository: REPO.into(),
                    number,
                    kind: ItemKind::Issue,
                    title: format!("Issue {number}"),
                    state: Some(if number % 3 == 0 {
                        ItemState::Closed
                    } else {
                        ItemState::Open
                    }),
                    labels: Some(vec!["bug".into()]),
                    assignees: Some(Vec::new()),
                    author: Some("Codertocat".into()),
                    url: format!("https://github.com/{REPO}/issues/{number}"),
                    body: None,
                    comments: Some(0),
                    updated_at,
                    default_branch: None,
                    milestone: None,
                    issue_type: None,
                    parent: None,
                    reviewers: None,
                    created_at: None,
                    closed_at: None,
                };
                let properties = desired_properties(&item, &schema);
                client
                    .create_page(&Parent::Database(database.clone()), &properties, &[])
                    .await?;
            }
            Ok::<(), notion_relay::notion::Error>(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    Ok(started.elapsed())
}
