//! The fake GitHub's mutable world: repositories with their issues and webhook deliveries, the
//! configured token, queued faults, the rate-limit window and the request log. One mutex guards
//! it all; handlers and the test handle take it briefly and never across an await.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;

use super::model::{Delivery, Issue};

/// A failure to answer with instead of the real response, for the next N requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 403, `x-ratelimit-remaining: 0`, `x-ratelimit-reset` this far in the future.
    PrimaryRateLimit { reset_after: Duration },
    /// 403, `retry-after`, "You have exceeded a secondary rate limit".
    SecondaryRateLimit { retry_after_secs: u64 },
    /// 429 with `retry-after`.
    TooManyRequests { retry_after_secs: u64 },
    /// Any status (e.g. 502) with a GitHub-style error body.
    Status(u16),
}

/// One request the fake received (including rejected ones).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub user_agent: Option<String>,
    /// Whether an `Authorization` header was sent (its value is never stored).
    pub authorized: bool,
}

/// A redelivery someone asked for with `POST .../deliveries/{id}/attempts`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redelivery {
    pub repo: String,
    pub hook_id: u64,
    /// The delivery that was redelivered.
    pub delivery_id: u64,
    /// The new delivery entry recording the attempt.
    pub new_id: u64,
    pub guid: String,
}

/// GitHub's primary limit for an authenticated token.
pub const RATE_LIMIT: u64 = 5000;
const RATE_WINDOW: Duration = Duration::from_secs(3600);

#[derive(Debug)]
pub struct Repo {
    pub id: u64,
    pub issues: BTreeMap<u64, Issue>,
    /// Numbers of deleted issues: `GET` answers 410 Gone for them.
    pub deleted: std::collections::BTreeSet<u64>,
    /// Deliveries per hook id, oldest first.
    pub hooks: BTreeMap<u64, Vec<Delivery>>,
}

#[derive(Debug)]
pub struct Inner {
    pub repos: BTreeMap<String, Repo>,
    pub token: Option<String>,
    pub faults: VecDeque<Fault>,
    pub requests: Vec<RequestRecord>,
    pub redeliveries: Vec<Redelivery>,
    /// Status the recorded redelivery attempt gets (200 = success).
    pub redelivery_status: u16,
    next_repo_id: u64,
    next_delivery_id: u64,
    pub rate_used: u64,
    pub rate_reset: OffsetDateTime,
    /// The token's user and scopes, and the repository webhooks (`account.rs`).
    pub account: super::account::Account,
    /// What PATCH wrote, the hook target and the deliveries waiting to be sent.
    pub writes: super::patch::Writes,
    /// How long every answer takes (a slow GitHub); zero by default.
    pub latency: std::time::Duration,
    /// Items per page of the issues list at most, below GitHub's own 100 (long listings in
    /// tests without thousands of issues).
    pub max_issues_per_page: usize,
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            repos: BTreeMap::new(),
            token: None,
            faults: VecDeque::new(),
            requests: Vec::new(),
            redeliveries: Vec::new(),
            redelivery_status: 200,
            next_repo_id: 100_001,
            next_delivery_id: 9_000_000_001,
            rate_used: 0,
            rate_reset: OffsetDateTime::now_utc() + RATE_WINDOW,
            account: super::account::Account::default(),
            writes: Default::default(),
            latency: std::time::Duration::ZERO,
            max_issues_per_page: 100,
        }
    }
}

impl Inner {
    /// The repository `owner/name`, created empty on first use.
    pub fn repo_mut(&mut self, name: &str) -> &mut Repo {
        let next_id = &mut self.next_repo_id;
        self.repos.entry(name.to_string()).or_insert_with(|| {
            *next_id += 1;
            Repo {
                id: *next_id - 1,
                issues: BTreeMap::new(),
                deleted: Default::default(),
                hooks: BTreeMap::new(),
            }
        })
    }

    /// Stores a delivery, assigning an id when it has none; returns the id.
    pub fn add_delivery(&mut self, repo: &str, hook_id: u64, mut delivery: Delivery) -> u64 {
        if delivery.id == 0 {
            delivery.id = self.next_delivery_id;
            self.next_delivery_id += 1;
        } else {
            self.next_delivery_id = self.next_delivery_id.max(delivery.id + 1);
        }
        let id = delivery.id;
        let hook = self.repo_mut(repo).hooks.entry(hook_id).or_default();
        hook.push(delivery);
        id
    }

    /// Records a redelivery of `delivery_id` as a new entry; `None` if there is no such delivery.
    pub fn redeliver(&mut self, repo: &str, hook_id: u64, delivery_id: u64) -> Option<u64> {
        let original = self
            .repos
            .get(repo)?
            .hooks
            .get(&hook_id)?
            .iter()
            .find(|d| d.id == delivery_id)?
            .clone();
        let attempt = Delivery {
            id: 0,
            delivered_at: OffsetDateTime::now_utc(),
            redelivery: true,
            status_code: self.redelivery_status,
            ..original.clone()
        };
        let new_id = self.add_delivery(repo, hook_id, attempt);
        self.redeliveries.push(Redelivery {
            repo: repo.to_string(),
            hook_id,
            delivery_id,
            new_id,
            guid: original.guid,
        });
        Some(new_id)
    }

    /// Counts a request against the hour's quota, opening a new window when the old one ended.
    pub fn spend_rate(&mut self) {
        let now = OffsetDateTime::now_utc();
        if now >= self.rate_reset {
            self.rate_used = 0;
            self.rate_reset = now + RATE_WINDOW;
        }
        self.rate_used += 1;
    }
}

/// The lock around [`Inner`], shared by the server and the test handle.
#[derive(Debug)]
pub struct Shared {
    pub base_url: String,
    inner: Mutex<Inner>,
}

impl Shared {
    pub fn new(base_url: String) -> Self {
        Shared {
            base_url,
            inner: Mutex::new(Inner::default()),
        }
    }

    // A panicking test thread must not take the fake down for the others.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn repos_get_distinct_stable_ids() {
        let mut inner = Inner::default();
        let a = inner.repo_mut("o/a").id;
        let b = inner.repo_mut("o/b").id;
        assert_ne!(a, b);
        assert_eq!(inner.repo_mut("o/a").id, a);
    }

    #[test]
    fn a_redelivery_reuses_the_guid_and_uses_the_configured_status() {
        let mut inner = Inner {
            redelivery_status: 502,
            ..Inner::default()
        };
        let at = datetime!(2026-01-01 00:00 UTC);
        let id = inner.add_delivery("o/r", 1, Delivery::new("g-1", "issues", None, 503, at));

        let new_id = inner.redeliver("o/r", 1, id).unwrap();

        let hook = &inner.repos["o/r"].hooks[&1];
        let attempt = hook.iter().find(|d| d.id == new_id).unwrap();
        assert!(attempt.redelivery);
        assert_eq!((attempt.guid.as_str(), attempt.status_code), ("g-1", 502));
        assert_eq!(inner.redeliveries[0].delivery_id, id);
        assert_eq!(inner.redeliver("o/r", 1, 999), None);
    }
}
