//! The token's user and repository webhooks: `GET /user` (with `X-OAuth-Scopes`, which GitHub
//! sends for classic and OAuth tokens and not for fine-grained ones) and
//! `GET /repos/{owner}/{repo}/hooks/{id}` (the secret is never returned, only `"********"`),
//! as in GitHub's REST reference ("Get the authenticated user", "Get a repository webhook").

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::guard::error;
use super::state::Shared;

/// Who the configured token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub login: String,
    /// `X-OAuth-Scopes`; `None` answers without the header, as for a fine-grained token.
    pub scopes: Option<String>,
    /// Webhooks by (repository, id).
    pub hooks: BTreeMap<(String, u64), Hook>,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            login: "relay-operator".into(),
            scopes: Some("repo, admin:repo_hook".into()),
            hooks: BTreeMap::new(),
        }
    }
}

/// A repository webhook's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    pub url: String,
    pub has_secret: bool,
    pub events: Vec<String>,
    pub active: bool,
}

impl Hook {
    /// What the README tells users to set up: JSON, a secret, the three synced events.
    pub fn relay(url: &str) -> Hook {
        Hook {
            url: url.to_string(),
            has_secret: true,
            events: vec![
                "issues".into(),
                "pull_request".into(),
                "issue_comment".into(),
            ],
            active: true,
        }
    }
}

pub async fn user(State(shared): State<Arc<Shared>>) -> Response {
    let account = shared.lock().account.clone();
    let mut response = Json(json!({
        "login": account.login,
        "id": 583231,
        "type": "User",
        "site_admin": false,
    }))
    .into_response();
    if let Some(scopes) = account.scopes {
        if let Ok(value) = HeaderValue::from_str(&scopes) {
            response.headers_mut().insert("x-oauth-scopes", value);
        }
    }
    response
}

pub async fn get_hook(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, hook)): Path<(String, String, u64)>,
) -> Response {
    let full = format!("{owner}/{repo}");
    let found = shared
        .lock()
        .account
        .hooks
        .get(&(full.clone(), hook))
        .cloned();
    let Some(h) = found else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    let api = &shared.base_url;
    let mut config = json!({"content_type": "json", "insecure_ssl": "0", "url": h.url});
    if h.has_secret {
        config["secret"] = json!("********");
    }
    Json(json!({
        "type": "Repository",
        "id": hook,
        "name": "web",
        "active": h.active,
        "events": h.events,
        "config": config,
        "url": format!("{api}/repos/{full}/hooks/{hook}"),
        "deliveries_url": format!("{api}/repos/{full}/hooks/{hook}/deliveries"),
    }))
    .into_response()
}
