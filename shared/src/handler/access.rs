//! Notion access shared by the functions: configuration read once, the client built once with
//! the token from the secrets, and the database schema bound once per warm container.

use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::config::{self, ConfigError, Env, PropertyNames};
use crate::notion::{self, ApiVersion, Database, DatabaseId, NotionClient, NotionConfig};
use crate::secrets::{self, SecretsProvider};
use crate::sync::{BoundSchema, SchemaError};

/// Why a function cannot reach its Notion database. The messages name the fix.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("secrets unavailable")]
    Secrets(#[from] secrets::Error),
    #[error("the Notion database's schema cannot be used")]
    Schema(#[from] SchemaError),
    #[error("{context}")]
    Notion {
        context: &'static str,
        #[source]
        source: notion::Error,
    },
}

impl AccessError {
    /// Whether a later try may succeed (Notion busy or unreachable), as opposed to a setting
    /// that must be fixed.
    pub fn is_transient(&self) -> bool {
        matches!(self, AccessError::Notion { source, .. } if source.is_retryable())
    }

    /// Lambda's `errorType` for it: a setting, the secret, the database, or Notion itself.
    pub fn kind(&self) -> &'static str {
        match self {
            AccessError::Config(_) => "ConfigError",
            AccessError::Secrets(_) => "SecretsError",
            AccessError::Schema(_) => "DatabaseSchemaError",
            _ if self.is_transient() => "NotionUnavailable",
            AccessError::Notion { .. } => "NotionError",
        }
    }
}

/// Settings every Notion-writing function reads.
#[derive(Debug, Clone)]
pub struct NotionSettings {
    pub base_url: String,
    pub version: ApiVersion,
    pub database: DatabaseId,
    pub names: PropertyNames,
    /// This container's Notion pace (`NOTION_REQUESTS_PER_SECOND`); unset: the client's 3/s.
    pub requests_per_second: Option<f64>,
}

impl NotionSettings {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self {
            base_url: config::notion_api_url(env),
            version: config::notion_version(env)?,
            database: DatabaseId::new(config::required(env, config::NOTION_DATABASE_ID)?),
            names: PropertyNames::from_env(env),
            requests_per_second: requests_per_second_in(env)?,
        })
    }
}

/// `NOTION_REQUESTS_PER_SECOND`: a positive number when set.
fn requests_per_second_in(env: &impl Env) -> Result<Option<f64>, ConfigError> {
    let hint = "a positive number of requests per second, e.g. 1.25";
    let rate: Option<f64> = config::parsed(env, config::NOTION_REQUESTS_PER_SECOND, hint)?;
    match rate {
        Some(r) if !(r.is_finite() && r > 0.0) => Err(ConfigError::Invalid {
            var: config::NOTION_REQUESTS_PER_SECOND,
            value_hint: hint,
            reason: format!("{r} is not positive"),
        }),
        other => Ok(other),
    }
}

/// Lazily built Notion client and schema, kept for the container's life.
pub struct NotionAccess {
    pub settings: NotionSettings,
    /// Shared with the client's token source (a 401 re-reads the secret).
    pub secrets: Arc<SecretsProvider>,
    client: OnceCell<NotionClient>,
    schema: OnceCell<BoundSchema>,
    retry: Option<notion::RetryPolicy>,
}

impl NotionAccess {
    pub fn new(settings: NotionSettings, secrets: SecretsProvider) -> Self {
        Self {
            settings,
            secrets: Arc::new(secrets),
            client: OnceCell::new(),
            schema: OnceCell::new(),
            retry: None,
        }
    }

    /// Retries other than the client's default (the worker waits out longer `Retry-After`s).
    pub fn with_retry(mut self, policy: notion::RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The container's client (built on first use, with the token from the secrets).
    pub async fn client(&self) -> Result<&NotionClient, AccessError> {
        self.client
            .get_or_try_init(|| async {
                let token = self.secrets.notion_token().await?;
                let mut config =
                    NotionConfig::new(&self.settings.base_url, token, self.settings.version);
                if let Some(rate) = self.settings.requests_per_second {
                    // A slow pace with the default burst of 3 would let every container spend
                    // 3 at once; the burst follows the pace.
                    config.requests_per_second = rate;
                    config.burst = (rate.ceil() as u32).clamp(1, 3);
                }
                if let Some(policy) = &self.retry {
                    config.retry = policy.clone();
                }
                let client = NotionClient::new(config).map_err(|source| AccessError::Notion {
                    context: "cannot build the Notion client",
                    source,
                })?;
                client.set_token_source(token_source(Arc::clone(&self.secrets)));
                Ok(client)
            })
            .await
    }

    /// The database itself (one read), with the error that names the fix when it is not shared.
    pub async fn read_database(&self, client: &NotionClient) -> Result<Database, AccessError> {
        client
            .retrieve_database(&self.settings.database)
            .await
            .map_err(|source| AccessError::Notion {
                context: if source.is_not_found() {
                    "the Notion database was not found: check NOTION_DATABASE_ID and share the database with the integration"
                } else {
                    "cannot read the Notion database"
                },
                source,
            })
    }

    /// The database schema, read once per container through `client` (a deadline-bound handle).
    pub async fn schema(&self, client: &NotionClient) -> Result<&BoundSchema, AccessError> {
        self.schema
            .get_or_try_init(|| async {
                let database = self.read_database(client).await?;
                let schema = BoundSchema::bind(&database, &self.settings.names)?;
                schema.warn_skipped();
                Ok(schema)
            })
            .await
    }
}

/// The client's source of a fresh token after a 401: the secret, fetched again (the client
/// compares it with the token Notion refused).
fn token_source(secrets: Arc<SecretsProvider>) -> notion::TokenSource {
    Arc::new(move || {
        let secrets = Arc::clone(&secrets);
        Box::pin(async move {
            match secrets.refresh().await {
                Ok(fresh) => fresh.notion_token.clone(),
                Err(error) => {
                    tracing::error!(error = %crate::telemetry::Chain(&error), "could not refresh secrets after a Notion 401");
                    None
                }
            }
        })
    })
}
