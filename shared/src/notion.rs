//! The Notion API client and the types it speaks.
//!
//! Entry point: [`NotionClient`] (build it once per container from a [`NotionConfig`], clone it
//! freely, give each invocation a [`NotionClient::with_deadline`] handle). Every call goes through
//! one send path with the Bearer token, `Notion-Version` (2022-06-28 or 2025-09-03), pacing at
//! 3 requests/s shared by all clones, and jittered retries bounded by the deadline.
//!
//! - [`types`]: ids, pages, databases, property values (write and read formats), rich text.
//! - [`filter`]: query bodies (filters, sorts) with Notion's nesting limit checked before sending.
//! - [`blocks`]: page content to write, and blocks as read back.
//! - [`markdown`]: Markdown → blocks.
//! - [`error`]: [`Error`] and the pure parsing of Notion's error answers.

pub mod blocks;
pub mod client;
pub mod error;
pub mod filter;
pub mod markdown;
mod pacer;
pub mod retry;
mod send;
pub mod types;
pub mod webhook;

pub use blocks::{Block, BlockList, BlockNode, RetrievedBlock};
pub use client::BotUser;
pub use client::{ApiVersion, NotionClient, NotionConfig, TokenSource};
pub use error::{parse_error_response, Error, ErrorCode};
pub use filter::{Direction, Filter, Query, Sort, Timestamp};
pub use markdown::markdown_to_blocks;
pub use retry::RetryPolicy;
pub use types::option_name;
pub use types::{
    BlockId, DataSource, DataSourceId, Database, DatabaseId, DateValue, OAuthToken, Page, PageId,
    PageList, Parent, Properties, PropertySchema, PropertyType, PropertyValue, RichText,
    SearchFilter, SearchResult, SearchResults,
};
