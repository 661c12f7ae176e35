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
mod checkpoint;
#[cfg(test)]
mod counts_plan_tests;
mod dialect;
#[path = "../sql/migrate.rs"]
pub mod migrate;
#[cfg(test)]
mod search_plan_tests;
#[cfg(test)]
#[path = "../sql/search_tests.rs"]
mod search_tests;

/// A migrated database in memory, for the shared SQL's tests.
#[cfg(test)]
async fn test_connection() -> engine::Conn {
    use sqlx::Connection as _;
    let mut conn = engine::Conn::connect("sqlite::memory:").await.expect("an in-memory database");
    migrate::run(&mut conn).await.expect("migrated");
    conn
}

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
#[cfg(test)]
mod ingest_order_tests;
#[cfg(test)]
mod ingest_prop_tests;
#[path = "../sql/load.rs"]
mod load;
#[cfg(test)]
mod load_tests;
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
#[path = "../sql/summaries.rs"]
mod summaries;
#[path = "../sql/tx.rs"]
mod tx;
#[path = "../sql/views.rs"]
mod views;
#[path = "../sql/word_bits.rs"]
mod word_bits;
#[cfg(test)]
mod word_bits_index_tests;
#[cfg(test)]
#[path = "../sql/word_bits_tests.rs"]
mod word_bits_tests;
#[path = "../sql/writer.rs"]
mod writer;
#[cfg(test)]
mod writer_tests;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use store::EngineStore as SqliteStore;
use writer::WriteCtx;

use super::{DbError, found, from_ms, open_error, to_ms};
use crate::hub::Hub;

/// How much of the file every connection reads through a memory map: a 100,000-conversation
/// inbox (some 600 MB) with room. A page read there is the OS's own, not copied into each
/// of nine connections' caches: under the load generator the server's memory went from
/// 287 to 123 MB and its p99 per message from 31–41 to 17.5–19.8 ms (README, Benchmarks).
const MMAP_BYTES: i64 = 1 << 30;

/// Each reader's page cache, in KiB.
const READER_CACHE_KIB: i64 = 32_000;

/// The writer's page cache, in KiB. A commit walks the whole of its cache's hash
/// table whenever the transaction split a page: SQLite parks a page at the lock page's
/// number while it reorders the split, which marks the cache as holding pages past the
/// end of the file. Under the load generator that walk over a 32 MB cache was 3% of
/// the server's CPU, over 4 MB a fifth of that; the writer's reads mostly come from the
/// memory map (README, Benchmarks).
const WRITER_CACHE_KIB: i64 = 4_000;

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
            .pragma("cache_size", format!("-{READER_CACHE_KIB}"))
            .pragma("mmap_size", MMAP_BYTES.to_string());
        let writer_options = options
            .clone()
            .pragma("wal_autocheckpoint", checkpoint::WRITER_PAGES)
            .pragma("cache_size", format!("-{WRITER_CACHE_KIB}"));
        let mut writer_conn = sqlx::ConnectOptions::connect(&writer_options).await.map_err(|e| open_error(url, &e))?;
        migrate::run(&mut writer_conn).await?;
        let checkpoint_conn = sqlx::ConnectOptions::connect(&options).await.map_err(|e| open_error(url, &e))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(options.read_only(true))
            .await
            .map_err(|e| open_error(url, &e))?;
        // A file does not go away: no reconnecting.
        let writer = writer::Writer::start(writer_conn, hub.clone(), None);
        let background = store::Background(vec![word_bits::start(writer.clone()), checkpoint::start(checkpoint_conn)]);
        Ok(Self { pool, writer, hub, terms: dialect::Terms::default(), _background: background })
    }
}

#[cfg(test)]
mod tests {
    use sqlx::{AssertSqlSafe, Connection as _, SqliteConnection};

    use super::dialect::{AFTER_BULK_LOAD, MIGRATIONS};
    use super::migrate::run;

    /// The Overdue view, read from the SLA index while few are overdue and by walking
    /// the list when many are, holds the same rows either way.
    #[tokio::test]
    async fn overdue_pages_are_the_overdue_conversations_in_order() {
        use frontdesk_domain::{AgentId, OrgId, ViewFilter};
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("memory");
        run(&mut conn).await.expect("migrated");
        let org = OrgId::from("a".to_owned());
        let load = |overdue_every: usize| {
            let rows: Vec<String> = (0..3_000)
                .map(|i| {
                    let sla = if i % overdue_every == 0 {
                        "5"
                    } else if i % 7 == 0 {
                        "50"
                    } else {
                        "NULL"
                    };
                    let status = if i % 3 == 0 { "closed" } else { "open" };
                    format!("('c{overdue_every}-{i}', 'a', 'k', 'email', '{status}', {sla}, {i}, 0, 0)")
                })
                .collect();
            format!(
                "DELETE FROM conversations; INSERT INTO conversations (id, org_id, contact_id, channel, status, \
                 sla_due_at, activity_at, created_at, updated_at) VALUES {}",
                rows.join(", ")
            )
        };
        sqlx::raw_sql(
            "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0);
             INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES ('k', 'a', 'Kim', 'kim', 0);",
        )
        .execute(&mut conn)
        .await
        .expect("an org");
        for (every, few) in [(500, true), (1, false)] {
            sqlx::raw_sql(AssertSqlSafe(load(every))).execute(&mut conn).await.expect("a load");
            assert_eq!(super::dialect::overdue_index(&mut conn, &org, 10).await.expect("counted").is_some(), few);
            let me = AgentId::from("ag".to_owned());
            let filter = ViewFilter { overdue: true, ..ViewFilter::default() };
            let mut ids = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let spec = crate::store::ListSpec {
                    org: &org,
                    me: &me,
                    my_team: None,
                    filter: &filter,
                    updated_since: None,
                    cursor: cursor.as_deref(),
                    from_end: false,
                    limit: 50,
                    now: jiff::Timestamp::from_millisecond(10).expect("a time"),
                    urgent: false,
                };
                let page = super::conversations::list(&mut conn, &spec, &super::dialect::Terms::default())
                    .await
                    .expect("a page");
                ids.extend(page.items.into_iter().map(|c| c.id.as_str().to_owned()));
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            let expected: Vec<String> =
                (0..3_000).rev().filter(|i| i % every == 0 && i % 3 != 0).map(|i| format!("c{every}-{i}")).collect();
            assert_eq!(ids, expected, "one in {every} overdue");
        }
    }

    /// A pragma's value on a reader and on the writer of a store on a file.
    async fn reader_and_writer(pragma: &'static str) -> (i64, i64) {
        let dir = tempfile::tempdir().expect("a directory");
        let url = format!("sqlite://{}", dir.path().join("pragmas.db").display());
        let store = super::SqliteStore::open(&url, crate::hub::Hub::default()).await.expect("opened");
        let reader: i64 = sqlx::query_scalar(pragma).fetch_one(&store.pool).await.expect("a reader's");
        let writer: i64 = store
            .writer
            .submit(move |w| Box::pin(async move { Ok(sqlx::query_scalar(pragma).fetch_one(w.conn()).await?) }))
            .await
            .expect("the writer's");
        (reader, writer)
    }

    /// The writer and the readers all read the file through the memory map.
    #[tokio::test]
    async fn every_connection_reads_the_file_through_a_memory_map() {
        assert_eq!(reader_and_writer("PRAGMA mmap_size").await, (super::MMAP_BYTES, super::MMAP_BYTES));
    }

    /// The writer's page cache is the small one (`WRITER_CACHE_KIB`); the readers keep theirs.
    #[tokio::test]
    async fn the_writer_keeps_a_small_page_cache() {
        assert_eq!(reader_and_writer("PRAGMA cache_size").await, (-super::READER_CACHE_KIB, -super::WRITER_CACHE_KIB));
    }

    /// The bundled SQLite keeps no memory statistics (`.cargo/config.toml`): with them,
    /// every allocation and free in every connection took one process-wide lock.
    #[tokio::test]
    async fn sqlite_is_built_without_memory_statistics() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("memory");
        let options: Vec<String> =
            sqlx::query_scalar("PRAGMA compile_options").fetch_all(&mut conn).await.expect("options");
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
    }

    /// Pending migrations run in one transaction: one that fails leaves the schema
    /// as it was, the ones before it included, and says which failed.
    #[tokio::test]
    async fn a_failing_migration_leaves_the_schema_as_it_found_it() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("memory");
        let list: &[(i64, &str, &str)] =
            &[(1, "init", MIGRATIONS[0].2), (2, "broken", "CREATE TABLE half (a); SELECT nope FROM missing")];
        let err = super::migrate::migrate_from(&mut conn, list).await.expect_err("the second fails");
        assert!(err.to_string().contains("2 broken"), "{err}");
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(&mut conn)
                .await
                .expect("tables");
        assert_eq!(tables, ["schema_migrations"], "nothing of either migration");
        let applied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM schema_migrations").fetch_one(&mut conn).await.expect("count");
        assert_eq!(applied, 0);
        run(&mut conn).await.expect("the real ones still apply");
    }

    /// How `SQLite` would read the Overdue view's first page.
    async fn overdue_plan(conn: &mut SqliteConnection) -> String {
        let sql = "EXPLAIN QUERY PLAN SELECT c.id FROM conversations c WHERE c.org_id = 'a' AND c.archived = 0 \
                   AND c.status IN ('open', 'pending') AND c.sla_due_at <= 10 \
                   ORDER BY c.activity_at DESC, c.id DESC LIMIT 51";
        let steps: Vec<(i64, i64, i64, String)> = sqlx::query_as(sql).fetch_all(conn).await.expect("a plan");
        steps.into_iter().map(|s| s.3).collect::<Vec<_>>().join(" / ")
    }

    /// After a bulk load the planner has statistics: a view whose rows an index
    /// holds (Overdue: the SLA index, a few rows) is read from that index, not by
    /// walking the whole list for rows that are not there.
    #[tokio::test]
    async fn after_a_bulk_load_overdue_is_read_from_its_index() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("memory");
        run(&mut conn).await.expect("migrated");
        let mut load = String::from(
            "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0);
             INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES ('k', 'a', 'Kim', 'kim', 0);
             INSERT INTO conversations (id, org_id, contact_id, channel, status, sla_due_at, activity_at, created_at, updated_at) VALUES ",
        );
        let rows: Vec<String> = (0..3_000)
            .map(|i| {
                let sla = if i % 500 == 0 { "5" } else { "NULL" };
                format!("('c{i}', 'a', 'k', 'email', 'open', {sla}, {i}, 0, 0)")
            })
            .collect();
        load.push_str(&rows.join(", "));
        sqlx::raw_sql(AssertSqlSafe(load)).execute(&mut conn).await.expect("a bulk load");
        let before = overdue_plan(&mut conn).await;
        assert!(before.contains("conversations_list"), "without statistics: {before}");
        let after_load = AFTER_BULK_LOAD.expect("SQLite has work after a bulk load");
        sqlx::raw_sql(after_load).execute(&mut conn).await.expect("after the load");
        let after = overdue_plan(&mut conn).await;
        assert!(after.contains("conversations_sla"), "with statistics: {after}");
    }

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
