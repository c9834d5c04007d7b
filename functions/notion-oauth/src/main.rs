//! `notion-oauth`: a Lambda Function URL that connects notion-relay to a Notion workspace
//! (`/start` → Notion → `/callback`) and stores the token in Secrets Manager. All logic lives in
//! `notion_relay::handler::oauth`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use notion_relay::handler::oauth::OAuthApp;
use notion_relay::http::{HttpRequest, HttpResponse};
use notion_relay::{config, deadline, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_logging();
    let app = OAuthApp::from_env(&config::process_env);
    lambda_runtime::run(service_fn(|event| handle(&app, event))).await
}

async fn handle(app: &OAuthApp, event: LambdaEvent<HttpRequest>) -> Result<HttpResponse, Error> {
    let deadline = deadline::deadline_from_epoch_ms(event.context.deadline);
    Ok(app.handle(&event.payload, deadline).await)
}
