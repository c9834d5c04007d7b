//! The test kit's own tests: the Notion emulator (and its cassette replay), the fake GitHub, the
//! Lambda Runtime API harness and the `moto_server` launcher. The product's end-to-end tests are
//! the `e2e` test binary.
mod support;

mod emulator_binary;
mod emulator_blocks;
mod emulator_core;
mod emulator_faults;
mod emulator_limits;
mod emulator_queries;
mod emulator_rejections;
mod emulator_replay;
mod fake_github;
mod lambda;
mod moto;
