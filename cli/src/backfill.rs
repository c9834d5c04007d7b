//! `notion-relay backfill owner/name…`: the scheduled-sync reconcile
//! (`notion_relay::sync::Reconciler`, the same code the function runs) from a laptop, one
//! repository after the other, without a Lambda deadline, paced by the Notion client (3
//! requests/s by default, the whole integration's budget: lower `--rate` while the functions run).
//!
//! Resumable by construction: each run starts from the watermark (the newest `Updated` already in
//! Notion for the repository) and writes items in ascending `updated_at`, so after an interruption
//! everything before the last written item is in Notion and the next run lists from there —
//! nothing skipped, nothing created twice.

use std::process::ExitCode;
use std::time::Instant;

use notion_relay::config;
use notion_relay::sync::{BoundSchema, Counts, Reconciler, RepoReport, RepoStatus, Syncer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::args::BackfillArgs;
use crate::context::Context;
use crate::error::{chain, CliError};
use crate::progress::{Progress, Source};

pub async fn run(ctx: &Context, args: BackfillArgs) -> Result<ExitCode, CliError> {
    let repositories = if args.repositories.is_empty() {
        config::repositories(&ctx.env())?
    } else {
        config::parse_repositories(&args.repositories.join(","))?
    };
    if !(args.rate.is_finite() && args.rate > 0.0) {
        return Err(CliError::Usage("--rate must be a positive number".into()));
    }
    let database = ctx.database_id()?;
    let notion = ctx.notion_with_rate(args.rate).await?;
    let github = ctx.github().await?;
    let names = ctx.names();
    let db = notion
        .retrieve_database(&database)
        .await
        .map_err(CliError::notion(format!(
            "reading database {database} (run `notion-relay check`)"
        )))?;
    let schema = BoundSchema::bind(&db, &names).map_err(|e| CliError::Usage(e.to_string()))?;
    schema.warn_skipped();
    let reconciler = Reconciler {
        syncer: Syncer {
            notion: &notion,
            database: &database,
            schema: &schema,
        },
        github: &github,
    };
    let started = Instant::now();
    let mut reports = Vec::new();
    for repository in &repositories {
        let progress = Progress::start(
            args.progress,
            Source {
                label: repository.clone(),
                notion_calls: Box::new({
                    let notion = notion.clone();
                    move || notion.calls()
                }),
                github_calls: Box::new({
                    let github = github.clone();
                    move || github.call_count()
                }),
            },
        );
        let report = reconciler.reconcile(repository, None).await;
        progress.stop().await;
        reports.push(report);
    }
    let elapsed = started.elapsed();
    say!();
    print_table(&reports);
    say!();
    say!(
        "{} Notion calls ({:.1}/s), {} GitHub calls, {:.1}s",
        notion.calls(),
        notion.calls() as f64 / elapsed.as_secs_f64().max(0.001),
        github.call_count(),
        elapsed.as_secs_f64()
    );
    let failed: Vec<&RepoReport> = reports
        .iter()
        .filter(|r| r.status != RepoStatus::Complete)
        .collect();
    for report in &failed {
        if let Some(error) = &report.error {
            eprintln!("{}: {}", report.repository, chain(error));
        }
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("run the same command again to resume: it starts from what Notion already holds");
        Ok(ExitCode::FAILURE)
    }
}

fn stamp(t: Option<OffsetDateTime>) -> String {
    t.and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "—".to_owned())
}

fn print_table(reports: &[RepoReport]) {
    let header = [
        "repository",
        "status",
        "seen",
        "created",
        "updated",
        "unchanged",
        "stale",
        "archived",
        "skipped",
        "watermark",
        "synced through",
    ];
    let row = |name: &str, status: &str, c: &Counts, w: String, s: String| -> Vec<String> {
        vec![
            name.to_owned(),
            status.to_owned(),
            c.issues_seen.to_string(),
            c.created.to_string(),
            c.updated.to_string(),
            c.unchanged.to_string(),
            c.stale.to_string(),
            c.archived.to_string(),
            c.skipped.to_string(),
            w,
            s,
        ]
    };
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    let mut total = Counts::default();
    for r in reports {
        total += r.counts;
        let status = match r.status {
            RepoStatus::Complete => "complete",
            RepoStatus::Stopped => r.stop_reason.map_or("stopped", |s| s.as_str()),
            RepoStatus::Failed => "failed",
        };
        rows.push(row(
            &r.repository,
            status,
            &r.counts,
            stamp(r.watermark),
            stamp(r.synced_through),
        ));
    }
    if reports.len() > 1 {
        rows.push(row("total", "", &total, String::new(), String::new()));
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for (n, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                // Names left, numbers right.
                if !(2..9).contains(&i) {
                    format!("{cell:<w$}", w = widths[i])
                } else {
                    format!("{cell:>w$}", w = widths[i])
                }
            })
            .collect();
        say!("{}", cells.join("  ").trim_end());
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
            say!("{}", rule.join("  "));
        }
    }
}
