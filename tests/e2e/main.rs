//! End-to-end tests: the real server over HTTP on loopback, with a temp database.
//! One binary (modules below) so the suite links once.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use frontdesk_testpg as postgres;
mod support;
mod tls;

mod accounts;
#[cfg(not(target_env = "msvc"))]
mod allocator;
mod api;
mod auth;
mod bad_input;
mod chatcaptain;
mod chatcaptain_bot;
mod chatwoot;
mod chatwoot_paging;
mod chatwoot_prism;
mod cli;
mod client;
mod copilot;
mod crm;
mod crm_errors;
mod crm_media;
mod crm_paging;
mod crm_session;
mod crm_tolerance;
mod crm_views;
mod demo;
mod events;
mod helpdesk;
mod inbound;
mod local_flags;
mod native;
// The API suite again, on PostgreSQL: the same files, compiled a second time.
#[allow(clippy::duplicate_mod)]
mod on_postgres;
mod openapi;
mod orbit;
mod orbit_agents;
mod orbit_end;
mod outbox;
mod oversized;
mod proxy;
mod refusals;
mod retry_dedupe;
mod script;
mod secrets;
mod snooze;
mod stream;
mod stream_trust;
mod tmux;
mod tmux_captain;
mod tmux_text;
mod tmux_walk;
mod unified_end;
mod unified_three;
/// The paging tests' walk through a list that changes between reads.
mod walks;
