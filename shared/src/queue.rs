//! Queue mode: a verified delivery becomes one SQS FIFO message, applied later by `sync-worker`.
//!
//! The message is the NORMALIZED work ([`WorkOp`]: the `WorkItem` to upsert, or the key to
//! archive), not GitHub's raw payload: smaller, already validated, and the worker needs neither the
//! webhook secret nor the payload parser. `MessageGroupId` = `owner/name#number`, so SQS hands one
//! issue's messages out in order and never two at once; `MessageDeduplicationId` = the
//! `X-GitHub-Delivery` id, so a redelivery within SQS's 5-minute window is dropped by SQS.
//!
//! Entry points: [`DeliveryQueue::from_env`] (`None` in direct mode), [`DeliveryQueue::enqueue`],
//! [`QueuedWork::parse`] for the worker, and [`pace`] for the per-container Notion pace.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::aws::sqs::{FifoMessage, SqsClient, MAX_MESSAGE_BYTES};
use crate::aws::AwsError;
use crate::config::{optional, Env, DELIVERY_QUEUE_URL};
use crate::github::WorkItem;
use crate::notion;
use crate::sync::{GitHubView, SyncResult, Syncer};

/// Room left under SQS's limit for the JSON around the item and the attributes.
const BODY_BUDGET: usize = MAX_MESSAGE_BYTES - 8 * 1024;
/// SQS's limit for `MessageGroupId` and `MessageDeduplicationId`.
const MAX_ID_CHARS: usize = 128;
const CUT_NOTE: &str = "\n\n… (the rest of the description is on GitHub)";

/// The Notion work one delivery asks for (one per delivery: its size does not matter).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WorkOp {
    Upsert { item: WorkItem },
    Archive { repository: String, number: u64 },
}

impl WorkOp {
    pub fn key(&self) -> (&str, u64) {
        match self {
            WorkOp::Upsert { item } => (&item.repository, item.number),
            WorkOp::Archive { repository, number } => (repository, *number),
        }
    }

    /// Applies the work. `alone`: the caller is the only writer of the key (the worker), so a
    /// create costs 2 calls. `github`, when given, is asked before a create whether the issue
    /// was deleted (`sync::tombstone`) and before a person's edit is overwritten what GitHub
    /// holds now (`sync::person_edit`).
    pub async fn run(
        &self,
        syncer: &Syncer<'_>,
        github: Option<&GitHubView>,
        alone: bool,
    ) -> Result<SyncResult, notion::Error> {
        match self {
            WorkOp::Upsert { item } => syncer.upsert_checked(item, github, alone).await,
            WorkOp::Archive { repository, number } => syncer.archive(repository, *number).await,
        }
    }
}

/// One queued message: the work and the delivery it came from (for logs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedWork {
    pub delivery: String,
    #[serde(flatten)]
    pub op: WorkOp,
}

impl QueuedWork {
    pub fn parse(body: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(body)
    }

    /// The message body, under SQS's size limit: an issue body too long for it is cut (the page
    /// content holds at most 100 blocks anyway).
    pub fn to_body(&self) -> String {
        let mut work = self.clone();
        loop {
            let body = serde_json::to_string(&work).unwrap_or_default();
            let excess = body.len().saturating_sub(BODY_BUDGET);
            let WorkOp::Upsert { item } = &mut work.op else {
                return body;
            };
            let Some(text) = item.body.as_mut().filter(|_| excess > 0) else {
                return body;
            };
            // JSON escapes make the serialized text longer than the text; cut a little more.
            let keep = text.len().saturating_sub(excess + CUT_NOTE.len() + 1024);
            let mut at = keep;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
            text.push_str(CUT_NOTE);
        }
    }
}

/// `owner/name#number`, or a hash-tagged prefix of it when past SQS's 128 characters (a GitHub
/// `owner/name` may have 140).
pub fn group_id(repository: &str, number: u64) -> String {
    let id = format!("{repository}#{number}");
    fit_id(&id)
}

/// A deduplication id from the delivery id (a UUID), or a hash of the message when GitHub sent
/// none.
pub fn deduplication_id(delivery: Option<&str>, body: &str) -> String {
    match delivery.map(str::trim).filter(|d| !d.is_empty()) {
        Some(delivery) => fit_id(delivery),
        None => hex::encode(Sha256::digest(body.as_bytes())),
    }
}

/// SQS ids take alphanumerics and ASCII punctuation, up to 128 characters.
fn fit_id(id: &str) -> String {
    let clean: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c.is_ascii_punctuation() {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.len() <= MAX_ID_CHARS && clean == id {
        return clean;
    }
    let hash = hex::encode(&Sha256::digest(id.as_bytes())[..8]);
    let prefix: String = clean.chars().take(MAX_ID_CHARS - hash.len() - 1).collect();
    format!("{prefix}~{hash}")
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the delivery queue refused the message")]
    Send(#[source] AwsError),
}

/// The queue `github-webhook` sends to in queue mode.
#[derive(Debug, Clone)]
pub struct DeliveryQueue {
    sqs: SqsClient,
    url: String,
}

impl DeliveryQueue {
    /// `Ok(None)` when `DELIVERY_QUEUE_URL` is unset (direct mode).
    pub fn from_env(env: &impl Env) -> Result<Option<Self>, AwsError> {
        let Some(url) = optional(env, DELIVERY_QUEUE_URL) else {
            return Ok(None);
        };
        Ok(Some(Self {
            sqs: SqsClient::from_env(env)?,
            url,
        }))
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends the work of one delivery; the SQS message id.
    pub async fn enqueue(
        &self,
        delivery: Option<&str>,
        op: WorkOp,
        deadline: Instant,
    ) -> Result<String, QueueError> {
        let (repository, number) = op.key();
        let group = group_id(repository, number);
        let work = QueuedWork {
            delivery: delivery.unwrap_or_default().to_owned(),
            op,
        };
        let body = work.to_body();
        let dedup = deduplication_id(delivery, &body);
        let message = FifoMessage {
            body: &body,
            group_id: &group,
            deduplication_id: &dedup,
        };
        self.sqs
            .send_fifo(&self.url, &message, Some(deadline))
            .await
            .map_err(QueueError::Send)
    }
}

/// What the workers leave of the budget for scheduled-sync and weekly-digest (the template sets
/// each of them to half of it in queue mode).
pub const RESERVED_PER_SECOND: f64 = 0.5;

/// One container's Notion pace (requests/s) so that all of them together stay inside the
/// deployment's budget: `MaximumConcurrency` workers share what is left after `reserved` (the
/// scheduled sync and the digest, which run next to them). Never below 0.1 request/s.
pub fn pace(budget_per_second: f64, max_concurrency: u32, reserved_per_second: f64) -> f64 {
    let workers = f64::from(max_concurrency.max(1));
    ((budget_per_second - reserved_per_second) / workers).max(0.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::ItemState;
    use time::OffsetDateTime;

    /// Every kind of field known, some known to be empty, so the round trip is exercised.
    fn item(body: Option<String>) -> WorkItem {
        WorkItem {
            state: Some(ItemState::Closed),
            labels: Some(vec!["bug".into()]),
            author: Some("octocat".into()),
            body,
            comments: Some(3),
            updated_at: OffsetDateTime::from_unix_timestamp(1_780_000_015).unwrap(),
            default_branch: Some("main".into()),
            milestone: Some(None),
            issue_type: Some(Some("Bug".into())),
            parent: Some(Some(crate::github::item::ItemKey {
                repository: "octo/repo".into(),
                number: 1,
            })),
            created_at: Some(OffsetDateTime::from_unix_timestamp(1_770_000_000).unwrap()),
            closed_at: Some(None),
            ..crate::sync::fixtures::item()
        }
    }

    #[test]
    fn known_empty_and_unknown_fields_stay_apart_through_the_queue() {
        let mut unknown = item(None);
        unknown.milestone = None;
        unknown.closed_at = None;
        unknown.parent = Some(None);
        let work = QueuedWork {
            delivery: "d-3".into(),
            op: WorkOp::Upsert { item: unknown },
        };
        let WorkOp::Upsert { item: back } = QueuedWork::parse(&work.to_body()).unwrap().op else {
            panic!("an upsert");
        };
        assert_eq!(back.milestone, None);
        assert_eq!(back.closed_at, None);
        assert_eq!(back.parent, Some(None));
        assert_eq!(back.issue_type, Some(Some("Bug".into())));
    }

    #[test]
    fn a_queued_item_reads_back_exactly() {
        let work = QueuedWork {
            delivery: "d-1".into(),
            op: WorkOp::Upsert {
                item: item(Some("body".into())),
            },
        };
        assert_eq!(QueuedWork::parse(&work.to_body()).unwrap(), work);
        let archive = QueuedWork {
            delivery: "d-2".into(),
            op: WorkOp::Archive {
                repository: "octo/repo".into(),
                number: 7,
            },
        };
        let body = archive.to_body();
        assert!(body.contains(r#""op":"archive""#), "{body}");
        assert_eq!(QueuedWork::parse(&body).unwrap(), archive);
    }

    #[test]
    fn a_body_past_the_sqs_limit_is_cut_to_fit() {
        // Quotes and newlines double in JSON; emoji are 4 bytes.
        let long = "\"line\"\n😀".repeat(40_000);
        let work = QueuedWork {
            delivery: "d".into(),
            op: WorkOp::Upsert {
                item: item(Some(long)),
            },
        };
        let body = work.to_body();
        assert!(body.len() <= BODY_BUDGET, "{}", body.len());
        let back = QueuedWork::parse(&body).unwrap();
        let WorkOp::Upsert { item } = back.op else {
            panic!("upsert")
        };
        assert!(item.body.unwrap().ends_with(CUT_NOTE));
        assert_eq!(item.title, "Fix it");
    }

    #[test]
    fn group_ids_fit_sqs_even_for_the_longest_repository_names() {
        assert_eq!(group_id("octo/repo", 7), "octo/repo#7");
        let long = format!("{}/{}", "o".repeat(39), "n".repeat(100));
        let id = group_id(&long, 123_456);
        assert!(id.len() <= 128, "{id}");
        assert_ne!(
            id,
            group_id(&long, 123_457),
            "distinct issues stay distinct"
        );
        assert_eq!(
            deduplication_id(Some("72d3162e-cc78-11e3-81ab-4c9367dc0958"), "b"),
            "72d3162e-cc78-11e3-81ab-4c9367dc0958"
        );
        assert_eq!(deduplication_id(None, "b").len(), 64);
    }

    #[test]
    fn the_pace_splits_what_is_left_of_the_budget_among_the_workers() {
        assert!((pace(3.0, 2, 0.5) - 1.25).abs() < 1e-9);
        assert!((pace(3.0, 5, 0.5) - 0.5).abs() < 1e-9);
        assert_eq!(pace(1.0, 10, 2.0), 0.1);
    }
}
