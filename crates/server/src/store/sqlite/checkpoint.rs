//! Copies the write-ahead log into the database file off the writer's path.
//!
//! `SQLite` checkpoints on the connection that commits once the log passes its
//! threshold: under inbound load that was the writer, some 5% of its time (perf) and
//! an fsync of the database file, while the batch's senders waited for their answer.
//! A connection of its own does it here, on another thread: a PASSIVE checkpoint takes
//! no lock the writer waits on. The writer keeps a higher threshold of its own, for
//! when this one falls behind.

use std::time::Duration;

use sqlx::sqlite::SqliteConnection;
use tokio::task::AbortHandle;

/// How soon the log is looked at again after it grew.
const GROWING: Duration = Duration::from_millis(50);
/// At most this long between looks while nothing is written.
const QUIET: Duration = Duration::from_secs(1);

/// The writer's own threshold, in pages: four times `SQLite`'s default of 1,000, which
/// this keeps the log under while it keeps up.
pub const WRITER_PAGES: &str = "4000";

/// Starts checkpointing on `conn`, a read-write connection of its own. A database
/// with no log (in memory) is left alone.
pub fn start(mut conn: SqliteConnection) -> AbortHandle {
    tokio::spawn(async move {
        let mut wait = GROWING;
        let mut last_log = 0;
        // Failures in a row: the first is logged, and the recovery with their count.
        let mut failed = 0_u32;
        loop {
            tokio::time::sleep(wait).await;
            // (busy, frames in the log or -1 where there is none, frames copied)
            match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut conn).await {
                Ok((_, -1, _)) => return,
                Ok((_, log, _)) => {
                    if failed > 0 {
                        tracing::info!(failed, "checkpointing the write-ahead log again");
                        failed = 0;
                    }
                    wait = if log == last_log { (wait * 2).min(QUIET) } else { GROWING };
                    last_log = log;
                }
                Err(err) => {
                    if failed == 0 {
                        tracing::warn!(error = %err, "cannot checkpoint the write-ahead log; the writer's own threshold still does");
                    }
                    failed = failed.saturating_add(1);
                    wait = QUIET;
                }
            }
        }
    })
    .abort_handle()
}

#[cfg(test)]
mod tests {
    use frontdesk_domain::Channel;

    use super::super::ingest_order_tests::{ingest, store_with_org};
    use crate::hub::Hub;
    use crate::store::Inbound;

    /// The database file alone (no log beside it): what a checkpoint has copied there.
    async fn conversations_in_the_file(dir: &std::path::Path) -> i64 {
        let copy = dir.join("copy.db");
        std::fs::copy(dir.join("ck.db"), &copy).expect("copied");
        let url = format!("sqlite://{}?mode=ro", copy.display());
        let pool = sqlx::SqlitePool::connect(&url).await.expect("the copy");
        let n = sqlx::query_scalar("SELECT count(*) FROM conversations").fetch_one(&pool).await.unwrap_or(0);
        pool.close().await;
        std::fs::remove_file(&copy).expect("removed");
        n
    }

    /// Writes far below the writer's own threshold reach the file: the checkpointer
    /// copied them.
    #[tokio::test]
    async fn the_log_is_copied_into_the_file_without_the_writer() {
        let dir = tempfile::tempdir().expect("a directory");
        let (store, org) = store_with_org(&dir, "ck.db", Hub::default()).await;
        let inbound: Vec<Inbound> =
            (0..20).map(|n| Inbound::text(Channel::Sms, &format!("+1555300{n:04}"), "hello")).collect();
        ingest(&store, &org, inbound).await;
        // Waits for the background task, not for a speed: it looks every 50 ms.
        let mut found = 0;
        for _ in 0..200 {
            found = conversations_in_the_file(dir.path()).await;
            if found == 20 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(found, 20, "the file holds {found} of the 20 conversations the log does");
    }

    /// A database in memory has no log: the task ends rather than wake for nothing.
    #[tokio::test]
    async fn a_database_without_a_log_is_left_alone() {
        use sqlx::Connection as _;
        let conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.expect("a database");
        let task = super::start(conn);
        // Waits for the task's first look, not for a speed.
        for _ in 0..200 {
            if task.is_finished() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(task.is_finished(), "still checkpointing a database that has no log");
    }
}
