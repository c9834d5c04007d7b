//! A faithful local Notion: an HTTP server on 127.0.0.1 speaking the part of Notion's REST API
//! notion-relay uses, for `Notion-Version` 2022-06-28 (databases) and 2025-09-03 (data sources),
//! with Notion's validation, limits, error shapes, minute-precision dates, a rate limiter and
//! seeded fault injection. It is independent of the `notion_relay` crate: it stands for Notion.
//!
//! Entry points: [`Emulator::start`] (binds a port, returns a handle with introspection) and
//! [`router`] (the axum app, for in-process use). The `notion-emulator` binary wraps both.

mod admin;
mod append;
mod blocks;
mod clock;
mod context;
mod databases;
mod date_filter;
mod demo;
mod errors;
mod faults;
mod filter;
mod ids;
mod list;
mod oauth;
mod pages;
mod pipeline;
mod rich_text;
mod router;
mod schema;
mod search;
mod sort;
mod state;
mod users;
mod values;
mod webhooks;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use admin::{demo_properties, ProvisionedDatabase};
pub use context::ApiVersion;
pub use demo::{DEMO_DATABASE_ID, DEMO_PAGE_ID, DEMO_PORT, DEMO_TOKEN};
pub use errors::ApiError;
pub use faults::{FaultConfig, RateLimit};
pub use router::router;
pub use state::{RequestRecord, SharedState, State};
pub use webhooks::{Sent, Subscription, DEFAULT_PERSON_ID};

use state::{lock, Settings};

/// How to start an emulator. `Default` gives a random port, a fixed token, seed 0, no faults and
/// no rate limiting (tests turn those on when they are about them).
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// `None` binds port 0 (any free port).
    pub port: Option<u16>,
    /// The bearer token requests must send.
    pub token: String,
    /// Seeds ids and everything random, so a run is reproducible.
    pub seed: u64,
    pub faults: FaultConfig,
    pub rate_limit: RateLimit,
    pub oauth_client_id: String,
    pub oauth_client_secret: String,
    /// Refuse database pages without a non-empty title. Real Notion accepts them (a recorded
    /// create sends `"properties": {}`), so this is off by default.
    pub require_title: bool,
}

impl Default for EmulatorConfig {
    fn default() -> EmulatorConfig {
        EmulatorConfig {
            port: None,
            token: "secret_emulator_token".to_string(),
            seed: 0,
            faults: FaultConfig::default(),
            rate_limit: RateLimit::off(),
            oauth_client_id: "emulator-client-id".to_string(),
            oauth_client_secret: "emulator-client-secret".to_string(),
            require_title: false,
        }
    }
}

/// Builds the shared state for a config (what [`router`] needs). Also creates the workspace
/// root page every provisioned database lives under.
pub fn new_state(config: &EmulatorConfig) -> (SharedState, String) {
    let mut rng = fastrand::Rng::with_seed(config.seed ^ 0x5eed);
    let settings = Settings {
        tokens: HashSet::from([config.token.clone()]),
        oauth_client_id: config.oauth_client_id.clone(),
        oauth_client_secret: config.oauth_client_secret.clone(),
        require_title: config.require_title,
        bot_user_id: ids::new_uuid(&mut rng),
        workspace_id: ids::new_uuid(&mut rng),
        workspace_name: "Emulated Workspace".to_string(),
    };
    let mut st = State::new(
        settings,
        config.seed,
        faults::Faults::new(config.faults.clone(), config.rate_limit),
    );
    // Untitled, like the root page the recorded workspaces shared with their integrations.
    let root = admin::create_root_page(&mut st, "");
    (Arc::new(Mutex::new(st)), root)
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    state: SharedState,
    addr: SocketAddr,
    token: String,
    root_page_id: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Emulator {
    /// Binds 127.0.0.1 (port 0 unless configured) and serves in a background task.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let (state, root_page_id) = new_state(&config);
        let listener = TcpListener::bind(("127.0.0.1", config.port.unwrap_or(0))).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = router(state.clone());
        tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = served.await {
                tracing::error!(error = %e, "notion emulator stopped");
            }
        });
        Ok(Emulator {
            state,
            addr,
            token: config.token,
            root_page_id,
            shutdown: Some(tx),
        })
    }

    /// `http://127.0.0.1:<port>` (paths are `/v1/...`, as `NOTION_API_URL` expects).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn token(&self) -> String {
        self.token.clone()
    }

    /// The workspace page databases are provisioned under.
    pub fn root_page_id(&self) -> String {
        self.root_page_id.clone()
    }

    pub fn state(&self) -> SharedState {
        self.state.clone()
    }

    /// Every `/v1` request so far (admin calls are not logged).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.state).log.clone()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.state).log.len()
    }

    /// Requests with this method whose path starts with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        lock(&self.state)
            .log
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .count()
    }

    pub fn reset_log(&self) {
        lock(&self.state).log.clear();
    }

    /// All pages (archived included) in the 2025-09-03 response shape, oldest first.
    pub fn pages(&self) -> Vec<Value> {
        admin::pages_json(&lock(&self.state), None)
    }

    /// The rows of one database, oldest first.
    pub fn pages_in(&self, database_id: &str) -> Vec<Value> {
        admin::pages_json(&lock(&self.state), Some(database_id))
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        lock(&self.state).faults.set_config(faults);
    }

    pub fn set_rate_limit(&self, limit: RateLimit) {
        lock(&self.state).faults.set_rate_limit(limit);
    }

    /// A one-time code for `POST /v1/oauth/token` (client credentials from the config).
    pub fn issue_oauth_code(&self) -> String {
        oauth::issue_code(&mut lock(&self.state))
    }

    /// The id of the workspace the emulator's OAuth tokens are for.
    pub fn workspace_id(&self) -> String {
        lock(&self.state).settings.workspace_id.clone()
    }

    /// Provisions a database under the root page; `properties` is a schema in Notion's request
    /// form (`{"Name": {"title": {}}, ...}`).
    pub fn create_database(
        &self,
        title: &str,
        properties: Value,
    ) -> Result<ProvisionedDatabase, ApiError> {
        let mut st = lock(&self.state);
        admin::create_database(&mut st, &self.root_page_id, title, &properties)
    }

    /// The "GitHub Issues" database with the schema PRODUCT.md writes to.
    pub fn create_demo_database(&self) -> Result<ProvisionedDatabase, ApiError> {
        self.create_database("GitHub Issues", demo_properties())
    }

    /// An emulator accepting `token`, holding the demo database (its id returned): where every
    /// bench starts.
    pub async fn with_demo_database(token: &str) -> std::io::Result<(Emulator, String)> {
        let emulator = Emulator::start(EmulatorConfig {
            token: token.into(),
            ..EmulatorConfig::default()
        })
        .await?;
        let db = emulator
            .create_demo_database()
            .map_err(|e| std::io::Error::other(format!("{e:?}")))?
            .database_id;
        Ok((emulator, db))
    }

    /// The demo database with the fixed ids `events/env.json` names (see [`DEMO_DATABASE_ID`]).
    pub fn create_fixed_demo_database(&self) -> Result<ProvisionedDatabase, ApiError> {
        demo::create(&mut lock(&self.state))
    }

    /// Another workspace-level page (for tests that need a parent of their own).
    pub fn create_root_page(&self, title: &str) -> String {
        admin::create_root_page(&mut lock(&self.state), title)
    }

    /// Freezes the emulator's wall clock (`None` returns to real time).
    pub fn set_now(&self, now: Option<time::OffsetDateTime>) {
        lock(&self.state).now_override = now;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
