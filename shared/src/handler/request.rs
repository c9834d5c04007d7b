//! How an HTTP function (github-webhook, notion-webhook, notion-oauth) answers one request: the
//! work's deadline from the function's answer budget ([`crate::deadline::answer_by`]), then one
//! log line holding what the function recorded ([`RequestLog`]) and what every answer has
//! ([`Answered`]).

use std::time::Duration;

use tokio::time::Instant;

use crate::http::HttpResponse;

/// What the helper knows of every answer, for the log line.
pub struct Answered {
    pub status: u16,
    /// The answer's `message` when it refused or failed (it says why; it never holds a secret).
    pub reason: String,
    pub duration_ms: u64,
}

impl Answered {
    fn of(response: &HttpResponse, elapsed: Duration) -> Self {
        let status = response.status_code;
        let reason = (status >= 300)
            .then(|| serde_json::from_str::<serde_json::Value>(&response.body).ok())
            .flatten()
            .and_then(|body| Some(body.get("message")?.as_str()?.to_owned()))
            .unwrap_or_default();
        Self {
            status,
            reason,
            duration_ms: elapsed.as_millis() as u64,
        }
    }
}

/// A function's record of one request, written as its one log line.
pub trait RequestLog {
    fn log(&self, answered: &Answered);
}

/// Runs `respond` with the request's work deadline and the function's record, then logs it.
pub async fn answer<L: RequestLog>(
    lambda_deadline: Option<Instant>,
    budget: Duration,
    mut record: L,
    respond: impl AsyncFnOnce(Instant, &mut L) -> HttpResponse,
) -> HttpResponse {
    let started = Instant::now();
    let deadline = crate::deadline::answer_by(started, lambda_deadline, budget);
    let response = respond(deadline, &mut record).await;
    record.log(&Answered::of(&response, started.elapsed()));
    response
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    type Lines = Arc<Mutex<Vec<(&'static str, u16, String)>>>;

    struct Record {
        outcome: &'static str,
        lines: Lines,
    }

    impl RequestLog for Record {
        fn log(&self, answered: &Answered) {
            let line = (self.outcome, answered.status, answered.reason.clone());
            self.lines.lock().unwrap().push(line);
        }
    }

    async fn logged(
        respond: impl AsyncFnOnce(Instant, &mut Record) -> HttpResponse,
    ) -> Vec<(&'static str, u16, String)> {
        let lines = Lines::default();
        let record = Record {
            outcome: "",
            lines: lines.clone(),
        };
        answer(None, Duration::from_secs(9), record, respond).await;
        let lines = lines.lock().unwrap().clone();
        lines
    }

    #[tokio::test]
    async fn a_refusal_is_logged_with_its_status_and_reason() {
        let lines = logged(async |deadline, _| {
            assert!(deadline > Instant::now(), "the budget is ahead");
            HttpResponse::message(401, "signature does not match")
        })
        .await;
        assert_eq!(lines, [("", 401, "signature does not match".to_owned())]);
    }

    #[tokio::test]
    async fn a_success_logs_what_the_function_recorded_and_no_reason() {
        let lines = logged(async |_, record| {
            record.outcome = "created";
            HttpResponse::message(200, "not a reason on success")
        })
        .await;
        assert_eq!(lines, [("created", 200, String::new())]);
    }
}
