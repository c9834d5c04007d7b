//! Queue depths for `check`: SQS `GetQueueAttributes` (JSON protocol), SigV4-signed like the
//! shared Secrets Manager client signs its calls, with the same environment (region,
//! credentials, `AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_SQS`).
//!
//! A minimal stand-in: when the shared crate has an SQS client (queue mode, branch `queue`),
//! `check` should ask it instead and this file goes.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use notion_relay::config::{self, ConfigError};
use notion_relay::secrets::{
    AWS_ACCESS_KEY_ID, AWS_DEFAULT_REGION, AWS_REGION, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
};
use serde_json::{json, Value};

pub const AWS_ENDPOINT_URL_SQS: &str = "AWS_ENDPOINT_URL_SQS";
const TARGET: &str = "AmazonSQS.GetQueueAttributes";
const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Messages in a queue, as SQS approximates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Depth {
    /// Waiting to be received.
    pub visible: u64,
    /// Received and not yet deleted (being processed).
    pub in_flight: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SqsError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("AWS credentials are missing: {var} is not set")]
    MissingCredentials { var: &'static str },
    #[error("cannot sign the SQS request")]
    Signing(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("request to SQS failed")]
    Request(#[source] reqwest::Error),
    #[error("SQS answered {status}: {body}")]
    Aws { status: u16, body: String },
}

/// The depth of `queue_url`.
pub async fn depth(
    env: &impl Fn(&str) -> Option<String>,
    queue_url: &str,
) -> Result<Depth, SqsError> {
    let region = config::optional_in(env, AWS_REGION)
        .or_else(|| config::optional_in(env, AWS_DEFAULT_REGION))
        .ok_or(ConfigError::Missing { var: AWS_REGION })?;
    let endpoint = config::optional_in(env, AWS_ENDPOINT_URL_SQS)
        .or_else(|| config::optional_in(env, config::AWS_ENDPOINT_URL))
        .unwrap_or_else(|| format!("https://sqs.{region}.amazonaws.com/"));
    let credential =
        |var| config::optional_in(env, var).ok_or(SqsError::MissingCredentials { var });
    let credentials = Credentials::new(
        credential(AWS_ACCESS_KEY_ID)?,
        credential(AWS_SECRET_ACCESS_KEY)?,
        config::optional_in(env, AWS_SESSION_TOKEN),
        None,
        "environment",
    );
    let body = json!({
        "QueueUrl": queue_url,
        "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    })
    .to_string();
    let endpoint = url::Url::parse(&endpoint)
        .map_err(|e| ConfigError::Invalid {
            var: config::AWS_ENDPOINT_URL,
            value_hint: "an http(s) URL",
            reason: e.to_string(),
        })?
        .to_string();
    let headers = signed_headers(&endpoint, &region, &credentials, body.as_bytes())?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(SqsError::Request)?;
    let mut request = client
        .post(&endpoint)
        .header("content-type", CONTENT_TYPE)
        .header("x-amz-target", TARGET);
    for (name, value) in &headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request.body(body).send().await.map_err(SqsError::Request)?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(SqsError::Request)?;
    if !(200..300).contains(&status) {
        return Err(SqsError::Aws { status, body: text });
    }
    let answer: Value = serde_json::from_str(&text).unwrap_or_default();
    let count = |name: &str| {
        answer
            .pointer(&format!("/Attributes/{name}"))
            .and_then(|v| v.as_str().and_then(|s| s.parse().ok()).or(v.as_u64()))
            .unwrap_or(0)
    };
    Ok(Depth {
        visible: count("ApproximateNumberOfMessages"),
        in_flight: count("ApproximateNumberOfMessagesNotVisible"),
    })
}

fn signed_headers(
    endpoint: &str,
    region: &str,
    credentials: &Credentials,
    body: &[u8],
) -> Result<Vec<(String, String)>, SqsError> {
    let signing = |e: &dyn std::fmt::Display| SqsError::Signing(e.to_string().into());
    let identity: Identity = credentials.clone().into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sqs")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| signing(&e))?;
    let headers = [("content-type", CONTENT_TYPE), ("x-amz-target", TARGET)];
    let request = SignableRequest::new(
        "POST",
        endpoint,
        headers.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| signing(&e))?;
    let (instructions, _) = sign(request, &params.into())
        .map_err(|e| signing(&e))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect())
}
