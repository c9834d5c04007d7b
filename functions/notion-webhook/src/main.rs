//! `notion-webhook`: a Lambda Function URL that receives Notion's signed webhook events and
//! writes a person's edits back to GitHub. All logic lives in `notion_relay::handler::notion_webhook`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use notion_relay::handler::NotionWebhookApp;
use notion_relay::http::{HttpRequest, HttpResponse};
use notion_relay::{config, deadline, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_logging();
    let app = NotionWebhookApp::from_env(&config::process_env);
    lambda_runtime::run(service_fn(|event| handle(&app, event))).await
}

async fn handle(
    app: &NotionWebhookApp,
    event: LambdaEvent<HttpRequest>,
) -> Result<HttpResponse, Error> {
    let deadline = deadline::deadline_from_epoch_ms(event.context.deadline);
    Ok(app.handle(&event.payload, deadline).await)
}
