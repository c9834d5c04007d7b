//! `bench_sync`: what a scheduled reconcile of a 1,000-issue repository with 10 changed issues
//! costs, in Notion and GitHub calls, next to the seed's approach (query the whole database,
//! then one write per issue). Prints a table and writes `target/bench/sync.json`.
//!
//! Runs the RELEASE `scheduled-sync` binary (build it first: `make bench` does) against the
//! Notion emulator and the fake GitHub; the database is seeded in-process with the crate's own
//! reconciler and an unpaced client, so seeding takes seconds instead of minutes.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use notion_relay::config::PropertyNames;
use notion_relay::github::GitHubClient;
use notion_relay::notion::{ApiVersion, DatabaseId, NotionClient, NotionConfig};
use notion_relay::sync::{BoundSchema, Reconciler, Syncer};
use relay_tests::emulator::Emulator;
use relay_tests::fake_github::FakeGitHub;
use relay_tests::lambda::{release_binary, LambdaFunction};
use serde_json::{json, Value};

const REPO: &str = "octo-org/bench";
const ISSUES: usize = 1_000;
const CHANGED: usize = 10;
const TOKEN: &str = "secret_bench";
/// Notion's average rate limit, which every client must keep to.
const NOTION_RPS: f64 = 3.0;
const TIMEOUT: Duration = Duration::from_secs(300);

/// One measured (or modelled) way of reconciling.
struct Row {
    name: &'static str,
    notion_reads: usize,
    notion_writes: usize,
    github_calls: usize,
    wall: Option<Duration>,
}

impl Row {
    fn notion_calls(&self) -> usize {
        self.notion_reads + self.notion_writes
    }

    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "notion_calls": self.notion_calls(),
            "notion_reads": self.notion_reads,
            "notion_writes": self.notion_writes,
            "github_calls": self.github_calls,
            "notion_seconds_at_3_rps": self.notion_calls() as f64 / NOTION_RPS,
            "wall_ms": self.wall.map(|d| d.as_millis() as u64),
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let (notion, database_id) = Emulator::with_demo_database(TOKEN).await?;
    let github = FakeGitHub::start().await?;
    let start = time::OffsetDateTime::now_utc() - time::Duration::days(2);
    let numbers = github.generate(REPO, ISSUES, start);
    seed(&notion, &github, &database_id).await?;
    // GitHub keeps whole seconds.
    let an_hour_ago =
        (time::OffsetDateTime::now_utc() - time::Duration::hours(1)).replace_nanosecond(0)?;
    for (i, number) in numbers.iter().step_by(ISSUES / CHANGED).enumerate() {
        github.update_issue(REPO, *number, |issue| {
            issue.updated_at = an_hour_ago + time::Duration::minutes(i as i64);
            issue.labels.push("triaged".into());
        });
    }

    let env: Vec<(String, String)> = [
        ("NOTION_API_URL", notion.base_url()),
        ("NOTION_DATABASE_ID", database_id),
        ("NOTION_TOKEN", TOKEN.into()),
        ("GITHUB_API_URL", github.base_url().into()),
        ("GITHUB_TOKEN", "ghp_bench".into()),
        ("REPOSITORIES", REPO.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let function = LambdaFunction::spawn(&release_binary("scheduled-sync"), &env).await?;
    let changed = measure(
        "notion-relay, 10 changed (cold)",
        &function,
        &notion,
        &github,
    )
    .await?;
    let idle = measure(
        "notion-relay, nothing changed (warm)",
        &function,
        &notion,
        &github,
    )
    .await?;
    let pages = ISSUES.div_ceil(100);
    let seed_row = Row {
        name: "seed: query all, write every issue (modelled)",
        notion_reads: pages,
        notion_writes: ISSUES,
        github_calls: pages,
        wall: None,
    };
    let rows = [changed, idle, seed_row];

    print_table(&rows);
    let report = json!({
        "repository_issues": ISSUES,
        "changed": CHANGED,
        "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
    });
    let path = target_dir().join("bench").join("sync.json");
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
    std::fs::write(&path, serde_json::to_string_pretty(&report)?)?;
    println!("\nwrote {}", path.display());
    Ok(())
}

/// One invocation, counted from the emulator's and the fake's request logs.
async fn measure(
    name: &'static str,
    function: &LambdaFunction,
    notion: &Emulator,
    github: &FakeGitHub,
) -> Result<Row, Box<dyn Error>> {
    notion.reset_log();
    github.reset_requests();
    let started = Instant::now();
    let answer = function
        .invoke(json!({"detail-type": "Scheduled Event"}), TIMEOUT)
        .await?;
    let wall = started.elapsed();
    if let Some(error) = answer.error {
        return Err(format!("{name}: the function failed: {error}").into());
    }
    let requests = notion.requests();
    let writes = requests
        .iter()
        .filter(|r| r.method != "GET" && !r.path.ends_with("/query"))
        .count();
    Ok(Row {
        name,
        notion_reads: requests.len() - writes,
        notion_writes: writes,
        github_calls: github.requests().len(),
        wall: Some(wall),
    })
}

/// Backfills the repository in-process through the crate's reconciler, unpaced.
async fn seed(
    notion: &Emulator,
    github: &FakeGitHub,
    database_id: &str,
) -> Result<(), Box<dyn Error>> {
    let mut config = NotionConfig::new(notion.base_url(), TOKEN, ApiVersion::V2022_06_28);
    config.requests_per_second = 10_000.0;
    config.burst = 1_000;
    let client = NotionClient::new(config)?;
    let database = DatabaseId::new(database_id);
    let schema = BoundSchema::bind(
        &client.retrieve_database(&database).await?,
        &PropertyNames::default(),
    )?;
    let gh = GitHubClient::new(github.base_url(), None, "bench_sync")?;
    let reconciler = Reconciler {
        syncer: Syncer {
            notion: &client,
            database: &database,
            schema: &schema,
        },
        github: &gh,
    };
    let report = reconciler.reconcile(REPO, None).await;
    if report.counts.created as usize != ISSUES {
        return Err(format!(
            "seeding created {} pages: {report:?}",
            report.counts.created
        )
        .into());
    }
    Ok(())
}

fn print_table(rows: &[Row]) {
    println!(
        "Reconcile of {ISSUES} issues, {CHANGED} changed since the last sync (Notion paced at {NOTION_RPS}/s)\n"
    );
    println!(
        "{:<46} {:>7} {:>6} {:>7} {:>7} {:>12} {:>9}",
        "approach", "notion", "reads", "writes", "github", "notion @3/s", "wall"
    );
    for row in rows {
        let wall = row
            .wall
            .map_or_else(|| "-".to_string(), |d| format!("{:.1}s", d.as_secs_f64()));
        println!(
            "{:<46} {:>7} {:>6} {:>7} {:>7} {:>11.1}s {:>9}",
            row.name,
            row.notion_calls(),
            row.notion_reads,
            row.notion_writes,
            row.github_calls,
            row.notion_calls() as f64 / NOTION_RPS,
            wall
        );
    }
}

/// `$CARGO_TARGET_DIR` (relative to the workspace) or `<workspace>/target`.
fn target_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    }
}
