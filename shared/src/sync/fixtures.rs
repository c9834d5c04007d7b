//! What the sync tests (and the worker's batch tests) build their cases from: a database bound
//! from a list of columns, a work item, and a page as Notion hands one back. Each test overrides
//! only what its case is about, so that stands out.

use std::collections::BTreeMap;

use serde_json::json;
use time::macros::datetime;

use super::BoundSchema;
use crate::config::PropertyNames;
use crate::github::{ItemKind, WorkItem};
use crate::notion::{Database, Page, PageId, PropertyValue};

/// The product's columns (PRODUCT.md's table, then the optional ones) and their Notion types.
pub(crate) const PRODUCT_COLUMNS: &str = "Name: title, Issue #: number, Status: select, \
    Labels: multi_select, URL: url, Repository: select, Type: select, Updated: date, \
    Assignees: multi_select, Author: rich_text, Comments: number, Milestone: select, \
    Issue type: select, Parent: relation, Reviewers: multi_select, Created: date, Closed: date";

/// A database with the columns `spec` lists (`"Name, Issue #, Notes: rich_text"`): each of the
/// type it names, else of its type in [`PRODUCT_COLUMNS`].
pub(crate) fn database(spec: &str) -> Database {
    serde_json::from_value(database_json(spec)).expect("database parses")
}

/// [`database`] as Notion's JSON answer (for tests that script a server).
pub(crate) fn database_json(spec: &str) -> serde_json::Value {
    let product: BTreeMap<&str, &str> = PRODUCT_COLUMNS.split(", ").filter_map(typed).collect();
    let properties: serde_json::Map<String, serde_json::Value> = spec
        .split(", ")
        .map(|column| {
            let (name, kind) = typed(column)
                .or_else(|| product.get_key_value(column).map(|(&n, &k)| (n, k)))
                .unwrap_or_else(|| panic!("{column:?} is not a product column: name its type"));
            (name.to_owned(), json!({"id": name, "type": kind, kind: {}}))
        })
        .collect();
    json!({"object": "database", "id": "d1", "properties": properties})
}

/// `"Name: type"` as its name and type.
fn typed(column: &str) -> Option<(&str, &str)> {
    column.split_once(": ")
}

/// [`database`]`(spec)` bound under the default property names.
pub(crate) fn schema(spec: &str) -> BoundSchema {
    BoundSchema::bind(&database(spec), &PropertyNames::default()).expect("binds")
}

/// Issue #7 of octo/repo, "Fix it", updated at 2026-06-27T18:01:15Z; nothing else is known.
pub(crate) fn item() -> WorkItem {
    WorkItem {
        repository: "octo/repo".into(),
        number: 7,
        kind: ItemKind::Issue,
        title: "Fix it".into(),
        state: None,
        labels: None,
        assignees: None,
        author: None,
        url: "https://github.com/octo/repo/issues/7".into(),
        body: None,
        comments: None,
        updated_at: datetime!(2026-06-27 18:01:15 UTC),
        default_branch: None,
        milestone: None,
        issue_type: None,
        parent: None,
        reviewers: None,
        created_at: None,
        closed_at: None,
    }
}

/// A live page `id` holding `properties`, created and last edited at 2026-01-01 by no one named.
pub(crate) fn page(id: &str, properties: BTreeMap<String, PropertyValue>) -> Page {
    Page {
        id: PageId::new(id),
        created_time: "2026-01-01T00:00:00.000Z".into(),
        last_edited_time: "2026-01-01T00:00:00.000Z".into(),
        archived: false,
        in_trash: false,
        url: None,
        parent: json!({}),
        properties,
        created_by: None,
        last_edited_by: None,
    }
}
