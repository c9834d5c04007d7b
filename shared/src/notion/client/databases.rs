//! Database, search and OAuth endpoints. Under 2025-09-03 a database's schema and rows live on its
//! data source: the data source is resolved once (cached for all clones) and used for the schema
//! and for queries.

use base64::Engine as _;
use futures_util::stream::{self, Stream, TryStreamExt};
use reqwest::Method;
use serde_json::{json, Value};

use super::NotionClient;
use crate::notion::error::Error;
use crate::notion::filter::Query;
use crate::notion::types::{
    write_rich_text, DataSource, Database, DatabaseId, OAuthToken, Page, PageId, PageList,
    RichText, SearchFilter, SearchResults,
};

impl NotionClient {
    /// The database with its schema. 2025-09-03: also fetches its (first) data source, whose
    /// properties become the schema, and caches the data source id.
    pub async fn retrieve_database(&self, id: &DatabaseId) -> Result<Database, Error> {
        let db: Database = self
            .send(Method::GET, &format!("/v1/databases/{id}"), None::<&()>)
            .await?;
        self.with_schema(db).await
    }

    /// Creates a database under a page. `schema` is Notion's property-schema object, e.g.
    /// `{"Name": {"title": {}}, "Issue #": {"number": {}}}`.
    pub async fn create_database(
        &self,
        parent: &PageId,
        title: &str,
        schema: Value,
    ) -> Result<Database, Error> {
        let mut body = json!({
            "parent": { "type": "page_id", "page_id": parent },
            "title": write_rich_text(&[RichText::plain(title)]),
        });
        if self.version().uses_data_sources() {
            body["initial_data_source"] = json!({ "properties": schema });
        } else {
            body["properties"] = schema;
        }
        let db: Database = self
            .send(Method::POST, "/v1/databases", Some(&body))
            .await?;
        self.with_schema(db).await
    }

    /// Fills in the schema from the data source under 2025-09-03; as-is under 2022-06-28.
    async fn with_schema(&self, mut db: Database) -> Result<Database, Error> {
        if !self.version().uses_data_sources() {
            return Ok(db);
        }
        let ds_id = self.remember_data_source(&db)?;
        let ds: DataSource = self
            .send(
                Method::GET,
                &format!("/v1/data_sources/{ds_id}"),
                None::<&()>,
            )
            .await?;
        db.properties = ds.properties;
        db.data_source_id = Some(ds_id);
        Ok(db)
    }

    /// ONE page of query results (use `start_cursor` to continue, or the stream/all variants).
    pub async fn query_database(&self, id: &DatabaseId, query: &Query) -> Result<PageList, Error> {
        query.validate()?;
        let path = if self.version().uses_data_sources() {
            format!("/v1/data_sources/{}/query", self.data_source_of(id).await?)
        } else {
            format!("/v1/databases/{id}/query")
        };
        self.send(Method::POST, &path, Some(query)).await
    }

    /// Every matching page, fetched page by page as the stream is polled.
    pub fn query_database_stream<'a>(
        &'a self,
        id: &'a DatabaseId,
        query: Query,
    ) -> impl Stream<Item = Result<Page, Error>> + 'a {
        // State: the query for the next page, or None once Notion said there is no more. A page
        // with `has_more` but no cursor also ends it, so a confused server cannot loop us forever
        // on the first page.
        stream::try_unfold(Some(query), move |next| async move {
            let Some(mut query) = next else {
                return Ok(None);
            };
            let page = self.query_database(id, &query).await?;
            let next = match (page.has_more, page.next_cursor) {
                (true, Some(cursor)) => {
                    query.start_cursor = Some(cursor);
                    Some(query)
                }
                _ => None,
            };
            let items = stream::iter(page.results.into_iter().map(Ok::<Page, Error>));
            Ok(Some((items, next)))
        })
        .try_flatten()
    }

    /// Every matching page, collected.
    pub async fn query_database_all(
        &self,
        id: &DatabaseId,
        query: Query,
    ) -> Result<Vec<Page>, Error> {
        self.query_database_stream(id, query).try_collect().await
    }

    /// One page of search results. `SearchFilter::Database` searches data sources under
    /// 2025-09-03 (Notion's filter value there is `data_source`).
    pub async fn search(
        &self,
        query: &str,
        filter: Option<SearchFilter>,
        start_cursor: Option<&str>,
    ) -> Result<SearchResults, Error> {
        let mut body = json!({ "query": query, "page_size": 100 });
        if let Some(filter) = filter {
            let value = match (filter, self.version().uses_data_sources()) {
                (SearchFilter::Page, _) => "page",
                (SearchFilter::Database, false) => "database",
                (SearchFilter::Database, true) => "data_source",
            };
            body["filter"] = json!({ "property": "object", "value": value });
        }
        if let Some(cursor) = start_cursor {
            body["start_cursor"] = json!(cursor);
        }
        self.send(Method::POST, "/v1/search", Some(&body)).await
    }

    /// Exchanges an OAuth authorization code for an access token (public integrations). Paced and
    /// retried like every call; authenticated with `Basic base64(client_id:client_secret)`.
    pub async fn exchange_oauth_code(
        &self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<OAuthToken, Error> {
        let credentials = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{client_secret}"));
        let mut body = json!({ "grant_type": "authorization_code", "code": code });
        if let Some(uri) = redirect_uri {
            body["redirect_uri"] = json!(uri);
        }
        self.send_as(
            super::Auth::Basic(credentials),
            Method::POST,
            "/v1/oauth/token",
            Some(&body),
        )
        .await
    }
}
