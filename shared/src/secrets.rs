//! The three secrets every function needs (Notion token, GitHub webhook secret(s), GitHub
//! token), fetched at most once per warm container.
//!
//! Entry point: [`SecretsProvider::from_env`], built once in `main`. Values set directly in the
//! environment (`NOTION_TOKEN`, `GITHUB_WEBHOOK_SECRET`, `GITHUB_TOKEN`) win; anything else
//! comes from the Secrets Manager secret `SECRET_ID`, a JSON object
//! `{"notion_token", "github_webhook_secret", "github_token"}`, fetched lazily on first use and
//! cached for a TTL (5 minutes by default) so that a rotated value is picked up without a
//! redeploy. [`SecretsProvider::refresh`] forces a re-fetch, e.g. after Notion answers 401.
//!
//! Neither errors nor logs ever contain a secret value; `Debug` of [`Secrets`] is redacted.

mod aws;
mod store;
#[cfg(test)]
pub(crate) mod test_server;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use aws::{
    SecretsManagerClient, AWS_ACCESS_KEY_ID, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER,
    AWS_REGION, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
};
pub use store::merge_key;

use crate::config::{
    optional, ConfigError, Env, GITHUB_TOKEN, GITHUB_WEBHOOK_SECRET, NOTION_TOKEN,
    NOTION_WEBHOOK_SECRET, SECRET_ID,
};

/// How long a fetched secret is trusted before the next use fetches it again.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5 * 60);

pub const KEY_NOTION_TOKEN: &str = "notion_token";
pub const KEY_GITHUB_WEBHOOK_SECRET: &str = "github_webhook_secret";
pub const KEY_GITHUB_TOKEN: &str = "github_token";
/// The Notion webhook subscription's verification token (two-way sync).
pub const KEY_NOTION_WEBHOOK_SECRET: &str = "notion_webhook_secret";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{key} is not configured: set {env_var}, or set SECRET_ID to a Secrets Manager secret whose JSON has the key {key}")]
    NotConfigured {
        key: &'static str,
        env_var: &'static str,
    },
    #[error("AWS credentials are missing: {var} is not set (Lambda sets it; for local runs export it, or set the secret values directly instead of SECRET_ID)")]
    MissingCredentials { var: &'static str },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("request to Secrets Manager failed")]
    Request(#[source] reqwest::Error),
    #[error("cannot sign the Secrets Manager request")]
    Signing(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("Secrets Manager answered {status} {type_}: {message}")]
    Aws {
        status: u16,
        type_: String,
        message: String,
    },
    #[error("secret {secret_id} is unusable: {reason}")]
    InvalidSecretJson {
        secret_id: String,
        reason: &'static str,
        #[source]
        source: Option<serde_json::Error>,
    },
    #[error("secret {secret_id} has no key {key}")]
    MissingKey {
        secret_id: String,
        key: &'static str,
    },
}

/// The secret values. Blank values are `None` / left out.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    pub notion_token: Option<String>,
    /// Every secret a delivery may be signed with; more than one while rotating.
    pub github_webhook_secrets: Vec<String>,
    pub github_token: Option<String>,
    /// The Notion webhook subscription's verification token (notion-webhook only).
    pub notion_webhook_secret: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |v: &Option<String>| if v.is_some() { "<redacted>" } else { "<unset>" };
        f.debug_struct("Secrets")
            .field("notion_token", &redact(&self.notion_token))
            .field(
                "github_webhook_secrets",
                &format_args!("<{} redacted>", self.github_webhook_secrets.len()),
            )
            .field("github_token", &redact(&self.github_token))
            .field(
                "notion_webhook_secret",
                &redact(&self.notion_webhook_secret),
            )
            .finish()
    }
}

impl Secrets {
    /// The direct values from the environment.
    pub fn from_env(env: &impl Env) -> Self {
        Self {
            notion_token: optional(env, NOTION_TOKEN),
            github_webhook_secrets: optional(env, GITHUB_WEBHOOK_SECRET)
                .map(|v| split_secrets(&v))
                .unwrap_or_default(),
            github_token: optional(env, GITHUB_TOKEN),
            notion_webhook_secret: optional(env, NOTION_WEBHOOK_SECRET),
        }
    }

    /// Reads the secret's JSON object. Unknown keys are ignored; a missing key is only an
    /// error when that value is asked for. `github_webhook_secret` may be a string (split on
    /// commas and newlines) or an array of strings, to allow rotation.
    pub fn from_secret_json(secret_id: &str, json: &str) -> Result<Self, Error> {
        let invalid = |reason| Error::InvalidSecretJson {
            secret_id: secret_id.to_owned(),
            reason,
            source: None,
        };
        // Parse to a Value first: serde's type errors quote the offending value, syntax
        // errors only give a position.
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|source| Error::InvalidSecretJson {
                secret_id: secret_id.to_owned(),
                reason: "SecretString is not JSON",
                source: Some(source),
            })?;
        let object = value
            .as_object()
            .ok_or_else(|| invalid("SecretString is not a JSON object"))?;
        let string = |key, reason| match object.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => {
                Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty()))
            }
            Some(_) => Err(invalid(reason)),
        };
        let github_webhook_secrets = match object.get(KEY_GITHUB_WEBHOOK_SECRET) {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::String(s)) => split_secrets(s),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::trim))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("github_webhook_secret array holds a non-string"))?
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            Some(_) => return Err(invalid("github_webhook_secret is not a string or array")),
        };
        Ok(Self {
            notion_token: string(KEY_NOTION_TOKEN, "notion_token is not a string")?,
            github_webhook_secrets,
            github_token: string(KEY_GITHUB_TOKEN, "github_token is not a string")?,
            notion_webhook_secret: string(
                KEY_NOTION_WEBHOOK_SECRET,
                "notion_webhook_secret is not a string",
            )?,
        })
    }

    /// `self` where set, `fallback` elsewhere.
    fn or(self, fallback: Secrets) -> Secrets {
        Secrets {
            notion_token: self.notion_token.or(fallback.notion_token),
            github_webhook_secrets: if self.github_webhook_secrets.is_empty() {
                fallback.github_webhook_secrets
            } else {
                self.github_webhook_secrets
            },
            github_token: self.github_token.or(fallback.github_token),
            notion_webhook_secret: self
                .notion_webhook_secret
                .or(fallback.notion_webhook_secret),
        }
    }

    fn is_complete(&self) -> bool {
        self.notion_token.is_some()
            && !self.github_webhook_secrets.is_empty()
            && self.github_token.is_some()
    }
}

/// Splits a rotation list on commas and newlines. (A webhook secret containing a comma must
/// therefore be given in a JSON array.)
fn split_secrets(raw: &str) -> Vec<String> {
    raw.split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The time source for the TTL; tests inject a manual one.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

struct Remote {
    secret_id: String,
    client: SecretsManagerClient,
}

struct Cached {
    secrets: Arc<Secrets>,
    fetched_at: Instant,
}

/// Secrets for one container: environment overrides plus a cached Secrets Manager secret.
pub struct SecretsProvider {
    overrides: Arc<Secrets>,
    remote: Option<Remote>,
    ttl: Duration,
    clock: Clock,
    /// Held across a fetch, so concurrent callers wait for one fetch instead of each sending one.
    cache: tokio::sync::Mutex<Option<Cached>>,
    fetches: AtomicU64,
}

impl std::fmt::Debug for SecretsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsProvider")
            .field("overrides", &self.overrides)
            .field("secret_id", &self.remote.as_ref().map(|r| &r.secret_id))
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl SecretsProvider {
    /// Reads the overrides and `SECRET_ID`. The AWS settings are only required (and read) when
    /// the overrides leave something for the secret to provide. Nothing is fetched yet.
    pub fn from_env(env: &impl Env) -> Result<Self, Error> {
        let overrides = Secrets::from_env(env);
        let secret = match optional(env, SECRET_ID) {
            Some(id) if !overrides.is_complete() => {
                Some((id, SecretsManagerClient::from_env(env)?))
            }
            _ => None,
        };
        Ok(Self::new(overrides, secret))
    }

    /// `secret` is the secret id and the client to fetch it with.
    pub fn new(overrides: Secrets, secret: Option<(String, SecretsManagerClient)>) -> Self {
        Self {
            overrides: Arc::new(overrides),
            remote: secret.map(|(secret_id, client)| Remote { secret_id, client }),
            ttl: DEFAULT_TTL,
            clock: Arc::new(Instant::now),
            cache: tokio::sync::Mutex::new(None),
            fetches: AtomicU64::new(0),
        }
    }

    /// Fixed values, never fetched (tests and local tools).
    pub fn from_values(secrets: Secrets) -> Self {
        Self::new(secrets, None)
    }

    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// How many times the secret was fetched from Secrets Manager.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The current secrets: cached while younger than the TTL. If a re-fetch after the TTL
    /// fails, the previous values are served (with a warning) rather than failing requests.
    pub async fn get(&self) -> Result<Arc<Secrets>, Error> {
        let Some(remote) = &self.remote else {
            return Ok(self.overrides.clone());
        };
        let mut cache = self.cache.lock().await;
        let now = (self.clock)();
        if let Some(cached) = cache.as_ref() {
            if now.saturating_duration_since(cached.fetched_at) < self.ttl {
                return Ok(cached.secrets.clone());
            }
        }
        match self.fetch(remote).await {
            Ok(secrets) => Ok(store(&mut cache, secrets, now)),
            Err(error) => match cache.as_ref() {
                Some(stale) => {
                    tracing::warn!(error = %crate::telemetry::Chain(&error), secret_id = %remote.secret_id,
                        "re-fetching secrets failed; using the cached values");
                    Ok(stale.secrets.clone())
                }
                None => Err(error),
            },
        }
    }

    /// Fetches the secret again now, whatever its age (e.g. after Notion rejected the token).
    pub async fn refresh(&self) -> Result<Arc<Secrets>, Error> {
        let Some(remote) = &self.remote else {
            return Ok(self.overrides.clone());
        };
        let mut cache = self.cache.lock().await;
        let secrets = self.fetch(remote).await?;
        Ok(store(&mut cache, secrets, (self.clock)()))
    }

    async fn fetch(&self, remote: &Remote) -> Result<Secrets, Error> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let json = remote.client.get_secret_string(&remote.secret_id).await?;
        let fetched = Secrets::from_secret_json(&remote.secret_id, &json)?;
        tracing::info!(secret_id = %remote.secret_id, "fetched secrets from Secrets Manager");
        Ok(Secrets::clone(&self.overrides).or(fetched))
    }

    /// The Notion token, or an error naming where it should have been.
    pub async fn notion_token(&self) -> Result<String, Error> {
        let secrets = self.get().await?;
        secrets
            .notion_token
            .clone()
            .ok_or_else(|| self.missing(KEY_NOTION_TOKEN, NOTION_TOKEN))
    }

    /// The webhook secrets (at least one), or an error naming where they should have been.
    pub async fn webhook_secrets(&self) -> Result<Vec<String>, Error> {
        let secrets = self.get().await?;
        if secrets.github_webhook_secrets.is_empty() {
            return Err(self.missing(KEY_GITHUB_WEBHOOK_SECRET, GITHUB_WEBHOOK_SECRET));
        }
        Ok(secrets.github_webhook_secrets.clone())
    }

    /// The GitHub token; optional, since public repositories can be read without one.
    pub async fn github_token(&self) -> Result<Option<String>, Error> {
        Ok(self.get().await?.github_token.clone())
    }

    fn missing(&self, key: &'static str, env_var: &'static str) -> Error {
        match &self.remote {
            Some(remote) => Error::MissingKey {
                secret_id: remote.secret_id.clone(),
                key,
            },
            None => Error::NotConfigured { key, env_var },
        }
    }
}

fn store(cache: &mut Option<Cached>, secrets: Secrets, now: Instant) -> Arc<Secrets> {
    let secrets = Arc::new(secrets);
    *cache = Some(Cached {
        secrets: secrets.clone(),
        fetched_at: now,
    });
    secrets
}
