//! `notion-relay check`: one line per item of a setup, ✓ or ✗ with the fix (– when an item does
//! not apply). Exit 0 only when nothing is ✗.
//!
//! Items, in order (a later one is skipped when it needs what an earlier one could not give):
//! Notion token (`GET /v1/users/me`), database reachable, schema against the functions' own
//! binding rule (`BoundSchema::bind`; `--fix` adds missing properties with one database update),
//! GitHub token and its scopes (`X-OAuth-Scopes`), the webhook and its secret (`GITHUB_HOOK_ID`),
//! the secret's JSON keys (`SECRET_ID`), queue depths (`DELIVERY_QUEUE_URL`,
//! `DEAD_LETTER_QUEUE_URL`: messages in the dead-letter queue are a ✗).

use std::process::ExitCode;

mod aws;
mod github;
mod notion;

use notion_relay::config;

use self::aws::{queues, secret_keys};
use self::github::{github_token, hook};
use self::notion::{database, notion_token, schema_items};
use crate::args::CheckArgs;
use crate::context::Context;
use crate::error::CliError;

/// The SQS FIFO delivery queue (queue mode; PRODUCT.md's variable). When the shared config has
/// this constant (branch `queue`), use that one.
pub const DELIVERY_QUEUE_URL: &str = "DELIVERY_QUEUE_URL";
/// A dead-letter queue to watch (the stack's `DeadLetterQueueUrl` output); read only by `check`.
pub const DEAD_LETTER_QUEUE_URL: &str = "DEAD_LETTER_QUEUE_URL";

/// The GitHub token matters once something calls GitHub: scheduled-sync (`REPOSITORIES`) or
/// redelivery (`GITHUB_HOOK_ID`); the webhook alone needs none.
fn github_needed(ctx: &Context) -> bool {
    ctx.optional(config::REPOSITORIES).is_some() || ctx.optional(config::GITHUB_HOOK_ID).is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Pass,
    Fail,
    Skip,
}

/// What `check` prints, line by line, and whether anything failed.
#[derive(Default)]
struct Report {
    failed: usize,
}

impl Report {
    fn line(&mut self, mark: Mark, item: &str, text: impl AsRef<str>, fix: Option<String>) {
        let symbol = match mark {
            Mark::Pass => "✓",
            Mark::Fail => "✗",
            Mark::Skip => "–",
        };
        if mark == Mark::Fail {
            self.failed += 1;
        }
        match fix {
            Some(fix) => say!("{symbol} {item}: {} → fix: {fix}", text.as_ref()),
            None => say!("{symbol} {item}: {}", text.as_ref()),
        }
    }

    fn pass(&mut self, item: &str, text: impl AsRef<str>) {
        self.line(Mark::Pass, item, text, None);
    }

    fn fail(&mut self, item: &str, text: impl AsRef<str>, fix: impl Into<String>) {
        self.line(Mark::Fail, item, text, Some(fix.into()));
    }

    fn skip(&mut self, item: &str, text: impl AsRef<str>) {
        self.line(Mark::Skip, item, text, None);
    }
}

pub async fn run(ctx: &Context, args: CheckArgs) -> Result<ExitCode, CliError> {
    let mut ctx = ctx.clone();
    ctx.set(config::GITHUB_HOOK_ID, args.hook_id.as_ref());
    ctx.set(
        config::GITHUB_HOOK_REPOSITORY,
        args.hook_repository.as_ref(),
    );
    let ctx = &ctx;
    let mut report = Report::default();
    match notion_token(ctx, &mut report).await {
        Some(notion) => match database(ctx, &notion, &mut report).await {
            Some(database) => schema_items(ctx, &notion, database, args.fix, &mut report).await,
            None => report.skip("schema", "skipped (needs the database)"),
        },
        None => {
            report.skip("Notion database", "skipped (needs a working Notion token)");
            report.skip("schema", "skipped (needs the database)");
        }
    }
    let identity = github_token(ctx, &mut report).await;
    hook(ctx, identity.as_ref(), &mut report).await;
    secret_keys(ctx, &mut report).await;
    queues(ctx, &mut report).await;
    say!();
    if report.failed == 0 {
        say!("all checks passed");
        Ok(ExitCode::SUCCESS)
    } else {
        say!(
            "{} check{} failed",
            report.failed,
            if report.failed == 1 { "" } else { "s" }
        );
        Ok(ExitCode::FAILURE)
    }
}
