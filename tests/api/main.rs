//! The integration suite: each test starts the real server on port 0 with a fresh
//! database (a new SQLite file, or a new PostgreSQL database when
//! GATEHOUSE_TEST_DATABASE_URL is set) and talks HTTP to it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod a11y;
mod account_page;
mod attenuation;
mod authzen;
mod bans;
mod branding;
mod browser;
mod cli;
mod compose;
mod cors;
mod email_codes;
mod exactly_once;
mod exchange;
mod health;
mod helpers;
mod interop;
mod isolation;
mod limits;
mod logout;
mod mail;
mod mfa_policy;
mod migrations;
mod oidc_rp;
mod pages;
mod process;
mod purge;
mod recovery;
mod rights;
mod signin;
mod sms_codes;
mod tenancy;
mod tenants_apply;
mod tokens;
mod totp;
mod totp_browser;
mod users_api;
