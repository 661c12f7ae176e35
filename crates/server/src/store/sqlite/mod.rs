//! The `SQLite` engine: WAL mode, a pool of readers and one writer.
//!
//! Every write job goes to a single writer task. The writer runs queued jobs in one
//! transaction (each inside its own savepoint, so one failing job rolls back alone),
//! commits once, and only then answers the callers and publishes their events. One
//! writer means event ids are assigned in commit order, so the stream is gap-free;
//! batching means one fsync covers many writes. One process per database file: the
//! server holds a lock file beside it.
//!
//! The SQL itself is shared with the other engines (`../sql`, compiled once per
//! engine against the types below); what only `SQLite` says is in `dialect`.

/// The driver types the shared SQL is compiled against.
mod engine {
    pub type Engine = sqlx::Sqlite;
    pub type Conn = sqlx::SqliteConnection;
    pub type Pool = sqlx::SqlitePool;
}
mod dialect;
pub mod migrate;

#[path = "../sql/clock.rs"]
mod clock;
#[path = "../sql/conversations.rs"]
mod conversations;
#[path = "../sql/counts.rs"]
mod counts;
#[path = "../sql/events.rs"]
mod events;
#[path = "../sql/filter.rs"]
mod filter;
#[path = "../sql/idempotency.rs"]
mod idempotency;
#[path = "../sql/ingest.rs"]
mod ingest;
#[path = "../sql/load.rs"]
mod load;
#[path = "../sql/messages.rs"]
mod messages;
#[path = "../sql/mutations.rs"]
mod mutations;
#[path = "../sql/orgs.rs"]
mod orgs;
#[path = "../sql/outbound.rs"]
mod outbound;
#[path = "../sql/store.rs"]
mod store;
#[path = "../sql/suggestions.rs"]
mod suggestions;
#[path = "../sql/tx.rs"]
mod tx;
#[path = "../sql/views.rs"]
mod views;
#[path = "../sql/writer.rs"]
mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use store::EngineStore as SqliteStore;
use writer::WriteCtx;

use super::{DbError, found, from_ms, redact, to_ms};
use crate::hub::Hub;

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or
    /// `sqlite::memory:`), runs the migrations and starts the writer.
    pub async fn open(url: &str, hub: Hub) -> Result<Self, DbError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| open_error(url, &e))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Sent messages are promises: a commit must survive power loss.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000");
        let mut writer_conn = sqlx::ConnectOptions::connect(&options).await.map_err(|e| open_error(url, &e))?;
        migrate::run(&mut writer_conn).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(options.read_only(true))
            .await
            .map_err(|e| open_error(url, &e))?;
        // A file does not go away: no reconnecting.
        let writer = writer::Writer::start(writer_conn, hub, None);
        Ok(Self { pool, writer, _background: store::Background(Vec::new()) })
    }
}

fn open_error(url: &str, e: &sqlx::Error) -> DbError {
    let reason = match e {
        sqlx::Error::Database(d) => d.message().to_owned(),
        other => other.to_string(),
    };
    DbError::Open { url: redact(url), reason }
}
