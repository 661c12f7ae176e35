//! Embedded migrations, applied in order at start. A migration that has run is never
//! edited: add a new numbered file and list it here. Instances starting together
//! take turns: the first migrates under an advisory lock, the others find it done.

use sqlx::{AssertSqlSafe, Connection, PgConnection};

use super::DbError;

const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "init", include_str!("../../../migrations/postgres/0001_init.sql"))];

/// The advisory lock migrations run under (any constant of ours: "frontdesk").
const LOCK: i64 = 0x6672_6f6e_7464_6573;

pub async fn run(conn: &mut PgConnection) -> Result<(), DbError> {
    let fail = |e: sqlx::Error| DbError::Migrate(e.to_string());
    sqlx::query("SELECT pg_advisory_lock($1)").bind(LOCK).execute(&mut *conn).await.map_err(fail)?;
    let result = migrate(conn).await;
    // The lock is the session's: released here whatever happened, or when it closes.
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)").bind(LOCK).execute(&mut *conn).await.map_err(fail);
    result.and(unlocked.map(|_| ()))
}

async fn migrate(conn: &mut PgConnection) -> Result<(), DbError> {
    let fail = |e: sqlx::Error| DbError::Migrate(e.to_string());
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await
    .map_err(fail)?;
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(&mut *conn).await.map_err(fail)?;
    if let Some(newest) = applied.iter().max()
        && *newest > MIGRATIONS.last().map_or(0, |m| m.0)
    {
        return Err(DbError::Migrate(format!(
            "the database has schema version {newest}, newer than this frontdesk knows; upgrade frontdesk"
        )));
    }
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        let mut tx = conn.begin().await.map_err(fail)?;
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
        tx.commit().await.map_err(fail)?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(())
}
