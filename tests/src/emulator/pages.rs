//! Pages: create (under a page, a database or a data source, every property validated against
//! the schema), retrieve, update (properties, `archived` / `in_trash`, icon, cover), property
//! items, and the response shape of each API version.

use serde_json::{json, Map, Value};

use super::blocks;
use super::clock;
use super::context::{ApiVersion, Ctx};
use super::errors::{ApiError, ApiResult};
use super::ids;
use super::schema;
use super::state::{Page, Parent, PropSchema, State};
use super::values;

fn title_schema() -> PropSchema {
    PropSchema {
        id: "title".into(),
        name: "title".into(),
        kind: "title".into(),
        config: json!({}),
    }
}

fn id_in(v: &Value, path: &str) -> Result<String, ApiError> {
    let s = v.as_str().unwrap_or_default();
    ids::normalize(s).ok_or_else(|| {
        ApiError::validation(format!(
            "body failed validation: {path} should be a valid uuid, instead was `{v}`."
        ))
    })
}

/// Resolves the `parent` of a page or database create.
pub fn parent_in(
    st: &State,
    version: ApiVersion,
    v: Option<&Value>,
    for_database: bool,
) -> Result<Parent, ApiError> {
    let obj = v.and_then(Value::as_object).ok_or_else(|| {
        ApiError::validation(
            "body failed validation: body.parent should be defined, instead was `undefined`.",
        )
    })?;
    if let Some(p) = obj.get("page_id") {
        let id = id_in(p, "body.parent.page_id")?;
        return match st.pages.get(&id) {
            Some(_) => Ok(Parent::Page(id)),
            None => Err(ApiError::not_found("page", &id)),
        };
    }
    if obj.get("workspace").and_then(Value::as_bool) == Some(true) {
        return Ok(Parent::Workspace);
    }
    if for_database {
        return Err(ApiError::validation(
            "body failed validation: body.parent.page_id should be defined.",
        ));
    }
    if let Some(d) = obj.get("database_id") {
        let id = id_in(d, "body.parent.database_id")?;
        let db = st
            .databases
            .get(&id)
            .ok_or_else(|| ApiError::not_found("database", &id))?;
        if version.data_sources() && db.data_sources.len() != 1 {
            return Err(ApiError::validation(
                "Database has multiple data sources: use a data_source_id parent instead.",
            ));
        }
        let data_source_id = db
            .data_sources
            .first()
            .cloned()
            .ok_or_else(|| ApiError::not_found("database", &id))?;
        return Ok(Parent::DataSource {
            data_source_id,
            database_id: id,
        });
    }
    if let Some(d) = obj.get("data_source_id") {
        if !version.data_sources() {
            return Err(ApiError::validation(
                "body failed validation: body.parent.data_source_id is not supported before Notion-Version 2025-09-03.",
            ));
        }
        let id = id_in(d, "body.parent.data_source_id")?;
        let ds = st
            .data_sources
            .get(&id)
            .ok_or_else(|| ApiError::not_found("data source", &id))?;
        return Ok(Parent::DataSource {
            data_source_id: id,
            database_id: ds.database_id.clone(),
        });
    }
    Err(ApiError::validation(
        "body failed validation: body.parent should have page_id, database_id or data_source_id.",
    ))
}

/// Stored values by property id, and the schema with any new select options.
type Validated = (Vec<(String, Value)>, Option<Vec<PropSchema>>);

/// Validates property values for a page under `parent`; returns stored values and, for data
/// source pages, the schema with any new select options (to commit once everything passed).
fn validate(
    st: &mut State,
    parent: &Parent,
    input: &Map<String, Value>,
) -> Result<Validated, ApiError> {
    match parent {
        Parent::DataSource { data_source_id, .. } => {
            let mut props = st
                .data_sources
                .get(data_source_id)
                .map(|d| d.properties.clone())
                .ok_or_else(|| ApiError::not_found("data source", data_source_id))?;
            let vals = schema::validate_values(&mut props, input, &mut st.rng)?;
            Ok((vals, Some(props)))
        }
        _ => {
            let mut props = [title_schema()];
            Ok((
                schema::validate_values(&mut props, input, &mut st.rng)?,
                None,
            ))
        }
    }
}

fn title_of(st: &State, page: &Page) -> Vec<Value> {
    let id = match &page.parent {
        Parent::DataSource { data_source_id, .. } => st
            .data_sources
            .get(data_source_id)
            .and_then(|d| d.title_property())
            .map(|p| p.id.clone()),
        _ => Some("title".to_string()),
    };
    id.and_then(|id| page.properties.get(&id))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub fn title_text(st: &State, page: &Page) -> String {
    values::plain_text(&title_of(st, page))
}

fn require_title(st: &State, page: &Page) -> Result<(), ApiError> {
    if st.settings.require_title && title_text(st, page).is_empty() {
        return Err(ApiError::validation(
            "body failed validation: the title property should be a non-empty rich text array.",
        ));
    }
    Ok(())
}

pub fn create(st: &mut State, ctx: &Ctx) -> ApiResult {
    let body = ctx.body_object()?;
    let parent = parent_in(st, ctx.version, body.get("parent"), false)?;
    let input = match body.get("properties") {
        Some(Value::Object(m)) => m.clone(),
        None => return Err(ApiError::validation(
            "body failed validation: body.properties should be defined, instead was `undefined`.",
        )),
        Some(other) => {
            return Err(ApiError::validation(format!(
            "body failed validation: body.properties should be an object, instead was `{other}`."
        )))
        }
    };
    let children = match body.get("children") {
        Some(v) => blocks::parse_children(v, "body.children")?,
        None => Vec::new(),
    };
    let (vals, schema) = validate(st, &parent, &input)?;
    let stamp = st.stamp();
    let page = Page {
        id: st.new_id(),
        parent: parent.clone(),
        properties: vals.into_iter().collect(),
        icon: body.get("icon").cloned().unwrap_or(Value::Null),
        cover: body.get("cover").cloned().unwrap_or(Value::Null),
        in_trash: false,
        created: stamp,
        edited: stamp,
    };
    require_title(st, &page)?;
    if let (Parent::DataSource { data_source_id, .. }, Some(props)) = (&parent, schema) {
        if let Some(ds) = st.data_sources.get_mut(data_source_id) {
            ds.properties = props;
        }
    }
    if let Parent::Page(p) = &parent {
        st.add_child(p, &page.id);
    }
    let id = page.id.clone();
    st.pages.insert(id.clone(), page);
    blocks::insert(st, &id, &Parent::Page(id.clone()), children);
    super::webhooks::page_created(st, &id);
    let page = st
        .pages
        .get(&id)
        .ok_or_else(|| ApiError::not_found("page", &id))?;
    Ok(render(st, page, ctx.version))
}

pub fn retrieve(st: &State, ctx: &Ctx, id: &str) -> ApiResult {
    let id = ids::normalize(id).ok_or_else(|| ApiError::not_found("page", id))?;
    let page = st
        .pages
        .get(&id)
        .ok_or_else(|| ApiError::not_found("page", &id))?;
    Ok(render(st, page, ctx.version))
}

/// Reads `archived` / `in_trash` from an update body.
pub fn trash_flag(body: &Map<String, Value>) -> Option<bool> {
    body.get("in_trash")
        .or_else(|| body.get("archived"))
        .and_then(Value::as_bool)
}

/// [`trash_flag`] for `version`: 2026-03-11 removed the `archived` alias, so a request that
/// still sends it is refused ("`archived` was removed in `2026-03-11` … only `in_trash` is
/// accepted", developers.notion.com/reference/trash-page).
pub fn trash_in(body: &Map<String, Value>, version: ApiVersion) -> Result<Option<bool>, ApiError> {
    if !version.speaks_archived() && body.contains_key("archived") {
        return Err(ApiError::validation(
            "body failed validation: body.archived should be not present, instead was defined (use in_trash).",
        ));
    }
    Ok(trash_flag(body))
}

pub fn update(st: &mut State, ctx: &Ctx, id: &str) -> ApiResult {
    let body = ctx.body_object()?;
    let id = ids::normalize(id).ok_or_else(|| ApiError::not_found("page", id))?;
    let page = st
        .pages
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("page", &id))?;
    let trash = trash_in(&body, ctx.version)?;
    let input = match body.get("properties") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    if page.in_trash && trash != Some(false) && !input.is_empty() {
        return Err(ApiError::archived());
    }
    let (vals, schema) = validate(st, &page.parent, &input)?;
    let changed: Vec<String> = vals.iter().map(|(id, _)| id.clone()).collect();
    let mut updated = page;
    updated.properties.extend(vals);
    if let Some(t) = trash {
        updated.in_trash = t;
    }
    for key in ["icon", "cover"] {
        if let Some(v) = body.get(key) {
            if key == "icon" {
                updated.icon = v.clone()
            } else {
                updated.cover = v.clone()
            }
        }
    }
    require_title(st, &updated)?;
    if let (Parent::DataSource { data_source_id, .. }, Some(props)) = (&updated.parent, schema) {
        if let Some(ds) = st.data_sources.get_mut(data_source_id) {
            ds.properties = props;
        }
    }
    updated.edited = st.stamp();
    st.pages.insert(id.clone(), updated);
    super::webhooks::page_updated(st, &id, changed);
    let page = st
        .pages
        .get(&id)
        .ok_or_else(|| ApiError::not_found("page", &id))?;
    Ok(render(st, page, ctx.version))
}

/// `GET /v1/pages/{id}/properties/{property_id}`.
pub fn property_item(st: &State, id: &str, prop_id: &str) -> ApiResult {
    let nid = ids::normalize(id).ok_or_else(|| ApiError::not_found("page", id))?;
    let page = st
        .pages
        .get(&nid)
        .ok_or_else(|| ApiError::not_found("page", &nid))?;
    let schema = match &page.parent {
        Parent::DataSource { data_source_id, .. } => {
            st.data_sources.get(data_source_id).and_then(|d| {
                d.properties
                    .iter()
                    .find(|p| p.id == prop_id || p.name == prop_id)
                    .cloned()
            })
        }
        _ => (prop_id == "title").then(title_schema),
    }
    .ok_or_else(|| ApiError::not_found("property", prop_id))?;
    let value = values::to_response(&schema, page, &st.user());
    let inner = value.get(&schema.kind).cloned().unwrap_or(Value::Null);
    if schema.kind == "title" || schema.kind == "rich_text" {
        let results: Vec<Value> = inner
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| json!({"object": "property_item", "type": schema.kind, "id": schema.id, schema.kind.clone(): item}))
            .collect();
        let mut list = super::list::envelope(results, None, "property_item");
        list["property_item"] = json!({"id": schema.id, "next_url": null, "type": schema.kind, schema.kind.clone(): {}});
        return Ok(list);
    }
    Ok(
        json!({"object": "property_item", "id": schema.id, "type": schema.kind, schema.kind.clone(): inner}),
    )
}

pub fn parent_json(parent: &Parent, version: ApiVersion) -> Value {
    match parent {
        Parent::Workspace => json!({"type": "workspace", "workspace": true}),
        Parent::Page(id) => json!({"type": "page_id", "page_id": id}),
        Parent::Block(id) => json!({"type": "block_id", "block_id": id}),
        Parent::Database(id) => json!({"type": "database_id", "database_id": id}),
        Parent::DataSource {
            data_source_id,
            database_id,
        } => {
            if version.data_sources() {
                json!({"type": "data_source_id", "data_source_id": data_source_id, "database_id": database_id})
            } else {
                json!({"type": "database_id", "database_id": database_id})
            }
        }
    }
}

/// `https://www.notion.so/<Title-Slug>-<id without dashes>`.
pub fn url(title: &str, id: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() || c == '_' {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        format!("https://www.notion.so/{}", ids::undashed(id))
    } else {
        format!("https://www.notion.so/{slug}-{}", ids::undashed(id))
    }
}

/// A page in the response shape of `version`.
pub fn render(st: &State, page: &Page, version: ApiVersion) -> Value {
    let user = st.user();
    let mut props = Map::new();
    match &page.parent {
        Parent::DataSource { data_source_id, .. } => {
            for p in st
                .data_sources
                .get(data_source_id)
                .map(|d| d.properties.as_slice())
                .unwrap_or_default()
            {
                props.insert(p.name.clone(), values::to_response(p, page, &user));
            }
        }
        _ => {
            props.insert(
                "title".into(),
                values::to_response(&title_schema(), page, &user),
            );
        }
    }
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    put("object", json!("page"));
    put("id", json!(page.id));
    put("created_time", json!(clock::timestamp(page.created.at)));
    put("last_edited_time", json!(clock::timestamp(page.edited.at)));
    put("created_by", user.clone());
    put(
        "last_edited_by",
        super::webhooks::last_edited_by(st, &page.id, user),
    );
    put("cover", page.cover.clone());
    put("icon", page.icon.clone());
    put("parent", parent_json(&page.parent, version));
    if version.speaks_archived() {
        put("archived", json!(page.in_trash));
    }
    put("in_trash", json!(page.in_trash));
    if version.data_sources() {
        put("is_archived", json!(page.in_trash));
        put("is_locked", json!(false));
    }
    put("properties", Value::Object(props));
    put("url", json!(url(&title_text(st, page), &page.id)));
    put("public_url", Value::Null);
    Value::Object(out)
}
