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
mod backoffice_admin;
mod backoffice_desk;
mod backoffice_support;
mod pin_access;
mod pin_guessing;
mod pin_request;
mod pin_rotation;
mod pin_secrets;
mod pin_seeded;
mod delivery_exactly_once;
mod activation_fast;
mod contacts_verification;
mod letters_batch;
mod recovery_flow;
mod recovery_indistinguishable;
mod recovery_rate_limit;
mod recovery_secrets;
mod revocation_health_card;
mod sunset_dates;
mod pin_expiry_notice;
mod services_pension_applications;
mod upgrade_online;
mod upgrade_review;
mod oidc_support;
mod oidc_flow;
