//! Set-up for the two-way sync end-to-end tests: the Notion emulator with a webhook subscription
//! pointing at the RELEASE `notion-webhook` binary (behind a Function URL front), the fake GitHub
//! whose deliveries go to the RELEASE `github-webhook` binary (behind its own front), and
//! `moto_server` holding the secret. Calls are counted from the emulator's and the fake's request
//! logs, never from our own logs.

use std::sync::Arc;
use std::time::Duration;

use relay_tests::emulator::{Sent, Subscription};
use relay_tests::fake_github::{Delivered, FakeGitHub, Issue};
use relay_tests::function_url::FunctionUrl;
use relay_tests::lambda::{release_binary, LambdaFunction};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::support::webhook::{Stack, GITHUB_TOKEN, WEBHOOK_SECRET};

pub const REPO: &str = "octo-org/planner";
const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

/// One function process with its Function URL.
pub struct Container {
    pub function: Arc<LambdaFunction>,
    pub url: FunctionUrl,
}

impl Container {
    pub fn logs(&self) -> String {
        self.function.logs()
    }
}

pub struct TwoWay {
    pub stack: Stack,
    pub github: FakeGitHub,
    pub database: String,
    pub github_webhook: Container,
    pub notion_webhook: Container,
    pub subscription: Subscription,
    extra: Vec<(String, String)>,
}

impl TwoWay {
    /// Everything running, the subscription created and its handshake answered 200.
    pub async fn start() -> TwoWay {
        TwoWay::start_with(&[]).await
    }

    /// [`TwoWay::start`] with extra environment for both functions (e.g. `NOTION_VERSION`). The
    /// database is the demo one plus an optional `Milestone` select.
    pub async fn start_with(extra: &[(&str, &str)]) -> TwoWay {
        let stack = Stack::start().await;
        let mut properties = relay_tests::emulator::demo_properties();
        properties["Milestone"] = json!({"select": {"options": []}});
        let database = stack
            .emulator
            .create_database("GitHub Issues", properties)
            .expect("database")
            .database_id;
        let github = FakeGitHub::start().await.expect("fake GitHub binds");
        github.set_token(Some(GITHUB_TOKEN));
        let extra: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let github_webhook = container(&stack, &database, &github, "github-webhook", &extra).await;
        github.deliver_to(&github_webhook.url.url(), WEBHOOK_SECRET);
        let notion_webhook = container(&stack, &database, &github, "notion-webhook", &extra).await;
        let subscription = stack
            .emulator
            .subscribe_webhooks(&notion_webhook.url.url(), None);
        let handshake = stack.emulator.send_webhook_verification().await;
        assert_eq!(
            handshake.status,
            200,
            "{}\n{}",
            handshake.answer,
            notion_webhook.logs()
        );
        TwoWay {
            stack,
            github,
            database,
            github_webhook,
            notion_webhook,
            subscription,
            extra,
        }
    }

    /// Another warm container of notion-webhook (same settings, its own caches).
    pub async fn another_notion_webhook(&self) -> Container {
        container(
            &self.stack,
            &self.database,
            &self.github,
            "notion-webhook",
            &self.extra,
        )
        .await
    }

    /// Puts `issue` on GitHub, delivers its `opened` through github-webhook (a page is created),
    /// and delivers the events that write raised (ours: they must cost no GitHub call). Returns
    /// the page id.
    pub async fn sync_new(&self, issue: Issue) -> String {
        let number = issue.number;
        self.github.put_issue(REPO, issue);
        assert!(self.github.queue_webhook(REPO, number, "opened"));
        let delivered = self.flush_github().await;
        assert_eq!(delivered.len(), 1);
        assert_eq!(
            delivered[0].answer["outcome"],
            "created",
            "{delivered:?}\n{}",
            self.github_webhook.logs()
        );
        let github_mark = self.github.requests().len();
        for sent in self.flush_notion().await {
            assert_eq!(sent.status, 202, "{}", sent.answer);
            assert_eq!(answer(&sent)["outcome"], "own_write", "{}", sent.answer);
        }
        assert_eq!(
            self.github.requests().len(),
            github_mark,
            "our own writes cost no GitHub call"
        );
        delivered[0].answer["page_id"]
            .as_str()
            .expect("page id")
            .to_string()
    }

    /// Edits a page as a person in Notion's UI.
    pub fn person_edits(&self, page_id: &str, properties: Value) {
        self.stack
            .emulator
            .edit_as_person(page_id, None, properties)
            .unwrap_or_else(|e| panic!("person edit refused: {e:?}"));
    }

    /// An edit made on GitHub two seconds from now (after a Notion edit made now): `change`
    /// applied to the issue, its `updated_at` moved there, and `event` logged at that time.
    pub fn edit_on_github(&self, number: u64, event: &str, change: impl FnOnce(&mut Issue)) {
        let later = OffsetDateTime::now_utc() + time::Duration::seconds(2);
        assert!(self.github.update_issue(REPO, number, |i| {
            change(i);
            i.updated_at = later;
        }));
        self.github.record_issue_event(REPO, number, event, later);
    }

    /// Delivers the emulator's waiting events to notion-webhook.
    pub async fn flush_notion(&self) -> Vec<Sent> {
        self.stack.emulator.deliver_webhooks().await
    }

    /// Delivers the fake GitHub's waiting deliveries to github-webhook.
    pub async fn flush_github(&self) -> Vec<Delivered> {
        self.github.deliver_webhooks().await
    }

    /// The issue as GitHub's REST API answers it.
    pub fn issue(&self, number: u64) -> Value {
        self.github.issue_json(REPO, number).expect("issue exists")
    }

    pub fn page(&self, page_id: &str) -> Value {
        self.stack
            .emulator
            .pages_in(&self.database)
            .into_iter()
            .find(|p| p["id"] == page_id)
            .expect("page exists")
    }

    /// GitHub requests since the log had `mark` entries.
    pub fn github_since(&self, mark: usize) -> Vec<relay_tests::fake_github::RequestRecord> {
        self.github.requests().split_off(mark)
    }

    /// GitHub requests since the log had `mark` entries, as `METHOD path`.
    pub fn github_calls_since(&self, mark: usize) -> Vec<String> {
        self.github_since(mark)
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    pub fn patches(&self) -> usize {
        self.github.patches().len()
    }
}

async fn container(
    stack: &Stack,
    database: &str,
    github: &FakeGitHub,
    name: &str,
    extra: &[(String, String)],
) -> Container {
    let mut env = stack.env(database);
    env.push(("GITHUB_API_URL".into(), github.base_url().to_string()));
    env.extend(extra.iter().cloned());
    let function = LambdaFunction::spawn(&release_binary(name), &env)
        .await
        .unwrap_or_else(|e| panic!("{name} starts: {e}"));
    let function = Arc::new(function);
    let url = FunctionUrl::serve(function.clone(), ANSWER_TIMEOUT)
        .await
        .expect("function URL binds");
    Container { function, url }
}

/// An open issue on GitHub, last updated ten minutes ago (so a person's edit now is newer).
pub fn issue(number: u64, title: &str) -> Issue {
    Issue::new(
        number,
        title,
        OffsetDateTime::now_utc() - time::Duration::minutes(10),
    )
    .label("bug")
    .assignee("ana")
}

/// `sha256=<hex>` as Notion signs an event.
pub fn sign(token: &str, body: &[u8]) -> String {
    notion_relay::notion::webhook::sign(token, body)
}

/// The JSON answer of an event delivery.
pub fn answer(sent: &Sent) -> Value {
    serde_json::from_str(&sent.answer).unwrap_or(Value::Null)
}

pub fn select(name: &str) -> Value {
    json!({"select": {"name": name}})
}

pub fn multi(names: &[&str]) -> Value {
    let options: Vec<Value> = names.iter().map(|n| json!({"name": n})).collect();
    json!({ "multi_select": options })
}

/// A title edited in place: the text changes, the link github-webhook put on it stays (as when a
/// person types inside the linked title in Notion's UI).
pub fn title_keeping_link(page: &Value, text: &str) -> Value {
    let link = page["properties"]["Name"]["title"][0]["text"]["link"].clone();
    json!({"title": [{"type": "text", "text": {"content": text, "link": link}}]})
}

pub fn labels(issue: &Value) -> Vec<String> {
    let mut names: Vec<String> = issue["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

pub fn assignees(issue: &Value) -> Vec<String> {
    let mut logins: Vec<String> = issue["assignees"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["login"].as_str().map(str::to_string))
        .collect();
    logins.sort();
    logins
}
