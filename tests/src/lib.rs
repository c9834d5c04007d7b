//! Test kit for notion-relay: a faithful local Notion (`emulator`), a fake GitHub REST API
//! (`fake_github`), a Lambda Runtime API harness that runs the real function binaries
//! (`lambda`), and a `moto_server` launcher for Secrets Manager (`moto`).

pub mod emulator;
pub mod emulator_client;
pub mod esm;
pub mod fake_github;
pub mod function_url;
pub mod lambda;
pub mod moto;
pub mod report;
