//! Embedded migrations, applied in order at start. A migration that has run is never
//! edited: add a new numbered file and list it in the engine's `dialect::MIGRATIONS`.
//! Where several instances share the database, they take turns (`dialect`'s lock).

use sqlx::{AssertSqlSafe, Connection};

use super::DbError;
use super::dialect::{self, MIGRATIONS};
use super::engine::Conn;

pub async fn run(conn: &mut Conn) -> Result<(), DbError> {
    let fail = |e: sqlx::Error| DbError::Migrate(e.to_string());
    dialect::lock_migrations(&mut *conn).await.map_err(fail)?;
    let result = migrate(conn).await;
    // Released whatever happened (a lock is also gone when its session closes).
    let unlocked = dialect::unlock_migrations(&mut *conn).await.map_err(fail);
    result.and(unlocked)
}

async fn migrate(conn: &mut Conn) -> Result<(), DbError> {
    migrate_from(conn, MIGRATIONS).await
}

/// Applies what of `migrations` the database has not had.
pub(super) async fn migrate_from(conn: &mut Conn, migrations: &[(i64, &str, &str)]) -> Result<(), DbError> {
    let fail = |e: sqlx::Error| DbError::Migrate(e.to_string());
    sqlx::query(dialect::MIGRATIONS_TABLE).execute(&mut *conn).await.map_err(fail)?;
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(&mut *conn).await.map_err(fail)?;
    if let Some(newest) = applied.iter().max()
        && *newest > migrations.last().map_or(0, |m| m.0)
    {
        return Err(DbError::Migrate(format!(
            "the database has schema version {newest}, newer than this frontdesk knows; upgrade frontdesk"
        )));
    }
    let pending: Vec<&(i64, &str, &str)> = migrations.iter().filter(|m| !applied.contains(&m.0)).collect();
    if pending.is_empty() {
        return Ok(());
    }
    // All in one transaction: a new database is made with one commit, not one per
    // migration, and a failing migration leaves the schema as it found it.
    let mut tx = conn.begin().await.map_err(fail)?;
    for (version, name, sql) in &pending {
        sqlx::raw_sql(AssertSqlSafe(*sql))
            .execute(&mut *tx)
            .await
            .map_err(|e| DbError::Migrate(format!("{version} {name}: {e}")))?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(version)
            .bind(name)
            .bind(jiff::Timestamp::now().as_millisecond())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
    }
    tx.commit().await.map_err(fail)?;
    for (version, name, _) in pending {
        tracing::info!(version, name, "applied migration");
    }
    Ok(())
}
