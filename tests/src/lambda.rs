//! A Lambda Runtime API harness: runs a REAL compiled function binary as Lambda would and lets a
//! test (or `make demo`) invoke it.
//!
//! [`LambdaFunction::spawn`] serves the Runtime API on `127.0.0.1:0`, starts the binary with
//! `AWS_LAMBDA_RUNTIME_API` pointing at it and a clean Lambda-like environment, and captures its
//! output. [`LambdaFunction::invoke`] queues an event and awaits the answer;
//! [`LambdaFunction::invoke_http`] does the same through a simulated Function URL. One process
//! serves every invoke (a warm container); if it dies, pending invokes fail with its output.
//!
//! Do not use tokio's paused clock with this harness: a real process runs on real time.

mod http;
pub(crate) mod logs;
mod process;
mod runtime_api;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use self::http::{HttpRequest, HttpResponse};
use self::logs::Logs;
pub use self::process::{ACCOUNT_ID, MEMORY_MB, REGION};
use self::runtime_api::{Death, Queued, Reply, Shared};

/// How long a function may take to initialise before its first event is due (Lambda's limit).
const INIT_ALLOWANCE: Duration = Duration::from_secs(10);
/// Slack past the deadline before the harness gives up waiting, so a function that answers
/// right at its deadline is not reported as a timeout.
const DEADLINE_SLACK: Duration = Duration::from_millis(500);

/// Failures of the harness or of the function it runs. Variants that concern the function carry
/// its captured output (`logs`) so a failing test shows why.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not serve the Runtime API on 127.0.0.1")]
    Bind(#[source] std::io::Error),
    #[error("could not start {binary}")]
    Spawn {
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("function process exited ({status}) before answering; its output:\n{logs}")]
    Exited { status: String, logs: String },
    #[error("function reported an init error {error}; its output:\n{logs}")]
    InitError { error: Value, logs: String },
    #[error(
        "function did not answer request {request_id} within {timeout:?}; its output:\n{logs}"
    )]
    Timeout {
        request_id: String,
        timeout: Duration,
        logs: String,
    },
    #[error("function answer is not a valid Function URL response ({why}): {payload}")]
    BadHttpResponse { why: String, payload: Value },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One answered invoke.
#[derive(Clone, Debug)]
pub struct Invocation {
    pub request_id: String,
    /// The function's response (`Value::Null` when it reported an error).
    pub payload: Value,
    /// The error object the function posted to `/invocation/{id}/error`, if any.
    pub error: Option<Value>,
    /// From handing the event out on `/next` to the answer: Lambda's "Duration", without init.
    pub duration: Duration,
}

/// Start-up timing of the process, for benchmarks.
#[derive(Clone, Copy, Debug)]
pub struct ColdStart {
    /// Spawn → first `GET /next` (the binary finished initialising).
    pub to_first_next: Option<Duration>,
    /// Spawn → first answer (response or error) to any invoke.
    pub to_first_answer: Option<Duration>,
}

/// A function binary running against the harness. Dropping it kills the process.
pub struct LambdaFunction {
    name: String,
    shared: Arc<Shared>,
    runtime_api: SocketAddr,
    spawned: Instant,
    pid: Option<u32>,
    server: JoinHandle<()>,
    // Dropping the sender tells the watcher to kill the process.
    _kill: oneshot::Sender<()>,
}

impl LambdaFunction {
    /// Serves the Runtime API and starts `binary` with the standard Lambda environment plus `env`
    /// (and `PATH`; nothing else from the caller's environment). The function name is the binary's
    /// file name.
    pub async fn spawn(binary: &Path, env: &[(String, String)]) -> Result<LambdaFunction> {
        let name = binary
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "function".into());
        let function_arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}");
        let shared = Arc::new(Shared::new(function_arn, Logs::default()));

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(Error::Bind)?;
        let runtime_api = listener.local_addr().map_err(Error::Bind)?;
        let app = runtime_api::router(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "Lambda Runtime API server stopped");
            }
        });

        let task_root = binary.parent().unwrap_or(Path::new("/"));
        let lambda_env = process::lambda_env(&name, runtime_api, task_root);
        let spawned = Instant::now();
        let started = match process::start(binary, &lambda_env, env, shared.clone()) {
            Ok(started) => started,
            Err(e) => {
                server.abort();
                return Err(e);
            }
        };
        tracing::debug!(function = %name, pid = ?started.pid, %runtime_api, "function started");
        Ok(LambdaFunction {
            name,
            shared,
            runtime_api,
            spawned,
            pid: started.pid,
            server,
            _kill: started.kill,
        })
    }

    /// Queues `event` and waits for the function's answer. `timeout` sets the deadline the
    /// function sees; the first invoke also allows for initialisation. A function error is an
    /// `Ok` with `error` set; a dead or silent process is an `Err` quoting its output.
    pub async fn invoke(&self, event: Value, timeout: Duration) -> Result<Invocation> {
        let request_id = runtime_api::request_id();
        let (reply, answer) = oneshot::channel();
        let queued = Queued {
            id: request_id.clone(),
            event,
            timeout,
            reply,
        };
        self.shared.enqueue(queued).map_err(|d| self.died(d))?;
        let mut wait = timeout + DEADLINE_SLACK;
        if self.cold_start().to_first_next.is_none() {
            wait += INIT_ALLOWANCE;
        }
        let timed_out = || Error::Timeout {
            request_id: request_id.clone(),
            timeout,
            logs: self.logs(),
        };
        match tokio::time::timeout(wait, answer).await {
            Err(_) => Err(timed_out()),
            Ok(Err(_)) => Err(self.shared.death().map_or_else(timed_out, |d| self.died(d))),
            Ok(Ok(Reply::Died(death))) => Err(self.died(death)),
            Ok(Ok(Reply::Response { payload, duration })) => Ok(Invocation {
                request_id,
                payload,
                error: None,
                duration,
            }),
            Ok(Ok(Reply::Error { error, duration })) => Ok(Invocation {
                request_id,
                payload: Value::Null,
                error: Some(error),
                duration,
            }),
        }
    }

    /// Sends `req` as a Function URL event and reads the answer as the URL service would. A
    /// function error becomes a 502 with `function_error` set.
    pub async fn invoke_http(&self, req: HttpRequest) -> Result<HttpResponse> {
        let invocation = self.invoke(req.to_event(), req.timeout).await?;
        match invocation.error {
            Some(error) => Ok(HttpResponse::function_failed(error)),
            None => HttpResponse::from_payload(&invocation.payload),
        }
    }

    /// Everything the process printed so far (stdout and stderr lines).
    pub fn logs(&self) -> String {
        self.shared.logs.snapshot()
    }

    /// Also prints the function's output lines to stderr as they arrive, prefixed with
    /// `[name] ` (for `make demo` and debugging; tests read [`LambdaFunction::logs`] instead).
    pub fn echo_logs(&self, on: bool) {
        let prefix = on.then(|| format!("[{}] ", self.name));
        self.shared.logs.set_echo(prefix);
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `host:port` of the Runtime API this function polls.
    pub fn runtime_api(&self) -> SocketAddr {
        self.runtime_api
    }

    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Peak resident memory of the process in KiB (`VmHWM` from `/proc/{pid}/status`; Linux only).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    pub fn spawned_at(&self) -> Instant {
        self.spawned
    }

    pub fn cold_start(&self) -> ColdStart {
        let m = *self.shared.milestones().borrow();
        ColdStart {
            to_first_next: m.first_next.map(|t| t - self.spawned),
            to_first_answer: m.first_answer.map(|t| t - self.spawned),
        }
    }

    /// Waits (without polling) until the binary first asks for an event, i.e. finished its
    /// initialisation; returns spawn → that moment. Fails if the process dies first.
    pub async fn first_ready(&self, timeout: Duration) -> Result<Duration> {
        let mut milestones = self.shared.milestones();
        let waited = tokio::time::timeout(
            timeout,
            milestones.wait_for(|m| m.first_next.is_some() || m.dead),
        )
        .await;
        let ready = match waited {
            Ok(Ok(m)) => m.first_next,
            _ => None,
        };
        match (ready, self.shared.death()) {
            (Some(t), _) => Ok(t - self.spawned),
            (None, Some(death)) => Err(self.died(death)),
            (None, None) => Err(Error::Timeout {
                request_id: "(init)".into(),
                timeout,
                logs: self.logs(),
            }),
        }
    }

    fn died(&self, death: Death) -> Error {
        let logs = self.logs();
        match death {
            Death::Exited(status) => Error::Exited { status, logs },
            Death::InitError(error) => Error::InitError { error, logs },
        }
    }
}

impl Drop for LambdaFunction {
    fn drop(&mut self) {
        // `_kill` is dropped right after this, which makes the watcher kill the process.
        self.server.abort();
    }
}

/// The release build of a workspace binary: `<target>/release/<name>`, where `<target>` is
/// `CARGO_TARGET_DIR` if set (relative to the workspace root) or `<workspace>/target`.
///
/// # Panics
/// If the binary has not been built — a test environment problem the message explains.
pub fn release_binary(name: &str) -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    let path = target.join("release").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --release --bins` first (make test does)",
        path.display()
    );
    path
}
