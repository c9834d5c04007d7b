//! The functions' handlers. Each binary's `main` builds one of these apps once per container
//! and hands its `handle` to the Lambda runtime.

pub mod access;
pub mod digest;
pub mod existence;
pub mod notion_webhook;
pub mod oauth;
pub mod request;
pub mod webhook;
pub mod worker;

pub use access::{AccessError, NotionAccess, NotionSettings};
pub use notion_webhook::NotionWebhookApp;
pub use webhook::WebhookApp;
pub mod scheduled;
pub mod setup;

pub use setup::{Kept, SetupError};
