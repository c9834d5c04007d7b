//! End-to-end tests.
mod kit_lambda;
mod kit_moto;
mod kit_fake_github;
mod emulator_support;
mod emulator_core;
