//! The server's storage: `SQLite` in WAL mode, a pool of readers and one writer.
//!
//! Every mutation goes through [`Db::write`], which hands a job to a single writer task.
//! The writer runs queued jobs in one transaction (each inside its own savepoint, so one
//! failing job rolls back alone), commits once, and only then answers the callers and
//! publishes their events. One writer means event ids are assigned in commit order, so
//! the stream is gap-free; batching means one fsync covers many writes.

mod codec;
pub mod conversations;
pub mod events;
pub mod filter;
pub mod idempotency;
pub mod ingest;
pub mod messages;
pub mod migrate;
pub mod mutations;
pub mod orgs;
pub mod outbound;
pub mod suggestions;
pub mod views;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use codec::{from_ms, to_ms};
pub use writer::{WriteCtx, WriteFuture};

use super::error::{ApiError, ApiResult};
use super::hub::Hub;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The reason is the driver's message, kept as text: sqlx's own error chain repeats
    /// it, and the CLI prints chains.
    #[error("cannot open the database {url}: {reason}")]
    Open { url: String, reason: String },
    #[error("database migration failed: {0}")]
    Migrate(String),
}

/// Handle to the database: cheap to clone.
#[derive(Clone)]
pub struct Db {
    pub pool: SqlitePool,
    writer: writer::Writer,
}

impl Db {
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
        let writer = writer::Writer::start(writer_conn, hub);
        Ok(Self { pool, writer })
    }

    /// Opens a database file by path.
    pub async fn open_path(path: &Path, hub: Hub) -> Result<Self, DbError> {
        Self::open(&format!("sqlite://{}", path.display()), hub).await
    }

    /// Runs `job` on the writer, in a transaction with whatever else is queued, and
    /// returns its result once committed.
    pub async fn write<T, F>(&self, job: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut WriteCtx) -> WriteFuture<'c, T> + Send + 'static,
    {
        self.writer.submit(job).await
    }
}

fn open_error(url: &str, e: &sqlx::Error) -> DbError {
    let reason = match e {
        sqlx::Error::Database(d) => d.message().to_owned(),
        other => other.to_string(),
    };
    DbError::Open { url: url.to_owned(), reason }
}

/// Maps "no row" to a 404 for the named thing.
pub fn found<T>(row: Option<T>, what: &str) -> ApiResult<T> {
    row.ok_or_else(|| ApiError::not_found(what))
}
