//! `sync-worker`: the SQS FIFO event source of queue mode. All logic lives in
//! `notion_relay::handler::worker`; the answer lists the messages to retry
//! (`ReportBatchItemFailures`). A missing setting makes `main` fail before serving: Lambda
//! reports it as an init error.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use notion_relay::handler::worker::{SqsBatchResponse, SqsEvent, WorkerApp};
use notion_relay::{config, deadline, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_logging();
    let app = WorkerApp::from_env(&config::process_env).inspect_err(|error| {
        tracing::error!(kind = error.kind(), error = %telemetry::Chain(error), "sync-worker is not configured");
    })?;
    lambda_runtime::run(service_fn(|event| handle(&app, event))).await
}

async fn handle(app: &WorkerApp, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    let deadline = deadline::deadline_from_epoch_ms(event.context.deadline);
    Ok(app.handle(event.payload, deadline).await)
}
