//! Why a function cannot serve ([`SetupError`]), and how an HTTP function keeps that error
//! ([`Kept`]): it starts anyway and answers every request 500 naming the fix, so the sender's
//! delivery log (GitHub's, Notion's, a browser) shows what to set instead of a dead endpoint.
//! The scheduled and queue functions return the same error from `main`: Lambda reports it as
//! an init error.

use std::sync::Arc;

use crate::aws::AwsError;
use crate::config::{ConfigError, NOTION_OAUTH_ALLOW_ANY_WORKSPACE, NOTION_OAUTH_WORKSPACE_ID};
use crate::github::RestError;
use crate::http::HttpResponse;
use crate::telemetry::{chain, Chain};
use crate::{notion, secrets};

/// A setting or a client a function needs and cannot have. Each message names the part; its
/// source says why.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the secrets cannot be read")]
    Secrets(#[from] secrets::Error),
    #[error("the delivery queue cannot be used")]
    Queue(#[source] AwsError),
    #[error("the Notion client cannot be built")]
    Notion(#[source] notion::Error),
    #[error("the GitHub client cannot be built")]
    GitHub(#[source] RestError),
    #[error("{NOTION_OAUTH_WORKSPACE_ID} is not set: set it to the id of the Notion workspace whose token may be stored (otherwise anyone who opens this URL could replace the token), or set {NOTION_OAUTH_ALLOW_ANY_WORKSPACE}=true to accept any workspace")]
    WorkspacePinMissing,
}

impl SetupError {
    /// What to look at, as the `kind` field of the "not configured" log line (the same names as
    /// the scheduled functions' `errorType`).
    pub fn kind(&self) -> &'static str {
        match self {
            SetupError::Config(_) | SetupError::WorkspacePinMissing => "ConfigError",
            SetupError::Secrets(_) => "SecretsError",
            SetupError::Queue(_) => "QueueError",
            SetupError::Notion(_) | SetupError::GitHub(_) => "ClientError",
        }
    }
}

/// An HTTP function's setup, or the error that stopped it, logged once when the container
/// starts.
pub struct Kept<T> {
    setup: Result<T, Arc<SetupError>>,
}

impl<T> Kept<T> {
    pub fn new(function: &'static str, setup: Result<T, SetupError>) -> Self {
        if let Err(error) = &setup {
            tracing::error!(function, kind = error.kind(), error = %Chain(error), "not configured; every request will get 500");
        }
        Self {
            setup: setup.map_err(Arc::new),
        }
    }

    pub fn get(&self) -> Result<&T, Arc<SetupError>> {
        self.setup.as_ref().map_err(Arc::clone)
    }

    /// The setup, or the 500 answer naming what to fix.
    pub fn or_answer(&self) -> Result<&T, HttpResponse> {
        self.setup
            .as_ref()
            .map_err(|error| HttpResponse::message(500, chain(error.as_ref())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_error_answers_500_with_the_whole_chain() {
        let missing = ConfigError::Missing {
            var: crate::config::NOTION_DATABASE_ID,
        };
        let kept: Kept<()> = Kept::new("test", Err(missing.into()));
        let answer = kept.or_answer().unwrap_err();
        assert_eq!(answer.status_code, 500);
        assert!(
            answer.body.contains("NOTION_DATABASE_ID"),
            "{}",
            answer.body
        );
        assert_eq!(kept.get().unwrap_err().kind(), "ConfigError");
    }

    #[test]
    fn a_kept_setup_is_handed_out() {
        let kept = Kept::new("test", Ok(7));
        assert_eq!(kept.or_answer().ok(), Some(&7));
    }
}
