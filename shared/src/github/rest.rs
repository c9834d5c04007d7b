//! A small GitHub REST client for the scheduled sync: issues changed since a time, one pull
//! request, webhook deliveries and redelivery.
//!
//! Entry point: [`GitHubClient::new`]. Every endpoint ends in the one private `send`, which
//! owns the headers (User-Agent is mandatory on GitHub, the token is a Bearer), honours rate
//! limits (see [`retry`]) within an optional deadline, and decodes errors into [`RestError`].

pub mod account;
mod existence;
pub mod issues;
pub mod link;
pub mod retry;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::{Stream, TryStreamExt};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use tokio::time::Instant;

use super::payload::{Issue, PullRequest};
use crate::config::is_repository_name;

pub const API_VERSION: &str = "2022-11-28";
pub const ACCEPT: &str = "application/vnd.github+json";
/// Without a deadline, a rate-limit wait longer than this fails instead of sleeping.
pub const MAX_WAIT_WITHOUT_DEADLINE: Duration = Duration::from_secs(60);
/// One slow answer must not eat a whole invocation.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("GitHub answered {status}: {message}")]
    Api {
        status: u16,
        message: String,
        documentation_url: Option<String>,
    },
    #[error("GitHub rate limit ({status}): retry in {retry_after:?}, past the time budget")]
    RateLimited { status: u16, retry_after: Duration },
    #[error("request to GitHub failed")]
    Request(#[source] reqwest::Error),
    #[error("GitHub answer for {path} does not parse")]
    Decode {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("time budget exhausted before the GitHub call")]
    DeadlineExceeded,
    #[error("{0:?} is not an owner/name repository")]
    InvalidRepository(String),
    #[error("GitHub pagination link {0:?} leaves the configured API base URL")]
    ForeignLink(String),
    #[error("GitHub API base URL {url:?} is not an http(s) URL")]
    InvalidBaseUrl { url: String },
}

impl RestError {
    /// Whether a later run may succeed (rate limits, 5xx, transport, deadline).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Api { status, .. } => *status >= 500,
            Self::RateLimited { .. } | Self::Request(_) | Self::DeadlineExceeded => true,
            Self::Decode { .. }
            | Self::InvalidRepository(_)
            | Self::ForeignLink(_)
            | Self::InvalidBaseUrl { .. } => false,
        }
    }
}

/// One webhook delivery attempt, from `GET /repos/{o}/{r}/hooks/{id}/deliveries`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct HookDelivery {
    pub id: u64,
    /// `X-GitHub-Delivery`; shared by a delivery and its redeliveries.
    pub guid: String,
    pub delivered_at: Option<String>,
    pub redelivery: bool,
    /// "OK" on success, else a description such as "Invalid HTTP Response: 503".
    pub status: Option<String>,
    pub status_code: Option<u16>,
    pub event: Option<String>,
    pub action: Option<String>,
}

impl HookDelivery {
    /// GitHub counts a delivery as good when the endpoint answered 2xx.
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|c| (200..300).contains(&c))
    }

    pub fn delivered_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(self.delivered_at.as_deref()?, &Rfc3339).ok()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApiErrorBody {
    message: Option<String>,
    documentation_url: Option<String>,
}

/// Cheap to clone; clones share the connection pool and the call counter.
#[derive(Clone)]
pub struct GitHubClient {
    http: reqwest::Client,
    base_url: String,
    token: Option<String>,
    user_agent: String,
    deadline: Option<Instant>,
    calls: Arc<AtomicU64>,
}

impl std::fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubClient")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl GitHubClient {
    /// `base_url` is `https://api.github.com` or a GHES/test URL (a path prefix is kept).
    pub fn new(
        base_url: impl Into<String>,
        token: Option<String>,
        user_agent: impl Into<String>,
    ) -> Result<Self, RestError> {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        let valid = url::Url::parse(&base_url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if !valid {
            return Err(RestError::InvalidBaseUrl { url: base_url });
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(RestError::Request)?;
        Ok(Self {
            http,
            base_url,
            token: token.filter(|t| !t.is_empty()),
            user_agent: user_agent.into(),
            deadline: None,
            calls: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Rate-limit waits and calls stop at `deadline` (e.g. the Lambda deadline minus a margin).
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// HTTP requests sent so far (retries included) by this client and its clones.
    pub fn call_count(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Pages of issues and pull requests of `repo` updated at or after `since`, oldest first
    /// (`state=all&sort=updated&direction=asc`, 100 per page).
    pub fn issue_pages(
        &self,
        repo: &str,
        since: Option<OffsetDateTime>,
    ) -> impl Stream<Item = Result<Vec<Issue>, RestError>> + '_ {
        let first = self.repo_url(repo, "/issues").map(|mut url| {
            let mut query = url.query_pairs_mut();
            query.append_pair("state", "all");
            if let Some(since) = since {
                // GitHub's `since` is inclusive; dropping sub-seconds only widens it.
                let utc = since.to_offset(UtcOffset::UTC);
                let whole = utc.replace_nanosecond(0).unwrap_or(utc);
                if let Ok(formatted) = whole.format(&Rfc3339) {
                    query.append_pair("since", &formatted);
                }
            }
            query.append_pair("sort", "updated");
            query.append_pair("direction", "asc");
            query.append_pair("per_page", "100");
            drop(query);
            url.to_string()
        });
        self.pages(first)
    }

    /// All of [`Self::issue_pages`], collected.
    pub async fn list_issues_since(
        &self,
        repo: &str,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<Issue>, RestError> {
        let pages: Vec<Vec<Issue>> = self.issue_pages(repo, since).try_collect().await?;
        Ok(pages.into_iter().flatten().collect())
    }

    pub async fn get_pull(&self, repo: &str, number: u64) -> Result<PullRequest, RestError> {
        let url = self.repo_url(repo, &format!("/pulls/{number}"))?;
        let response = self.send(Method::GET, url.as_str()).await?;
        decode(url.path(), response).await
    }

    /// Pages of deliveries of webhook `hook_id`, newest first (cursor pagination via `Link`).
    pub fn hook_delivery_pages(
        &self,
        repo: &str,
        hook_id: u64,
        per_page: u8,
    ) -> impl Stream<Item = Result<Vec<HookDelivery>, RestError>> + '_ {
        let first = self
            .repo_url(repo, &format!("/hooks/{hook_id}/deliveries"))
            .map(|mut url| {
                url.query_pairs_mut()
                    .append_pair("per_page", &per_page.clamp(1, 100).to_string());
                url.to_string()
            });
        self.pages(first)
    }

    /// Deliveries made at or after `since` (all of them when `None`), newest first. Stops
    /// paging at the first page that reaches past `since`.
    pub async fn list_hook_deliveries(
        &self,
        repo: &str,
        hook_id: u64,
        per_page: u8,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<HookDelivery>, RestError> {
        let pages = self.hook_delivery_pages(repo, hook_id, per_page);
        let mut pages = std::pin::pin!(pages);
        let mut deliveries = Vec::new();
        while let Some(page) = pages.try_next().await? {
            let is_recent = |d: &HookDelivery| match (since, d.delivered_at()) {
                (Some(since), Some(at)) => at >= since,
                _ => true,
            };
            let reached_older = page.iter().any(|d| !is_recent(d));
            deliveries.extend(page.into_iter().filter(is_recent));
            if reached_older {
                break;
            }
        }
        Ok(deliveries)
    }

    /// Asks GitHub to deliver `delivery_id` again (it answers 202 and delivers asynchronously).
    pub async fn redeliver(
        &self,
        repo: &str,
        hook_id: u64,
        delivery_id: u64,
    ) -> Result<(), RestError> {
        let url = self.repo_url(
            repo,
            &format!("/hooks/{hook_id}/deliveries/{delivery_id}/attempts"),
        )?;
        self.send(Method::POST, url.as_str()).await?;
        Ok(())
    }

    fn repo_url(&self, repo: &str, rest: &str) -> Result<url::Url, RestError> {
        if !is_repository_name(repo) {
            return Err(RestError::InvalidRepository(repo.to_owned()));
        }
        let raw = format!("{}/repos/{repo}{rest}", self.base_url);
        url::Url::parse(&raw).map_err(|_| RestError::InvalidBaseUrl { url: raw })
    }

    /// Follows `rel="next"` links from `first` until a page has none; an empty page (which
    /// GitHub sends when `since` excludes everything) simply has no next link.
    fn pages<T: DeserializeOwned>(
        &self,
        first: Result<String, RestError>,
    ) -> impl Stream<Item = Result<Vec<T>, RestError>> + '_ {
        let start = match first {
            Ok(url) => Ok(Some(url)),
            Err(e) => Err(e),
        };
        futures_util::stream::try_unfold(start, move |state| async move {
            let Some(url) = state? else {
                return Ok(None);
            };
            let response = self.send(Method::GET, &url).await?;
            let next = response
                .headers()
                .get(reqwest::header::LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(link::next_link)
                .map(str::to_owned);
            if let Some(next) = &next {
                // The token goes with every page: never send it to another host.
                if !next.starts_with(&format!("{}/", self.base_url)) {
                    return Err(RestError::ForeignLink(next.clone()));
                }
            }
            let path = url::Url::parse(&url)
                .map(|u| u.path().to_owned())
                .unwrap_or(url);
            let page: Vec<T> = decode(&path, response).await?;
            Ok(Some((page, Ok(next))))
        })
    }

    /// The one request path: headers, rate limits and 5xx retries within the deadline.
    async fn send(&self, method: Method, url: &str) -> Result<reqwest::Response, RestError> {
        self.send_json(method, url, None).await
    }

    /// [`Self::send`] with an optional JSON body (PATCH).
    async fn send_json(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<reqwest::Response, RestError> {
        let mut attempt = 0;
        loop {
            let remaining = match self.deadline {
                Some(deadline) => deadline
                    .checked_duration_since(Instant::now())
                    .filter(|d| !d.is_zero())
                    .ok_or(RestError::DeadlineExceeded)?,
                None => REQUEST_TIMEOUT,
            };
            let mut request = self
                .http
                .request(method.clone(), url)
                .timeout(remaining.min(REQUEST_TIMEOUT))
                .header(reqwest::header::USER_AGENT, &self.user_agent)
                .header(reqwest::header::ACCEPT, ACCEPT)
                .header("x-github-api-version", API_VERSION);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            self.calls.fetch_add(1, Ordering::Relaxed);
            let response = request.send().await.map_err(RestError::Request)?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(RestError::Request)?;
            let error: ApiErrorBody = serde_json::from_slice(&body).unwrap_or_default();
            let Some((reason, wait)) = retry::retry_delay(
                status.as_u16(),
                &headers,
                error.message.as_deref(),
                SystemTime::now(),
                attempt,
            ) else {
                return Err(api_error(status, error, &body));
            };
            let fits = match self.deadline {
                Some(deadline) => Instant::now() + wait < deadline,
                None => wait <= MAX_WAIT_WITHOUT_DEADLINE,
            };
            if !fits {
                return Err(match reason {
                    retry::RetryReason::RateLimited => RestError::RateLimited {
                        status: status.as_u16(),
                        retry_after: wait,
                    },
                    retry::RetryReason::ServerError => api_error(status, error, &body),
                });
            }
            tracing::warn!(
                status = status.as_u16(),
                ?wait,
                ?reason,
                "GitHub call will be retried"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

fn api_error(status: StatusCode, error: ApiErrorBody, body: &[u8]) -> RestError {
    let message = error.message.unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let snippet: String = text.chars().take(200).collect();
        format!("{} {snippet}", status.canonical_reason().unwrap_or("error"))
    });
    RestError::Api {
        status: status.as_u16(),
        message,
        documentation_url: error.documentation_url,
    }
}

async fn decode<T: DeserializeOwned>(
    path: &str,
    response: reqwest::Response,
) -> Result<T, RestError> {
    let bytes = response.bytes().await.map_err(RestError::Request)?;
    serde_json::from_slice(&bytes).map_err(|source| RestError::Decode {
        path: path.to_owned(),
        source,
    })
}
