//! The Notion items of `check`: the token, the database, the schema (and `--fix`).

use notion_relay::notion::{Database, NotionClient};
use notion_relay::sync::BoundSchema;

use super::Report;
use crate::context::Context;
use crate::error::chain;
use crate::init::SHARE_HINT;
use crate::schema::{self, Spec};

pub(super) async fn notion_token(ctx: &Context, report: &mut Report) -> Option<NotionClient> {
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

pub(super) async fn database(
    ctx: &Context,
    notion: &NotionClient,
    report: &mut Report,
) -> Option<Database> {
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

pub(super) async fn schema_items(
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
