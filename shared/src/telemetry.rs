//! Logging shared by the function binaries: [`init_logging`].

/// Structured logs: JSON when Lambda asks for it (`AWS_LAMBDA_LOG_FORMAT=JSON`, as our template
/// sets), plain text otherwise. Level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, default info.
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

/// The deadline rule lives in [`crate::deadline`]; re-exported here for the callers that have
/// always found it in `telemetry`.
pub use crate::deadline::{deadline_from_epoch_ms, work_deadline};
