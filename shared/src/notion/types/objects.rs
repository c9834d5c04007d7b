//! Notion's objects as this client reads them: pages, databases, data sources, lists, search
//! results and the OAuth token. Every struct ignores fields it does not model, so new Notion fields
//! never break decoding.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::ids::{DataSourceId, DatabaseId, PageId};
use super::property::{schema_map, PropertySchema, PropertyValue};
use super::rich_text::{plain_text, RichText};

/// A title given as a rich-text array, read as its plain text.
fn plain_title<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let items = Option::<Vec<RichText>>::deserialize(d)?.unwrap_or_default();
    Ok(plain_text(&items))
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A page (a database row or a standalone page).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub id: PageId,
    pub created_time: String,
    pub last_edited_time: String,
    /// `archived` (≤ 2025-09-03) or `is_archived` (later versions).
    pub archived: bool,
    pub in_trash: bool,
    pub url: Option<String>,
    /// `{"type":"database_id","database_id":..}`, `{"type":"data_source_id",..}`, `{"type":"page_id",..}`.
    pub parent: Value,
    pub properties: BTreeMap<String, PropertyValue>,
    /// User ids of `created_by` / `last_edited_by` (a bot for integration writes).
    pub created_by: Option<String>,
    pub last_edited_by: Option<String>,
}

/// `{"object": "user", "id": …}` as pages name their creator and last editor.
#[derive(Deserialize)]
struct UserRef {
    id: String,
}

#[derive(Deserialize)]
struct RawPage {
    id: PageId,
    #[serde(default)]
    created_time: String,
    #[serde(default)]
    last_edited_time: String,
    #[serde(default)]
    archived: Option<bool>,
    #[serde(default)]
    is_archived: Option<bool>,
    #[serde(default)]
    in_trash: bool,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    parent: Value,
    #[serde(default, deserialize_with = "null_as_default")]
    properties: BTreeMap<String, PropertyValue>,
    #[serde(default)]
    created_by: Option<UserRef>,
    #[serde(default)]
    last_edited_by: Option<UserRef>,
}

impl<'de> Deserialize<'de> for Page {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawPage::deserialize(d)?;
        Ok(Page {
            id: raw.id,
            created_time: raw.created_time,
            last_edited_time: raw.last_edited_time,
            archived: raw.archived.or(raw.is_archived).unwrap_or(false),
            in_trash: raw.in_trash,
            url: raw.url,
            parent: raw.parent,
            properties: raw.properties,
            created_by: raw.created_by.map(|u| u.id),
            last_edited_by: raw.last_edited_by.map(|u| u.id),
        })
    }
}

impl Page {
    pub fn property(&self, name: &str) -> Option<&PropertyValue> {
        self.properties.get(name)
    }

    /// The plain text of the page's title property (whatever its name).
    pub fn title(&self) -> String {
        self.properties
            .values()
            .find(|v| matches!(v, PropertyValue::Title(_)))
            .and_then(PropertyValue::plain_text)
            .unwrap_or_default()
    }

    /// Archived or in the trash: either way not a live row.
    pub fn is_archived(&self) -> bool {
        self.archived || self.in_trash
    }

    /// Whether someone other than its creator (for our rows: our integration) edited it last —
    /// a person's edit in Notion that two-way sync may have written back to GitHub.
    pub fn edited_by_someone_else(&self) -> bool {
        matches!((&self.created_by, &self.last_edited_by), (Some(c), Some(l)) if c != l)
    }
}

/// A reference to one of a database's data sources (2025-09-03).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DataSourceRef {
    pub id: DataSourceId,
    #[serde(default)]
    pub name: String,
}

/// A database. Under 2022-06-28 Notion returns its schema directly; under 2025-09-03 the schema
/// lives on its data source, which `NotionClient::retrieve_database` fetches and merges in.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Database {
    pub id: DatabaseId,
    #[serde(default, deserialize_with = "plain_title")]
    pub title: String,
    #[serde(default, deserialize_with = "schema_map")]
    pub properties: BTreeMap<String, PropertySchema>,
    /// The data source this client uses for the database (the first one), 2025-09-03 only.
    #[serde(skip)]
    pub data_source_id: Option<DataSourceId>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub data_sources: Vec<DataSourceRef>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub in_trash: bool,
    #[serde(default)]
    pub parent: Value,
}

impl Database {
    /// The property of `name`, if the schema has it.
    pub fn property(&self, name: &str) -> Option<&PropertySchema> {
        self.properties.get(name)
    }

    /// The name of the title property (every database has exactly one).
    pub fn title_property(&self) -> Option<&str> {
        self.properties
            .values()
            .find(|p| p.kind == super::property::PropertyType::Title)
            .map(|p| p.name.as_str())
    }
}

/// A data source (2025-09-03): the table behind a database, holding the schema.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DataSource {
    pub id: DataSourceId,
    #[serde(default, deserialize_with = "plain_title")]
    pub title: String,
    #[serde(default, deserialize_with = "schema_map")]
    pub properties: BTreeMap<String, PropertySchema>,
    #[serde(default)]
    pub parent: Value,
}

impl DataSource {
    /// The database this data source belongs to, from `parent.database_id`.
    pub fn database_id(&self) -> Option<DatabaseId> {
        self.parent
            .get("database_id")
            .and_then(Value::as_str)
            .map(DatabaseId::new)
    }
}

/// Keeps only `"object":"page"` results: a 2025-09-03 query may mix in data sources (wikis).
fn pages_only<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Page>, D::Error> {
    let items = Vec::<Value>::deserialize(d)?;
    items
        .into_iter()
        .filter(|v| v.get("object").and_then(Value::as_str).unwrap_or("page") == "page")
        .map(|v| serde_json::from_value(v).map_err(serde::de::Error::custom))
        .collect()
}

/// One page of a database query.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PageList {
    #[serde(deserialize_with = "pages_only")]
    pub results: Vec<Page>,
    #[serde(default)]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub has_more: bool,
}

/// What `search` may be limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchFilter {
    Page,
    /// Databases (2022-06-28) or data sources (2025-09-03: Notion's filter value is `data_source`).
    Database,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchResult {
    Page(Page),
    Database(Database),
    DataSource(DataSource),
    Other(Value),
}

impl<'de> Deserialize<'de> for SearchResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let parsed = match v.get("object").and_then(Value::as_str) {
            Some("page") => serde_json::from_value(v).map(SearchResult::Page),
            Some("database") => serde_json::from_value(v).map(SearchResult::Database),
            Some("data_source") => serde_json::from_value(v).map(SearchResult::DataSource),
            _ => Ok(SearchResult::Other(v)),
        };
        parsed.map_err(serde::de::Error::custom)
    }
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SearchResults {
    pub results: Vec<SearchResult>,
    #[serde(default)]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub has_more: bool,
}

/// Where a new page goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    /// A database row. Under 2025-09-03 the client sends the database's data source instead.
    Database(DatabaseId),
    DataSource(DataSourceId),
    Page(PageId),
}

/// The answer of `POST /v1/oauth/token`. `Debug` redacts the tokens.
#[derive(Clone, PartialEq, Deserialize)]
pub struct OAuthToken {
    pub access_token: String,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub bot_id: Option<String>,
    #[serde(default)]
    pub workspace_id: Option<String>,
    #[serde(default)]
    pub workspace_name: Option<String>,
    #[serde(default)]
    pub workspace_icon: Option<String>,
    #[serde(default)]
    pub duplicated_template_id: Option<String>,
    #[serde(default)]
    pub owner: Value,
}

impl fmt::Debug for OAuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthToken")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("bot_id", &self.bot_id)
            .field("workspace_id", &self.workspace_id)
            .field("workspace_name", &self.workspace_name)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_reads_is_archived_of_newer_versions() {
        let p: Page = serde_json::from_value(json!({
            "object":"page","id":"38c9ce7b60a48117afe5dec5d7231ff2","is_archived":true,
            "properties":{"Title":{"id":"title","type":"title","title":[{"plain_text":"Hi"}]}}}))
        .unwrap();
        assert!(p.archived);
        assert_eq!(p.title(), "Hi");
        assert_eq!(p.id.as_str(), "38c9ce7b-60a4-8117-afe5-dec5d7231ff2");
    }

    #[test]
    fn page_list_skips_data_source_results() {
        let l: PageList = serde_json::from_value(json!({
            "object":"list","results":[{"object":"page","id":"p1"},{"object":"data_source","id":"d"}],
            "next_cursor":"c","has_more":true}))
        .unwrap();
        assert_eq!(l.results.len(), 1);
        assert_eq!(l.next_cursor.as_deref(), Some("c"));
    }

    #[test]
    fn database_title_is_plain_text() {
        let d: Database = serde_json::from_value(json!({
            "object":"database","id":"d","title":[{"plain_text":"Issues"}],
            "data_sources":[{"id":"ds","name":"Issues"}]}))
        .unwrap();
        assert_eq!(d.title, "Issues");
        assert_eq!(d.data_sources[0].id.as_str(), "ds");
        assert!(d.properties.is_empty());
    }

    #[test]
    fn oauth_token_debug_redacts_the_token() {
        let t: OAuthToken = serde_json::from_value(json!({
            "access_token":"secret_abc","token_type":"bearer","bot_id":"b","workspace_id":"w"}))
        .unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains("secret_abc"));
        assert!(shown.contains("bot_id"));
    }
}
