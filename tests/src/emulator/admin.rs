//! Test-side access to the workspace: provisioning (root pages, databases, the demo "GitHub
//! Issues" database), dumps of pages and the request log, counts per endpoint. Used by the
//! `Emulator` handle and by the `/__admin/*` endpoints.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use super::context::ApiVersion;
use super::databases;
use super::errors::ApiError;
use super::pages;
use super::state::{Page, Parent, State};
use super::values;

/// Ids of a database provisioned directly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProvisionedDatabase {
    pub database_id: String,
    /// Its (single) data source, for 2025-09-03 calls.
    pub data_source_id: String,
}

/// A workspace-level page (what a user shares with the integration).
pub fn create_root_page(st: &mut State, title: &str) -> String {
    let stamp = st.stamp();
    let id = st.new_id();
    let mut properties = BTreeMap::new();
    properties.insert("title".to_string(), Value::Array(values::text(title)));
    let page = Page {
        id: id.clone(),
        parent: Parent::Workspace,
        properties,
        icon: Value::Null,
        cover: Value::Null,
        in_trash: false,
        created: stamp,
        edited: stamp,
    };
    st.pages.insert(id.clone(), page);
    id
}

/// Creates a database under `parent_page_id` with a schema in Notion's request form.
pub fn create_database(
    st: &mut State,
    parent_page_id: &str,
    title: &str,
    properties: &Value,
) -> Result<ProvisionedDatabase, ApiError> {
    let body = json!({
        "parent": {"type": "page_id", "page_id": parent_page_id},
        "title": [{"type": "text", "text": {"content": title}}],
        "properties": properties,
    });
    let map = body.as_object().cloned().unwrap_or_default();
    let database_id = databases::create_from(st, &map, ApiVersion::V2022_06_28)?;
    let data_source_id = st
        .databases
        .get(&database_id)
        .and_then(|d| d.data_sources.first().cloned())
        .unwrap_or_default();
    Ok(ProvisionedDatabase {
        database_id,
        data_source_id,
    })
}

/// The schema PRODUCT.md writes to ("GitHub Issues").
pub fn demo_properties() -> Value {
    let options = |names: &[(&str, &str)]| json!({"options": names.iter().map(|(n, c)| json!({"name": n, "color": c})).collect::<Vec<_>>()});
    json!({
        "Name": {"title": {}},
        "Issue #": {"number": {"format": "number"}},
        "Status": {"select": options(&[("Open", "green"), ("Closed", "red"), ("Draft", "gray"), ("Merged", "purple")])},
        "Labels": {"multi_select": {"options": []}},
        "URL": {"url": {}},
        "Repository": {"select": {"options": []}},
        "Type": {"select": options(&[("Issue", "blue"), ("Pull request", "orange")])},
        "Updated": {"date": {}},
        "Assignees": {"multi_select": {"options": []}},
        "Author": {"rich_text": {}},
        "Comments": {"number": {"format": "number"}},
    })
}

/// Pages in the 2025-09-03 response shape (its `parent` names both the data source and the
/// database), optionally only the rows of one database; archived pages included.
pub fn pages_json(st: &State, database_id: Option<&str>) -> Vec<Value> {
    let wanted = database_id.and_then(super::ids::normalize);
    let mut rows: Vec<&Page> = st
        .pages
        .values()
        .filter(|p| match (&wanted, &p.parent) {
            (None, _) => true,
            (Some(w), Parent::DataSource { database_id, .. }) => w == database_id,
            _ => false,
        })
        .collect();
    rows.sort_by_key(|p| p.created.seq);
    rows.into_iter()
        .map(|p| pages::render(st, p, ApiVersion::V2025_09_03))
        .collect()
}

/// `/v1/pages/1234…` → `/v1/pages/{id}`, so counts group by endpoint.
pub fn endpoint_template(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if super::ids::normalize(seg).is_some() {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub fn counts(st: &State) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in &st.log {
        *out.entry(format!("{} {}", r.method, endpoint_template(&r.path)))
            .or_insert(0) += 1;
    }
    out
}
