//! The CLI's errors: each names what failed and what to do; sources are kept, and printed as a
//! chain by `main`.

use notion_relay::config::ConfigError;
use notion_relay::github::RestError;
use notion_relay::{notion, secrets};

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secrets(#[from] secrets::Error),
    #[error("Notion, {context}")]
    Notion {
        context: String,
        #[source]
        source: notion::Error,
    },
    #[error("GitHub, {context}")]
    GitHub {
        context: String,
        #[source]
        source: RestError,
    },
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
}

impl CliError {
    pub fn notion(context: impl Into<String>) -> impl FnOnce(notion::Error) -> CliError {
        let context = context.into();
        move |source| CliError::Notion { context, source }
    }

    pub fn github(context: impl Into<String>) -> impl FnOnce(RestError) -> CliError {
        let context = context.into();
        move |source| CliError::GitHub { context, source }
    }

    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> CliError {
        let context = context.into();
        move |source| CliError::Io { context, source }
    }
}

/// `outer: inner: innermost` — the functions' one chain rule (`telemetry::chain`).
pub use notion_relay::telemetry::chain;
