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
use crate::config::{self, SECRET_ID};
use crate::http::HttpRequest;
use crate::notion::{ApiVersion, NotionClient, NotionConfig, OAuthToken};
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
    pub(super) fn from_env_in(env: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let text = |e: config::ConfigError| e.to_string();
        let client_id = config::required_in(env, NOTION_OAUTH_CLIENT_ID).map_err(text)?;
        let secret_id = config::required_in(env, SECRET_ID).map_err(text)?;
        let workspace_id = workspace_pin(env)?;
        let secrets = SecretsManagerClient::from_env_in(env).map_err(|e| e.to_string())?;
        let authorize_url =
            config::or_default_in(env, NOTION_OAUTH_AUTHORIZE_URL, DEFAULT_AUTHORIZE_URL);
        let authorize_url = http_url(NOTION_OAUTH_AUTHORIZE_URL, &authorize_url)?;
        let redirect_uri = config::optional_in(env, NOTION_OAUTH_REDIRECT_URI)
            .map(|uri| http_url(NOTION_OAUTH_REDIRECT_URI, &uri).map(String::from))
            .transpose()?;
        let base_url =
            config::or_default_in(env, config::NOTION_API_URL, config::DEFAULT_NOTION_API_URL);
        let version =
            config::or_default_in(env, config::NOTION_VERSION, config::DEFAULT_NOTION_VERSION)
                .parse::<ApiVersion>()
                .map_err(|e| format!("{}: {e}", config::NOTION_VERSION))?;
        let notion = NotionClient::new(NotionConfig::new(base_url, "oauth-exchange-only", version))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client_id,
            client_secret_env: config::optional_in(env, NOTION_OAUTH_CLIENT_SECRET),
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
fn workspace_pin(env: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, String> {
    let pin = config::optional_in(env, NOTION_OAUTH_WORKSPACE_ID);
    let allow_any =
        config::parsed_in::<bool>(env, NOTION_OAUTH_ALLOW_ANY_WORKSPACE, "true or false")
            .map_err(|e| e.to_string())?
            .unwrap_or(false);
    if pin.is_none() && !allow_any {
        return Err(format!(
            "{NOTION_OAUTH_WORKSPACE_ID} is not set: set it to the id of the Notion workspace \
             whose token may be stored (otherwise anyone who opens this URL could replace the \
             token), or set {NOTION_OAUTH_ALLOW_ANY_WORKSPACE}=true to accept any workspace"
        ));
    }
    Ok(pin)
}

fn http_url(var: &'static str, value: &str) -> Result<url::Url, String> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(url),
        _ => Err(config::ConfigError::Invalid {
            var,
            value_hint: "an http(s) URL",
            reason: format!("{value:?} is not an http(s) URL with a host"),
        }
        .to_string()),
    }
}

/// Workspace ids compare without dashes or case.
pub(super) fn normalize_id(id: &str) -> String {
    id.chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase()
}
