//! What notion-webhook builds once per container: settings, the Notion access (client, secrets,
//! token refresh), the GitHub client, our bot's user id, and the database's editable properties
//! by property id. Each is fetched on first use and kept.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use tokio::sync::{Mutex, OnceCell};
use tokio::time::Instant;

use crate::config::{self, Env};
use crate::github::GitHubClient;
use crate::handler::access::{AccessError, NotionAccess, NotionSettings};
use crate::handler::setup::SetupError;
use crate::notion::{self, NotionClient};
use crate::secrets::{self, SecretsProvider};
use crate::sync::writeback::{Bindings, Editable};
use crate::sync::BoundSchema;

pub use crate::config::PROPERTY_MILESTONE;
/// A signature that does not match re-reads the secret at most this often (the token may have
/// just been stored by another container's handshake), so forged requests cannot drive calls.
const TOKEN_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// Why a part built on first use (Notion access, GitHub client) is unavailable; each maps to
/// an answer.
#[derive(Debug, thiserror::Error)]
pub enum PartError {
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error("the GitHub client cannot be built")]
    GitHub(#[source] crate::github::RestError),
}

/// The database as the write-back reads it.
pub struct WritebackSchema {
    pub schema: BoundSchema,
    pub milestone: Option<String>,
    /// Property id (percent-decoded) → what it edits.
    by_id: HashMap<String, Editable>,
}

impl WritebackSchema {
    pub fn bindings(&self) -> Bindings<'_> {
        Bindings {
            schema: &self.schema,
            milestone: self.milestone.as_deref(),
        }
    }

    /// The editable properties among Notion's `updated_properties` ids.
    pub fn touched(&self, ids: &[String]) -> BTreeSet<Editable> {
        ids.iter()
            .filter_map(|id| self.by_id.get(&percent_decode(id)).copied())
            .collect()
    }
}

pub struct Setup {
    pub access: NotionAccess,
    github_api_url: String,
    milestone_property: String,
    github: OnceCell<GitHubClient>,
    bot_id: OnceCell<String>,
    schema: OnceCell<WritebackSchema>,
    last_token_refresh: Mutex<Option<Instant>>,
}

impl Setup {
    pub fn from_env(env: &impl Env) -> Result<Self, SetupError> {
        let settings = NotionSettings::from_env(env)?;
        let secrets = SecretsProvider::from_env(env)?;
        let milestone_property = settings.names.milestone.clone();
        Ok(Self {
            access: NotionAccess::new(settings, secrets),
            github_api_url: config::github_api_url(env)?,
            milestone_property,
            github: OnceCell::new(),
            bot_id: OnceCell::new(),
            schema: OnceCell::new(),
            last_token_refresh: Mutex::new(None),
        })
    }

    pub fn secrets(&self) -> &SecretsProvider {
        &self.access.secrets
    }

    /// The verification token, re-reading the secret (rate-limited) when `refresh` is asked
    /// for: after a handshake in another container, or a rotation.
    pub async fn webhook_token(&self, refresh: bool) -> Result<Option<String>, secrets::Error> {
        if refresh && !self.secrets().notion_webhook_secret_from_env() {
            let mut last = self.last_token_refresh.lock().await;
            let due = last.is_none_or(|at| at.elapsed() >= TOKEN_REFRESH_INTERVAL);
            if due {
                *last = Some(Instant::now());
                drop(last);
                return Ok(self
                    .secrets()
                    .refresh()
                    .await?
                    .notion_webhook_secret
                    .clone());
            }
        }
        self.secrets().notion_webhook_secret().await
    }

    /// The container's Notion client, bound to `deadline`.
    pub async fn notion(&self, deadline: Instant) -> Result<NotionClient, PartError> {
        Ok(self.access.client().await?.with_deadline(deadline))
    }

    /// Our integration's bot user id (`GET /v1/users/me`, once per container).
    pub async fn bot_id(&self, notion: &NotionClient) -> Result<&str, PartError> {
        self.bot_id
            .get_or_try_init(|| async {
                let me = notion.me().await.map_err(|source| AccessError::Notion {
                    context: "cannot read the integration's bot user (GET /v1/users/me)",
                    source,
                })?;
                tracing::info!(bot_id = %me.id, "our integration's bot user; its own edits are ignored");
                Ok::<_, PartError>(me.id)
            })
            .await
            .map(String::as_str)
    }

    /// The database's editable properties (one read of the database per container).
    pub async fn schema(&self, notion: &NotionClient) -> Result<&WritebackSchema, PartError> {
        self.schema
            .get_or_try_init(|| async {
                let database = self.access.read_database(notion).await?;
                let schema = BoundSchema::bind(&database, &self.access.settings.names)
                    .map_err(AccessError::Schema)?;
                let milestone = database
                    .property(&self.milestone_property)
                    .filter(|p| {
                        matches!(
                            p.kind,
                            notion::PropertyType::Select | notion::PropertyType::RichText
                        )
                    })
                    .map(|p| p.name.clone());
                let bindings = Bindings {
                    schema: &schema,
                    milestone: milestone.as_deref(),
                };
                let by_id = Editable::ALL
                    .into_iter()
                    .filter_map(|editable| {
                        let property = database.property(bindings.property(editable)?)?;
                        Some((percent_decode(&property.id), editable))
                    })
                    .collect();
                Ok::<_, PartError>(WritebackSchema {
                    schema,
                    milestone,
                    by_id,
                })
            })
            .await
    }

    /// The container's GitHub client (token from the secrets; Issues read/write needed).
    pub async fn github(&self, deadline: Instant) -> Result<GitHubClient, PartError> {
        let client = self
            .github
            .get_or_try_init(|| async {
                let token = self
                    .secrets()
                    .github_token()
                    .await
                    .map_err(AccessError::Secrets)?;
                if token.is_none() {
                    tracing::warn!("no github_token in the secret (or GITHUB_TOKEN): GitHub will refuse every write-back");
                }
                GitHubClient::new(&self.github_api_url, token, crate::handler::scheduled::USER_AGENT)
                    .map_err(PartError::GitHub)
            })
            .await?;
        Ok(client.clone().with_deadline(deadline))
    }
}

/// Notion sends property ids URL-encoded (`XGe%40`); compare them decoded.
pub fn percent_decode(id: &str) -> String {
    let bytes = id.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_ids_compare_percent_decoded() {
        assert_eq!(percent_decode("XGe%40"), "XGe@");
        assert_eq!(percent_decode("bDf%5B"), "bDf[");
        assert_eq!(percent_decode("title"), "title");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
