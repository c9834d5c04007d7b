//! `POST /v1/search`: case-insensitive title match over pages and databases (data sources under
//! 2025-09-03), optional object filter, sort by `last_edited_time`, paginated.

use serde_json::Value;

use super::context::Ctx;
use super::databases;
use super::errors::{ApiError, ApiResult};
use super::list;
use super::pages;
use super::sort::stamp_order;
use super::state::{Stamp, State};
use super::values;

pub fn search(st: &State, ctx: &Ctx) -> ApiResult {
    let body = ctx.body_object()?;
    let size = list::page_size(body.get("page_size"), "body.page_size")?;
    let needle = body
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_lowercase();
    let container = if ctx.version.data_sources() {
        "data_source"
    } else {
        "database"
    };
    let only = match body.get("filter") {
        None | Some(Value::Null) => None,
        Some(f) => match f.get("value").and_then(Value::as_str) {
            Some(v) if v == "page" || v == container => Some(v.to_string()),
            other => {
                return Err(ApiError::validation(format!(
                    "body failed validation: body.filter.value should be `\"page\"` or `\"{container}\"`, instead was `{}`.",
                    other.unwrap_or("undefined")
                )))
            }
        },
    };
    let descending = match body.get("sort").and_then(|s| s.get("direction")).and_then(Value::as_str) {
        None | Some("descending") => true,
        Some("ascending") => false,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "body failed validation: body.sort.direction should be `\"ascending\"` or `\"descending\"`, instead was `\"{other}\"`."
            )))
        }
    };
    let want = |kind: &str| only.as_deref().is_none_or(|o| o == kind);
    let hit = |title: String| needle.is_empty() || title.to_lowercase().contains(&needle);
    let mut found: Vec<(Stamp, String, Value)> = Vec::new();
    if want("page") {
        for p in st
            .pages
            .values()
            .filter(|p| !p.in_trash && hit(pages::title_text(st, p)))
        {
            found.push((p.edited, p.id.clone(), pages::render(st, p, ctx.version)));
        }
    }
    if want(container) {
        if ctx.version.data_sources() {
            for d in st
                .data_sources
                .values()
                .filter(|d| !d.in_trash && hit(values::plain_text(&d.title)))
            {
                found.push((
                    d.edited,
                    d.id.clone(),
                    databases::render_data_source(st, d, ctx.version),
                ));
            }
        } else {
            for d in st
                .databases
                .values()
                .filter(|d| !d.in_trash && hit(values::plain_text(&d.title)))
            {
                found.push((
                    d.edited,
                    d.id.clone(),
                    databases::render(st, &d.id, ctx.version)?,
                ));
            }
        }
    }
    found.sort_by(|a, b| {
        let o = stamp_order(a.0, b.0);
        if descending {
            o.reverse()
        } else {
            o
        }
    });
    let items = found.into_iter().map(|(_, id, v)| (id, v)).collect();
    let (results, next) = list::paginate(
        items,
        body.get("start_cursor").and_then(Value::as_str),
        size,
    )?;
    let kind = if ctx.version.data_sources() {
        "page_or_data_source"
    } else {
        "page_or_database"
    };
    Ok(list::envelope(results, next, kind))
}
