//! Logging shared by the function binaries: [`init_logging`], and [`Chain`], the one way an
//! error is written into a log line or an answer (each layer's message says only its own part;
//! the chain shows them all, so a refused connection or a timeout is never hidden behind
//! "transport error").

use std::error::Error;
use std::fmt;

/// Structured logs: JSON when Lambda asks for it (`AWS_LAMBDA_LOG_FORMAT=JSON`, as our template
/// sets), plain text otherwise. Level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, default info.
///
/// Not `lambda_runtime::tracing::init_default_subscriber`: it nests each event's fields under
/// `fields` in JSON (ours are flattened, so a Logs Insights query reads `outcome` or
/// `notion_calls` directly) and panics when a subscriber is already set.
pub fn init_logging() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned())
        .to_lowercase();
    let filter = tracing_subscriber::EnvFilter::try_new(&level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .without_time();
    let result = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init()
    } else {
        builder.try_init()
    };
    // A second init (tests) is harmless.
    drop(result);
}

/// `outer: inner: innermost`. A layer whose text already ends with its cause's (a message
/// from outside this crate that repeats its source) is not printed twice.
pub struct Chain<'a>(pub &'a (dyn Error + 'a));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut written = self.0.to_string();
        f.write_str(&written)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !text.is_empty() && !written.ends_with(&text) {
                write!(f, ": {text}")?;
            }
            written = text;
            source = cause.source();
        }
        Ok(())
    }
}

/// What Lambda records of a failed invocation: `kind` as `errorType` (what to look at), the
/// whole chain as `errorMessage`.
pub fn diagnostic(kind: &str, error: &dyn Error) -> lambda_runtime::Diagnostic {
    lambda_runtime::Diagnostic {
        error_type: kind.to_owned(),
        error_message: chain(error),
    }
}

/// [`Chain`] as a `String`, for answers and reports.
pub fn chain(error: &dyn Error) -> String {
    Chain(error).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("Notion sync failed")]
        Sync(#[source] Middle),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("transport error talking to Notion")]
    struct Middle(#[source] std::io::Error);

    #[test]
    fn the_chain_shows_every_cause_down_to_the_refused_connection() {
        let refused =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let error = Outer::Sync(Middle(refused));
        assert_eq!(
            chain(&error),
            "Notion sync failed: transport error talking to Notion: connection refused"
        );
    }

    #[test]
    fn a_message_that_already_ends_with_its_cause_is_not_repeated() {
        #[derive(Debug, thiserror::Error)]
        #[error("secrets unavailable: {0}")]
        struct Repeating(#[source] std::io::Error);
        let error = Repeating(std::io::Error::other("timed out"));
        assert_eq!(chain(&error), "secrets unavailable: timed out");
    }
}
