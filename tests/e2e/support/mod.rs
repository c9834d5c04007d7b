//! Helpers shared by the end-to-end tests (no tests here). The emulator's HTTP client is in the
//! library, `relay_tests::emulator_client`, since the `kit` tests use it too.

pub mod cli;
pub mod content;
pub mod expect;
pub mod queue;
pub mod race;
pub mod scheduled;
pub mod seeds;
pub mod twoway;
pub mod webhook;
