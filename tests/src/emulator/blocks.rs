//! Blocks: append children (≤ 100 per array, ≤ 2 nesting levels per request), list children
//! (paginated; child pages and databases show as `child_page` / `child_database`), retrieve,
//! update, delete (moves to trash). Pages and databases answer the block endpoints too.

use serde_json::{json, Map, Value};

use super::clock;
use super::context::{ApiVersion, Ctx};
use super::errors::{ApiError, ApiResult};
use super::ids;
use super::list;
use super::pages;
use super::rich_text;
use super::state::{Block, Parent, Stamp, State};
use super::values;

pub use super::append::append;

const MAX_DEPTH: usize = 2;
/// "the maximum size of a payload is 1000 block elements and 500KB overall"
/// (developers.notion.com/reference/request-limits); the 500 KB half is checked on the raw body
/// in `pipeline.rs`.
pub const MAX_BLOCKS_PER_REQUEST: usize = 1000;
const TYPES: [&str; 22] = [
    "paragraph",
    "heading_1",
    "heading_2",
    "heading_3",
    "bulleted_list_item",
    "numbered_list_item",
    "to_do",
    "toggle",
    "quote",
    "callout",
    "code",
    "divider",
    "bookmark",
    "equation",
    "table_of_contents",
    "image",
    "embed",
    "video",
    "file",
    "pdf",
    "breadcrumb",
    "link_to_page",
];
const COLORED: [&str; 10] = [
    "paragraph",
    "heading_1",
    "heading_2",
    "heading_3",
    "bulleted_list_item",
    "numbered_list_item",
    "to_do",
    "toggle",
    "quote",
    "callout",
];

/// A validated block from a request, not stored yet.
pub struct NewBlock {
    kind: String,
    content: Value,
    children: Vec<NewBlock>,
}

/// Validates a `children` array (at `path`) with Notion's limits.
pub fn parse_children(v: &Value, path: &str) -> Result<Vec<NewBlock>, ApiError> {
    let blocks = parse_level(v, path, 1)?;
    let count = count(&blocks);
    if count > MAX_BLOCKS_PER_REQUEST {
        return Err(ApiError::validation(format!(
            "body failed validation: {path} should contain at most {MAX_BLOCKS_PER_REQUEST} block elements in one request, instead was `{count}`."
        )));
    }
    Ok(blocks)
}

fn count(blocks: &[NewBlock]) -> usize {
    blocks.iter().map(|b| 1 + count(&b.children)).sum()
}

fn parse_level(v: &Value, path: &str, depth: usize) -> Result<Vec<NewBlock>, ApiError> {
    let items = v.as_array().ok_or_else(|| {
        ApiError::validation(format!(
            "body failed validation: {path} should be an array, instead was `{v}`."
        ))
    })?;
    if items.len() > values::MAX_ARRAY {
        return Err(ApiError::too_long(
            &format!("{path}.length"),
            values::MAX_ARRAY,
            items.len(),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, b)| parse_block(b, &format!("{path}[{i}]"), depth))
        .collect()
}

fn parse_block(b: &Value, path: &str, depth: usize) -> Result<NewBlock, ApiError> {
    let obj = b.as_object().ok_or_else(|| {
        ApiError::validation(format!(
            "body failed validation: {path} should be an object."
        ))
    })?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| obj.keys().find(|k| TYPES.contains(&k.as_str())).cloned())
        .ok_or_else(|| {
            ApiError::validation(format!(
                "body failed validation: {path} should have a block type."
            ))
        })?;
    if !TYPES.contains(&kind.as_str()) {
        return Err(ApiError::validation(format!("body failed validation: {path}.{kind} should be not present, instead was a block type this API does not create.")));
    }
    let mut content = obj
        .get(&kind)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let nested = content
        .remove("children")
        .or_else(|| obj.get("children").cloned());
    let children = match nested {
        Some(list) if depth >= MAX_DEPTH => {
            return Err(ApiError::validation(format!(
                "body failed validation: {path}.{kind}.children should be not present, instead was `{}` (at most two levels of nesting per request).",
                list.as_array().map(|a| a.len()).unwrap_or(0)
            )))
        }
        Some(list) => parse_level(&list, &format!("{path}.{kind}.children"), depth + 1)?,
        None => Vec::new(),
    };
    normalize_content(&kind, &mut content, &format!("{path}.{kind}"))?;
    Ok(NewBlock {
        kind,
        content: Value::Object(content),
        children,
    })
}

fn normalize_content(
    kind: &str,
    content: &mut Map<String, Value>,
    path: &str,
) -> Result<(), ApiError> {
    for key in ["rich_text", "caption"] {
        if let Some(v) = content.get(key) {
            let converted = values::rich_text(v, &format!("{path}.{key}"))?;
            content.insert(key.into(), Value::Array(converted));
        }
    }
    if kind == "equation" {
        let expression = content
            .get("expression")
            .and_then(Value::as_str)
            .unwrap_or_default();
        rich_text::check_equation(expression, path)?;
    }
    // An external file (image, video, file, pdf, embed, bookmark) must be a URL Notion can
    // fetch: absolute http(s), ≤ 2000 characters ("any URL", request-limits).
    if let Some(url) = content
        .get("external")
        .and_then(|e| e.get("url"))
        .or_else(|| content.get("url"))
    {
        let url = url.as_str().unwrap_or_default();
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(rich_text::invalid_link());
        }
        rich_text::check_link(url)?;
    }
    if COLORED.contains(&kind) {
        content.entry("rich_text").or_insert(json!([]));
        content.entry("color").or_insert(json!("default"));
    }
    if kind.starts_with("heading_") {
        content.entry("is_toggleable").or_insert(json!(false));
    }
    if kind == "to_do" {
        content.entry("checked").or_insert(json!(false));
    }
    Ok(())
}

/// Stores validated blocks under `parent_id`; returns the ids of the top-level ones.
pub fn insert(
    st: &mut State,
    parent_id: &str,
    parent: &Parent,
    blocks: Vec<NewBlock>,
) -> Vec<String> {
    let mut ids = Vec::new();
    for b in blocks {
        let stamp = st.stamp();
        let id = st.new_id();
        st.blocks.insert(
            id.clone(),
            Block {
                id: id.clone(),
                parent: parent.clone(),
                kind: b.kind,
                content: b.content,
                in_trash: false,
                created: stamp,
                edited: stamp,
            },
        );
        st.add_child(parent_id, &id);
        insert(st, &id, &Parent::Block(id.clone()), b.children);
        ids.push(id);
    }
    ids
}

fn has_children(st: &State, id: &str) -> bool {
    st.children
        .get(id)
        .is_some_and(|c| c.iter().any(|cid| !trashed(st, cid)))
}

pub(super) fn trashed(st: &State, id: &str) -> bool {
    st.blocks
        .get(id)
        .map(|b| b.in_trash)
        .or_else(|| st.pages.get(id).map(|p| p.in_trash))
        .or_else(|| st.databases.get(id).map(|d| d.in_trash))
        .unwrap_or(true)
}

/// What every block answer shares, whichever object stands behind it.
struct Meta<'a> {
    id: &'a str,
    parent: &'a Parent,
    created: Stamp,
    edited: Stamp,
    in_trash: bool,
}

fn envelope(st: &State, m: Meta<'_>, kind: &str, content: Value, version: ApiVersion) -> Value {
    let mut block = json!({
        "object": "block",
        "id": m.id,
        "parent": pages::parent_json(m.parent, version),
        "created_time": clock::timestamp(m.created.at),
        "last_edited_time": clock::timestamp(m.edited.at),
        "created_by": st.user(),
        "last_edited_by": st.user(),
        "has_children": has_children(st, m.id),
        "archived": m.in_trash,
        "in_trash": m.in_trash,
        "type": kind,
        kind: content,
    });
    if !version.speaks_archived() {
        if let Some(b) = block.as_object_mut() {
            b.remove("archived");
        }
    }
    block
}

/// Any id the block endpoints accept, rendered as a block.
pub fn render(st: &State, id: &str, version: ApiVersion) -> Option<Value> {
    if let Some(b) = st.blocks.get(id) {
        let mut content = b.content.clone();
        // 2025-09-03 answers carry a paragraph `icon` (null unless set).
        if version.data_sources() && b.kind == "paragraph" {
            if let Some(c) = content.as_object_mut() {
                c.entry("icon").or_insert(Value::Null);
            }
        }
        let m = Meta {
            id,
            parent: &b.parent,
            created: b.created,
            edited: b.edited,
            in_trash: b.in_trash,
        };
        return Some(envelope(st, m, &b.kind, content, version));
    }
    if let Some(p) = st.pages.get(id) {
        let title = pages::title_text(st, p);
        let m = Meta {
            id,
            parent: &p.parent,
            created: p.created,
            edited: p.edited,
            in_trash: p.in_trash,
        };
        return Some(envelope(
            st,
            m,
            "child_page",
            json!({"title": title}),
            version,
        ));
    }
    let d = st.databases.get(id)?;
    let title = values::plain_text(&d.title);
    let m = Meta {
        id,
        parent: &d.parent,
        created: d.created,
        edited: d.edited,
        in_trash: d.in_trash,
    };
    Some(envelope(
        st,
        m,
        "child_database",
        json!({"title": title}),
        version,
    ))
}

pub(super) fn find(st: &State, id: &str) -> Result<String, ApiError> {
    let nid = ids::normalize(id).ok_or_else(|| ApiError::not_found("block", id))?;
    if st.blocks.contains_key(&nid)
        || st.pages.contains_key(&nid)
        || st.databases.contains_key(&nid)
    {
        Ok(nid)
    } else {
        Err(ApiError::not_found("block", &nid))
    }
}

pub fn retrieve(st: &State, ctx: &Ctx, id: &str) -> ApiResult {
    let id = find(st, id)?;
    render(st, &id, ctx.version).ok_or_else(|| ApiError::not_found("block", &id))
}

fn set_trash(st: &mut State, id: &str, value: bool) {
    let stamp = st.stamp();
    if let Some(b) = st.blocks.get_mut(id) {
        b.in_trash = value;
        b.edited = stamp;
    } else if let Some(p) = st.pages.get_mut(id) {
        p.in_trash = value;
        p.edited = stamp;
    } else if let Some(d) = st.databases.get_mut(id) {
        d.in_trash = value;
        d.edited = stamp;
    }
}

pub fn delete(st: &mut State, ctx: &Ctx, id: &str) -> ApiResult {
    let id = find(st, id)?;
    set_trash(st, &id, true);
    render(st, &id, ctx.version).ok_or_else(|| ApiError::not_found("block", &id))
}

pub fn update(st: &mut State, ctx: &Ctx, id: &str) -> ApiResult {
    let id = find(st, id)?;
    let body = ctx.body_object()?;
    let trash = pages::trash_in(&body, ctx.version)?;
    if let Some(b) = st.blocks.get(&id).cloned() {
        if let Some(given) = body.get(&b.kind) {
            if b.in_trash && trash != Some(false) {
                return Err(ApiError::archived());
            }
            let mut content = given.as_object().cloned().unwrap_or_default();
            content.remove("children");
            normalize_content(&b.kind, &mut content, &format!("body.{}", b.kind))?;
            let mut merged = b.content.as_object().cloned().unwrap_or_default();
            merged.extend(content);
            let stamp = st.stamp();
            if let Some(stored) = st.blocks.get_mut(&id) {
                stored.content = Value::Object(merged);
                stored.edited = stamp;
            }
        } else if let Some(other) = body.keys().find(|k| TYPES.contains(&k.as_str())) {
            return Err(ApiError::validation(format!(
                "Block type {other} does not match existing block type {}.",
                b.kind
            )));
        }
    }
    if let Some(t) = trash {
        set_trash(st, &id, t);
    }
    render(st, &id, ctx.version).ok_or_else(|| ApiError::not_found("block", &id))
}

pub fn list_children(st: &State, ctx: &Ctx, id: &str, query: &Map<String, Value>) -> ApiResult {
    let id = find(st, id)?;
    let size = list::page_size(query.get("page_size"), "query.page_size")?;
    let items: Vec<(String, Value)> = st
        .children
        .get(&id)
        .into_iter()
        .flatten()
        .filter(|c| !trashed(st, c))
        .filter_map(|c| render(st, c, ctx.version).map(|v| (c.clone(), v)))
        .collect();
    let (results, next) = list::paginate(
        items,
        query.get("start_cursor").and_then(Value::as_str),
        size,
    )?;
    Ok(list::envelope(results, next, "block"))
}
