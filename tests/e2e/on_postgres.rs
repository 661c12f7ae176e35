//! The server's API suite once more, on PostgreSQL: the same files, compiled a second
//! time, where `support::TestServer` starts its server on a fresh database of the
//! suite's own cluster (`postgres.rs`).

mod support {
    pub use crate::support::*;
    pub type TestServer = crate::support::Server<crate::support::Postgres>;
}
#[path = "api.rs"]
mod api;
#[path = "auth.rs"]
mod auth;
#[path = "bad_input.rs"]
mod bad_input;
#[path = "copilot.rs"]
mod copilot;
mod copy;
#[path = "events.rs"]
mod events;
mod failover;
#[path = "inbound.rs"]
mod inbound;
mod instances;
#[path = "native.rs"]
mod native;
#[path = "refusals.rs"]
mod refusals;
#[path = "snooze.rs"]
mod snooze;
#[path = "stream_trust.rs"]
mod stream_trust;
