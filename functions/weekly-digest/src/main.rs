//! `weekly-digest`: on an EventBridge schedule, writes one Notion page summarising what closed
//! in the last week and what is still open. All logic lives in `notion_relay::handler::digest`.

use lambda_runtime::{service_fn, Diagnostic, Error, LambdaEvent};
use notion_relay::handler::digest::{DigestApp, DigestReport};
use notion_relay::{config, deadline, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_logging();
    // A setting that is missing fails the start-up, with the variable named in the log.
    let app = DigestApp::from_env(&config::process_env).inspect_err(|error| {
        tracing::error!(kind = error.kind(), error = %telemetry::Chain(error), "weekly-digest is not configured");
    })?;
    lambda_runtime::run(service_fn(|event| handle(&app, event))).await
}

/// The scheduled event's content is not used: every run covers the days before "now". A failure
/// is reported with its kind as `errorType` (`DigestError::kind`: a setting to fix, or Notion to
/// wait for).
async fn handle(
    app: &DigestApp,
    event: LambdaEvent<serde_json::Value>,
) -> Result<DigestReport, Diagnostic> {
    let deadline = deadline::deadline_from_epoch_ms(event.context.deadline);
    Ok(app.handle(deadline).await?)
}
