//! Helpers for the kit's own tests. The emulator's HTTP client is in the library,
//! `relay_tests::emulator_client`, since the product's e2e tests use it too.

pub mod replay_shape;
