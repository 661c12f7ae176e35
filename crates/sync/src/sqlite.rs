//! Opening the client's own `SQLite` files (the store and the cache) the same way:
//! made if missing, the schema applied, its version checked; a file that is not
//! ours, or of another version, is moved aside to `<path>.broken` with a log line
//! and a fresh one made. Never a crash over a local file.

use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::store::StoreError;

pub struct Schema {
    /// What it is, for log lines.
    pub what: &'static str,
    pub sql: &'static str,
    pub version: i64,
    /// Columns added since files of this version were first written: added where
    /// missing, so an existing file keeps what it holds (a new version number would
    /// set it aside, queued replies and all).
    pub added: &'static [Added],
    /// A query that reads every table: proves the file is ours, not merely present.
    pub probe: &'static str,
    /// `Full` for promises (the outbox), `Normal` for what can be fetched again.
    pub synchronous: SqliteSynchronous,
}

/// A column a later release added to a table (nullable or with a default, as
/// `ALTER TABLE … ADD COLUMN` needs).
pub struct Added {
    pub table: &'static str,
    pub column: &'static str,
    /// The type and constraints, as after the name in `CREATE TABLE`.
    pub decl: &'static str,
}

pub async fn memory(schema: &Schema) -> Result<SqlitePool, StoreError> {
    connect(SqliteConnectOptions::from_str("sqlite::memory:")?, schema, 1).await
}

pub async fn open(path: &Path, schema: &Schema) -> Result<SqlitePool, StoreError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Open { path: path.display().to_string(), reason: e.to_string() })?;
    }
    match open_file(path, schema).await {
        Ok(pool) => Ok(pool),
        Err(e) => {
            let aside = PathBuf::from(format!("{}.broken", path.display()));
            tracing::warn!(error = %e, path = %path.display(), aside = %aside.display(), "{} unreadable; starting a fresh one", schema.what);
            let _ = std::fs::rename(path, &aside);
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            open_file(path, schema).await
        }
    }
}

async fn open_file(path: &Path, schema: &Schema) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(schema.synchronous)
        .busy_timeout(Duration::from_secs(5));
    connect(options, schema, 2).await
}

async fn connect(options: SqliteConnectOptions, schema: &Schema, max: u32) -> Result<SqlitePool, StoreError> {
    let pool = SqlitePoolOptions::new().max_connections(max).connect_with(options).await?;
    let version: i64 = sqlx::query_scalar("PRAGMA user_version").fetch_one(&pool).await?;
    if version != 0 && version != schema.version {
        return Err(StoreError::Corrupt(format!("version {version}, expected {}", schema.version)));
    }
    sqlx::raw_sql(schema.sql).execute(&pool).await?;
    for a in schema.added {
        let present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = $2")
            .bind(a.table)
            .bind(a.column)
            .fetch_one(&pool)
            .await?;
        if present == 0 {
            // Names and declarations are the program's own constants, never input.
            let sql = format!("ALTER TABLE {} ADD COLUMN {} {}", a.table, a.column, a.decl);
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await?;
        }
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA user_version = {}", schema.version))).execute(&pool).await?;
    sqlx::raw_sql(schema.probe).execute(&pool).await?;
    Ok(pool)
}
