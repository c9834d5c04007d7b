//! Schema and identity endpoints for operator tools (`notion-relay init` / `check --fix`): add
//! properties to a database's schema, and read the token's bot user.
//!
//! Where the schema lives depends on the version: under 2022-06-28 a database holds it and is
//! updated with `PATCH /v1/databases/{id}`; under 2025-09-03 its data source holds it and is
//! updated with `PATCH /v1/data_sources/{id}` (Notion's "Update a data source"; the database
//! endpoint refuses `properties` there). Creating a database is
//! [`NotionClient::create_database`] (it sends `initial_data_source` under 2025-09-03).

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::NotionClient;
use crate::notion::error::Error;
use crate::notion::types::{DataSource, Database, DatabaseId, PropertySchema};

/// The bot user a token belongs to (`GET /v1/users/me`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BotUser {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `bot` for an integration token.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// `{"owner": {...}, "workspace_name": ...}` for a bot.
    #[serde(default)]
    pub bot: Value,
}

impl BotUser {
    /// The workspace the integration is installed in, when Notion says.
    pub fn workspace_name(&self) -> Option<&str> {
        self.bot.get("workspace_name").and_then(Value::as_str)
    }
}

impl NotionClient {
    /// The bot user of the token: the cheapest call that proves a token valid.
    pub async fn me(&self) -> Result<BotUser, Error> {
        self.send(Method::GET, "/v1/users/me", None::<&()>).await
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bot_user_names_its_workspace() {
        let user: BotUser = serde_json::from_value(json!({
            "object": "user", "id": "16d84278-ab0e-484c-9bdd-b35da3bd8905", "name": "pied piper",
            "avatar_url": null, "type": "bot",
            "bot": {"owner": {"type": "workspace", "workspace": true}, "workspace_name": "Acme"}
        }))
        .unwrap();
        assert_eq!(user.kind.as_deref(), Some("bot"));
        assert_eq!(user.workspace_name(), Some("Acme"));
    }
}
