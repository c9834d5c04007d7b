//! `GET /v1/users/me`: the bot user behind the token
//! (<https://developers.notion.com/reference/get-self>). notion-webhook uses its id to tell our
//! own writes from a person's in webhook `authors`; `notion-relay check` uses it as the cheapest
//! call that proves a token valid.

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::NotionClient;
use crate::notion::error::Error;

/// The integration's bot user, as much of it as we read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BotUser {
    pub id: String,
    /// `bot` for an integration token.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
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
    /// The user the token belongs to (a bot for integration tokens).
    pub async fn me(&self) -> Result<BotUser, Error> {
        self.send(Method::GET, "/v1/users/me", None::<&()>).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
