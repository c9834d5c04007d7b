//! `PATCH /v1/blocks/{id}/children`: append children to a page or block, at the end or where
//! the request places them (`after` before 2026-03-11, `position` from it).

use serde_json::{Map, Value};

use super::blocks::{find, insert, parse_children, render, trashed};
use super::context::{ApiVersion, Ctx};
use super::errors::{ApiError, ApiResult};
use super::ids;
use super::list;
use super::state::{Parent, State};

pub fn append(st: &mut State, ctx: &Ctx, id: &str) -> ApiResult {
    let id = find(st, id)?;
    if st.databases.contains_key(&id) {
        return Err(ApiError::validation("Can't append children to a database."));
    }
    if trashed(st, &id) {
        return Err(ApiError::archived());
    }
    let body = ctx.body_object()?;
    let children = body.get("children").ok_or_else(|| {
        ApiError::validation(
            "body failed validation: body.children should be defined, instead was `undefined`.",
        )
    })?;
    let blocks = parse_children(children, "body.children")?;
    let place = placement(st, ctx.version, &body, &id)?;
    let parent = if st.pages.contains_key(&id) {
        Parent::Page(id.clone())
    } else {
        Parent::Block(id.clone())
    };
    let created = insert(st, &id, &parent, blocks);
    if let Some(index) = place {
        if let Some(list) = st.children.get_mut(&id) {
            let new: Vec<String> = list.split_off(list.len() - created.len());
            let at = index.min(list.len());
            list.splice(at..at, new);
        }
    }
    let stamp = st.stamp();
    if let Some(p) = st.pages.get_mut(&id) {
        p.edited = stamp;
    }
    let results = created
        .iter()
        .filter_map(|c| render(st, c, ctx.version))
        .collect();
    Ok(list::envelope(results, None, "block"))
}

/// Where appended blocks go among the parent's children (`None`: at the end). Before
/// 2026-03-11 a flat `after` block id; from 2026-03-11 only a `position` object
/// (`{"type": "start" | "end" | "after_block", "after_block": {"id"}}`) and `after` is refused
/// (developers.notion.com/docs/upgrade-guide-2026-03-11, "Replace after with position").
fn placement(
    st: &State,
    version: ApiVersion,
    body: &Map<String, Value>,
    parent: &str,
) -> Result<Option<usize>, ApiError> {
    let after_index = |id: &Value, path: &str| -> Result<Option<usize>, ApiError> {
        let wanted = id.as_str().and_then(ids::normalize).ok_or_else(|| {
            ApiError::validation(format!(
                "body failed validation: {path} should be a valid uuid, instead was `{id}`."
            ))
        })?;
        let siblings = st.children.get(parent).cloned().unwrap_or_default();
        let at = siblings.iter().position(|c| *c == wanted).ok_or_else(|| {
            ApiError::validation(format!("Block {wanted} is not a child of {parent}."))
        })?;
        Ok(Some(at + 1))
    };
    if let Some(after) = body.get("after") {
        if !version.speaks_archived() {
            return Err(ApiError::validation(
                "body failed validation: body.after should be not present, instead was defined (use position).",
            ));
        }
        return after_index(after, "body.after");
    }
    let Some(position) = body.get("position") else {
        return Ok(None);
    };
    if version.speaks_archived() {
        return Err(ApiError::validation(
            "body failed validation: body.position should be not present before Notion-Version 2026-03-11.",
        ));
    }
    match position.get("type").and_then(Value::as_str) {
        Some("end") => Ok(None),
        Some("start") => Ok(Some(0)),
        Some("after_block") => after_index(
            position.pointer("/after_block/id").unwrap_or(&Value::Null),
            "body.position.after_block.id",
        ),
        _ => Err(ApiError::validation(format!(
            "body failed validation: body.position.type should be `\"start\"`, `\"end\"` or `\"after_block\"`, instead was `{}`.",
            position.get("type").unwrap_or(&Value::Null)
        ))),
    }
}
