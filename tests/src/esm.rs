//! A local SQS event-source mapping: what Lambda's poller does between an SQS queue and a
//! function with `FunctionResponseTypes: [ReportBatchItemFailures]`, run against `moto_server`.
//!
//! Per `MaximumConcurrency` one poller task and one function process (the real binary through the
//! Runtime API harness): `ReceiveMessage` (up to the batch size, all attributes) → an SQS event
//! whose records carry `messageId`, `receiptHandle`, `body` and the system attributes → invoke →
//! delete every message not in `batchItemFailures`, and make the failed ones visible again, in
//! batch order. A function error or a bad answer fails the whole batch. A killed worker
//! ([`EventSourceMapping::kill_worker`]) loses its in-flight batch: nothing is deleted, SQS hands
//! the messages out again when their visibility timeout ends, and a new process takes over.
//!
//! Known moto differences (from AWS): it forgets a deduplication id once the message is deleted,
//! and several messages of one group that time out together may come back out of order.
//! Lambda itself waits for the visibility timeout before a failed message is seen again; this
//! harness makes it visible at once so tests do not wait minutes (the order is kept).

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notion_relay::aws::sqs::{ReceivedMessage, SqsClient};
use serde_json::{json, Value};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::lambda::LambdaFunction;
use crate::moto::REGION;

/// How the mapping runs.
#[derive(Clone, Debug)]
pub struct EsmConfig {
    pub queue_url: String,
    pub binary: PathBuf,
    pub env: Vec<(String, String)>,
    /// `ScalingConfig.MaximumConcurrency`: pollers, each with its own function process.
    pub max_concurrency: usize,
    /// `BatchSize` (1–10).
    pub batch_size: u32,
    /// The deadline each invoke gets (the function's `Timeout`).
    pub function_timeout: Duration,
    /// `VisibilityTimeout` of each receive, in seconds.
    pub visibility_timeout: u32,
}

/// What the pollers did, for assertions.
#[derive(Clone, Debug, Default)]
pub struct EsmStats {
    pub batches: u64,
    pub records: u64,
    pub deleted: u64,
    /// Records listed in `batchItemFailures` (or failed with the whole batch).
    pub failed: u64,
    /// Worker processes killed mid-batch.
    pub killed: u64,
    /// Largest batch seen.
    pub largest_batch: usize,
}

struct Shared {
    stats: Mutex<EsmStats>,
    /// Output of worker processes that are gone (killed or stopped).
    old_logs: Mutex<String>,
    current_logs: Mutex<Vec<String>>,
}

/// A running mapping. [`EventSourceMapping::stop`] ends it; dropping it aborts the pollers.
pub struct EventSourceMapping {
    shared: Arc<Shared>,
    kills: Vec<Arc<Notify>>,
    stop: watch::Sender<bool>,
    pollers: Vec<JoinHandle<()>>,
}

impl EventSourceMapping {
    /// Starts one poller and one worker process per `max_concurrency`.
    pub async fn start(sqs: SqsClient, config: EsmConfig) -> Result<Self, String> {
        let attributes = sqs
            .queue_attributes(&config.queue_url)
            .await
            .map_err(|e| format!("GetQueueAttributes: {e}"))?;
        let arn = attributes.get("QueueArn").cloned().unwrap_or_default();
        let shared = Arc::new(Shared {
            stats: Mutex::new(EsmStats::default()),
            old_logs: Mutex::new(String::new()),
            current_logs: Mutex::new(vec![String::new(); config.max_concurrency]),
        });
        let (stop, stopped) = watch::channel(false);
        let mut kills = Vec::new();
        let mut pollers = Vec::new();
        for slot in 0..config.max_concurrency {
            let function = spawn_worker(&config).await?;
            let kill = Arc::new(Notify::new());
            kills.push(kill.clone());
            let poller = Poller {
                slot,
                sqs: sqs.clone(),
                config: config.clone(),
                arn: arn.clone(),
                shared: shared.clone(),
                kill,
                stopped: stopped.clone(),
            };
            pollers.push(tokio::spawn(poller.run(function)));
        }
        Ok(Self {
            shared,
            kills,
            stop,
            pollers,
        })
    }

    pub fn stats(&self) -> EsmStats {
        self.shared.stats.lock().unwrap().clone()
    }

    /// Kills worker `slot`'s process now (mid-batch if one is in flight); its poller starts a
    /// new one.
    pub fn kill_worker(&self, slot: usize) {
        self.kills[slot].notify_one();
    }

    /// Everything every worker process printed.
    pub fn logs(&self) -> String {
        let mut all = self.shared.old_logs.lock().unwrap().clone();
        for current in self.shared.current_logs.lock().unwrap().iter() {
            all.push_str(current);
        }
        all
    }

    /// Stops polling (an in-flight batch is finished first).
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        for poller in std::mem::take(&mut self.pollers) {
            let _ = poller.await;
        }
    }
}

impl Drop for EventSourceMapping {
    fn drop(&mut self) {
        for poller in &self.pollers {
            poller.abort();
        }
    }
}

async fn spawn_worker(config: &EsmConfig) -> Result<LambdaFunction, String> {
    LambdaFunction::spawn(&config.binary, &config.env)
        .await
        .map_err(|e| format!("worker does not start: {e}"))
}

struct Poller {
    slot: usize,
    sqs: SqsClient,
    config: EsmConfig,
    arn: String,
    shared: Arc<Shared>,
    kill: Arc<Notify>,
    stopped: watch::Receiver<bool>,
}

impl Poller {
    async fn run(self, mut function: LambdaFunction) {
        while !*self.stopped.borrow() {
            let received = self
                .sqs
                .receive(
                    &self.config.queue_url,
                    self.config.batch_size,
                    1,
                    Some(self.config.visibility_timeout),
                )
                .await;
            let messages = match received {
                Ok(messages) if !messages.is_empty() => messages,
                // Long polling (1 s) paces an empty queue; an error is retried the same way.
                Ok(_) => continue,
                Err(error) => {
                    tracing::warn!(%error, "esm: ReceiveMessage failed");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            };
            {
                let mut stats = self.shared.stats.lock().unwrap();
                stats.batches += 1;
                stats.records += messages.len() as u64;
                stats.largest_batch = stats.largest_batch.max(messages.len());
            }
            let event = sqs_event(&messages, &self.arn);
            let invoked = tokio::select! {
                invoked = function.invoke(event, self.config.function_timeout) => Some(invoked),
                _ = self.kill.notified() => None,
            };
            let Some(invoked) = invoked else {
                // The process dies with its batch: nothing deleted, SQS redelivers after the
                // visibility timeout. Lambda starts a new container.
                self.retire(&function);
                drop(function);
                self.shared.stats.lock().unwrap().killed += 1;
                function = match spawn_worker(&self.config).await {
                    Ok(f) => f,
                    Err(error) => {
                        tracing::error!(%error, "esm: cannot restart the worker");
                        return;
                    }
                };
                continue;
            };
            self.shared.current_logs.lock().unwrap()[self.slot] = function.logs();
            let failed = match invoked {
                Ok(inv) if inv.error.is_none() => {
                    batch_item_failures(&inv.payload).unwrap_or_else(|| all_ids(&messages))
                }
                _ => all_ids(&messages),
            };
            self.settle(&messages, &failed).await;
        }
        self.retire(&function);
    }

    /// Deletes what succeeded; makes what failed visible again, in batch order.
    async fn settle(&self, messages: &[ReceivedMessage], failed: &HashSet<String>) {
        let url = &self.config.queue_url;
        for message in messages {
            if failed.contains(&message.message_id) {
                if let Err(error) = self
                    .sqs
                    .change_visibility(url, &message.receipt_handle, 0)
                    .await
                {
                    tracing::warn!(%error, "esm: ChangeMessageVisibility failed");
                }
                self.shared.stats.lock().unwrap().failed += 1;
            } else if self.sqs.delete(url, &message.receipt_handle).await.is_ok() {
                self.shared.stats.lock().unwrap().deleted += 1;
            }
        }
    }

    fn retire(&self, function: &LambdaFunction) {
        self.shared
            .old_logs
            .lock()
            .unwrap()
            .push_str(&function.logs());
        self.shared.current_logs.lock().unwrap()[self.slot].clear();
    }
}

fn all_ids(messages: &[ReceivedMessage]) -> HashSet<String> {
    messages.iter().map(|m| m.message_id.clone()).collect()
}

/// The ids in `{"batchItemFailures": [{"itemIdentifier": …}]}`; `None` for an answer Lambda
/// would not accept (then the whole batch fails).
pub fn batch_item_failures(payload: &Value) -> Option<HashSet<String>> {
    let failures = payload.get("batchItemFailures")?.as_array()?;
    failures
        .iter()
        .map(|f| f.get("itemIdentifier")?.as_str().map(str::to_owned))
        .collect()
}

/// The SQS event Lambda hands a function for `messages`.
pub fn sqs_event(messages: &[ReceivedMessage], queue_arn: &str) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            json!({
                "messageId": m.message_id,
                "receiptHandle": m.receipt_handle,
                "body": m.body,
                "attributes": m.attributes,
                "messageAttributes": {},
                "md5OfBody": m.md5_of_body,
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            })
        })
        .collect();
    json!({ "Records": records })
}

/// Creates a FIFO queue with a FIFO dead-letter queue after `max_receive_count` receives; the
/// (queue, dead-letter queue) URLs.
pub async fn create_fifo_with_dlq(
    sqs: &SqsClient,
    name: &str,
    max_receive_count: u32,
    visibility_timeout: u32,
) -> Result<(String, String), String> {
    let fifo = |extra: &[(&str, String)]| {
        let mut attributes = BTreeMap::from([("FifoQueue".to_string(), "true".to_string())]);
        attributes.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        attributes
    };
    let dlq_url = sqs
        .create_queue(
            &format!("{name}-dlq.fifo"),
            &fifo(&[("MessageRetentionPeriod", "1209600".into())]),
        )
        .await
        .map_err(|e| format!("CreateQueue (DLQ): {e}"))?;
    let dlq_arn = sqs
        .queue_attributes(&dlq_url)
        .await
        .map_err(|e| format!("GetQueueAttributes (DLQ): {e}"))?
        .get("QueueArn")
        .cloned()
        .unwrap_or_default();
    let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count});
    let url = sqs
        .create_queue(
            &format!("{name}.fifo"),
            &fifo(&[
                ("VisibilityTimeout", visibility_timeout.to_string()),
                ("RedrivePolicy", redrive.to_string()),
            ]),
        )
        .await
        .map_err(|e| format!("CreateQueue: {e}"))?;
    Ok((url, dlq_url))
}

/// Messages in a queue, visible and in flight (`ApproximateNumberOfMessages*`).
pub async fn queue_depth(sqs: &SqsClient, url: &str) -> Result<u64, String> {
    let attributes = sqs
        .queue_attributes(url)
        .await
        .map_err(|e| format!("GetQueueAttributes: {e}"))?;
    let count = |name: &str| {
        attributes
            .get(name)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok(count("ApproximateNumberOfMessages") + count("ApproximateNumberOfMessagesNotVisible"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_read_and_a_bad_answer_fails_the_batch() {
        let ok = json!({"batchItemFailures": [{"itemIdentifier": "m2"}]});
        assert_eq!(
            batch_item_failures(&ok),
            Some(HashSet::from(["m2".to_string()]))
        );
        assert_eq!(
            batch_item_failures(&json!({"batchItemFailures": []})),
            Some(HashSet::new())
        );
        assert_eq!(batch_item_failures(&Value::Null), None);
        assert_eq!(
            batch_item_failures(&json!({"batchItemFailures": [{"x": 1}]})),
            None
        );
    }
}
