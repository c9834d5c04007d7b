//! Databases and data sources. Under 2022-06-28 a database owns its schema (stored on its single
//! data source) and is queried at `/v1/databases/{id}/query`; under 2025-09-03 a database lists
//! `data_sources`, each with its schema and `/v1/data_sources/{id}/query`.

use serde_json::{json, Map, Value};

use super::clock;
use super::context::{ApiVersion, Ctx};
use super::errors::{ApiError, ApiResult};
use super::filter;
use super::ids;
use super::list;
use super::pages;
use super::schema;
use super::sort;
use super::state::{DataSource, Database, Parent, PropSchema, State};
use super::values;

fn rich(body: &Map<String, Value>, key: &str) -> Result<Vec<Value>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => values::rich_text(v, &format!("body.{key}")),
    }
}

fn schema_in(
    v: Option<&Value>,
    path: &str,
    st: &mut State,
) -> Result<Option<Vec<PropSchema>>, ApiError> {
    match v {
        None => Ok(None),
        Some(Value::Object(m)) => schema::parse(m, &mut st.rng).map(Some),
        Some(other) => Err(ApiError::validation(format!(
            "body failed validation: {path} should be an object, instead was `{other}`."
        ))),
    }
}

/// Creates a database (and its data source) from a request body; also used to provision.
pub fn create_from(
    st: &mut State,
    body: &Map<String, Value>,
    version: ApiVersion,
) -> Result<String, ApiError> {
    let parent = pages::parent_in(st, version, body.get("parent"), true)?;
    let given_title = rich(body, "title")?;
    // The data-source API names an untitled database "New database" but leaves its data
    // source untitled (recorded in ultimate-notion's 110-page test).
    let title = if version.data_sources() && !body.contains_key("title") {
        values::text("New database")
    } else {
        given_title.clone()
    };
    let description = rich(body, "description")?;
    let props = if version.data_sources() {
        let initial = body
            .get("initial_data_source")
            .and_then(|d| d.get("properties"));
        schema_in(
            initial.or_else(|| body.get("properties")),
            "body.initial_data_source.properties",
            st,
        )?
        .unwrap_or_else(|| {
            vec![PropSchema {
                id: "title".into(),
                name: "Name".into(),
                kind: "title".into(),
                config: json!({}),
            }]
        })
    } else {
        schema_in(body.get("properties"), "body.properties", st)?.ok_or_else(|| {
            ApiError::validation("body failed validation: body.properties should be defined, instead was `undefined`.")
        })?
    };
    let stamp = st.stamp();
    let id = st.new_id();
    let ds_id = st.new_id();
    st.data_sources.insert(
        ds_id.clone(),
        DataSource {
            id: ds_id.clone(),
            database_id: id.clone(),
            title: given_title,
            description: description.clone(),
            icon: body.get("icon").cloned().unwrap_or(Value::Null),
            properties: props,
            in_trash: false,
            created: stamp,
            edited: stamp,
        },
    );
    st.databases.insert(
        id.clone(),
        Database {
            id: id.clone(),
            parent: parent.clone(),
            title,
            description,
            icon: body.get("icon").cloned().unwrap_or(Value::Null),
            cover: body.get("cover").cloned().unwrap_or(Value::Null),
            is_inline: body
                .get("is_inline")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            in_trash: false,
            data_sources: vec![ds_id],
            created: stamp,
            edited: stamp,
        },
    );
    if let Parent::Page(p) = &parent {
        st.add_child(p, &id);
    }
    Ok(id)
}

pub fn create(st: &mut State, ctx: &Ctx) -> ApiResult {
    let id = create_from(st, &ctx.body_object()?, ctx.version)?;
    render(st, &id, ctx.version)
}

fn database_id(st: &State, id: &str) -> Result<String, ApiError> {
    let nid = ids::normalize(id).ok_or_else(|| ApiError::not_found("database", id))?;
    st.databases
        .contains_key(&nid)
        .then_some(nid.clone())
        .ok_or_else(|| ApiError::not_found("database", &nid))
}

fn data_source_id(st: &State, id: &str) -> Result<String, ApiError> {
    let nid = ids::normalize(id).ok_or_else(|| ApiError::not_found("data source", id))?;
    st.data_sources
        .contains_key(&nid)
        .then_some(nid.clone())
        .ok_or_else(|| ApiError::not_found("data source", &nid))
}

pub fn retrieve(st: &State, ctx: &Ctx, id: &str) -> ApiResult {
    render(st, &database_id(st, id)?, ctx.version)
}

pub fn update(st: &mut State, ctx: &Ctx, id: &str) -> ApiResult {
    let id = database_id(st, id)?;
    let body = ctx.body_object()?;
    if let Some(Value::Object(props)) = body.get("properties") {
        if ctx.version.data_sources() {
            return Err(ApiError::validation(
                "body failed validation: body.properties should be not present: update the data source's properties instead.",
            ));
        }
        let ds_id = st.databases[&id]
            .data_sources
            .first()
            .cloned()
            .unwrap_or_default();
        let mut schema = st
            .data_sources
            .get(&ds_id)
            .map(|d| d.properties.clone())
            .unwrap_or_default();
        schema::update(&mut schema, props, &mut st.rng)?;
        if let Some(ds) = st.data_sources.get_mut(&ds_id) {
            ds.properties = schema;
        }
    }
    let title = body
        .contains_key("title")
        .then(|| rich(&body, "title"))
        .transpose()?;
    let description = body
        .contains_key("description")
        .then(|| rich(&body, "description"))
        .transpose()?;
    let trash = pages::trash_in(&body, ctx.version)?;
    let stamp = st.stamp();
    if let Some(db) = st.databases.get_mut(&id) {
        if let Some(t) = title {
            db.title = t;
        }
        if let Some(d) = description {
            db.description = d;
        }
        if let Some(v) = body.get("icon") {
            db.icon = v.clone();
        }
        if let Some(v) = body.get("cover") {
            db.cover = v.clone();
        }
        if let Some(t) = trash {
            db.in_trash = t;
        }
        db.edited = stamp;
    }
    render(st, &id, ctx.version)
}

/// `POST /v1/databases/{id}/query` (2022-06-28).
pub fn query_database(st: &State, ctx: &Ctx, id: &str) -> ApiResult {
    let id = database_id(st, id)?;
    let ds = st
        .primary_data_source(&id)
        .ok_or_else(|| ApiError::not_found("database", &id))?;
    query(st, ctx, ds)
}

/// `POST /v1/data_sources/{id}/query` (2025-09-03).
pub fn query_data_source(st: &State, ctx: &Ctx, id: &str) -> ApiResult {
    let id = data_source_id(st, id)?;
    query(st, ctx, &st.data_sources[&id])
}

fn query(st: &State, ctx: &Ctx, ds: &DataSource) -> ApiResult {
    let body = ctx.body_object()?;
    let size = list::page_size(body.get("page_size"), "body.page_size")?;
    let compiled = match body.get("filter") {
        None | Some(Value::Null) => None,
        Some(f) => Some(filter::compile(f, ds, st.now())?),
    };
    let mut rows: Vec<_> = st
        .pages
        .values()
        .filter(|p| !p.in_trash)
        .filter(|p| matches!(&p.parent, Parent::DataSource { data_source_id, .. } if *data_source_id == ds.id))
        .filter(|p| compiled.as_ref().is_none_or(|f| filter::matches(f, p)))
        .collect();
    sort::sort(&mut rows, body.get("sorts").unwrap_or(&Value::Null), ds)?;
    let items = rows
        .into_iter()
        .map(|p| (p.id.clone(), pages::render(st, p, ctx.version)))
        .collect();
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

pub fn retrieve_data_source(st: &State, ctx: &Ctx, id: &str) -> ApiResult {
    let id = data_source_id(st, id)?;
    Ok(render_data_source(st, &st.data_sources[&id], ctx.version))
}

pub fn update_data_source(st: &mut State, ctx: &Ctx, id: &str) -> ApiResult {
    let id = data_source_id(st, id)?;
    let body = ctx.body_object()?;
    let mut ds = st.data_sources[&id].clone();
    if let Some(Value::Object(props)) = body.get("properties") {
        schema::update(&mut ds.properties, props, &mut st.rng)?;
    }
    if body.contains_key("title") {
        ds.title = rich(&body, "title")?;
    }
    if let Some(v) = body.get("icon") {
        ds.icon = v.clone();
    }
    if let Some(t) = pages::trash_in(&body, ctx.version)? {
        ds.in_trash = t;
    }
    ds.edited = st.stamp();
    st.data_sources.insert(id.clone(), ds);
    Ok(render_data_source(st, &st.data_sources[&id], ctx.version))
}

/// `POST /v1/data_sources`: another data source in an existing database.
pub fn create_data_source(st: &mut State, ctx: &Ctx) -> ApiResult {
    let body = ctx.body_object()?;
    let db_raw = body
        .get("parent")
        .and_then(|p| p.get("database_id"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let db_id = database_id(st, db_raw)?;
    let props = schema_in(body.get("properties"), "body.properties", st)?.ok_or_else(|| {
        ApiError::validation(
            "body failed validation: body.properties should be defined, instead was `undefined`.",
        )
    })?;
    let stamp = st.stamp();
    let id = st.new_id();
    let ds = DataSource {
        id: id.clone(),
        database_id: db_id.clone(),
        title: rich(&body, "title")?,
        description: Vec::new(),
        icon: body.get("icon").cloned().unwrap_or(Value::Null),
        properties: props,
        in_trash: false,
        created: stamp,
        edited: stamp,
    };
    st.data_sources.insert(id.clone(), ds);
    if let Some(db) = st.databases.get_mut(&db_id) {
        db.data_sources.push(id.clone());
    }
    Ok(render_data_source(st, &st.data_sources[&id], ctx.version))
}

pub fn render(st: &State, id: &str, version: ApiVersion) -> ApiResult {
    let db = st
        .databases
        .get(id)
        .ok_or_else(|| ApiError::not_found("database", id))?;
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    put("object", json!("database"));
    put("id", json!(db.id));
    put("title", json!(db.title));
    put("description", json!(db.description));
    put("parent", pages::parent_json(&db.parent, version));
    put("is_inline", json!(db.is_inline));
    put("created_time", json!(clock::timestamp(db.created.at)));
    put("last_edited_time", json!(clock::timestamp(db.edited.at)));
    put("icon", db.icon.clone());
    put("cover", db.cover.clone());
    put("url", json!(pages::url("", &db.id)));
    put("public_url", Value::Null);
    if version.speaks_archived() {
        put("archived", json!(db.in_trash));
    }
    put("in_trash", json!(db.in_trash));
    if version.data_sources() {
        put("is_locked", json!(false));
        let sources: Vec<Value> = db
            .data_sources
            .iter()
            .filter_map(|d| st.data_sources.get(d))
            .map(|d| {
                let name = if d.title.is_empty() {
                    &db.title
                } else {
                    &d.title
                };
                json!({"id": d.id, "name": values::plain_text(name)})
            })
            .collect();
        put("data_sources", Value::Array(sources));
    } else {
        put("created_by", st.user());
        put("last_edited_by", st.user());
        let props = st
            .primary_data_source(id)
            .map(|d| schema::render(&d.properties, version))
            .unwrap_or(json!({}));
        put("properties", props);
    }
    Ok(Value::Object(out))
}

pub fn render_data_source(st: &State, ds: &DataSource, version: ApiVersion) -> Value {
    let db = st.databases.get(&ds.database_id);
    let mut out = json!({
        "object": "data_source",
        "id": ds.id,
        "cover": null,
        "icon": ds.icon,
        "created_time": clock::timestamp(ds.created.at),
        "created_by": st.user(),
        "last_edited_by": st.user(),
        "last_edited_time": clock::timestamp(ds.edited.at),
        "title": ds.title,
        "description": ds.description,
        "is_inline": db.map(|d| d.is_inline).unwrap_or(false),
        "properties": schema::render(&ds.properties, version),
        "parent": {"type": "database_id", "database_id": ds.database_id},
        "database_parent": db.map(|d| pages::parent_json(&d.parent, version)).unwrap_or(Value::Null),
        "url": pages::url("", &ds.database_id),
        "public_url": null,
        "archived": ds.in_trash,
        "in_trash": ds.in_trash,
    });
    if !version.speaks_archived() {
        if let Some(o) = out.as_object_mut() {
            o.remove("archived");
        }
    }
    out
}
