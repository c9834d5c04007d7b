//! End-to-end tests.
mod kit_lambda;
mod kit_moto;
