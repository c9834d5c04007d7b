//! The emulated workspace: pages, databases, data sources, blocks, the request log, issued OAuth
//! codes and tokens, and the fault/rate-limit settings. One `State` behind a std `Mutex`; every
//! operation locks it briefly and never across an `.await`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use fastrand::Rng;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::faults::Faults;
use super::ids;

pub type SharedState = Arc<Mutex<State>>;

/// Locks the state; a panic elsewhere must not wedge every later request, so poisoning is ignored.
pub fn lock(state: &SharedState) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// When something happened: wall-clock time (shown to the minute) and a global sequence number
/// that orders events inside one minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp {
    pub at: OffsetDateTime,
    pub seq: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parent {
    Workspace,
    Page(String),
    Block(String),
    /// A row of a data source (database pages).
    DataSource {
        data_source_id: String,
        database_id: String,
    },
    /// A data source belongs to a database.
    Database(String),
}

impl Parent {
    pub fn id(&self) -> Option<&str> {
        match self {
            Parent::Workspace => None,
            Parent::Page(id) | Parent::Block(id) | Parent::Database(id) => Some(id),
            Parent::DataSource { data_source_id, .. } => Some(data_source_id),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Page {
    pub id: String,
    pub parent: Parent,
    /// Property id → value in Notion's response form (the part under the type key).
    pub properties: BTreeMap<String, Value>,
    pub icon: Value,
    pub cover: Value,
    pub in_trash: bool,
    pub created: Stamp,
    pub edited: Stamp,
}

#[derive(Clone, Debug)]
pub struct PropSchema {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// The type's configuration in response form (`{"options": [...]}`, `{"format": ...}`, `{}`).
    pub config: Value,
}

#[derive(Clone, Debug)]
pub struct DataSource {
    pub id: String,
    pub database_id: String,
    pub title: Vec<Value>,
    pub description: Vec<Value>,
    pub icon: Value,
    pub properties: Vec<PropSchema>,
    pub in_trash: bool,
    pub created: Stamp,
    pub edited: Stamp,
}

impl DataSource {
    /// Notion resolves a property key by name first, then by id.
    pub fn property(&self, key: &str) -> Option<&PropSchema> {
        self.properties
            .iter()
            .find(|p| p.name == key)
            .or_else(|| self.properties.iter().find(|p| p.id == key))
    }

    pub fn title_property(&self) -> Option<&PropSchema> {
        self.properties.iter().find(|p| p.kind == "title")
    }
}

#[derive(Clone, Debug)]
pub struct Database {
    pub id: String,
    pub parent: Parent,
    pub title: Vec<Value>,
    pub description: Vec<Value>,
    pub icon: Value,
    pub cover: Value,
    pub is_inline: bool,
    pub in_trash: bool,
    pub data_sources: Vec<String>,
    pub created: Stamp,
    pub edited: Stamp,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub id: String,
    pub parent: Parent,
    pub kind: String,
    /// The object under the type key, in response form, without `children`.
    pub content: Value,
    pub in_trash: bool,
    pub created: Stamp,
    pub edited: Stamp,
}

/// One `/v1` request as the emulator saw it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// RFC 3339 wall-clock time the request arrived.
    pub time: String,
    pub request_id: String,
    /// The JSON body (`null` when none).
    pub body: Value,
}

/// Settings that do not change while serving (tokens may be added by OAuth).
#[derive(Clone, Debug)]
pub struct Settings {
    pub tokens: HashSet<String>,
    pub oauth_client_id: String,
    pub oauth_client_secret: String,
    pub require_title: bool,
    pub bot_user_id: String,
    pub workspace_id: String,
    pub workspace_name: String,
}

pub struct State {
    pub settings: Settings,
    pub rng: Rng,
    pub seq: u64,
    pub now_override: Option<OffsetDateTime>,
    pub pages: HashMap<String, Page>,
    pub databases: HashMap<String, Database>,
    pub data_sources: HashMap<String, DataSource>,
    pub blocks: HashMap<String, Block>,
    /// Parent id → child ids in order (blocks, child pages, child databases).
    pub children: HashMap<String, Vec<String>>,
    pub log: Vec<RequestRecord>,
    pub faults: Faults,
    /// Issued OAuth codes, each usable once.
    pub oauth_codes: HashSet<String>,
    /// The webhook subscription and its waiting events.
    pub webhooks: super::webhooks::Webhooks,
}

impl State {
    pub fn new(settings: Settings, seed: u64, faults: Faults) -> State {
        State {
            settings,
            rng: Rng::with_seed(seed),
            seq: 0,
            now_override: None,
            pages: HashMap::new(),
            databases: HashMap::new(),
            data_sources: HashMap::new(),
            blocks: HashMap::new(),
            children: HashMap::new(),
            log: Vec::new(),
            faults,
            oauth_codes: HashSet::new(),
            webhooks: Default::default(),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.now_override.unwrap_or_else(OffsetDateTime::now_utc)
    }

    pub fn stamp(&mut self) -> Stamp {
        self.seq += 1;
        Stamp {
            at: self.now(),
            seq: self.seq,
        }
    }

    pub fn new_id(&mut self) -> String {
        ids::new_uuid(&mut self.rng)
    }

    pub fn add_child(&mut self, parent: &str, child: &str) {
        self.children
            .entry(parent.to_string())
            .or_default()
            .push(child.to_string());
    }

    pub fn user(&self) -> Value {
        serde_json::json!({"object": "user", "id": self.settings.bot_user_id})
    }

    /// The data source a database-level call refers to (the first one).
    pub fn primary_data_source(&self, database_id: &str) -> Option<&DataSource> {
        let db = self.databases.get(database_id)?;
        db.data_sources
            .first()
            .and_then(|id| self.data_sources.get(id))
    }
}
