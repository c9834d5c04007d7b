//! What one container remembers between events: the event ids it handled (Notion retries an
//! event up to 8 times) and the `updated_at` each of its own PATCHes produced, so that a later
//! event of the same issue does not mistake our own write-back for a newer GitHub edit.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

/// Event ids (and issues) remembered per container.
pub(super) const CAPACITY: usize = 4096;

#[derive(Default)]
pub(super) struct Memory {
    seen: Mutex<Seen>,
    written: Mutex<HashMap<(String, u64), String>>,
}

impl Memory {
    pub(super) fn seen_before(&self, id: &str) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
    }

    pub(super) fn remember(&self, id: &str) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id);
    }

    /// Records the `updated_at` GitHub answered our PATCH with.
    pub(super) fn wrote(&self, repository: &str, number: u64, updated_at: &str) {
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        if written.len() >= CAPACITY {
            written.clear();
        }
        written.insert((repository.to_owned(), number), updated_at.to_owned());
    }

    /// Whether `updated_at` is the one our own last PATCH of the issue produced.
    pub(super) fn is_our_write(&self, repository: &str, number: u64, updated_at: &str) -> bool {
        self.written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(repository.to_owned(), number))
            .is_some_and(|ours| ours == updated_at)
    }
}

/// Event ids handled in this container, oldest forgotten first.
#[derive(Default)]
pub(super) struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    pub(super) fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub(super) fn insert(&mut self, id: &str) {
        if self.ids.insert(id.to_owned()) {
            self.order.push_back(id.to_owned());
            if self.order.len() > CAPACITY {
                if let Some(oldest) = self.order.pop_front() {
                    self.ids.remove(&oldest);
                }
            }
        }
    }
}
