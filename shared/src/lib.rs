//! notion-relay's shared library: everything the Lambda functions do lives here, so each
//! binary's `main` only wires configuration to a handler.

pub mod aws;
pub mod backoff;
pub mod config;
pub mod deadline;
pub mod github;
pub mod handler;
pub mod http;
pub mod notion;
pub mod queue;
pub mod secrets;
pub mod sync;
pub mod telemetry;
