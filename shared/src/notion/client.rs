//! The Notion HTTP client: configuration, the handle every function shares, and the ONE private
//! send path every endpoint method ends in.
//!
//! `send` owns the `Authorization: Bearer` header (marked sensitive), `Notion-Version`, JSON, the
//! pacing shared by all clones, retries and error decoding (via `send::with_retries`). Endpoint
//! methods live in `client/{databases,content}.rs` and are a few lines each.
//!
//! ```no_run
//! # async fn demo() -> Result<(), notion_relay::notion::Error> {
//! use notion_relay::notion::{ApiVersion, NotionClient, NotionConfig, DatabaseId};
//! let client = NotionClient::new(NotionConfig::new("https://api.notion.com", "ntn_x", ApiVersion::V2022_06_28))?;
//! let budgeted = client.with_deadline(tokio::time::Instant::now() + std::time::Duration::from_secs(8));
//! let db = budgeted.retrieve_database(&DatabaseId::new("16cabc1e-edcd-8162-9ab8-c71fc1e7ee93")).await?;
//! # let _ = db; Ok(()) }
//! ```

mod content;
mod databases;
mod schema;
mod users;

pub use users::BotUser;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use super::error::{body_snippet, Error};
use super::pacer::Pacer;
use super::retry::RetryPolicy;
use super::send::{with_retries, Answer, Budget, Retries};
use super::types::{DataSourceId, DatabaseId};

/// The `Notion-Version`s this client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// Databases hold their schema and are queried directly.
    V2022_06_28,
    /// Data sources: a database holds data sources, which hold the schema and the rows.
    V2025_09_03,
    /// Data sources, and `archived` removed: only `in_trash` in requests and answers, `position`
    /// instead of `after` on appends (developers.notion.com/docs/upgrade-guide-2026-03-11).
    V2026_03_11,
}

impl ApiVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2022_06_28 => "2022-06-28",
            ApiVersion::V2025_09_03 => "2025-09-03",
            ApiVersion::V2026_03_11 => "2026-03-11",
        }
    }

    /// Whether databases are reached through data sources.
    pub fn uses_data_sources(self) -> bool {
        matches!(self, ApiVersion::V2025_09_03 | ApiVersion::V2026_03_11)
    }

    /// The body that moves a page or block to the trash: `archived` under 2022-06-28 (where
    /// `in_trash` came later), `in_trash` from 2025-09-03 (the only name from 2026-03-11).
    pub fn trash_body(self) -> serde_json::Value {
        match self {
            ApiVersion::V2022_06_28 => serde_json::json!({ "archived": true }),
            _ => serde_json::json!({ "in_trash": true }),
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim() {
            "2022-06-28" => Ok(ApiVersion::V2022_06_28),
            "2025-09-03" => Ok(ApiVersion::V2025_09_03),
            "2026-03-11" => Ok(ApiVersion::V2026_03_11),
            other => Err(Error::Config(format!(
                "unsupported Notion-Version {other:?}; supported: 2022-06-28, 2025-09-03, 2026-03-11"
            ))),
        }
    }
}

/// Everything needed to build a [`NotionClient`]. `Debug` redacts the token.
#[derive(Clone)]
pub struct NotionConfig {
    /// e.g. `https://api.notion.com`; paths are `/v1/...`.
    pub base_url: String,
    pub token: String,
    pub version: ApiVersion,
    /// Average pace of all requests of all clones (Notion allows 3/s per integration).
    pub requests_per_second: f64,
    /// Requests that may go at once after an idle spell.
    pub burst: u32,
    /// Per attempt; shortened to what is left of a handle's deadline.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl NotionConfig {
    /// Defaults: 3 requests/s, burst 3, 8 s per attempt, [`RetryPolicy::default`].
    pub fn new(base_url: impl Into<String>, token: impl Into<String>, version: ApiVersion) -> Self {
        NotionConfig {
            base_url: base_url.into(),
            token: token.into(),
            version,
            requests_per_second: 3.0,
            burst: 3,
            request_timeout: Duration::from_secs(8),
            retry: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for NotionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotionConfig")
            .field("base_url", &self.base_url)
            .field("token", &"<redacted>")
            .field("version", &self.version)
            .field("requests_per_second", &self.requests_per_second)
            .field("burst", &self.burst)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// State shared by every clone and every `with_deadline` handle.
struct Shared {
    http: reqwest::Client,
    base_url: String,
    version: ApiVersion,
    token: RwLock<String>,
    pacer: Pacer,
    retry: RetryPolicy,
    request_timeout: Duration,
    /// Database → data source, resolved once per container (2025-09-03).
    data_sources: Mutex<HashMap<DatabaseId, DataSourceId>>,
    /// Where a new token comes from after Notion answered 401 (see [`TokenSource`]).
    token_source: std::sync::OnceLock<TokenSource>,
}

/// Asked once per request that Notion answered 401 (the token was rotated or revoked): a fresh
/// token, or `None` when there is none. The one place the "401 → re-read the secret → retry
/// once" rule lives: every call of every function goes through it (`send_as`).
pub type TokenSource = Arc<
    dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<String>> + Send>>
        + Send
        + Sync,
>;

/// A Notion API handle. Cheap to clone (clones share everything, including the call counter);
/// [`NotionClient::with_deadline`] makes a handle with its own deadline and counter.
#[derive(Clone)]
pub struct NotionClient {
    shared: Arc<Shared>,
    deadline: Option<Instant>,
    calls: Arc<AtomicU64>,
    /// Narrowed by [`NotionClient::without_ambiguous_retries`] / [`NotionClient::without_retries`].
    retries: Retries,
}

impl fmt::Debug for NotionClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotionClient")
            .field("base_url", &self.shared.base_url)
            .field("version", &self.shared.version)
            .field("deadline", &self.deadline)
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

/// How a request authenticates.
enum Auth {
    /// The integration token (`set_token` may change it).
    Bearer,
    /// `Basic base64(client_id:client_secret)`, for the OAuth token exchange.
    Basic(String),
}

impl NotionClient {
    pub fn new(cfg: NotionConfig) -> Result<Self, Error> {
        let base_url = cfg.base_url.trim_end_matches('/').to_owned();
        url::Url::parse(&base_url)
            .map_err(|e| Error::Config(format!("NOTION_API_URL {base_url:?} is not a URL: {e}")))?;
        if !(cfg.requests_per_second.is_finite() && cfg.requests_per_second > 0.0) {
            return Err(Error::Config(format!(
                "requests_per_second must be positive, got {}",
                cfg.requests_per_second
            )));
        }
        bearer(&cfg.token)?;
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.request_timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("notion-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(NotionClient {
            shared: Arc::new(Shared {
                http,
                base_url,
                version: cfg.version,
                token: RwLock::new(cfg.token),
                pacer: Pacer::new(cfg.requests_per_second, cfg.burst),
                retry: cfg.retry,
                request_timeout: cfg.request_timeout,
                data_sources: Mutex::new(HashMap::new()),
                token_source: std::sync::OnceLock::new(),
            }),
            deadline: None,
            calls: Arc::new(AtomicU64::new(0)),
            retries: Retries::All,
        })
    }

    /// A handle whose retries (and pacing waits) never run past `deadline`; it shares the HTTP
    /// client, pacer, token and caches, and counts its own calls from zero.
    pub fn with_deadline(&self, deadline: Instant) -> NotionClient {
        NotionClient {
            shared: Arc::clone(&self.shared),
            deadline: Some(deadline),
            calls: Arc::new(AtomicU64::new(0)),
            retries: self.retries,
        }
    }

    /// The same handle (deadline and call counter shared) that does NOT repeat a request whose
    /// failure leaves it unknown whether Notion applied it (a timeout, a 5xx): for creates,
    /// which the caller re-checks by key before trying again. Rate limits and connection
    /// failures (nothing applied) are still retried.
    pub fn without_ambiguous_retries(&self) -> NotionClient {
        NotionClient {
            retries: Retries::Unambiguous,
            ..self.clone()
        }
    }

    /// The same handle that sends every request once: for a write decided from a read (an
    /// update after a stale check), where a retry seconds later could land after a newer
    /// write; the caller reads again and decides again.
    pub fn without_retries(&self) -> NotionClient {
        NotionClient {
            retries: Retries::None,
            ..self.clone()
        }
    }

    /// HTTP attempts sent through this handle (and its clones); retries count.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Installs where a fresh token comes from after a 401, for every clone (first call wins).
    pub fn set_token_source(&self, source: TokenSource) {
        let _ = self.shared.token_source.set(source);
    }

    /// Replaces the token for every clone (after a 401 and a secret refresh).
    pub fn set_token(&self, token: String) {
        *self.shared.token.write().unwrap_or_else(|p| p.into_inner()) = token;
    }

    pub fn version(&self) -> ApiVersion {
        self.shared.version
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The one send path, authenticated with the integration token.
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, Error> {
        self.send_as(Auth::Bearer, method, path, body).await
    }

    async fn send_as<T: DeserializeOwned>(
        &self,
        auth: Auth,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, Error> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| Error::InvalidRequest(format!("cannot encode the request body: {e}")))?;
        let url = format!("{}{}", self.shared.base_url, path);
        let budget = Budget {
            pacer: &self.shared.pacer,
            policy: &self.shared.retry,
            deadline: self.deadline,
            calls: &self.calls,
            request_timeout: self.shared.request_timeout,
            retries: self.retries,
        };
        let send = || {
            with_retries(budget, method.as_str(), path, |timeout| {
                attempt(self.request(&auth, method.clone(), &url, body.clone(), timeout))
            })
        };
        let answer = match send().await {
            Err(error) if error.is_unauthorized() && matches!(auth, Auth::Bearer) => {
                if !self.take_fresh_token().await {
                    return Err(error);
                }
                send().await?
            }
            other => other?,
        };
        serde_json::from_slice(&answer.body).map_err(|source| Error::Decode {
            status: answer.status,
            body_snippet: body_snippet(&answer.body),
            source,
        })
    }

    /// After a 401: asks the token source for a token and uses it if it differs from the one
    /// Notion refused. Whether there is a new token worth one more try.
    async fn take_fresh_token(&self) -> bool {
        let Some(source) = self.shared.token_source.get() else {
            return false;
        };
        let Some(fresh) = source().await else {
            return false;
        };
        let current = self
            .shared
            .token
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if fresh == current {
            return false;
        }
        tracing::info!("Notion rejected the token; using the refreshed one from the secret");
        self.set_token(fresh);
        true
    }

    /// Builds one attempt; headers are rebuilt each time so a `set_token` between retries counts.
    fn request(
        &self,
        auth: &Auth,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> reqwest::RequestBuilder {
        let mut headers = HeaderMap::new();
        let authorization = match auth {
            Auth::Bearer => {
                let token = self.shared.token.read().unwrap_or_else(|p| p.into_inner());
                bearer(&token)
            }
            Auth::Basic(credentials) => sensitive(&format!("Basic {credentials}")),
        };
        // `new` validates the token; one given later to `set_token` that a header cannot carry is
        // left out, so Notion answers 401 (a clear, non-retried error) instead of us panicking.
        if let Ok(value) = authorization {
            headers.insert(AUTHORIZATION, value);
        }
        headers.insert(
            "Notion-Version",
            HeaderValue::from_static(self.shared.version.as_str()),
        );
        let mut builder = self
            .shared
            .http
            .request(method, url)
            .headers(headers)
            .timeout(timeout);
        if let Some(body) = body {
            builder = builder.header(CONTENT_TYPE, "application/json").body(body);
        }
        builder
    }

    /// The data source of a database (2025-09-03), resolved once and cached for all clones.
    async fn data_source_of(&self, id: &DatabaseId) -> Result<DataSourceId, Error> {
        if let Some(ds) = self.cached_data_source(id) {
            return Ok(ds);
        }
        let db: super::types::Database = self
            .send(Method::GET, &format!("/v1/databases/{id}"), None::<&()>)
            .await?;
        self.remember_data_source(&db)
    }

    fn cached_data_source(&self, id: &DatabaseId) -> Option<DataSourceId> {
        let cache = self
            .shared
            .data_sources
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        cache.get(id).cloned()
    }

    /// Caches the first data source of a 2025-09-03 database answer.
    fn remember_data_source(&self, db: &super::types::Database) -> Result<DataSourceId, Error> {
        let first = db.data_sources.first().ok_or_else(|| {
            Error::InvalidRequest(format!("database {} has no data source", db.id))
        })?;
        if db.data_sources.len() > 1 {
            tracing::warn!(database = %db.id, data_source = %first.id, count = db.data_sources.len(),
                "database has several data sources; using the first");
        }
        let mut cache = self
            .shared
            .data_sources
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        cache.insert(db.id.clone(), first.id.clone());
        Ok(first.id.clone())
    }
}

fn sensitive(value: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        Error::Config("the Notion token has characters not allowed in a header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn bearer(token: &str) -> Result<HeaderValue, Error> {
    sensitive(&format!("Bearer {token}"))
}

/// Sends one attempt and reads the whole answer.
async fn attempt(request: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header(RETRY_AFTER.as_str());
    let request_id = header("x-notion-request-id");
    let body = response.bytes().await?.to_vec();
    Ok(Answer {
        status,
        body,
        retry_after,
        request_id,
    })
}

#[cfg(test)]
mod tests;
