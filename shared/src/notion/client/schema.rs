//! Schema endpoints for operator tools (`notion-relay init` / `check --fix`): add properties to a
//! database's schema.
//!
//! Where the schema lives depends on the version: under 2022-06-28 a database holds it and is
//! updated with `PATCH /v1/databases/{id}`; under 2025-09-03 its data source holds it and is
//! updated with `PATCH /v1/data_sources/{id}` (Notion's "Update a data source"; the database
//! endpoint refuses `properties` there). Creating a database is
//! [`NotionClient::create_database`] (it sends `initial_data_source` under 2025-09-03).

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{json, Value};

use super::NotionClient;
use crate::notion::error::Error;
use crate::notion::types::{DataSource, Database, DatabaseId, PropertySchema};

impl NotionClient {
    /// Adds (or changes) properties of the database's schema; `properties` is Notion's request
    /// form, e.g. `{"Comments": {"number": {}}}`. Properties not named are left as they are.
    /// Returns the schema after the update.
    pub async fn update_database_properties(
        &self,
        id: &DatabaseId,
        properties: Value,
    ) -> Result<BTreeMap<String, PropertySchema>, Error> {
        let body = json!({ "properties": properties });
        if self.version().uses_data_sources() {
            let ds = self.data_source_of(id).await?;
            let updated: DataSource = self
                .send(
                    Method::PATCH,
                    &format!("/v1/data_sources/{ds}"),
                    Some(&body),
                )
                .await?;
            Ok(updated.properties)
        } else {
            let updated: Database = self
                .send(Method::PATCH, &format!("/v1/databases/{id}"), Some(&body))
                .await?;
            Ok(updated.properties)
        }
    }
}
