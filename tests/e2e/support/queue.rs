//! Set-up for the queue-mode end-to-end tests: the webhook kit's stack plus a moto SQS FIFO queue
//! with its DLQ, webhook processes in queue mode, and the event-source-mapping harness feeding
//! release `sync-worker` processes.

use std::time::{Duration, Instant};

use notion_relay::aws::sqs::SqsClient;
use notion_relay::queue::{pace, RESERVED_PER_SECOND};
use notion_relay::sync::title;
use relay_tests::emulator::RequestRecord;
use relay_tests::esm::{create_fifo_with_dlq, queue_depth, EsmConfig, EventSourceMapping};
use relay_tests::lambda::{release_binary, LambdaFunction};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::support::webhook::Stack;

pub const REPO: &str = "Codertocat/Hello-World";
/// The deployment's budget and the worker count, as the template's parameters set them.
pub const BUDGET: f64 = 3.0;
pub const WORKERS: usize = 2;
pub const DRAIN_WITHIN: Duration = Duration::from_secs(150);
pub const POLL: Duration = Duration::from_millis(250);

/// An emulator, moto with the secret and a FIFO queue with its DLQ.
pub struct QueueStack {
    pub stack: Stack,
    pub db: String,
    pub sqs: SqsClient,
    pub queue: String,
    pub dlq: String,
    visibility_timeout: u32,
}

impl QueueStack {
    pub async fn start(name: &str, visibility_timeout: u32) -> QueueStack {
        let stack = Stack::start().await;
        let db = stack.database();
        let env = stack.moto.aws_env();
        let sqs = SqsClient::from_env(&|k: &str| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
        .expect("an SQS client for moto");
        let (queue, dlq) = create_fifo_with_dlq(&sqs, name, 5, visibility_timeout)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        QueueStack {
            stack,
            db,
            sqs,
            queue,
            dlq,
            visibility_timeout,
        }
    }

    pub async fn webhook(&self) -> LambdaFunction {
        self.stack
            .function_with(&self.db, &[("DELIVERY_QUEUE_URL", &self.queue)])
            .await
    }

    pub async fn mapping(
        &self,
        max_concurrency: usize,
        function_timeout: Duration,
    ) -> EventSourceMapping {
        let visibility_timeout = self.visibility_timeout;
        let mut env = self.stack.env(&self.db);
        let rate = pace(BUDGET, WORKERS as u32, RESERVED_PER_SECOND);
        env.push(("NOTION_REQUESTS_PER_SECOND".into(), rate.to_string()));
        let config = EsmConfig {
            queue_url: self.queue.clone(),
            binary: release_binary("sync-worker"),
            env,
            max_concurrency,
            batch_size: 10,
            function_timeout,
            visibility_timeout,
        };
        EventSourceMapping::start(self.sqs.clone(), config)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Polls until `done` holds and the queue is empty, or fails after [`DRAIN_WITHIN`].
    pub async fn wait_until(&self, esm: &EventSourceMapping, what: &str, done: impl Fn() -> bool) {
        let start = Instant::now();
        loop {
            let depth = queue_depth(&self.sqs, &self.queue)
                .await
                .unwrap_or(u64::MAX);
            if depth == 0 && done() {
                return;
            }
            assert!(
                start.elapsed() < DRAIN_WITHIN,
                "{what} not reached in {DRAIN_WITHIN:?} (queue depth {depth}, {:?})\n{}",
                esm.stats(),
                esm.logs()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Whether the live page of `number` holds `payload`'s exact version.
    pub fn holds(&self, number: u64, payload: &Value) -> bool {
        let pages = self.stack.live_pages_for(&self.db, REPO, number);
        let want = payload["issue"]["updated_at"].as_str().unwrap_or_default();
        let want = OffsetDateTime::parse(want, &Rfc3339).ok();
        pages.len() == 1
            && crate::support::webhook::title_link(&pages[0])
                .is_some_and(|l| want.is_some() && title::recorded(&l).0 == want)
    }
}

/// Requests in the busiest `window` of the log.
pub fn busiest_window(records: &[RequestRecord], window: Duration) -> usize {
    let times: Vec<OffsetDateTime> = records
        .iter()
        .filter_map(|r| OffsetDateTime::parse(&r.time, &Rfc3339).ok())
        .collect();
    let mut best = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}
