//! Keeping Notion in step with GitHub: bind the database schema ([`schema`]), compute what a
//! page should hold ([`properties`]), and write it with the fewest calls ([`upsert`]).
//!
//! Entry point: [`Syncer::upsert`] for one item, [`Syncer::archive`] for a deleted one.

pub mod body;
#[cfg(test)]
pub(crate) mod fixtures;
mod parent;
pub mod person_edit;
pub mod properties;
pub mod race;
pub mod schema;
pub mod title;
pub mod tombstone;
pub mod upsert;
pub mod writeback;

pub use person_edit::GitHubView;
pub use schema::{BoundSchema, Field, SchemaError};
pub use upsert::{body_blocks, Outcome, SyncResult, Syncer};
pub mod reconcile;
pub use reconcile::{Counts, ReconcileError, Reconciler, RepoReport, RepoStatus};
