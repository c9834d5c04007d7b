//! How one SQS batch becomes work: records grouped by `MessageGroupId` (one issue each) in the
//! order SQS gave them, consecutive upserts of a group merged into the newest (only it is
//! applied), and which messages fail when a step fails: that step's and every later one of its
//! group (so per-issue order holds), never another group's (Powertools' `skipGroupOnError`).

use std::collections::HashMap;

use aws_lambda_events::event::sqs::SqsMessage;

use crate::queue::{QueuedWork, WorkOp};

/// One thing to do for one issue, and the messages it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `Err` with the reason when the message does not parse (it can only fail).
    pub op: Result<WorkOp, String>,
    pub message_ids: Vec<String>,
    /// Delivery ids, for the log line.
    pub deliveries: Vec<String>,
}

/// The steps of one message group, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPlan {
    pub group: String,
    pub steps: Vec<Step>,
}

impl GroupPlan {
    /// The message ids of step `from` and every later step: what fails when step `from` fails.
    pub fn failed_from(&self, from: usize) -> impl Iterator<Item = &str> {
        self.steps[from..]
            .iter()
            .flat_map(|s| s.message_ids.iter().map(String::as_str))
    }

    pub fn message_count(&self) -> usize {
        self.steps.iter().map(|s| s.message_ids.len()).sum()
    }
}

/// The batch's groups in the order of their first record.
pub fn plan(records: &[SqsMessage]) -> Vec<GroupPlan> {
    let mut groups: Vec<GroupPlan> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for record in records {
        let id = record.message_id.clone().unwrap_or_default();
        let parsed = record
            .body
            .as_deref()
            .ok_or_else(|| "the message has no body".to_owned())
            .and_then(|b| QueuedWork::parse(b).map_err(|e| format!("not a queued delivery: {e}")));
        // The group SQS says; a message without one (not from our webhook) is its own group.
        let group = record
            .attributes
            .get("MessageGroupId")
            .cloned()
            .unwrap_or_else(|| format!("message:{id}"));
        let at = *index.entry(group.clone()).or_insert_with(|| {
            groups.push(GroupPlan {
                group,
                steps: Vec::new(),
            });
            groups.len() - 1
        });
        push(&mut groups[at].steps, id, parsed);
    }
    groups
}

/// Appends one message, merging it into the previous step when both are upserts.
fn push(steps: &mut Vec<Step>, id: String, parsed: Result<QueuedWork, String>) {
    let (op, delivery) = match parsed {
        Ok(work) => (Ok(work.op), work.delivery),
        Err(reason) => (Err(reason), String::new()),
    };
    if let (Ok(WorkOp::Upsert { item: new }), Some(last)) = (&op, steps.last_mut()) {
        if let Ok(WorkOp::Upsert { item: held }) = &mut last.op {
            // The newest wins; at the same instant the later message (SQS order) does.
            if new.updated_at >= held.updated_at {
                *held = new.clone();
            }
            last.message_ids.push(id);
            last.deliveries.push(delivery);
            return;
        }
    }
    steps.push(Step {
        op,
        message_ids: vec![id],
        deliveries: vec![delivery],
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::{ItemState, WorkItem};
    use crate::sync::fixtures;
    use serde_json::json;
    use time::OffsetDateTime;

    fn item(number: u64, at: i64, labels: &[&str]) -> WorkItem {
        WorkItem {
            number,
            title: "t".into(),
            state: Some(ItemState::Open),
            labels: Some(labels.iter().map(|l| l.to_string()).collect()),
            url: format!("https://github.com/octo/repo/issues/{number}"),
            updated_at: OffsetDateTime::from_unix_timestamp(1_780_000_000 + at).unwrap(),
            ..fixtures::item()
        }
    }

    fn record(id: &str, op: Option<WorkOp>) -> SqsMessage {
        let (group, body) = match &op {
            Some(op) => {
                let (repo, number) = op.key();
                let work = QueuedWork {
                    delivery: format!("d-{id}"),
                    op: op.clone(),
                };
                (format!("{repo}#{number}"), work.to_body())
            }
            None => ("octo/repo#99".into(), "not json".into()),
        };
        serde_json::from_value(json!({
            "messageId": id, "receiptHandle": format!("r-{id}"), "body": body,
            "attributes": {"MessageGroupId": group, "ApproximateReceiveCount": "1"},
            "messageAttributes": {}, "eventSource": "aws:sqs",
        }))
        .expect("an SQS record")
    }

    fn upsert(number: u64, at: i64, labels: &[&str]) -> Option<WorkOp> {
        Some(WorkOp::Upsert {
            item: item(number, at, labels),
        })
    }

    #[test]
    fn upserts_of_one_issue_merge_into_the_newest_and_groups_keep_their_order() {
        let records = [
            record("a1", upsert(1, 10, &[])),
            record("b1", upsert(2, 5, &[])),
            record("a2", upsert(1, 30, &["bug"])),
            record("a3", upsert(1, 20, &["stale"])),
        ];
        let groups = plan(&records);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].group, "octo/repo#1");
        assert_eq!(groups[0].steps.len(), 1);
        let step = &groups[0].steps[0];
        assert_eq!(step.message_ids, ["a1", "a2", "a3"]);
        let Ok(WorkOp::Upsert { item }) = &step.op else {
            panic!("upsert")
        };
        assert_eq!(item.labels.as_deref(), Some(&["bug".to_string()][..]));
        assert_eq!(groups[1].message_count(), 1);
    }

    #[test]
    fn an_archive_splits_the_upserts_around_it() {
        let archive = Some(WorkOp::Archive {
            repository: "octo/repo".into(),
            number: 1,
        });
        let records = [
            record("a1", upsert(1, 10, &[])),
            record("a2", archive),
            record("a3", upsert(1, 5, &[])),
        ];
        let groups = plan(&records);
        assert_eq!(groups[0].steps.len(), 3);
        let failed: Vec<&str> = groups[0].failed_from(1).collect();
        assert_eq!(failed, ["a2", "a3"]);
    }

    #[test]
    fn an_unparseable_message_is_a_step_that_can_only_fail() {
        let groups = plan(&[record("x", None)]);
        assert!(groups[0].steps[0].op.is_err());
    }
}
