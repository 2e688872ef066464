#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

//! Integration tests of the `sigillo` binary: the real CLI and the real server on a free port,
//! over a real SQLite file and a real PostgreSQL database. Every story runs on both backends.

mod harness;
mod pin_support;

mod demo;
mod fiscal_code_check;
mod registry;
mod serve;

mod api_openapi;
mod pin_access;
mod pin_guessing;
mod pin_request;
mod pin_rotation;
mod pin_secrets;
mod pin_seeded;
mod delivery_exactly_once;
