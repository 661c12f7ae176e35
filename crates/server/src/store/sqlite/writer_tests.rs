//! The writer's batches: a failing job leaves nothing behind, alone or among others,
//! and the jobs beside it commit.

use sqlx::Connection as _;
use tokio::sync::oneshot;

use super::engine::Conn;
use super::word_bits_index_tests::writer_on_file;
use super::writer::Writer;
use crate::error::ApiError;

/// An org named `name`, then `fail` or not.
async fn org(writer: &Writer, name: &'static str, fail: bool) -> Result<(), ApiError> {
    writer
        .submit(move |w| {
            Box::pin(async move {
                sqlx::query("INSERT INTO orgs (id, name, created_at) VALUES ($1, $1, 0)")
                    .bind(name)
                    .execute(w.conn())
                    .await?;
                if fail { Err(ApiError::invalid("name", "not this one")) } else { Ok(()) }
            })
        })
        .await
}

async fn orgs(url: &str) -> Vec<String> {
    let mut conn = Conn::connect(url).await.expect("a reader");
    sqlx::query_scalar("SELECT id FROM orgs ORDER BY id").fetch_all(&mut conn).await.expect("orgs")
}

#[tokio::test]
async fn a_job_alone_that_fails_leaves_nothing_and_hears_its_own_error() {
    let dir = tempfile::tempdir().expect("a directory");
    let (writer, url) = writer_on_file(&dir, "").await;
    let err = org(&writer, "failed", true).await.expect_err("it failed");
    assert_eq!(err.status, 422, "its own error, not the batch's: {err:?}");
    org(&writer, "next", false).await.expect("the next job commits");
    assert_eq!(orgs(&url).await, ["next"]);
}

#[tokio::test]
async fn a_failing_job_among_others_rolls_back_alone() {
    let dir = tempfile::tempdir().expect("a directory");
    let (writer, url) = writer_on_file(&dir, "").await;
    // Holds the writer in a job of its own while the three queue up behind it, so
    // they run as one batch.
    let (release, held) = oneshot::channel::<()>();
    let holder = writer.clone();
    let holding = tokio::spawn(async move {
        holder
            .submit(move |_| {
                Box::pin(async move {
                    let _ = held.await;
                    Ok(())
                })
            })
            .await
    });
    tokio::task::yield_now().await;
    let queued = writer.clone();
    let three = tokio::spawn(async move {
        tokio::join!(org(&queued, "a", false), org(&queued, "b", true), org(&queued, "c", false))
    });
    // The three are queued once the writer's channel holds them; give them the time.
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    release.send(()).expect("released");
    holding.await.expect("joined").expect("held");
    let (a, b, c) = three.await.expect("joined");
    assert!(a.is_ok() && c.is_ok(), "the jobs beside it commit: {a:?} {c:?}");
    assert_eq!(b.expect_err("it failed").status, 422);
    assert_eq!(orgs(&url).await, ["a", "c"]);
}
