//! End-to-end tests.
mod kit_lambda;
mod kit_moto;
mod kit_fake_github;
mod emulator_support;
mod emulator_core;
mod emulator_rejections;
mod emulator_faults;
mod emulator_queries;
mod emulator_blocks;
mod emulator_binary;
mod emulator_replay_shape;
mod emulator_replay;
mod webhook_kit;
mod webhook_fixtures;
