//! An SQS client on the AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Action>`): each
//! action a few lines ending in [`AwsClient::call_until`]. `github-webhook` sends; the local
//! event-source-mapping harness receives, deletes and changes visibility like Lambda's poller.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::{AwsClient, AwsError, SQS};

/// SQS's message size limit (256 KiB) for the body and attributes together.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// A FIFO message to send.
#[derive(Debug, Clone)]
pub struct FifoMessage<'a> {
    pub body: &'a str,
    pub group_id: &'a str,
    pub deduplication_id: &'a str,
}

/// A message as `ReceiveMessage` returns it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ReceivedMessage {
    pub message_id: String,
    pub receipt_handle: String,
    #[serde(default)]
    pub body: String,
    #[serde(rename = "MD5OfBody", default)]
    pub md5_of_body: String,
    /// System attributes (`MessageGroupId`, `ApproximateReceiveCount`, `SentTimestamp`, …).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendOutput {
    message_id: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ReceiveOutput {
    messages: Vec<ReceivedMessage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateQueueOutput {
    queue_url: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct AttributesOutput {
    attributes: BTreeMap<String, String>,
}

/// SQS through the shared AWS call path.
#[derive(Clone, Debug)]
pub struct SqsClient {
    aws: AwsClient,
}

impl SqsClient {
    pub fn from_env(env: &impl crate::config::Env) -> Result<Self, AwsError> {
        Ok(Self {
            aws: AwsClient::from_env(env, SQS)?,
        })
    }

    async fn call(
        &self,
        action: &str,
        body: Value,
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, AwsError> {
        self.aws
            .call_until(&format!("AmazonSQS.{action}"), &body, deadline)
            .await
    }

    fn decode<T: serde::de::DeserializeOwned>(action: &str, bytes: &[u8]) -> Result<T, AwsError> {
        serde_json::from_slice(bytes).map_err(|e| AwsError::Aws {
            service: "SQS",
            status: 200,
            type_: "UndecodableAnswer".into(),
            message: format!("{action} answer: {e}"),
        })
    }

    /// Sends one FIFO message; its `MessageId`.
    pub async fn send_fifo(
        &self,
        queue_url: &str,
        message: &FifoMessage<'_>,
        deadline: Option<Instant>,
    ) -> Result<String, AwsError> {
        let body = json!({
            "QueueUrl": queue_url,
            "MessageBody": message.body,
            "MessageGroupId": message.group_id,
            "MessageDeduplicationId": message.deduplication_id,
        });
        let bytes = self.call("SendMessage", body, deadline).await?;
        Ok(Self::decode::<SendOutput>("SendMessage", &bytes)?.message_id)
    }

    /// Up to `max` (1–10) messages with all their attributes, waiting up to `wait_seconds`.
    pub async fn receive(
        &self,
        queue_url: &str,
        max: u32,
        wait_seconds: u32,
        visibility_timeout: Option<u32>,
    ) -> Result<Vec<ReceivedMessage>, AwsError> {
        let mut body = json!({
            "QueueUrl": queue_url,
            "MaxNumberOfMessages": max.clamp(1, 10),
            "WaitTimeSeconds": wait_seconds.min(20),
            "MessageSystemAttributeNames": ["All"],
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        });
        if let Some(timeout) = visibility_timeout {
            body["VisibilityTimeout"] = json!(timeout);
        }
        let bytes = self.call("ReceiveMessage", body, None).await?;
        Ok(Self::decode::<ReceiveOutput>("ReceiveMessage", &bytes)?.messages)
    }

    pub async fn delete(&self, queue_url: &str, receipt_handle: &str) -> Result<(), AwsError> {
        let body = json!({"QueueUrl": queue_url, "ReceiptHandle": receipt_handle});
        self.call("DeleteMessage", body, None).await.map(drop)
    }

    /// Makes a received message visible again after `seconds` (0: at once).
    pub async fn change_visibility(
        &self,
        queue_url: &str,
        receipt_handle: &str,
        seconds: u32,
    ) -> Result<(), AwsError> {
        let body = json!({
            "QueueUrl": queue_url,
            "ReceiptHandle": receipt_handle,
            "VisibilityTimeout": seconds,
        });
        self.call("ChangeMessageVisibility", body, None)
            .await
            .map(drop)
    }

    /// Creates (or finds) a queue; its URL.
    pub async fn create_queue(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<String, AwsError> {
        let body = json!({"QueueName": name, "Attributes": attributes});
        let bytes = self.call("CreateQueue", body, None).await?;
        Ok(Self::decode::<CreateQueueOutput>("CreateQueue", &bytes)?.queue_url)
    }

    pub async fn queue_attributes(
        &self,
        queue_url: &str,
    ) -> Result<BTreeMap<String, String>, AwsError> {
        let body = json!({"QueueUrl": queue_url, "AttributeNames": ["All"]});
        let bytes = self.call("GetQueueAttributes", body, None).await?;
        Ok(Self::decode::<AttributesOutput>("GetQueueAttributes", &bytes)?.attributes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{AWS_ACCESS_KEY_ID, AWS_REGION, AWS_SECRET_ACCESS_KEY};
    use crate::config::{map_env, AWS_ENDPOINT_URL};
    use crate::secrets::test_server::{Canned, TestServer};

    #[tokio::test]
    async fn send_fifo_is_one_json_1_0_action_with_group_and_dedup_ids() {
        let server = TestServer::start(vec![Canned::json(
            200,
            r#"{"MessageId":"5fea7756-0ea4-451a-a703-a558b933e274","MD5OfMessageBody":"x","SequenceNumber":"1"}"#,
        )])
        .await;
        let client = SqsClient::from_env(&map_env(&[
            (AWS_REGION, "us-east-1"),
            (AWS_ACCESS_KEY_ID, "AKID"),
            (AWS_SECRET_ACCESS_KEY, "SECRET"),
            (AWS_ENDPOINT_URL, &server.url),
        ]))
        .unwrap();
        let id = client
            .send_fifo(
                "https://sqs.us-east-1.amazonaws.com/1/q.fifo",
                &FifoMessage {
                    body: r#"{"upsert":{}}"#,
                    group_id: "octo/repo#7",
                    deduplication_id: "d-1",
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(id, "5fea7756-0ea4-451a-a703-a558b933e274");
        let request = &server.requests()[0];
        assert_eq!(
            request.header("x-amz-target"),
            Some("AmazonSQS.SendMessage")
        );
        assert_eq!(
            request.header("content-type"),
            Some("application/x-amz-json-1.0")
        );
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["MessageGroupId"], "octo/repo#7");
        assert_eq!(body["MessageDeduplicationId"], "d-1");
        assert_eq!(body["MessageBody"], r#"{"upsert":{}}"#);
    }

    #[test]
    fn received_messages_read_attributes() {
        let out: ReceiveOutput = serde_json::from_str(
            r#"{"Messages":[{"MessageId":"m","ReceiptHandle":"r","MD5OfBody":"x","Body":"b",
                "Attributes":{"MessageGroupId":"g","ApproximateReceiveCount":"2"}}]}"#,
        )
        .unwrap();
        assert_eq!(out.messages[0].attributes["MessageGroupId"], "g");
        let empty: ReceiveOutput = serde_json::from_str("{}").unwrap();
        assert!(empty.messages.is_empty());
    }
}
