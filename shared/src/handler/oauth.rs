//! The `notion-oauth` function (a Function URL): connects notion-relay to a Notion workspace as a
//! public integration. Entry point: [`OAuthApp::from_env`] once, [`OAuthApp::handle`] per request.
//!
//! - `GET /start` (or `/`) → 302 to Notion's authorize page with `client_id`, `response_type=code`,
//!   `owner=user`, `redirect_uri` and a signed, expiring `state` ([`state`]; no storage needed).
//! - `GET /callback?code&state` → the state is verified (400 missing, garbled or expired; 401
//!   forged), the code exchanged at `POST /v1/oauth/token` (Basic auth; Notion's refusal of the
//!   code is a 400, any other failure of Notion a 502), and the access token written into the
//!   `SECRET_ID` secret as `notion_token` (read, merged, put: the other keys stay), where every
//!   function picks it up (their cached secret expires within 5 minutes; a 401 refreshes it at
//!   once). The answer is a small page naming the workspace — never the token. `error=
//!   access_denied` from Notion is a 400 page saying so; nothing is stored.
//!
//! Settings: `NOTION_OAUTH_CLIENT_ID` and `SECRET_ID` (required); the client secret from
//! `NOTION_OAUTH_CLIENT_SECRET` or else the secret's key `notion_oauth_client_secret`;
//! `NOTION_OAUTH_REDIRECT_URI` (default `https://<Host>/callback`, the Function URL);
//! `NOTION_OAUTH_AUTHORIZE_URL`; `NOTION_OAUTH_WORKSPACE_ID` (required unless
//! `NOTION_OAUTH_ALLOW_ANY_WORKSPACE=true`: tokens for any other workspace are refused, since
//! anyone who can open the URL could otherwise replace the stored token with one for *their*
//! workspace). A missing setting does not stop the function: every request is answered 500
//! naming it.
//!
//! Cost per callback: 1 Notion call, 2 Secrets Manager calls (+1 on a cold container that reads
//! the client secret from the secret).

pub mod page;
mod setup;
pub mod state;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use crate::config::{
    Env, NOTION_OAUTH_ALLOW_ANY_WORKSPACE, NOTION_OAUTH_AUTHORIZE_URL, NOTION_OAUTH_CLIENT_ID,
    NOTION_OAUTH_CLIENT_SECRET, NOTION_OAUTH_REDIRECT_URI, NOTION_OAUTH_WORKSPACE_ID,
};
use tokio::time::Instant;

use crate::handler::request::{answer, Answered, RequestLog};
use crate::handler::setup::{Kept, SetupError};
use crate::http::{HttpRequest, HttpResponse};
use crate::notion;
use crate::secrets;
use crate::telemetry::{chain, Chain};
use page::{escape, html, NotAnObject};
use setup::{normalize_id, Setup};
use state::StateError;

pub const DEFAULT_AUTHORIZE_URL: &str = "https://api.notion.com/v1/oauth/authorize";
/// The secret's key holding the client secret when the environment does not.
pub const KEY_OAUTH_CLIENT_SECRET: &str = "notion_oauth_client_secret";
pub const CALLBACK_PATH: &str = "/callback";
/// A person is waiting in a browser: answer within this whatever Notion does.
pub const ANSWER_BUDGET: Duration = Duration::from_secs(10);
const HTML: &str = "text/html; charset=utf-8";

/// Unix seconds; tests inject a fixed one.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Why a request was not served; each maps to a status and a page.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("notion-oauth is not configured")]
    Setup(#[source] Arc<SetupError>),
    #[error("the OAuth client secret is unavailable")]
    Secrets(#[source] secrets::Error),
    #[error("the OAuth client secret is not configured: set {NOTION_OAUTH_CLIENT_SECRET}, or the key {KEY_OAUTH_CLIENT_SECRET} in secret {secret_id}")]
    NoClientSecret { secret_id: String },
    #[error("cannot tell the callback URL: set {NOTION_OAUTH_REDIRECT_URI} (the request has no Host header)")]
    NoRedirect,
    /// Not a `#[source]`: the page says the state's problem and what to do, in one sentence.
    #[error("{0}; start again")]
    State(StateError),
    #[error("access was denied in Notion, so notion-relay was not connected; nothing was changed")]
    Denied,
    #[error("Notion did not authorize: {0}; nothing was changed")]
    Authorize(String),
    #[error("the callback has no code; start again")]
    MissingCode,
    #[error("Notion refused the authorization code; start again")]
    CodeRefused(#[source] notion::Error),
    #[error("the token exchange with Notion failed; nothing was changed")]
    Exchange(#[source] notion::Error),
    #[error("the authorized workspace is not the one configured in {NOTION_OAUTH_WORKSPACE_ID}; nothing was changed")]
    WrongWorkspace,
    #[error("the token could not be stored in secret {secret_id}")]
    Store {
        secret_id: String,
        #[source]
        source: secrets::Error,
    },
    #[error("the token could not be stored in secret {secret_id}")]
    NotAnObject {
        secret_id: String,
        #[source]
        source: NotAnObject,
    },
}

impl OAuthError {
    pub fn status(&self) -> u16 {
        match self {
            OAuthError::State(e) => e.status(),
            OAuthError::Denied
            | OAuthError::Authorize(_)
            | OAuthError::MissingCode
            | OAuthError::CodeRefused(_) => 400,
            OAuthError::WrongWorkspace => 403,
            OAuthError::Exchange(_) => 502,
            _ => 500,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            OAuthError::Denied => "Access denied",
            OAuthError::State(_) | OAuthError::MissingCode => "Sign-in link not valid",
            OAuthError::Authorize(_) | OAuthError::CodeRefused(_) | OAuthError::WrongWorkspace => {
                "Not connected"
            }
            OAuthError::Exchange(_) => "Notion unavailable",
            _ => "notion-relay is not set up",
        }
    }

    fn response(&self) -> HttpResponse {
        HttpResponse::with_type(
            self.status(),
            HTML,
            // Notion's code and message name the problem, never a credential.
            html(self.title(), &escape(&chain(self))),
        )
    }
}

/// The log line of a request: where it went (the answer says the rest; its page is HTML).
struct Visit {
    path: String,
}

impl RequestLog for Visit {
    fn log(&self, answered: &Answered) {
        tracing::info!(
            path = %self.path,
            status = answered.status,
            duration_ms = answered.duration_ms,
            "OAuth request handled"
        );
    }
}

/// What a request asks for.
enum Route {
    Start,
    Callback,
    NotFound,
    MethodNotAllowed,
}

/// The function's state for a warm container.
pub struct OAuthApp {
    setup: Kept<Setup>,
    clock: Clock,
}

impl OAuthApp {
    pub fn from_env(env: &impl Env) -> Self {
        Self {
            setup: Kept::new("notion-oauth", Setup::from_env(env)),
            clock: Arc::new(unix_now),
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Answers one request. `lambda_deadline` is the invocation's deadline, if known.
    pub async fn handle(
        &self,
        request: &HttpRequest,
        lambda_deadline: Option<Instant>,
    ) -> HttpResponse {
        let visit = Visit {
            path: request.path().to_owned(),
        };
        answer(
            lambda_deadline,
            ANSWER_BUDGET,
            visit,
            async |deadline, _| self.respond(request, deadline).await,
        )
        .await
    }

    async fn respond(&self, request: &HttpRequest, deadline: Instant) -> HttpResponse {
        let route = route(request);
        let result = match route {
            Route::Start => self.start(request).await,
            Route::Callback => self.callback(request, deadline).await,
            Route::NotFound => Ok(HttpResponse::with_type(
                404,
                HTML,
                html(
                    "Not found",
                    "Open <a href=\"/start\">/start</a> to connect notion-relay to Notion.",
                ),
            )),
            Route::MethodNotAllowed => {
                let mut response = HttpResponse::message(405, "only GET is supported");
                response
                    .headers
                    .insert("allow".to_owned(), "GET".to_owned());
                Ok(response)
            }
        };
        let mut response = result.unwrap_or_else(|error| {
            if error.status() >= 500 {
                tracing::error!(error = %Chain(&error), "OAuth request failed");
            } else {
                tracing::warn!(error = %Chain(&error), "OAuth request refused");
            }
            error.response()
        });
        // Neither the redirect (a fresh state) nor a callback page may be cached.
        response
            .headers
            .insert("cache-control".to_owned(), "no-store".to_owned());
        response
    }

    fn setup(&self) -> Result<&Setup, OAuthError> {
        self.setup.get().map_err(OAuthError::Setup)
    }

    async fn start(&self, request: &HttpRequest) -> Result<HttpResponse, OAuthError> {
        let setup = self.setup()?;
        let secret = setup.client_secret().await?;
        let redirect_uri = setup.redirect_uri(request)?;
        let state = state::issue(secret, (self.clock)());
        let mut url = setup.authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("client_id", &setup.client_id)
            .append_pair("response_type", "code")
            .append_pair("owner", "user")
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("state", &state);
        Ok(HttpResponse::redirect(url.as_str()))
    }

    async fn callback(
        &self,
        request: &HttpRequest,
        deadline: Instant,
    ) -> Result<HttpResponse, OAuthError> {
        let setup = self.setup()?;
        if let Some(error) = request.query_param("error") {
            return Err(match error.as_str() {
                "access_denied" => OAuthError::Denied,
                _ => OAuthError::Authorize(match request.query_param("error_description") {
                    Some(description) => format!("{error}: {description}"),
                    None => error,
                }),
            });
        }
        let secret = setup.client_secret().await?;
        state::verify(
            secret,
            request.query_param("state").as_deref(),
            (self.clock)(),
        )
        .map_err(OAuthError::State)?;
        let code = request
            .query_param("code")
            .filter(|c| !c.trim().is_empty())
            .ok_or(OAuthError::MissingCode)?;
        let redirect_uri = setup.redirect_uri(request)?;
        let token = setup
            .notion
            .with_deadline(deadline)
            .exchange_oauth_code(&setup.client_id, secret, code.trim(), Some(&redirect_uri))
            .await
            .map_err(|error| match error.status() {
                Some(400) => OAuthError::CodeRefused(error),
                _ => OAuthError::Exchange(error),
            })?;
        tracing::info!(
            bot_id = token.bot_id.as_deref().unwrap_or_default(),
            workspace_id = token.workspace_id.as_deref().unwrap_or_default(),
            "Notion authorized the integration"
        );
        if let Some(expected) = &setup.workspace_id {
            if token.workspace_id.as_deref().map(normalize_id) != Some(normalize_id(expected)) {
                return Err(OAuthError::WrongWorkspace);
            }
        }
        setup.store(&token).await?;
        let workspace = token
            .workspace_name
            .as_deref()
            .unwrap_or("your Notion workspace");
        let body = format!(
            "notion-relay is now connected to the workspace <strong>{}</strong>. \
             Share your GitHub issues database with the integration; the functions pick up \
             the new access within five minutes. You can close this page.",
            escape(workspace)
        );
        Ok(HttpResponse::with_type(
            200,
            HTML,
            html("Connected to Notion", &body),
        ))
    }
}

fn route(request: &HttpRequest) -> Route {
    let known = match request.path().trim_end_matches('/') {
        "" | "/start" => Route::Start,
        CALLBACK_PATH => Route::Callback,
        _ => return Route::NotFound,
    };
    // A bare event without a method (a test console) is treated as GET.
    match request.method() {
        "" | "GET" | "get" => known,
        _ => Route::MethodNotAllowed,
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests;
