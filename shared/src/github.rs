//! The GitHub side: webhook deliveries (signature, body, typed events), the payload models we
//! read, the normalized [`WorkItem`] the sync writes, and a small REST client for the
//! scheduled sync.
//!
//! Webhook entry points, in order: [`webhook::decode_body`], [`webhook::verify_signature`],
//! [`webhook::payload_json`], [`Event::parse`], [`Event::sync_action`].

pub mod event;
pub mod item;
pub mod payload;
pub mod rest;
pub mod webhook;

#[cfg(test)]
mod fixture_tests;

pub use event::{Event, SyncAction};
pub use item::{ItemError, ItemKey, ItemKind, ItemState, WorkItem};
pub use payload::{
    Comment, Issue, IssueCommentAction, IssuePrLink, IssuesAction, Label, PullRequest,
    PullRequestAction, Repository, User,
};
pub use payload::{IssueType, Milestone, SubIssuesAction, Team};
pub use rest::{GitHubClient, HookDelivery, RestError};
pub use webhook::{WebhookError, MAX_BODY_BYTES};
