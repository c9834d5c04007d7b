//! Unit tests of the attempt loop on tokio's paused clock, with scripted answers.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::*;
use crate::notion::error::ErrorCode;

fn answer(status: u16, body: &str, retry_after: Option<&str>) -> Answer {
    Answer {
        status,
        body: body.as_bytes().to_vec(),
        retry_after: retry_after.map(str::to_owned),
        request_id: None,
    }
}

/// A 2xx answer.
fn ok() -> Answer {
    answer(200, "{}", None)
}

/// Notion's 429, asking for a wait of `retry_after` seconds.
fn rate_limited(retry_after: &str) -> Answer {
    answer(
        429,
        r#"{"code":"rate_limited","message":"m"}"#,
        Some(retry_after),
    )
}

struct Harness {
    pacer: Pacer,
    policy: RetryPolicy,
    calls: AtomicU64,
    retries: Retries,
}

impl Harness {
    fn new() -> Self {
        Harness {
            pacer: Pacer::new(3.0, 3),
            policy: RetryPolicy::default(),
            calls: AtomicU64::new(0),
            retries: Retries::All,
        }
    }

    /// Runs the loop against a script; once the script is exhausted every attempt gets its last
    /// answer again.
    async fn run(&self, deadline: Option<Instant>, script: Vec<Answer>) -> Result<Answer, Error> {
        let script = Mutex::new(VecDeque::from(script));
        let budget = Budget {
            pacer: &self.pacer,
            policy: &self.policy,
            deadline,
            calls: &self.calls,
            request_timeout: Duration::from_secs(8),
            retries: self.retries,
        };
        with_retries(budget, "POST", "/v1/pages", |_timeout| {
            let mut s = script.lock().unwrap();
            let next = if s.len() > 1 {
                s.pop_front().unwrap()
            } else {
                s.front().unwrap().clone()
            };
            async move { Ok(next) }
        })
        .await
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

#[tokio::test(start_paused = true)]
async fn without_ambiguous_retries_a_503_is_returned_but_a_429_is_still_retried() {
    let mut h = Harness::new();
    h.retries = Retries::Unambiguous;
    let err = h
        .run(None, vec![answer(503, "", None), ok()])
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        h.calls(),
        1,
        "a create that may have landed is not sent again"
    );
    let h2 = Harness {
        retries: Retries::Unambiguous,
        ..Harness::new()
    };
    h2.run(None, vec![rate_limited("1"), ok()]).await.unwrap();
    assert_eq!(h2.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn without_retries_even_a_429_is_returned_at_once() {
    let h = Harness {
        retries: Retries::None,
        ..Harness::new()
    };
    let err = h
        .run(None, vec![rate_limited("1"), ok()])
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(h.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_success_is_one_call() {
    let h = Harness::new();
    let a = h.run(None, vec![ok()]).await.unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(h.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn retries_503_then_succeeds() {
    let h = Harness::new();
    let a = h
        .run(
            None,
            vec![answer(503, "", None), answer(502, "<html/>", None), ok()],
        )
        .await
        .unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(h.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn retries_429_honouring_retry_after() {
    let h = Harness::new();
    let start = Instant::now();
    h.run(None, vec![rate_limited("2"), ok()]).await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(2));
    assert_eq!(h.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn retries_409_conflict_error() {
    let h = Harness::new();
    h.run(
        None,
        vec![
            answer(409, r#"{"code":"conflict_error","message":"m"}"#, None),
            ok(),
        ],
    )
    .await
    .unwrap();
    assert_eq!(h.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn never_retries_400_401_403_404() {
    for status in [400, 401, 403, 404] {
        let h = Harness::new();
        let err = h
            .run(None, vec![answer(status, "{}", None)])
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(h.calls(), 1, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_max_attempts_without_a_deadline() {
    let h = Harness::new();
    let err = h.run(None, vec![answer(503, "", None)]).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::ServiceUnavailable));
    assert!(!err.is_deadline_exceeded());
    assert_eq!(h.calls(), u64::from(RetryPolicy::default().max_attempts));
}

#[tokio::test(start_paused = true)]
async fn deadline_expiry_stops_retries_with_the_last_error() {
    // More attempts than the pacer (3 a second) lets fit in 3 s, so the deadline, not the attempt
    // count, ends the loop whatever the jitter draws (with 6 attempts a low draw gave up first).
    let mut h = Harness::new();
    h.policy.max_attempts = 100;
    let start = Instant::now();
    let deadline = start + Duration::from_secs(3);
    let err = h
        .run(Some(deadline), vec![answer(503, "", None)])
        .await
        .unwrap_err();
    match &err {
        Error::DeadlineExceeded { attempts, last } => {
            assert_eq!(u64::from(*attempts), h.calls());
            assert_eq!(last.status(), Some(503));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(Instant::now() <= deadline, "waited past the deadline");
    assert!(h.calls() >= 1);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_past_the_deadline_stops_at_once() {
    let h = Harness::new();
    let start = Instant::now();
    let err = h
        .run(
            Some(start + Duration::from_secs(5)),
            vec![rate_limited("10")],
        )
        .await
        .unwrap_err();
    assert!(err.is_deadline_exceeded());
    assert_eq!(h.calls(), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_passed_deadline_sends_nothing() {
    let h = Harness::new();
    let err = h.run(Some(Instant::now()), vec![ok()]).await.unwrap_err();
    assert!(matches!(err, Error::DeadlineExceeded { attempts: 0, .. }));
    assert!(err.is_retryable());
    assert_eq!(h.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn pacing_spreads_ten_calls_over_more_than_two_seconds() {
    let h = Harness::new();
    let start = Instant::now();
    for _ in 0..10 {
        h.run(None, vec![ok()]).await.unwrap();
    }
    assert!(start.elapsed() >= Duration::from_millis(2333));
    assert_eq!(h.calls(), 10);
}
