//! The one log line per request, and what it records.

use crate::handler::request::{Answered, RequestLog};

/// What one event came to; `outcome` in the answer and the log line.
#[derive(Debug, Default)]
pub(super) struct Summary {
    pub(super) event_id: String,
    pub(super) event_type: String,
    pub(super) page_id: String,
    pub(super) repository: String,
    pub(super) number: Option<u64>,
    pub(super) outcome: &'static str,
    pub(super) fields: Vec<&'static str>,
    pub(super) notion_calls: u64,
    pub(super) github_calls: u64,
}

impl RequestLog for Summary {
    fn log(&self, answered: &Answered) {
        tracing::info!(
            event_id = %self.event_id,
            event_type = %self.event_type,
            page_id = %self.page_id,
            repository = %self.repository,
            number = self.number,
            outcome = self.outcome,
            fields = %self.fields.join(","),
            status = answered.status,
            notion_calls = self.notion_calls,
            github_calls = self.github_calls,
            duration_ms = answered.duration_ms,
            reason = %answered.reason,
            "notion event handled"
        );
    }
}

/// Unverified input as a log field: cut short.
pub(super) fn loggable(value: &str) -> String {
    value.chars().take(80).collect()
}
