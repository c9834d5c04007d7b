//! `GET /v1/users/me`: the bot user behind the token
//! (<https://developers.notion.com/reference/get-self>). notion-webhook uses its id to tell our
//! own writes from a person's in webhook `authors`.

use reqwest::Method;
use serde::Deserialize;

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
}

impl NotionClient {
    /// The user the token belongs to (a bot for integration tokens).
    pub async fn me(&self) -> Result<BotUser, Error> {
        self.send(Method::GET, "/v1/users/me", None::<&()>).await
    }
}
