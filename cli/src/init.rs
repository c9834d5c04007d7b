//! `notion-relay init --parent <page>`: creates the database the functions write to, under a page
//! shared with the integration, with every property they write (and optional ones on request),
//! then prints the database id and the `sam deploy` line that uses it.
//!
//! Under 2022-06-28 the schema goes in the create's `properties`; under 2025-09-03 in
//! `initial_data_source.properties` (both in `NotionClient::create_database`). The optional
//! `Parent` relation points at the new database itself, so it is added by a second call.

use std::process::ExitCode;

use crate::args::{InitArgs, OptionalProperty};
use crate::context::Context;
use crate::error::CliError;
use crate::schema;
use notion_relay::config;
use notion_relay::notion::{Database, PageId};
use notion_relay::sync::BoundSchema;

/// How to share a page with an integration, for the not-found answer.
pub const SHARE_HINT: &str = "open it in Notion, click ••• (top right) → Connections → add your integration, then run this again";

pub async fn run(ctx: &Context, args: InitArgs) -> Result<ExitCode, CliError> {
    let parent = parse_page_id(&args.parent).map_err(CliError::Usage)?;
    let version = ctx.notion_version()?;
    let names = ctx.names();
    let notion = ctx.notion().await?;

    let specs = schema::product(&names);
    let mut properties = schema::request_form(&specs);
    for &property in &args.with {
        if let Some((name, definition)) = schema::optional(property, version, None) {
            properties[name] = definition;
        }
    }
    let mut database = notion
        .create_database(&parent, &args.title, properties)
        .await
        .map_err(|source| {
            if source.is_not_found() {
                CliError::Usage(format!(
                    "Notion cannot find page {parent}: it is not shared with the integration (or the id is wrong). To share it: {SHARE_HINT}. ({source})"
                ))
            } else {
                CliError::notion("creating the database")(source)
            }
        })?;
    if args.with.contains(&OptionalProperty::Parent) {
        let target = Some((&database.id, database.data_source_id.as_ref()));
        if let Some((name, definition)) =
            schema::optional(OptionalProperty::Parent, version, target)
        {
            database.properties = notion
                .update_database_properties(&database.id, serde_json::json!({ name: definition }))
                .await
                .map_err(CliError::notion("adding the Parent relation"))?;
        }
    }
    // The functions' own rule decides whether they can use it.
    let bound = BoundSchema::bind(&database, &names).map_err(|e| {
        CliError::Usage(format!(
            "the database was created but the functions cannot use it: {e}"
        ))
    })?;
    print_created(&database, &parent, version.as_str(), &bound);
    let repositories = args
        .repositories
        .or_else(|| ctx.optional(config::REPOSITORIES));
    say!();
    say!("Deploy the functions with it (from the repository root):");
    say!(
        "  sam build && {}",
        sam_deploy_line(&database, version.as_str(), repositories.as_deref())
    );
    say!();
    say!("Then put the tokens into the stack's secret (SecretArn in the outputs) and check:");
    say!("  export SECRET_ID=<SecretArn>");
    say!("  notion-relay secret set notion_token      # reads the value from stdin");
    say!("  notion-relay secret set github_token");
    say!("  notion-relay check");
    Ok(ExitCode::SUCCESS)
}

fn print_created(database: &Database, parent: &PageId, version: &str, bound: &BoundSchema) {
    say!(
        "✓ created database {:?} under page {parent} (Notion-Version {version})",
        database.title
    );
    let mut listed: Vec<String> = database
        .properties
        .values()
        .map(|p| format!("{} ({})", p.name, p.kind))
        .collect();
    listed.sort();
    say!("  properties: {}", listed.join(", "));
    if !bound.skipped.is_empty() {
        say!("  not synced: {}", bound.skipped.join("; "));
    }
    say!("NOTION_DATABASE_ID={}", database.id);
}

/// `sam deploy --guided --parameter-overrides …` with the template's parameter names.
pub fn sam_deploy_line(database: &Database, version: &str, repositories: Option<&str>) -> String {
    let mut line = format!(
        "sam deploy --guided --parameter-overrides NotionDatabaseId={} NotionVersion={version}",
        database.id.as_str().replace('-', "")
    );
    if let Some(repos) = repositories.map(str::trim).filter(|r| !r.is_empty()) {
        let list = config::parse_repositories(repos)
            .map(|r| r.join(","))
            .unwrap_or_else(|_| repos.to_owned());
        line.push_str(&format!(" 'Repositories={list}'"));
    }
    line
}

/// The page id in a Notion page URL (`https://www.notion.so/acme/Roadmap-<32 hex>?pvs=4`), or an
/// id given as is (32 hex digits, dashes optional).
pub fn parse_page_id(input: &str) -> Result<PageId, String> {
    let input = input.trim();
    let fail = || {
        format!(
            "cannot find a page id in {input:?}: pass the page's link (••• → Copy link) or its 32-hex-digit id"
        )
    };
    if let Some(id) = trailing_id(input) {
        if id.len() == input.len() {
            return Ok(PageId::new(id));
        }
    }
    let url = url::Url::parse(input).map_err(|_| fail())?;
    let last = url
        .path_segments()
        .and_then(|mut segments| segments.rfind(|s| !s.is_empty()))
        .ok_or_else(fail)?;
    trailing_id(last).map(PageId::new).ok_or_else(fail)
}

/// A 32-hex-digit id (or dashed UUID) at the end of `text`, after a `-` or alone.
fn trailing_id(text: &str) -> Option<&str> {
    let is_hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit());
    let at_boundary = |start: usize| start == 0 || text[..start].ends_with('-');
    if text.len() >= 36 {
        let start = text.len() - 36;
        let tail = text.get(start..)?;
        let dashed_ok = tail
            .char_indices()
            .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'));
        if dashed_ok && is_hex(&tail.replace('-', "")) && at_boundary(start) {
            return Some(tail);
        }
    }
    if text.len() >= 32 {
        let start = text.len() - 32;
        let tail = text.get(start..)?;
        if is_hex(tail) && at_boundary(start) {
            return Some(tail);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef";
    const DASHED: &str = "01234567-89ab-cdef-0123-456789abcdef";

    #[test]
    fn a_page_id_is_read_from_every_kind_of_notion_link() {
        for input in [
            ID.to_owned(),
            DASHED.to_owned(),
            format!("https://www.notion.so/acme/Roadmap-{ID}"),
            format!("https://www.notion.so/acme/Roadmap-{ID}?pvs=4"),
            format!("https://www.notion.so/{ID}"),
            format!("https://acme.notion.site/Planning-2026-{ID}#section"),
            format!("  https://www.notion.so/Roadmap-{ID}/  "),
        ] {
            assert_eq!(
                parse_page_id(&input).map(|p| p.to_string()),
                Ok(DASHED.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn text_without_an_id_is_refused_with_how_to_get_one() {
        for input in [
            "https://www.notion.so/acme/Roadmap",
            "Roadmap",
            "https://www.notion.so/acme/Roadmapx0123456789abcdef0123456789abcdef",
        ] {
            let err = parse_page_id(input).unwrap_err();
            assert!(err.contains("Copy link"), "{input}: {err}");
        }
    }

    #[test]
    fn the_sam_line_names_the_template_parameters() {
        let db: Database = serde_json::from_value(serde_json::json!({"id": DASHED})).unwrap();
        let line = sam_deploy_line(&db, "2025-09-03", Some("octo/api, octo/web"));
        assert_eq!(
            line,
            format!("sam deploy --guided --parameter-overrides NotionDatabaseId={ID} NotionVersion=2025-09-03 'Repositories=octo/api,octo/web'")
        );
    }
}
