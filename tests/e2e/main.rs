//! End-to-end tests.
mod kit_lambda;
