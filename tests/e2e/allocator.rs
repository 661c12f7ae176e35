//! Every allocation in the process goes through jemalloc (`src/lib.rs`), SQLite's
//! own included: its page cache is most of what the server allocates under load.

use sqlx::{Connection as _, SqliteConnection};
use tikv_jemalloc_ctl::{epoch, stats};

/// Bytes jemalloc has handed out and not had back, across every thread.
fn allocated() -> usize {
    epoch::advance().expect("jemalloc's statistics refresh");
    stats::allocated::read().expect("jemalloc's allocated bytes")
}

#[tokio::test]
async fn sqlite_allocates_its_pages_through_jemalloc() {
    // An in-memory database keeps every page in SQLite's page cache, from `malloc`.
    // Other tests of this binary allocate and free beside it, so the signal is made
    // large: 100 MB held, where they come and go by a few.
    let mut db = SqliteConnection::connect("sqlite::memory:").await.expect("an in-memory SQLite");
    sqlx::query("PRAGMA cache_size = -262144").execute(&mut db).await.expect("cache size");
    sqlx::query("CREATE TABLE blobs (b BLOB)").execute(&mut db).await.expect("table");
    let before = allocated();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
         INSERT INTO blobs SELECT randomblob(10000) FROM n",
    )
    .execute(&mut db)
    .await
    .expect("100 MB of rows");
    let grown = allocated().saturating_sub(before);
    // Under glibc's malloc, SQLite's pages would leave jemalloc's count where it was.
    assert!(grown >= 60 << 20, "jemalloc saw {grown} bytes more while SQLite stored 100 MB");
    db.close().await.expect("close");
}
