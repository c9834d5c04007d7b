//! The CLI's view of the configuration: the functions' environment variables, with the global
//! flags written over them, read through the shared crate's `*_in(&env)` readers; and the clients
//! built from it the same way the functions build theirs.

use std::collections::HashMap;

use notion_relay::config::{self, ConfigError};
use notion_relay::github::GitHubClient;
use notion_relay::notion::{ApiVersion, DatabaseId, NotionClient, NotionConfig};
use notion_relay::secrets::{SecretsManagerClient, SecretsProvider};

use crate::args::Global;
use crate::error::CliError;

/// GitHub requires a User-Agent; this one names the CLI.
pub const USER_AGENT: &str = concat!("notion-relay/", env!("CARGO_PKG_VERSION"), " (cli)");

#[derive(Debug, Clone)]
pub struct Context {
    overrides: HashMap<&'static str, String>,
}

impl Context {
    pub fn new(global: &Global) -> Self {
        let mut overrides = HashMap::new();
        let pairs = [
            (config::NOTION_API_URL, &global.notion_api_url),
            (config::NOTION_VERSION, &global.notion_version),
            (config::NOTION_TOKEN, &global.notion_token),
            (config::NOTION_DATABASE_ID, &global.database_id),
            (config::SECRET_ID, &global.secret_id),
            (config::AWS_ENDPOINT_URL, &global.aws_endpoint_url),
            (config::GITHUB_API_URL, &global.github_api_url),
            (config::GITHUB_TOKEN, &global.github_token),
        ];
        for (var, value) in pairs {
            if let Some(value) = value {
                overrides.insert(var, value.clone());
            }
        }
        Self { overrides }
    }

    /// Adds an override after parsing (a subcommand's own flag for a variable).
    pub fn set(&mut self, var: &'static str, value: Option<&String>) {
        if let Some(value) = value {
            self.overrides.insert(var, value.clone());
        }
    }

    /// The lookup the shared readers take: a flag, else the process environment.
    pub fn env(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |var| {
            self.overrides
                .get(var)
                .cloned()
                .or_else(|| config::process_env(var))
        }
    }

    pub fn optional(&self, var: &str) -> Option<String> {
        config::optional(&self.env(), var)
    }

    pub fn notion_base_url(&self) -> String {
        config::notion_api_url(&self.env())
    }

    pub fn notion_version(&self) -> Result<ApiVersion, ConfigError> {
        config::notion_version(&self.env())
    }

    pub fn database_id(&self) -> Result<DatabaseId, ConfigError> {
        config::required(&self.env(), config::NOTION_DATABASE_ID).map(DatabaseId::new)
    }

    pub fn names(&self) -> config::PropertyNames {
        config::PropertyNames::from_env(&self.env())
    }

    /// The secrets as the functions see them: direct values first, then the secret.
    pub fn secrets(&self) -> Result<SecretsProvider, CliError> {
        Ok(SecretsProvider::from_env(&self.env())?)
    }

    /// A Notion client with the token the functions would use, paced at `requests_per_second`.
    pub async fn notion_with_rate(
        &self,
        requests_per_second: f64,
    ) -> Result<NotionClient, CliError> {
        let token = self.secrets()?.notion_token().await?;
        let mut cfg = NotionConfig::new(self.notion_base_url(), token, self.notion_version()?);
        cfg.requests_per_second = requests_per_second;
        NotionClient::new(cfg).map_err(CliError::notion("cannot build the client"))
    }

    pub async fn notion(&self) -> Result<NotionClient, CliError> {
        self.notion_with_rate(3.0).await
    }

    pub fn github_api_url(&self) -> Result<String, ConfigError> {
        config::github_api_url(&self.env())
    }

    /// A GitHub client with `token` (anonymous when `None`).
    pub fn github_with(&self, token: Option<String>) -> Result<GitHubClient, CliError> {
        GitHubClient::new(self.github_api_url()?, token, USER_AGENT)
            .map_err(CliError::github("cannot build the client"))
    }

    /// A GitHub client with the token the functions would use.
    pub async fn github(&self) -> Result<GitHubClient, CliError> {
        let token = self.secrets()?.github_token().await?;
        self.github_with(token)
    }

    /// The secret's id and a Secrets Manager client; `SECRET_ID` is required here.
    pub fn secret_store(&self) -> Result<(String, SecretsManagerClient), CliError> {
        let env = self.env();
        let id = config::required(&env, config::SECRET_ID)?;
        Ok((id, SecretsManagerClient::from_env(&env)?))
    }
}
