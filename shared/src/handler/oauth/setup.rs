//! The function's settings and clients, read once per container: the OAuth client, where the
//! callback is, the secret the token goes to, and the client secret (environment first, else
//! the secret's key, read once).

use tokio::sync::OnceCell;

use super::page::merge_token;
use super::{
    OAuthError, CALLBACK_PATH, DEFAULT_AUTHORIZE_URL, KEY_OAUTH_CLIENT_SECRET,
    NOTION_OAUTH_ALLOW_ANY_WORKSPACE, NOTION_OAUTH_AUTHORIZE_URL, NOTION_OAUTH_CLIENT_ID,
    NOTION_OAUTH_CLIENT_SECRET, NOTION_OAUTH_REDIRECT_URI, NOTION_OAUTH_WORKSPACE_ID,
};
use crate::config::{self, Env, SECRET_ID};
use crate::handler::setup::SetupError;
use crate::http::HttpRequest;
use crate::notion::{NotionClient, NotionConfig, OAuthToken};
use crate::secrets::SecretsManagerClient;

/// Settings and clients, built once per container.
pub(super) struct Setup {
    pub(super) client_id: String,
    client_secret_env: Option<String>,
    client_secret: OnceCell<String>,
    redirect_uri: Option<String>,
    pub(super) authorize_url: url::Url,
    pub(super) workspace_id: Option<String>,
    secret_id: String,
    secrets: SecretsManagerClient,
    /// Used only for the token exchange, which authenticates with Basic, not a Bearer token.
    pub(super) notion: NotionClient,
}

impl Setup {
    pub(super) fn from_env(env: &impl Env) -> Result<Self, SetupError> {
        let client_id = config::required(env, NOTION_OAUTH_CLIENT_ID)?;
        let secret_id = config::required(env, SECRET_ID)?;
        let workspace_id = workspace_pin(env)?;
        let secrets = SecretsManagerClient::from_env(env)?;
        let authorize_url =
            config::or_default(env, NOTION_OAUTH_AUTHORIZE_URL, DEFAULT_AUTHORIZE_URL);
        let authorize_url = config::http_url(NOTION_OAUTH_AUTHORIZE_URL, &authorize_url)?;
        let redirect_uri = config::optional(env, NOTION_OAUTH_REDIRECT_URI)
            .map(|uri| config::http_url(NOTION_OAUTH_REDIRECT_URI, &uri).map(String::from))
            .transpose()?;
        let version = config::notion_version(env)?;
        let notion = NotionClient::new(NotionConfig::new(
            config::notion_api_url(env),
            "oauth-exchange-only",
            version,
        ))
        .map_err(SetupError::Notion)?;
        Ok(Self {
            client_id,
            client_secret_env: config::optional(env, NOTION_OAUTH_CLIENT_SECRET),
            client_secret: OnceCell::new(),
            redirect_uri,
            authorize_url,
            workspace_id,
            secret_id,
            secrets,
            notion,
        })
    }

    /// The environment's value, else the secret's key, read once per container.
    pub(super) async fn client_secret(&self) -> Result<&str, OAuthError> {
        if let Some(secret) = &self.client_secret_env {
            return Ok(secret);
        }
        self.client_secret
            .get_or_try_init(|| async {
                let json = self
                    .secrets
                    .get_secret_string(&self.secret_id)
                    .await
                    .map_err(OAuthError::Secrets)?;
                serde_json::from_str::<serde_json::Value>(&json)
                    .ok()
                    .and_then(|v| {
                        v.get(KEY_OAUTH_CLIENT_SECRET)?
                            .as_str()
                            .map(str::trim)
                            .map(str::to_owned)
                    })
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| OAuthError::NoClientSecret {
                        secret_id: self.secret_id.clone(),
                    })
            })
            .await
            .map(String::as_str)
    }

    /// The configured callback URL, else this Function URL's `/callback` (domain from AWS's
    /// request context, `Host` only where there is none).
    pub(super) fn redirect_uri(&self, request: &HttpRequest) -> Result<String, OAuthError> {
        if let Some(uri) = &self.redirect_uri {
            return Ok(uri.clone());
        }
        let host = request
            .domain()
            .map(str::trim)
            .filter(|h| {
                !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
            })
            .ok_or(OAuthError::NoRedirect)?;
        Ok(format!("https://{host}{CALLBACK_PATH}"))
    }

    /// Reads the secret, sets `notion_token`, writes it back.
    pub(super) async fn store(&self, token: &OAuthToken) -> Result<(), OAuthError> {
        let store_error = |source| OAuthError::Store {
            secret_id: self.secret_id.clone(),
            source,
        };
        let existing = self
            .secrets
            .get_secret_string(&self.secret_id)
            .await
            .map_err(store_error)?;
        let merged = merge_token(&existing, token).map_err(|source| OAuthError::NotAnObject {
            secret_id: self.secret_id.clone(),
            source,
        })?;
        self.secrets
            .put_secret_string(&self.secret_id, &merged)
            .await
            .map_err(store_error)?;
        tracing::info!(secret_id = %self.secret_id, "stored the Notion token in the secret");
        Ok(())
    }
}

/// The one workspace whose tokens may be stored. Without it anyone who opens the Function URL
/// could replace the stored token with one for their own workspace, so it is required unless
/// the operator opts out explicitly (`NOTION_OAUTH_ALLOW_ANY_WORKSPACE=true`, for a public
/// integration meant to be connected by any workspace).
fn workspace_pin(env: &impl Env) -> Result<Option<String>, SetupError> {
    let pin = config::optional(env, NOTION_OAUTH_WORKSPACE_ID);
    let allow_any = config::parsed::<bool>(env, NOTION_OAUTH_ALLOW_ANY_WORKSPACE, "true or false")?
        .unwrap_or(false);
    if pin.is_none() && !allow_any {
        return Err(SetupError::WorkspacePinMissing);
    }
    Ok(pin)
}

/// Workspace ids compare without dashes or case.
pub(super) fn normalize_id(id: &str) -> String {
    id.chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase()
}
