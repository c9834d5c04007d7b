//! The GitHub items of `check`: the token and its scopes, the webhook and its secret.

use notion_relay::config;
use notion_relay::github::rest::account::Identity;
use notion_relay::github::RestError;

use super::Report;
use crate::context::Context;
use crate::error::chain;

pub(super) async fn github_token(ctx: &Context, report: &mut Report) -> Option<Identity> {
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
        if !super::github_needed(ctx) {
            report.skip(
                ITEM,
                "skipped (not set, and not needed: no REPOSITORIES or GITHUB_HOOK_ID, so only the webhook runs)",
            );
            return None;
        }
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

pub(super) async fn hook(ctx: &Context, identity: Option<&Identity>, report: &mut Report) {
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
