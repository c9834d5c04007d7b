//! The AWS items of `check`: the secret's JSON keys, the queues' depths.

use notion_relay::config;
use notion_relay::secrets::{KEY_GITHUB_TOKEN, KEY_GITHUB_WEBHOOK_SECRET, KEY_NOTION_TOKEN};

use super::{Report, DEAD_LETTER_QUEUE_URL, DELIVERY_QUEUE_URL};
use crate::context::Context;
use crate::error::chain;

pub(super) async fn secret_keys(ctx: &Context, report: &mut Report) {
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
    let mut wanted = vec![KEY_NOTION_TOKEN, KEY_GITHUB_WEBHOOK_SECRET];
    if super::github_needed(ctx) {
        wanted.push(KEY_GITHUB_TOKEN);
    }
    let mut lacking = Vec::new();
    for &key in &wanted {
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
        report.pass(ITEM, format!("{id} holds {}", wanted.join(", ")));
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

pub(super) async fn queues(ctx: &Context, report: &mut Report) {
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
