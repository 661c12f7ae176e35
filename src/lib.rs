//! frontdesk: a keyboard-driven terminal inbox for support agents, and the reference
//! inbox server it ships with. See DESIGN.md in the shared folder for the layout.

/// jemalloc rather than glibc's malloc, for every allocation in the process: the
/// server's and SQLite's (whose `malloc` it replaces where the platform allows). Under
/// load, glibc's malloc was ~14% of the server's CPU, and its arena lock contended
/// where one thread freed what SQLite's thread allocated (sqlx copies each value).
/// Ingestion at 32 senders went up some 15% (12 alternated pairs, mean 5,249 msg/s
/// against 4,545: README, "Ingestion: jemalloc").
/// Declared here, not in `main.rs`, so the benches that run the server in-process
/// measure it with the binary's allocator.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

pub mod config;
pub mod logging;
pub mod script;
pub mod setup;
