//! What an operator checks about the GitHub side (`notion-relay check`): who the token is and
//! which scopes it carries, and the repository webhook the relay receives from.
//!
//! Scopes come from the `X-OAuth-Scopes` header of any authenticated answer; classic personal
//! access tokens and OAuth tokens have it, fine-grained tokens and GitHub App tokens do not (their
//! permissions are not visible through the API), so [`Identity::scopes`] is `None` for them.

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::{decode, GitHubClient, RestError};

/// The authenticated user (`GET /user`) and the token's classic scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub login: String,
    /// `None` when GitHub sent no `X-OAuth-Scopes` header (fine-grained or App token).
    pub scopes: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct UserBody {
    #[serde(default)]
    login: String,
}

/// A repository webhook (`GET /repos/{owner}/{repo}/hooks/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Hook {
    pub id: u64,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub config: HookConfig,
}

/// The hook's delivery settings. GitHub never returns the secret, only `"********"` when one is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct HookConfig {
    pub url: Option<String>,
    pub content_type: Option<String>,
    pub secret: Option<String>,
    /// `"0"` or `"1"` (GitHub sends a string; some answers send a number).
    pub insecure_ssl: Option<Value>,
}

impl Hook {
    pub fn has_secret(&self) -> bool {
        self.config.secret.as_deref().is_some_and(|s| !s.is_empty())
    }
}

/// Parses `X-OAuth-Scopes: repo, admin:repo_hook` into its scopes (an empty header: no scopes).
pub fn parse_scopes(header: &str) -> Vec<String> {
    header
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl GitHubClient {
    /// Who the token belongs to, and its scopes. A bad token is `RestError::Api { status: 401 }`.
    pub async fn identity(&self) -> Result<Identity, RestError> {
        let url = format!("{}/user", self.base_url);
        let response = self.send(Method::GET, &url).await?;
        let scopes = response
            .headers()
            .get("x-oauth-scopes")
            .and_then(|v| v.to_str().ok())
            .map(parse_scopes);
        let user: UserBody = decode("/user", response).await?;
        Ok(Identity {
            login: user.login,
            scopes,
        })
    }

    /// One repository webhook; 404 when it does not exist or the token may not read hooks.
    pub async fn get_hook(&self, repo: &str, hook_id: u64) -> Result<Hook, RestError> {
        let url = self.repo_url(repo, &format!("/hooks/{hook_id}"))?;
        let response = self.send(Method::GET, url.as_str()).await?;
        decode(url.path(), response).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::test_server::{Canned, TestServer};

    #[test]
    fn scopes_are_split_on_commas_and_an_empty_header_means_none() {
        assert_eq!(
            parse_scopes("repo, admin:repo_hook"),
            vec!["repo", "admin:repo_hook"]
        );
        assert!(parse_scopes("").is_empty());
    }

    #[test]
    fn a_hook_with_a_masked_secret_has_one() {
        let hook: Hook = serde_json::from_str(
            r#"{"id": 7, "active": true, "events": ["issues"], "config": {"url": "https://x", "content_type": "json", "secret": "********", "insecure_ssl": "0"}}"#,
        )
        .unwrap();
        assert!(hook.has_secret());
        let bare: Hook =
            serde_json::from_str(r#"{"id": 7, "config": {"url": "https://x"}}"#).unwrap();
        assert!(!bare.has_secret());
    }

    #[tokio::test]
    async fn identity_reads_the_login_and_a_missing_scopes_header_is_none() {
        let server = TestServer::start(vec![Canned::json(200, r#"{"login": "octocat"}"#)]).await;
        let client = GitHubClient::new(&server.url, Some("github_pat_x".into()), "t").unwrap();
        let identity = client.identity().await.unwrap();
        assert_eq!(identity.login, "octocat");
        assert_eq!(identity.scopes, None);
        assert_eq!(server.requests()[0].path, "/user");
    }

    #[tokio::test]
    async fn identity_reads_classic_scopes_from_the_header() {
        let server = TestServer::start(vec![Canned::json(200, r#"{"login": "octocat"}"#)
            .with_header("x-oauth-scopes", "repo, admin:repo_hook")])
        .await;
        let client = GitHubClient::new(&server.url, Some("ghp_x".into()), "t").unwrap();
        let identity = client.identity().await.unwrap();
        assert_eq!(
            identity.scopes,
            Some(vec!["repo".to_owned(), "admin:repo_hook".to_owned()])
        );
    }
}
