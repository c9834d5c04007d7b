//! A fake GitHub REST API for scheduled-sync tests and the demo: issues and pull requests listed
//! with `since` + `Link` pagination, single pull requests, webhook deliveries with cursor
//! pagination and redelivery, token and `User-Agent` checks, `x-ratelimit-*` headers, injectable
//! rate limits and errors, and a log of every request.
//!
//! Entry point: [`FakeGitHub::start`] (in-process, `127.0.0.1:0`), then point the code under test
//! at [`FakeGitHub::base_url`]. The `fake-github` binary serves the same thing on a port.

mod account;
mod guard;
mod hook;
mod model;
mod page;
mod patch;
mod routes;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};
use tokio::task::JoinHandle;

pub use self::account::Hook;
pub use self::hook::{Delivered, Outgoing};
pub use self::model::{iso, Delivery, Issue, Pull};
use self::state::Shared;
pub use self::state::{Fault, Redelivery, RequestRecord, RATE_LIMIT};

/// A running fake GitHub. Dropping it stops the server.
pub struct FakeGitHub {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl FakeGitHub {
    /// Serves on a free loopback port.
    pub async fn start() -> std::io::Result<FakeGitHub> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Serves on `addr` (port 0 picks a free one).
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<FakeGitHub> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(format!("http://{addr}")));
        let app = routes::router(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fake GitHub stopped");
            }
        });
        Ok(FakeGitHub {
            shared,
            addr,
            server,
        })
    }

    /// `http://127.0.0.1:PORT` — what `GITHUB_API_URL` should be.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `X-OAuth-Scopes` `GET /user` answers with; `None` sends none (a fine-grained token).
    pub fn set_scopes(&self, scopes: Option<&str>) {
        self.shared.lock().account.scopes = scopes.map(str::to_string);
    }

    /// Adds (or replaces) repository webhook `id` of `repo`.
    pub fn add_hook(&self, repo: &str, id: u64, hook: Hook) {
        self.shared
            .lock()
            .account
            .hooks
            .insert((repo.to_string(), id), hook);
    }

    /// Requires `Authorization: Bearer <token>` (or `token <token>`) from now on; `None` accepts
    /// anonymous requests (the default).
    pub fn set_token(&self, token: Option<&str>) {
        self.shared.lock().token = token.map(str::to_string);
    }

    /// Adds or replaces an issue or pull request (keyed by number) in `repo` (`owner/name`).
    pub fn put_issue(&self, repo: &str, issue: Issue) {
        self.shared
            .lock()
            .repo_mut(repo)
            .issues
            .insert(issue.number, issue);
    }

    /// Edits an existing issue in place (set `updated_at` yourself); false if there is none.
    pub fn update_issue(&self, repo: &str, number: u64, edit: impl FnOnce(&mut Issue)) -> bool {
        let mut inner = self.shared.lock();
        match inner.repo_mut(repo).issues.get_mut(&number) {
            Some(issue) => {
                edit(issue);
                true
            }
            None => false,
        }
    }

    /// Deletes an issue as GitHub does: it leaves every list, and `GET` answers 410 Gone.
    pub fn delete_issue(&self, repo: &str, number: u64) {
        let mut inner = self.shared.lock();
        let repo = inner.repo_mut(repo);
        repo.issues.remove(&number);
        repo.deleted.insert(number);
    }

    pub fn issue(&self, repo: &str, number: u64) -> Option<Issue> {
        let inner = self.shared.lock();
        inner.repos.get(repo)?.issues.get(&number).cloned()
    }

    /// Every issue and pull request of `repo`, by number.
    pub fn issues(&self, repo: &str) -> Vec<Issue> {
        let inner = self.shared.lock();
        inner
            .repos
            .get(repo)
            .map(|r| r.issues.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Adds `n` varied issues and pull requests after the highest existing number, the i-th
    /// updated at `start + i` minutes (so `since` splits them predictably). Deterministic: every
    /// 4th is a pull request (open, draft or merged in turn), every 5th issue is closed, labels
    /// include one with a comma, and assignees, authors and comment counts rotate. Returns the
    /// new numbers.
    pub fn generate(&self, repo: &str, n: usize, start: OffsetDateTime) -> Vec<u64> {
        const LABELS: [&str; 5] = [
            "bug",
            "enhancement",
            "docs",
            "good first issue",
            "needs triage, urgent",
        ];
        const PEOPLE: [&str; 3] = ["octocat", "hubot", "monalisa"];
        let mut inner = self.shared.lock();
        let issues = &mut inner.repo_mut(repo).issues;
        let first = issues.keys().next_back().copied().unwrap_or(0) + 1;
        let mut numbers = Vec::with_capacity(n);
        for i in 0..n {
            let number = first + i as u64;
            let updated = start + Duration::minutes(i as i64);
            let mut item = if i % 4 == 3 {
                let pr =
                    Issue::pull_request(number, &format!("PR {number}: generated change"), updated);
                match (i / 4) % 3 {
                    0 => pr,
                    1 => pr.draft(),
                    _ => pr.merged(updated),
                }
            } else {
                let issue = Issue::new(
                    number,
                    &format!("Issue {number}: generated report"),
                    updated,
                );
                if i % 5 == 4 {
                    issue.closed(updated)
                } else {
                    issue
                }
            };
            item = item
                .created(updated - Duration::days(1))
                .author(PEOPLE[i % 3])
                .comments((i % 6) as u64)
                .body(&format!("Generated item {number}."));
            if i % 7 != 0 {
                item = item.label(LABELS[i % LABELS.len()]);
            }
            match i % 3 {
                0 => item = item.assignee("ana"),
                1 => item = item.assignee("ben").assignee("cy"),
                _ => {}
            }
            issues.insert(number, item);
            numbers.push(number);
        }
        numbers
    }

    /// Records a delivery of hook `hook_id` (id assigned when 0); returns its id.
    pub fn add_delivery(&self, repo: &str, hook_id: u64, delivery: Delivery) -> u64 {
        self.shared.lock().add_delivery(repo, hook_id, delivery)
    }

    /// The deliveries of a hook, oldest first (redelivery attempts included).
    pub fn deliveries(&self, repo: &str, hook_id: u64) -> Vec<Delivery> {
        let inner = self.shared.lock();
        inner
            .repos
            .get(repo)
            .and_then(|r| r.hooks.get(&hook_id).cloned())
            .unwrap_or_default()
    }

    /// Every redelivery requested so far, in order.
    pub fn redeliveries(&self) -> Vec<Redelivery> {
        self.shared.lock().redeliveries.clone()
    }

    /// The status code recorded for future redelivery attempts (default 200).
    pub fn set_redelivery_status(&self, status_code: u16) {
        self.shared.lock().redelivery_status = status_code;
    }

    /// Every answer from now on takes `latency` (a slow GitHub).
    pub fn set_latency(&self, latency: std::time::Duration) {
        self.shared.lock().latency = latency;
    }

    /// The issues list answers at most `n` items per page (GitHub's cap is 100).
    pub fn set_max_issues_per_page(&self, n: usize) {
        self.shared.lock().max_issues_per_page = n;
    }

    /// Lets time pass for the delivery log: every recorded delivery (redeliveries included) is
    /// moved `by` into the past, so a test can cross a backoff without sleeping.
    pub fn age_deliveries(&self, by: time::Duration) {
        let mut inner = self.shared.lock();
        for repo in inner.repos.values_mut() {
            for delivery in repo.hooks.values_mut().flatten() {
                delivery.delivered_at -= by;
            }
        }
    }

    /// Answers the next `times` requests (that pass the auth checks) with `fault`.
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut inner = self.shared.lock();
        inner.faults.extend(std::iter::repeat_n(fault, times));
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.clone()
    }

    /// How many requests had a path starting with `path_prefix`.
    pub fn count(&self, path_prefix: &str) -> usize {
        let inner = self.shared.lock();
        inner
            .requests
            .iter()
            .filter(|r| r.path.starts_with(path_prefix))
            .count()
    }

    /// Forgets the request log and any faults not yet served.
    pub fn reset_requests(&self) {
        let mut inner = self.shared.lock();
        inner.requests.clear();
        inner.faults.clear();
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.server.abort();
    }
}
