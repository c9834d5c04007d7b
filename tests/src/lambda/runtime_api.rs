//! The Lambda Runtime API (version 2018-06-01) as the harness serves it to one function process:
//! a queue of events that `GET /invocation/next` long-polls, and the answer routes that hand each
//! result back to the waiting `invoke` through a oneshot channel.
//!
//! Entry points: [`router`] (every route in one table) and [`Shared`], the state it shares with
//! [`super::LambdaFunction`] and the process watcher.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::{oneshot, watch, Notify};

use super::logs::Logs;

pub(crate) const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
pub(crate) const DEADLINE_MS: &str = "lambda-runtime-deadline-ms";
pub(crate) const FUNCTION_ARN: &str = "lambda-runtime-invoked-function-arn";
pub(crate) const TRACE_ID: &str = "lambda-runtime-trace-id";
const ERROR_TYPE: &str = "lambda-runtime-function-error-type";

/// Lambda accepts 6 MB responses; axum's default limit is 2 MB.
const BODY_LIMIT: usize = 7 * 1024 * 1024;

/// Every route of the Runtime API, in one table.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

/// An event waiting for the function to ask for it.
pub(crate) struct Queued {
    pub id: String,
    pub event: Value,
    pub timeout: Duration,
    pub reply: oneshot::Sender<Reply>,
}

/// What `invoke` receives for one event.
#[derive(Debug)]
pub(crate) enum Reply {
    Response { payload: Value, duration: Duration },
    Error { error: Value, duration: Duration },
    Died(Death),
}

/// Why the function can no longer answer.
#[derive(Clone, Debug)]
pub(crate) enum Death {
    Exited(String),
    InitError(Value),
}

/// Start-up milestones, observable without polling.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Milestones {
    pub first_next: Option<Instant>,
    pub first_answer: Option<Instant>,
    pub dead: bool,
}

struct InFlight {
    dispatched: Instant,
    reply: oneshot::Sender<Reply>,
}

#[derive(Default)]
struct Inner {
    queue: VecDeque<Queued>,
    in_flight: HashMap<String, InFlight>,
    dead: Option<Death>,
}

/// State shared by the Runtime API handlers, the harness handle and the process watcher.
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    work: Notify,
    milestones: watch::Sender<Milestones>,
    pub function_arn: String,
    pub logs: Logs,
}

impl Shared {
    pub fn new(function_arn: String, logs: Logs) -> Self {
        Shared {
            inner: Mutex::new(Inner::default()),
            work: Notify::new(),
            milestones: watch::Sender::new(Milestones::default()),
            function_arn,
            logs,
        }
    }

    // A panic while holding the lock only happens in a broken test; keep serving the others.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues an event, or says why the function cannot take it.
    pub fn enqueue(&self, queued: Queued) -> Result<(), Death> {
        let mut inner = self.lock();
        if let Some(death) = &inner.dead {
            return Err(death.clone());
        }
        inner.queue.push_back(queued);
        drop(inner);
        // `notify_one` stores a permit when nobody waits yet, so a poller arriving later sees it.
        self.work.notify_one();
        Ok(())
    }

    /// Waits for the next event and moves it in flight (so a dropped poll loses nothing).
    async fn take_next(&self) -> Option<(String, Value, Duration)> {
        self.milestones.send_if_modified(|m| {
            let first = m.first_next.is_none();
            m.first_next.get_or_insert_with(Instant::now);
            first
        });
        loop {
            let notified = self.work.notified();
            {
                let mut inner = self.lock();
                if inner.dead.is_some() {
                    return None;
                }
                if let Some(q) = inner.queue.pop_front() {
                    let in_flight = InFlight {
                        dispatched: Instant::now(),
                        reply: q.reply,
                    };
                    inner.in_flight.insert(q.id.clone(), in_flight);
                    if !inner.queue.is_empty() {
                        self.work.notify_one();
                    }
                    return Some((q.id, q.event, q.timeout));
                }
            }
            notified.await;
        }
    }

    /// Hands an answer to the waiting `invoke`; false when the id is unknown.
    fn answer(&self, id: &str, make: impl FnOnce(Duration) -> Reply) -> bool {
        let Some(in_flight) = self.lock().in_flight.remove(id) else {
            return false;
        };
        self.milestones.send_if_modified(|m| {
            let first = m.first_answer.is_none();
            m.first_answer.get_or_insert_with(Instant::now);
            first
        });
        // The invoker may have timed out and gone; nothing to tell it then.
        let _ = in_flight.reply.send(make(in_flight.dispatched.elapsed()));
        true
    }

    /// Marks the function dead and fails everything queued or in flight. The first cause wins:
    /// an init error is more useful than the exit that follows it.
    pub fn die(&self, death: Death) {
        let (replies, death) = {
            let mut inner = self.lock();
            let death = inner.dead.get_or_insert(death).clone();
            let queue: Vec<_> = inner.queue.drain(..).map(|q| q.reply).collect();
            let in_flight: Vec<_> = inner.in_flight.drain().map(|(_, f)| f.reply).collect();
            (queue.into_iter().chain(in_flight), death)
        };
        for reply in replies {
            let _ = reply.send(Reply::Died(death.clone()));
        }
        self.milestones.send_modify(|m| m.dead = true);
        // Wake a poller still parked on `next` so it returns instead of hanging.
        self.work.notify_waiters();
    }

    pub fn death(&self) -> Option<Death> {
        self.lock().dead.clone()
    }

    pub fn milestones(&self) -> watch::Receiver<Milestones> {
        self.milestones.subscribe()
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let Some((id, event, timeout)) = shared.take_next().await else {
        return (StatusCode::GONE, "function is shutting down").into_response();
    };
    let deadline = SystemTime::now() + timeout;
    let deadline_ms = deadline
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    put(REQUEST_ID, id);
    put(DEADLINE_MS, deadline_ms.to_string());
    put(FUNCTION_ARN, shared.function_arn.clone());
    put(TRACE_ID, trace_id());
    (headers, Json(event)).into_response()
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let payload = parse_body(&body);
    let known = shared.answer(&id, |duration| Reply::Response { payload, duration });
    accepted(known, &id)
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut error = parse_body(&body);
    if let (Some(kind), Value::Object(map)) = (headers.get(ERROR_TYPE), &mut error) {
        let kind = String::from_utf8_lossy(kind.as_bytes()).into_owned();
        map.entry("errorType").or_insert(Value::String(kind));
    }
    let known = shared.answer(&id, |duration| Reply::Error { error, duration });
    accepted(known, &id)
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    shared.die(Death::InitError(parse_body(&body)));
    accepted(true, "init")
}

fn accepted(known: bool, id: &str) -> Response {
    if known {
        (StatusCode::ACCEPTED, Json(json!({"status": "OK"}))).into_response()
    } else {
        let body = json!({
            "errorType": "InvalidRequestID",
            "errorMessage": format!("unknown or already answered request id {id}"),
        });
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

/// Function answers are JSON; anything else is kept as text so a test can see what came back.
fn parse_body(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// An X-Ray style trace header, shaped like the real one so parsers accept it.
fn trace_id() -> String {
    let epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    format!(
        "Root=1-{epoch:08x}-{:024x};Parent={:016x};Sampled=0",
        fastrand::u128(..) >> 32,
        fastrand::u64(..)
    )
}

/// A request id shaped like Lambda's (a v4 UUID).
pub(crate) fn request_id() -> String {
    let n = fastrand::u128(..);
    let hex = format!("{n:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_look_like_uuids() {
        let id = request_id();
        let parts: Vec<_> = id.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_ne!(id, request_id());
    }

    #[test]
    fn non_json_answers_are_kept_as_text() {
        assert_eq!(parse_body(b"{\"a\":1}"), json!({"a": 1}));
        assert_eq!(parse_body(b"plain"), json!("plain"));
    }

    #[tokio::test]
    async fn death_fails_queued_events_and_refuses_new_ones() {
        let shared = Shared::new("arn".into(), Logs::default());
        let (tx, rx) = oneshot::channel();
        let queued = |reply| Queued {
            id: "a".into(),
            event: json!({}),
            timeout: Duration::from_secs(1),
            reply,
        };
        shared.enqueue(queued(tx)).unwrap();
        shared.die(Death::Exited("exit status: 1".into()));
        assert!(matches!(rx.await, Ok(Reply::Died(Death::Exited(_)))));
        let (tx, _rx) = oneshot::channel();
        assert!(shared.enqueue(queued(tx)).is_err());
    }

    #[tokio::test]
    async fn the_first_cause_of_death_is_kept() {
        let shared = Shared::new("arn".into(), Logs::default());
        shared.die(Death::InitError(json!({"errorMessage": "no config"})));
        shared.die(Death::Exited("exit status: 1".into()));
        assert!(matches!(shared.death(), Some(Death::InitError(_))));
    }
}
