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

use notion_relay::config;
use notion_relay::github::rest::account::Identity;
use notion_relay::github::RestError;
use notion_relay::notion::{Database, NotionClient};
use notion_relay::secrets::{KEY_GITHUB_TOKEN, KEY_GITHUB_WEBHOOK_SECRET, KEY_NOTION_TOKEN};
use notion_relay::sync::BoundSchema;

use crate::args::CheckArgs;
use crate::context::Context;
use crate::error::{chain, CliError};
use crate::init::SHARE_HINT;
use crate::schema::{self, Spec};

/// The SQS FIFO delivery queue (queue mode; PRODUCT.md's variable). When the shared config has
/// this constant (branch `queue`), use that one.
pub const DELIVERY_QUEUE_URL: &str = "DELIVERY_QUEUE_URL";
/// A dead-letter queue to watch (the stack's `DeadLetterQueueUrl` output); read only by `check`.
pub const DEAD_LETTER_QUEUE_URL: &str = "DEAD_LETTER_QUEUE_URL";

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

async fn notion_token(ctx: &Context, report: &mut Report) -> Option<NotionClient> {
    const ITEM: &str = "Notion token";
    let client = match ctx.notion().await {
        Ok(client) => client,
        Err(error) => {
            report.fail(ITEM, chain(&error), "set notion_token in the secret (`notion-relay secret set notion_token`) or NOTION_TOKEN for a local run");
            return None;
        }
    };
    match client.me().await {
        Ok(user) => {
            let workspace = user
                .workspace_name()
                .map(|w| format!(" in workspace {w:?}"))
                .unwrap_or_default();
            let name = user.name.as_deref().unwrap_or("(unnamed)");
            report.pass(ITEM, format!("valid: integration {name:?}{workspace}"));
            Some(client)
        }
        Err(error) if error.is_unauthorized() => {
            report.fail(ITEM, "Notion refuses it (401 unauthorized)", "copy the integration's Internal Integration Secret from https://www.notion.so/my-integrations, then `notion-relay secret set notion_token` (or NOTION_TOKEN)");
            None
        }
        Err(error) => {
            report.fail(
                ITEM,
                format!("cannot ask Notion: {}", chain(&error)),
                "check NOTION_API_URL and your network, then run check again",
            );
            None
        }
    }
}

async fn database(ctx: &Context, notion: &NotionClient, report: &mut Report) -> Option<Database> {
    const ITEM: &str = "Notion database";
    let id = match ctx.database_id() {
        Ok(id) => id,
        Err(error) => {
            report.fail(
                ITEM,
                error.to_string(),
                "set NOTION_DATABASE_ID (the id `notion-relay init` printed)",
            );
            return None;
        }
    };
    match notion.retrieve_database(&id).await {
        Ok(db) => {
            report.pass(
                ITEM,
                format!(
                    "{:?} ({id}) reachable under Notion-Version {}",
                    db.title,
                    notion.version()
                ),
            );
            Some(db)
        }
        Err(error) if error.is_not_found() => {
            report.fail(
                ITEM,
                format!("{id} not found: not shared with the integration, or a wrong id"),
                format!("{SHARE_HINT} (or correct NOTION_DATABASE_ID)"),
            );
            None
        }
        Err(error) => {
            report.fail(
                ITEM,
                format!("cannot read {id}: {}", chain(&error)),
                "check NOTION_DATABASE_ID and NOTION_VERSION",
            );
            None
        }
    }
}

/// The properties of `specs` the database does not have at all (`--fix` can add them).
fn missing<'a>(database: &Database, specs: &'a [Spec]) -> Vec<&'a Spec> {
    specs
        .iter()
        .filter(|s| database.property(&s.name).is_none())
        .collect()
}

async fn schema_items(
    ctx: &Context,
    notion: &NotionClient,
    mut database: Database,
    fix: bool,
    report: &mut Report,
) {
    let names = ctx.names();
    let specs = schema::product(&names);
    let absent = missing(&database, &specs);
    if fix && !absent.is_empty() {
        let added: Vec<&str> = absent.iter().map(|s| s.name.as_str()).collect();
        match notion
            .update_database_properties(&database.id, schema::request_form(absent.iter().copied()))
            .await
        {
            Ok(properties) => {
                database.properties = properties;
                report.pass("schema fix", format!("added {}", added.join(", ")));
            }
            Err(error) => report.fail(
                "schema fix",
                format!("Notion refused the update: {}", chain(&error)),
                "add the properties by hand in Notion (names and types below)",
            ),
        }
    }
    let absent = missing(&database, &specs);
    for spec in &absent {
        report.fail(
            "schema",
            format!("property {:?} ({}) is missing", spec.name, spec.kind),
            format!(
                "`notion-relay check --fix` adds it, or set {} to the name of an existing {} property",
                spec.var, spec.kind
            ),
        );
    }
    match BoundSchema::bind(&database, &names) {
        Ok(bound) => {
            let mut wrong = 0;
            for spec in &specs {
                let present = database.property(&spec.name);
                if let (None, Some(found)) = (bound.get(spec.field), present) {
                    wrong += 1;
                    report.fail(
                        "schema",
                        format!(
                            "property {:?} is {}, the functions need {}",
                            spec.name, found.kind, spec.kind
                        ),
                        format!(
                            "change its type in Notion to {}, or rename it and run `notion-relay check --fix`, or set {} to another property",
                            spec.kind, spec.var
                        ),
                    );
                }
            }
            if absent.is_empty() && wrong == 0 {
                report.pass(
                    "schema",
                    format!(
                        "all {} properties the functions write are there",
                        specs.len()
                    ),
                );
            }
        }
        Err(error) if absent.is_empty() => {
            report.fail("schema", error.to_string(), "see the message");
        }
        // Already reported as missing above.
        Err(_) => {}
    }
}

async fn github_token(ctx: &Context, report: &mut Report) -> Option<Identity> {
    const ITEM: &str = "GitHub token";
    const HOW: &str = "create a token (fine-grained: Issues and Pull requests read, Webhooks read and write; classic: repo and admin:repo_hook) at https://github.com/settings/tokens, then `notion-relay secret set github_token` (or GITHUB_TOKEN)";
    let token = match ctx.secrets() {
        Ok(secrets) => match secrets.github_token().await {
            Ok(token) => token,
            Err(error) => {
                report.fail(ITEM, chain(&error), HOW);
                return None;
            }
        },
        Err(error) => {
            report.fail(ITEM, chain(&error), HOW);
            return None;
        }
    };
    let Some(token) = token else {
        report.fail(
            ITEM,
            "not set: scheduled-sync would call GitHub anonymously (60 requests an hour, public repositories only, no redelivery)",
            HOW,
        );
        return None;
    };
    let client = match ctx.github_with(Some(token)) {
        Ok(client) => client,
        Err(error) => {
            report.fail(ITEM, chain(&error), "check GITHUB_API_URL");
            return None;
        }
    };
    match client.identity().await {
        Ok(identity) => {
            let hook_wanted = ctx.optional(config::GITHUB_HOOK_ID).is_some();
            match &identity.scopes {
                None => report.pass(
                    ITEM,
                    format!(
                        "valid ({}); a fine-grained or app token: GitHub does not show its permissions, so make sure it has Issues and Pull requests: read{}",
                        identity.login,
                        if hook_wanted { ", Webhooks: read and write" } else { "" }
                    ),
                ),
                Some(scopes) => {
                    let has = |s: &str| scopes.iter().any(|x| x == s);
                    let mut lacking = Vec::new();
                    if !has("repo") && !has("public_repo") {
                        lacking.push("repo (or public_repo for public repositories)");
                    }
                    if hook_wanted && !has("admin:repo_hook") && !has("write:repo_hook") {
                        lacking.push("admin:repo_hook (to read the hook and redeliver)");
                    }
                    let shown = if scopes.is_empty() {
                        "none".to_owned()
                    } else {
                        scopes.join(", ")
                    };
                    if lacking.is_empty() {
                        report.pass(ITEM, format!("valid ({}), scopes: {shown}", identity.login));
                    } else {
                        report.fail(
                            ITEM,
                            format!(
                                "valid ({}) but its scopes ({shown}) lack {}",
                                identity.login,
                                lacking.join(" and ")
                            ),
                            "add the scopes at https://github.com/settings/tokens (edit the token), or create a new one and `notion-relay secret set github_token`",
                        );
                    }
                }
            }
            Some(identity)
        }
        Err(RestError::Api { status: 401, .. }) => {
            report.fail(
                ITEM,
                "GitHub refuses it (401 Bad credentials): revoked, expired or mistyped",
                HOW,
            );
            None
        }
        Err(error) => {
            report.fail(
                ITEM,
                format!("cannot ask GitHub: {}", chain(&error)),
                "check GITHUB_API_URL and your network",
            );
            None
        }
    }
}

async fn hook(ctx: &Context, identity: Option<&Identity>, report: &mut Report) {
    const ITEM: &str = "GitHub webhook";
    let Some(raw) = ctx.optional(config::GITHUB_HOOK_ID) else {
        report.skip(
            ITEM,
            "skipped (GITHUB_HOOK_ID not set: no redelivery of failed deliveries)",
        );
        return;
    };
    let Ok(hook_id) = raw.parse::<u64>() else {
        report.fail(
            ITEM,
            format!("GITHUB_HOOK_ID {raw:?} is not a number"),
            "use the number at the end of the hook's settings URL (…/settings/hooks/<id>)",
        );
        return;
    };
    let repository = ctx.optional(config::GITHUB_HOOK_REPOSITORY).or_else(|| {
        ctx.optional(config::REPOSITORIES)
            .and_then(|r| config::parse_repositories(&r).ok())
            .and_then(|r| r.into_iter().next())
    });
    let Some(repository) = repository else {
        report.fail(
            ITEM,
            "no repository to look the hook up in",
            "set GITHUB_HOOK_REPOSITORY (or REPOSITORIES) to owner/name",
        );
        return;
    };
    if identity.is_none() {
        report.skip(ITEM, "skipped (needs a working GitHub token)");
        return;
    }
    let client = match ctx.github().await {
        Ok(client) => client,
        Err(error) => {
            report.fail(ITEM, chain(&error), "see the GitHub token line");
            return;
        }
    };
    match client.get_hook(&repository, hook_id).await {
        Ok(hook) if !hook.active => report.fail(
            ITEM,
            format!("hook {hook_id} on {repository} is inactive"),
            format!("enable it: https://github.com/{repository}/settings/hooks/{hook_id} → Active"),
        ),
        Ok(hook) if !hook.has_secret() => report.fail(
            ITEM,
            format!("hook {hook_id} on {repository} has no secret: every delivery would get 401"),
            format!("set its Secret to github_webhook_secret (`notion-relay secret show github_webhook_secret --reveal`) at https://github.com/{repository}/settings/hooks/{hook_id}"),
        ),
        Ok(hook) => {
            let wanted = ["issues", "pull_request", "issue_comment"];
            let missing: Vec<&str> = wanted
                .iter()
                .copied()
                .filter(|e| !hook.events.iter().any(|h| h == e || h == "*"))
                .collect();
            if missing.is_empty() {
                report.pass(
                    ITEM,
                    format!(
                        "hook {hook_id} on {repository}: active, secret set, sends {}",
                        hook.events.join(", ")
                    ),
                );
            } else {
                report.fail(
                    ITEM,
                    format!("hook {hook_id} on {repository} does not send {}", missing.join(", ")),
                    format!("tick those events at https://github.com/{repository}/settings/hooks/{hook_id}"),
                );
            }
        }
        Err(RestError::Api { status: 404, .. }) => report.fail(
            ITEM,
            format!("hook {hook_id} not found on {repository} (or the token may not read hooks)"),
            "check GITHUB_HOOK_ID / GITHUB_HOOK_REPOSITORY, and give the token admin:repo_hook (classic) or Webhooks: read (fine-grained)",
        ),
        Err(error) => report.fail(
            ITEM,
            format!("cannot read hook {hook_id}: {}", chain(&error)),
            "check GITHUB_API_URL and the token",
        ),
    }
}

async fn secret_keys(ctx: &Context, report: &mut Report) {
    const ITEM: &str = "secret";
    if ctx.optional(config::SECRET_ID).is_none() {
        report.skip(
            ITEM,
            "skipped (SECRET_ID not set: the values come from NOTION_TOKEN, GITHUB_WEBHOOK_SECRET, GITHUB_TOKEN)",
        );
        return;
    }
    let (id, client) = match ctx.secret_store() {
        Ok(store) => store,
        Err(error) => {
            report.fail(
                ITEM,
                chain(&error),
                "configure AWS credentials and region (AWS_REGION, AWS_ACCESS_KEY_ID, …)",
            );
            return;
        }
    };
    let raw = match client.get_secret_string(&id).await {
        Ok(raw) => raw,
        Err(error) => {
            report.fail(
                ITEM,
                format!("cannot read {id}: {}", chain(&error)),
                "check SECRET_ID (the stack's SecretArn output) and your AWS credentials",
            );
            return;
        }
    };
    let object = match serde_json::from_str::<serde_json::Value>(&raw) {
        Ok(serde_json::Value::Object(object)) => object,
        _ => {
            report.fail(
                ITEM,
                format!("{id} does not hold a JSON object"),
                "`notion-relay secret set notion_token` rewrites it as one",
            );
            return;
        }
    };
    let mut lacking = Vec::new();
    for key in [
        KEY_NOTION_TOKEN,
        KEY_GITHUB_WEBHOOK_SECRET,
        KEY_GITHUB_TOKEN,
    ] {
        let set = match object.get(key) {
            Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
            Some(serde_json::Value::Array(items)) => !items.is_empty(),
            _ => false,
        };
        if !set {
            lacking.push(key);
        }
    }
    if lacking.is_empty() {
        report.pass(
            ITEM,
            format!(
                "{id} holds {KEY_NOTION_TOKEN}, {KEY_GITHUB_WEBHOOK_SECRET}, {KEY_GITHUB_TOKEN}"
            ),
        );
    } else {
        for key in lacking {
            report.fail(
                ITEM,
                format!("{id} has no (or an empty) {key}"),
                format!("`notion-relay secret set {key}` (keeps the other keys)"),
            );
        }
    }
}

async fn queues(ctx: &Context, report: &mut Report) {
    for (item, var, dead_letters) in [
        ("delivery queue", DELIVERY_QUEUE_URL, false),
        ("dead-letter queue", DEAD_LETTER_QUEUE_URL, true),
    ] {
        let Some(url) = ctx.optional(var) else {
            report.skip(
                item,
                format!("skipped (no queue configured: {var} not set)"),
            );
            continue;
        };
        match crate::sqs::depth(&ctx.env(), &url).await {
            Ok(depth) if dead_letters && depth.visible + depth.in_flight > 0 => report.fail(
                item,
                format!(
                    "{} message(s) in {url}: deliveries or scheduled runs that failed every retry",
                    depth.visible + depth.in_flight
                ),
                format!("read them (`aws sqs receive-message --queue-url {url}`), fix the cause (the ✗ lines above, the function's logs), then move them back (`aws sqs start-message-move-task --source-arn <the queue's ARN>`)"),
            ),
            Ok(depth) => report.pass(
                item,
                format!("{} waiting, {} in flight", depth.visible, depth.in_flight),
            ),
            Err(error) => report.fail(
                item,
                format!("cannot read {url}: {}", chain(&error)),
                format!("check {var}, the AWS credentials and region (the stack's outputs name the queues)"),
            ),
        }
    }
}
