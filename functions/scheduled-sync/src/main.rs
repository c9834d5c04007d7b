//! `scheduled-sync`: on an EventBridge schedule, redeliver failed webhook deliveries and
//! reconcile every repository into Notion. All logic lives in `notion_relay::handler::scheduled`.
//!
//! The event's content is not used (any JSON is accepted, so a console test event works too).
//! A missing setting makes `main` fail before serving: Lambda reports it as an init error.

use lambda_runtime::{service_fn, Diagnostic, Error, LambdaEvent};
use notion_relay::handler::scheduled::{report::RunReport, ScheduledApp};
use notion_relay::{config, deadline, telemetry};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_logging();
    let app = ScheduledApp::from_env(&config::process_env).inspect_err(|error| {
        tracing::error!(kind = error.kind(), error = %telemetry::Chain(error), "scheduled-sync is not configured");
    })?;
    lambda_runtime::run(service_fn(|event| handle(&app, event))).await
}

/// A failed run is reported with its kind as `errorType` (`RunError::kind`).
async fn handle(app: &ScheduledApp, event: LambdaEvent<Value>) -> Result<RunReport, Diagnostic> {
    let deadline = deadline::deadline_from_epoch_ms(event.context.deadline);
    Ok(app.handle(deadline).await?)
}
