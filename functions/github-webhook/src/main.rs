//! `github-webhook`: a Lambda Function URL that turns each signed GitHub delivery into one exact
//! Notion page. All logic lives in `notion_relay::handler::webhook`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use notion_relay::handler::WebhookApp;
use notion_relay::http::{HttpRequest, HttpResponse};
use notion_relay::{config, deadline, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_logging();
    let app = WebhookApp::from_env(&config::process_env);
    lambda_runtime::run(service_fn(|event| handle(&app, event))).await
}

async fn handle(app: &WebhookApp, event: LambdaEvent<HttpRequest>) -> Result<HttpResponse, Error> {
    let deadline = deadline::deadline_from_epoch_ms(event.context.deadline);
    Ok(app.handle(&event.payload, deadline).await)
}
