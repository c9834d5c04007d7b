//! The attempt loop of the client's one send path: pacing, deadline, retries, per-attempt logging.
//!
//! It is generic over "send one attempt" so the loop is tested on tokio's paused clock with
//! scripted answers, while `client.rs` plugs in reqwest. Budgets: at most
//! `RetryPolicy::max_attempts`; with a deadline, also no wait (pacing or backoff) that would end
//! past it — then `Error::DeadlineExceeded` carries the last error.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::error::{parse_error_response, Error};
use super::pacer::Pacer;
use super::retry::{decide, is_ambiguous, Decision, RetryPolicy};

/// One HTTP answer, whatever its status.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub retry_after: Option<String>,
    pub request_id: Option<String>,
}

/// What bounds a call: shared pacer and policy, this handle's deadline and call counter.
#[derive(Clone, Copy)]
pub(crate) struct Budget<'a> {
    pub pacer: &'a Pacer,
    pub policy: &'a RetryPolicy,
    pub deadline: Option<Instant>,
    pub calls: &'a AtomicU64,
    pub request_timeout: Duration,
    /// Which failures are sent again.
    pub retries: Retries,
}

/// Which failed attempts a handle sends again (see `NotionClient::without_ambiguous_retries`
/// and `NotionClient::without_retries`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retries {
    /// Every retryable failure (the default).
    All,
    /// Not those that may have been applied ([`is_ambiguous`]).
    Unambiguous,
    /// None: the caller decides again from a fresh read.
    None,
}

impl Budget<'_> {
    /// Whether waiting `wait` from now would end past the deadline.
    fn passes_deadline(&self, wait: Duration) -> bool {
        self.deadline
            .is_some_and(|deadline| Instant::now() + wait >= deadline)
    }

    /// The attempt's timeout: the configured one, shortened to what is left before the deadline.
    fn attempt_timeout(&self) -> Duration {
        match self.deadline {
            Some(deadline) => self
                .request_timeout
                .min(deadline.saturating_duration_since(Instant::now())),
            None => self.request_timeout,
        }
    }
}

fn deadline_error(attempts: u32, last: Option<Error>, method: &str, path: &str) -> Error {
    let last = last.unwrap_or_else(|| {
        Error::InvalidRequest(format!(
            "not sent: the deadline left no time for {method} {path}"
        ))
    });
    Error::DeadlineExceeded {
        attempts,
        last: Box::new(last),
    }
}

/// Sends until a 2xx answer, a final error, or the budget runs out. `send_once` gets the attempt's
/// timeout. Non-2xx answers become `Error::Api` via `parse_error_response`.
pub(crate) async fn with_retries<F, Fut>(
    budget: Budget<'_>,
    method: &str,
    path: &str,
    mut send_once: F,
) -> Result<Answer, Error>
where
    F: FnMut(Duration) -> Fut,
    Fut: Future<Output = Result<Answer, reqwest::Error>>,
{
    let mut attempts: u32 = 0;
    let mut last: Option<Error> = None;
    loop {
        let pace = budget.pacer.reserve(Instant::now());
        if budget.passes_deadline(pace) {
            budget.pacer.cancel();
            return Err(deadline_error(attempts, last, method, path));
        }
        if !pace.is_zero() {
            tokio::time::sleep(pace).await;
        }
        attempts += 1;
        budget.calls.fetch_add(1, Ordering::Relaxed);
        let error = match send_once(budget.attempt_timeout()).await {
            Ok(answer) => {
                let ok = (200..300).contains(&answer.status);
                let message = if ok {
                    "notion request"
                } else {
                    "notion request failed"
                };
                tracing::debug!(
                    method,
                    path,
                    status = answer.status,
                    request_id = answer.request_id.as_deref(),
                    attempt = attempts,
                    "{message}"
                );
                if ok {
                    return Ok(answer);
                }
                parse_error_response(
                    answer.status,
                    &answer.body,
                    answer.retry_after.as_deref(),
                    answer.request_id.as_deref(),
                    SystemTime::now(),
                )
            }
            Err(e) => {
                tracing::debug!(
                    method,
                    path,
                    attempt = attempts,
                    timeout = e.is_timeout(),
                    connect = e.is_connect(),
                    "notion request did not complete"
                );
                Error::Transport(e)
            }
        };
        let stop = match budget.retries {
            Retries::All => false,
            Retries::Unambiguous => is_ambiguous(&error),
            Retries::None => true,
        };
        if stop {
            return Err(error);
        }
        match decide(budget.policy, attempts, &error, fastrand::f64()) {
            Decision::GiveUp => return Err(error),
            Decision::RetryAfter(wait) => {
                if budget.passes_deadline(wait) {
                    return Err(deadline_error(attempts, Some(error), method, path));
                }
                tracing::debug!(
                    method,
                    path,
                    attempt = attempts,
                    wait_ms = wait.as_millis() as u64,
                    "retrying notion request"
                );
                tokio::time::sleep(wait).await;
                last = Some(error);
            }
        }
    }
}

#[cfg(test)]
mod tests;
