//! Embedded migrations, applied in order at start. A migration that has run is never
//! edited: add a new numbered file and list it here.

use sqlx::AssertSqlSafe;
use sqlx::{Connection, SqliteConnection};

use super::DbError;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../../migrations/sqlite/0001_init.sql")),
    (2, "event_seq", include_str!("../../../migrations/sqlite/0002_event_seq.sql")),
    (3, "copilot_quality", include_str!("../../../migrations/sqlite/0003_copilot_quality.sql")),
];

pub async fn run(conn: &mut SqliteConnection) -> Result<(), DbError> {
    let fail = |e: sqlx::Error| DbError::Migrate(e.to_string());
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A database from before each org numbered its own events: the events kept
    /// keep their numbers (a client resumes exactly), and every org's counter goes
    /// on past every number handed out anywhere (`ready` gave out the global newest),
    /// pruned ones included.
    #[tokio::test]
    async fn events_keep_their_numbers_across_the_move_to_per_org_sequences() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("memory");
        sqlx::raw_sql(AssertSqlSafe(MIGRATIONS[0].2)).execute(&mut conn).await.expect("version 1");
        let setup = "
            CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
            INSERT INTO schema_migrations VALUES (1, 'init', 0);
            INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0), ('b', 'B', 0), ('c', 'C', 0);
            INSERT INTO events (id, org_id, kind, payload, created_at) VALUES
                (7, 'a', 'presence', '{}', 0), (8, 'b', 'presence', '{}', 0), (12, 'a', 'presence', '{}', 0);
            INSERT INTO meta (key, value) VALUES ('events_pruned_through', '5');";
        sqlx::raw_sql(setup).execute(&mut conn).await.expect("an old database");
        run(&mut conn).await.expect("migrated");
        let seqs: Vec<(String, i64)> =
            sqlx::query_as("SELECT org_id, seq FROM events ORDER BY id").fetch_all(&mut conn).await.expect("events");
        assert_eq!(seqs, [("a".into(), 7), ("b".into(), 8), ("a".into(), 12)]);
        let counters: Vec<(String, i64, i64)> =
            sqlx::query_as("SELECT org_id, last_seq, pruned_through FROM event_sequences ORDER BY org_id")
                .fetch_all(&mut conn)
                .await
                .expect("counters");
        assert_eq!(counters, [("a".into(), 12, 5), ("b".into(), 12, 5), ("c".into(), 12, 5)]);
    }
}
