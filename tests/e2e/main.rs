//! End-to-end tests.
mod kit_lambda;
mod kit_moto;
mod kit_fake_github;
