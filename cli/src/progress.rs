//! Progress of a long run (`backfill`): what the shared crate's Notion send path did, counted
//! from its own per-call debug events (`"notion request"`, with `method` and `path`) by a tracing
//! layer, so the reconcile needs no hooks; shown as a live line on a terminal or a plain line every
//! few seconds otherwise.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context as LayerContext;
use tracing_subscriber::Layer;

use crate::args::ProgressMode;

/// Pages created and updated (or archived) through the Notion client, process-wide.
#[derive(Debug, Default)]
pub struct Writes {
    pub created: AtomicU64,
    pub updated: AtomicU64,
}

static WRITES: Writes = Writes {
    created: AtomicU64::new(0),
    updated: AtomicU64::new(0),
};

/// Counts successful page writes from the send path's events.
pub struct WriteCounter;

#[derive(Default)]
struct RequestFields {
    message: String,
    method: String,
    path: String,
}

impl Visit for RequestFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "method" => self.method = value.to_owned(),
            "path" => self.path = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for WriteCounter {
    fn on_event(&self, event: &Event<'_>, _ctx: LayerContext<'_, S>) {
        let mut fields = RequestFields::default();
        event.record(&mut fields);
        if fields.message != "notion request" {
            return;
        }
        match (fields.method.as_str(), fields.path.as_str()) {
            ("POST", "/v1/pages") => WRITES.created.fetch_add(1, Ordering::Relaxed),
            ("PATCH", p) if p.starts_with("/v1/pages/") => {
                WRITES.updated.fetch_add(1, Ordering::Relaxed)
            }
            _ => 0,
        };
    }
}

/// A progress display for one repository at a time; `stop` ends it.
pub struct Progress {
    done: Arc<tokio::sync::Notify>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// What the display reads each tick.
pub struct Source {
    pub label: String,
    pub notion_calls: Box<dyn Fn() -> u64 + Send + Sync>,
    pub github_calls: Box<dyn Fn() -> u64 + Send + Sync>,
}

impl Progress {
    pub fn start(mode: ProgressMode, source: Source) -> Self {
        let live = match mode {
            ProgressMode::Off => {
                return Self {
                    done: Arc::new(tokio::sync::Notify::new()),
                    task: None,
                }
            }
            ProgressMode::Bar => true,
            ProgressMode::Lines => false,
            ProgressMode::Auto => std::io::stderr().is_terminal(),
        };
        let done = Arc::new(tokio::sync::Notify::new());
        let stop = done.clone();
        let started = Instant::now();
        let base = (
            WRITES.created.load(Ordering::Relaxed),
            WRITES.updated.load(Ordering::Relaxed),
        );
        let tick = if live {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        };
        let task = tokio::spawn(async move {
            loop {
                let stopped = tokio::select! {
                    _ = stop.notified() => true,
                    _ = tokio::time::sleep(tick) => false,
                };
                let line = render(&source, started.elapsed(), base);
                let mut err = std::io::stderr().lock();
                if live {
                    let _ = write!(err, "\r\x1b[2K{line}");
                    if stopped {
                        let _ = writeln!(err);
                    }
                } else {
                    let _ = writeln!(err, "{line}");
                }
                let _ = err.flush();
                if stopped {
                    break;
                }
            }
        });
        Self {
            done,
            task: Some(task),
        }
    }

    /// Draws the last state and ends the display.
    pub async fn stop(mut self) {
        self.done.notify_one();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

fn render(source: &Source, elapsed: Duration, base: (u64, u64)) -> String {
    let created = WRITES.created.load(Ordering::Relaxed) - base.0;
    let updated = WRITES.updated.load(Ordering::Relaxed) - base.1;
    let calls = (source.notion_calls)();
    let secs = elapsed.as_secs_f64().max(0.001);
    format!(
        "{}: {} pages written ({created} created, {updated} updated) · {calls} Notion calls ({:.1}/s) · {} GitHub calls · {}:{:02}",
        source.label,
        created + updated,
        calls as f64 / secs,
        (source.github_calls)(),
        elapsed.as_secs() / 60,
        elapsed.as_secs() % 60,
    )
}
