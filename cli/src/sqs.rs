//! Queue depths for `check`: the shared SQS client's `GetQueueAttributes` (the one SigV4 AWS
//! call path, with the functions' environment: region, credentials, `AWS_ENDPOINT_URL` or
//! `AWS_ENDPOINT_URL_SQS`).

use notion_relay::aws::sqs::SqsClient;
use notion_relay::aws::AwsError;
use notion_relay::config::Env;

/// Messages in a queue, as SQS approximates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Depth {
    /// Waiting to be received.
    pub visible: u64,
    /// Received and not yet deleted (being processed).
    pub in_flight: u64,
}

/// The depth of `queue_url`.
pub async fn depth(env: &impl Env, queue_url: &str) -> Result<Depth, AwsError> {
    let attributes = SqsClient::from_env(env)?
        .queue_attributes(queue_url)
        .await?;
    let count = |name: &str| {
        attributes
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Ok(Depth {
        visible: count("ApproximateNumberOfMessages"),
        in_flight: count("ApproximateNumberOfMessagesNotVisible"),
    })
}
