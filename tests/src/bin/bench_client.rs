//! `make bench`: what the shared Notion client adds to a call, and what a big query costs.
//!
//! - overhead per call: the same filtered query sent N times through `NotionClient` (unpaced,
//!   so only our send path is measured: headers, retry bookkeeping, JSON decoding into typed
//!   pages) and through a bare `reqwest::Client` that only reads the body, against the in-process
//!   emulator with its rate limiter off; the difference per call is the client's overhead;
//! - a 250-page database read with `query_database_all`: how many requests it makes (Notion's
//!   page size is 100, so 3) and, paced as in production (3 requests/s), how long it takes.
//!
//! Prints a table and writes `target/bench/client.json`.

use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use notion_relay::notion::{ApiVersion, DatabaseId, Filter, NotionClient, NotionConfig, Parent};
use notion_relay::notion::{PropertyValue, Query};
use relay_tests::emulator::Emulator;
use serde_json::json;

type BoxError = Box<dyn Error + Send + Sync>;

const TOKEN: &str = "secret_bench_token";
const CALLS: u32 = 300;
const PAGES: u32 = 250;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let (emulator, db) = Emulator::with_demo_database(TOKEN).await?;
    let database = DatabaseId::new(&db);
    let unpaced = client(&emulator, 100_000.0)?;
    for number in 1..=PAGES {
        let mut properties = notion_relay::notion::Properties::new();
        properties.insert(
            "Name".into(),
            PropertyValue::title(&format!("Issue {number}")),
        );
        properties.insert("Issue #".into(), PropertyValue::number(number));
        properties.insert("Repository".into(), PropertyValue::select("octo/bench"));
        unpaced
            .create_page(&Parent::Database(database.clone()), &properties, &[])
            .await?;
    }

    let query = Query::filtered(Filter::number("Issue #").equals(7.0));
    let ours = time_calls(|| async {
        let list = unpaced.query_database(&database, &query).await?;
        assert_eq!(list.results.len(), 1);
        Ok(())
    })
    .await?;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/databases/{db}/query", emulator.base_url());
    let body = serde_json::to_vec(&query)?;
    let bare = time_calls(|| async {
        let answer = http
            .post(&url)
            .bearer_auth(TOKEN)
            .header("Notion-Version", "2022-06-28")
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        assert!(!answer.is_empty());
        Ok(())
    })
    .await?;

    emulator.reset_log();
    let paced = client(&emulator, 3.0)?;
    let started = Instant::now();
    let all = paced
        .query_database_all(
            &database,
            Query::filtered(Filter::select("Repository").equals("octo/bench")),
        )
        .await?;
    let paced_elapsed = started.elapsed();
    let requests = emulator.count("POST", "/v1/databases");
    assert_eq!(all.len() as u32, PAGES);

    let overhead = ours.saturating_sub(bare);
    let rows = vec![
        vec!["query through NotionClient (per call)".into(), micros(ours)],
        vec!["same query, bare reqwest (per call)".into(), micros(bare)],
        vec!["client overhead per call".into(), micros(overhead)],
        vec![
            format!("requests for a {PAGES}-page query"),
            requests.to_string(),
        ],
        vec![
            format!("{PAGES}-page query, paced at 3 requests/s"),
            format!("{:.2} s", paced_elapsed.as_secs_f64()),
        ],
    ];
    relay_tests::report::print_table(&["measure (emulator on 127.0.0.1)", "value"], &rows);

    let report = json!({
        "calls_measured": CALLS,
        "client_call_us": ours.as_secs_f64() * 1e6,
        "bare_call_us": bare.as_secs_f64() * 1e6,
        "client_overhead_us": overhead.as_secs_f64() * 1e6,
        "query_pages": PAGES,
        "query_requests": requests,
        "query_paced_seconds": paced_elapsed.as_secs_f64(),
    });
    let dir = bench_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("client.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println!("wrote {}", dir.join("client.json").display());
    Ok(())
}

fn client(emulator: &Emulator, per_second: f64) -> Result<NotionClient, BoxError> {
    let mut config = NotionConfig::new(emulator.base_url(), TOKEN, ApiVersion::V2022_06_28);
    config.requests_per_second = per_second;
    config.burst = if per_second > 100.0 { 1_000 } else { 3 };
    Ok(NotionClient::new(config)?)
}

/// Median time of one call over `CALLS` calls, after a warm-up.
async fn time_calls<F, Fut>(mut call: F) -> Result<Duration, BoxError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), BoxError>>,
{
    for _ in 0..20 {
        call().await?;
    }
    let mut times = Vec::with_capacity(CALLS as usize);
    for _ in 0..CALLS {
        let started = Instant::now();
        call().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn bench_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    target.join("bench")
}
