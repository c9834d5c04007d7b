//! The deliveries the fake GitHub sends after a PATCH (or when a test queues one): built in
//! GitHub's shape, signed with the hook secret (`X-Hub-Signature-256`), held in an outbox until
//! the test sends them to the URL it gave.

use serde_json::{json, Value};

use super::model::Issue;
use super::state::Inner;
use super::FakeGitHub;

/// One delivery waiting to be sent.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub event: String,
    pub action: String,
    pub guid: String,
    pub body: Value,
}

/// A delivery the fake sent and how the receiver answered.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub event: String,
    pub action: String,
    pub status: u16,
    pub answer: Value,
}

pub(super) fn queue_delivery(
    inner: &mut Inner,
    api: &str,
    repo: &str,
    issue: &Issue,
    action: &str,
    extra: Value,
) {
    let Some(repo_id) = inner.repos.get(repo).map(|r| r.id) else {
        return;
    };
    let (owner, name) = repo.split_once('/').unwrap_or((repo, repo));
    let (event, key, mut object) = match issue.pull_json(api, repo, repo_id) {
        Some(pull) => ("pull_request", "pull_request", pull),
        None => ("issues", "issue", issue.issue_json(api, repo, repo_id)),
    };
    inner.overlay(repo, issue, &mut object);
    let mut body = json!({
        "action": action,
        key: object,
        "repository": {"id": repo_id, "name": name, "full_name": repo,
                        "owner": {"login": owner}, "html_url": format!("https://github.com/{repo}")},
        "sender": {"login": "notion-relay-bot", "type": "User"},
    });
    if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    inner.writes.next_guid += 1;
    let guid = format!("fake-{:012}", inner.writes.next_guid);
    inner.writes.outbox.push(Outgoing {
        event: event.into(),
        action: action.into(),
        guid,
        body,
    });
}

fn sign(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .map(|m| m.chain_update(body).finalize().into_bytes())
        .unwrap_or_default();
    format!("sha256={}", hex::encode(mac))
}

impl FakeGitHub {
    /// Where [`Self::deliver_webhooks`] sends deliveries, and the hook secret they are signed with.
    pub fn deliver_to(&self, url: &str, secret: &str) {
        self.shared.lock().writes.target = Some((url.to_string(), secret.to_string()));
    }

    /// Adds a milestone `number` titled `title` to `repo`.
    pub fn add_milestone(&self, repo: &str, number: u64, title: &str) {
        self.shared
            .lock()
            .writes
            .milestones
            .entry(repo.to_string())
            .or_default()
            .push((number, title.to_string()));
    }

    /// The issue's REST JSON as `GET` answers it (with what PATCH set).
    pub fn issue_json(&self, repo: &str, number: u64) -> Option<Value> {
        self.shared
            .lock()
            .issue_with_writes(&self.shared.base_url, repo, number)
    }

    /// Every PATCH body received: `(repo, number, body)`.
    pub fn patches(&self) -> Vec<(String, u64, Value)> {
        self.shared.lock().writes.patches.clone()
    }

    /// Queues the delivery GitHub would send for `action` (e.g. `opened`) of an existing issue
    /// or pull request as it now is; false if there is no such item.
    pub fn queue_webhook(&self, repo: &str, number: u64, action: &str) -> bool {
        let mut inner = self.shared.lock();
        let Some(issue) = inner
            .repos
            .get(repo)
            .and_then(|r| r.issues.get(&number))
            .cloned()
        else {
            return false;
        };
        queue_delivery(
            &mut inner,
            &self.shared.base_url,
            repo,
            &issue,
            action,
            json!({}),
        );
        true
    }

    /// Logs an issue event (`labeled`, `closed`, `renamed`, …) at `at`, as GitHub does for an
    /// edit made on GitHub (pair it with [`FakeGitHub::update_issue`]).
    pub fn record_issue_event(
        &self,
        repo: &str,
        number: u64,
        event: &str,
        at: time::OffsetDateTime,
    ) {
        let mut inner = self.shared.lock();
        let log = inner
            .writes
            .events
            .entry((repo.to_string(), number))
            .or_default();
        log.push((event.to_string(), at));
    }

    /// Deliveries waiting to be sent.
    pub fn outbox(&self) -> Vec<Outgoing> {
        self.shared.lock().writes.outbox.clone()
    }

    /// Takes the waiting deliveries out of the outbox, to send later with
    /// [`Self::deliver_held`] (a delivery GitHub made but that arrives late).
    pub fn hold_outbox(&self) -> Vec<Outgoing> {
        std::mem::take(&mut self.shared.lock().writes.outbox)
    }

    /// Sends the waiting deliveries, in order, one at a time; returns each answer. Without a
    /// target (see [`Self::deliver_to`]) they are dropped.
    pub async fn deliver_webhooks(&self) -> Vec<Delivered> {
        let outbox = self.hold_outbox();
        self.deliver_held(outbox).await
    }

    /// Sends `outbox` (held by [`Self::hold_outbox`]) like [`Self::deliver_webhooks`].
    pub async fn deliver_held(&self, outbox: Vec<Outgoing>) -> Vec<Delivered> {
        let target = self.shared.lock().writes.target.clone();
        let Some((url, secret)) = target else {
            return Vec::new();
        };
        let client = reqwest::Client::new();
        let mut delivered = Vec::new();
        for out in outbox {
            let bytes = out.body.to_string();
            let sent = client
                .post(&url)
                .header("content-type", "application/json")
                .header("user-agent", "GitHub-Hookshot/fake")
                .header("x-github-event", &out.event)
                .header("x-github-delivery", &out.guid)
                .header("x-hub-signature-256", sign(&secret, bytes.as_bytes()))
                .body(bytes)
                .send()
                .await;
            let (status, answer) = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let answer = response.json::<Value>().await.unwrap_or(Value::Null);
                    (status, answer)
                }
                Err(e) => (0, json!({"error": e.to_string()})),
            };
            delivered.push(Delivered {
                event: out.event,
                action: out.action,
                status,
                answer,
            });
        }
        delivered
    }
}
