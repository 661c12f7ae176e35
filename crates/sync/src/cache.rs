//! The per-account cache in the XDG cache directory: the views and their counts,
//! the list pages last seen per view, the messages of recently opened threads, and
//! the last event id. Start-up draws from it at once and then reconciles with the
//! server; the event stream resumes from the id kept here. Everything in it can be
//! fetched again, so it is written without fsync, and a damaged file or one of
//! another version is set aside and started anew (never a busy one, nor one
//! another frontdesk has open). It never holds an API key.

use std::path::Path;
use std::sync::Arc;

use sqlx::Row as _;
use sqlx::sqlite::{SqlitePool, SqliteSynchronous};

use super::sqlite::{self, Lock, Schema};
use super::store::StoreError;
use frontdesk_domain::{Conversation, ConversationId, Message, ViewId, ViewWithCount};

/// Threads kept; older ones are dropped.
const THREADS_KEPT: i64 = 200;
/// Rows kept per view.
const ROWS_KEPT: i64 = 100_000;

static CACHE: Schema = Schema {
    what: "the cache",
    sql: "
CREATE TABLE IF NOT EXISTS views (pos INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    view_id         TEXT NOT NULL,
    pos             INTEGER NOT NULL,
    conversation_id TEXT NOT NULL,
    json            TEXT NOT NULL,
    PRIMARY KEY (view_id, pos)
);
CREATE INDEX IF NOT EXISTS rows_conversation ON rows (conversation_id);
CREATE TABLE IF NOT EXISTS threads (conversation_id TEXT PRIMARY KEY, json TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
",
    version: 1,
    added: &[],
    probe: "SELECT pos, json FROM views LIMIT 1; SELECT view_id, pos, conversation_id, json FROM rows LIMIT 1; \
            SELECT conversation_id, json, at FROM threads LIMIT 1; SELECT key, value FROM meta LIMIT 1",
    synchronous: SqliteSynchronous::Normal,
    disposable: true,
};

#[derive(Clone)]
pub struct Cache {
    pool: SqlitePool,
    /// This process's hold on the file (none in memory): released with the last clone.
    _lock: Option<Arc<Lock>>,
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Rows that no longer read (another version wrote them) are skipped, not fatal.
fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_str(s).map_err(|e| tracing::debug!(error = %e, "cache row unreadable")).ok()
}

impl Cache {
    /// Closes the file (the last connection folds the journal in and removes it).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn memory() -> Result<Self, StoreError> {
        Ok(Self { pool: sqlite::memory(&CACHE).await?, _lock: None })
    }

    /// Opens (or makes) the cache at `path` as its only client. A damaged file,
    /// or one of another version, is set aside and started anew; a busy one is
    /// an error (see [`sqlite`]).
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let (pool, lock) = sqlite::open(path, &CACHE).await?;
        Ok(Self { pool, _lock: Some(lock) })
    }

    pub async fn put_views(&self, views: &[ViewWithCount]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM views").execute(&mut *tx).await?;
        for (i, v) in views.iter().enumerate() {
            sqlx::query("INSERT INTO views (pos, json) VALUES ($1, $2)")
                .bind(i64::try_from(i).unwrap_or(i64::MAX))
                .bind(json(v)?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn views(&self) -> Result<Vec<ViewWithCount>, StoreError> {
        let rows = sqlx::query("SELECT json FROM views ORDER BY pos").fetch_all(&self.pool).await?;
        Ok(rows.iter().filter_map(|r| parse(r.get::<&str, _>("json"))).collect())
    }

    /// A page of a view's list: the first (replacing what was kept) or the next.
    pub async fn put_page(&self, view: &ViewId, items: &[Conversation], append: bool) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        if !append {
            sqlx::query("DELETE FROM rows WHERE view_id = $1").bind(view.as_str()).execute(&mut *tx).await?;
        }
        let start: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(pos) + 1, 0) FROM rows WHERE view_id = $1")
            .bind(view.as_str())
            .fetch_one(&mut *tx)
            .await?;
        for (i, c) in items.iter().enumerate() {
            let pos = start + i64::try_from(i).unwrap_or(0);
            if pos >= ROWS_KEPT {
                break;
            }
            sqlx::query("INSERT OR REPLACE INTO rows (view_id, pos, conversation_id, json) VALUES ($1, $2, $3, $4)")
                .bind(view.as_str())
                .bind(pos)
                .bind(c.id.as_str())
                .bind(json(c)?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The first `limit` rows kept for a view.
    pub async fn page(&self, view: &ViewId, limit: u32) -> Result<Vec<Conversation>, StoreError> {
        let rows = sqlx::query("SELECT json FROM rows WHERE view_id = $1 ORDER BY pos LIMIT $2")
            .bind(view.as_str())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().filter_map(|r| parse(r.get::<&str, _>("json"))).collect())
    }

    /// A conversation changed: every kept row of it follows.
    pub async fn update_conversation(&self, c: &Conversation) -> Result<(), StoreError> {
        sqlx::query("UPDATE rows SET json = $1 WHERE conversation_id = $2")
            .bind(json(c)?)
            .bind(c.id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A conversation deleted for good: none of it is kept.
    pub async fn forget(&self, id: &ConversationId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM rows WHERE conversation_id = $1").bind(id.as_str()).execute(&self.pool).await?;
        sqlx::query("DELETE FROM threads WHERE conversation_id = $1").bind(id.as_str()).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn put_thread(&self, id: &ConversationId, messages: &[Message]) -> Result<(), StoreError> {
        sqlx::query("INSERT OR REPLACE INTO threads (conversation_id, json, at) VALUES ($1, $2, $3)")
            .bind(id.as_str())
            .bind(json(&messages)?)
            .bind(jiff::Timestamp::now().as_millisecond())
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM threads WHERE conversation_id NOT IN (SELECT conversation_id FROM threads ORDER BY at DESC LIMIT $1)")
            .bind(THREADS_KEPT)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn thread(&self, id: &ConversationId) -> Result<Option<Vec<Message>>, StoreError> {
        let row = sqlx::query("SELECT json FROM threads WHERE conversation_id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|r| parse(r.get::<&str, _>("json"))))
    }

    pub async fn set_last_event(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_event_id', $1)")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn last_event(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = 'last_event_id'").fetch_optional(&self.pool).await?)
    }
}

/// What the cache can show before the server answers `command`: the kept first
/// page of a view, the kept messages of a thread.
pub(super) async fn before(cache: &Cache, command: &super::SyncCommand) -> Vec<super::SyncEvent> {
    use super::{SyncCommand, SyncEvent};
    match command {
        SyncCommand::List { generation, query, at: super::Place::Replace } if cacheable(query) => {
            let Some(view) = &query.view else { return Vec::new() };
            match cache.page(view, query.limit.max(1)).await {
                Ok(items) if !items.is_empty() => vec![SyncEvent::List {
                    generation: *generation,
                    page: frontdesk_domain::Page { items, next_cursor: None, prev_cursor: None },
                    at: super::Place::Replace,
                    cached: true,
                }],
                Ok(_) => Vec::new(),
                Err(e) => {
                    tracing::debug!(error = %e, "cache page unreadable");
                    Vec::new()
                }
            }
        }
        SyncCommand::Thread { generation, id } => match cache.thread(id).await {
            Ok(Some(messages)) => {
                vec![SyncEvent::Thread {
                    generation: *generation,
                    id: id.clone(),
                    messages,
                    suggestion: None,
                    older: None,
                }]
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Plain view pages from the top only: searches, urgency rankings and a view's end are not kept.
fn cacheable(query: &frontdesk_provider::ListQuery) -> bool {
    query.filter == frontdesk_domain::ViewFilter::default()
        && query.sort == frontdesk_provider::Sort::Activity
        && query.towards == frontdesk_provider::Towards::Down
}

/// Keeps what the server answered.
pub(super) async fn after(cache: &Cache, command: &super::SyncCommand, event: &super::SyncEvent) {
    use super::{SyncCommand, SyncEvent};
    let kept = match (command, event) {
        (SyncCommand::List { query, .. }, SyncEvent::List { page, at, cached: false, .. }) if cacheable(query) => {
            match &query.view {
                Some(view) => cache.put_page(view, &page.items, *at == super::Place::Below).await,
                None => Ok(()),
            }
        }
        (_, SyncEvent::Thread { id, messages, .. }) => cache.put_thread(id, messages).await,
        (_, SyncEvent::Views(views)) => cache.put_views(views).await,
        (_, SyncEvent::Deleted { id, result: Ok(()) }) => cache.forget(id).await,
        _ => Ok(()),
    };
    if let Err(e) = kept {
        tracing::debug!(error = %e, "cache not written");
    }
}

/// Keeps what the live stream says: the resume point, and changed conversations.
pub(super) async fn live(cache: &Cache, update: &frontdesk_provider::Update) {
    let frontdesk_provider::Update::Event(e) = update else { return };
    let mut kept = Ok(());
    if let Some(id) = e.id {
        kept = cache.set_last_event(&id.to_string()).await;
    }
    if let frontdesk_domain::EventKind::ConversationUpdated(c) = &e.kind {
        kept = kept.and(cache.update_conversation(c).await);
    }
    if let Err(err) = kept {
        tracing::debug!(error = %err, "cache not written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_domain::testing::{conversations, thread_messages};

    #[tokio::test]
    async fn pages_threads_views_and_the_resume_id_round_trip() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.db");
        let all = ViewId::from("all");
        let items = conversations();
        {
            let c = Cache::open(&path).await.expect("cache");
            c.put_page(&all, &items[..4], false).await.expect("page");
            c.put_page(&all, &items[4..], true).await.expect("more");
            c.put_thread(&items[0].id, &thread_messages(&items[0].id)).await.expect("thread");
            c.set_last_event("42").await.expect("meta");
            let mut changed = items[1].clone();
            changed.starred = true;
            c.update_conversation(&changed).await.expect("update");
        }
        let c = Cache::open(&path).await.expect("reopen");
        let page = c.page(&all, 100).await.expect("page");
        assert_eq!(page.len(), 7);
        assert!(page[1].starred, "the later change is what is kept");
        assert_eq!(c.thread(&items[0].id).await.expect("thread").map(|t| t.len()), Some(5));
        assert_eq!(c.last_event().await.expect("meta").as_deref(), Some("42"));
        c.put_page(&all, &items[..2], false).await.expect("a first page replaces");
        assert_eq!(c.page(&all, 100).await.expect("page").len(), 2);
    }

    /// What a run wrote waits in the journal until the file is closed; closed at
    /// the end, the next start has no journal to read through first.
    #[tokio::test]
    async fn a_closed_cache_leaves_no_journal_and_keeps_what_it_held() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.db");
        let wal = dir.path().join("c.db-wal");
        let all = ViewId::from("all");
        let items = conversations();
        let c = Cache::open(&path).await.expect("cache");
        c.put_page(&all, &items, false).await.expect("page");
        assert!(std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0), "written to the journal first");
        c.close().await;
        assert!(!wal.exists(), "folded in and removed");
        drop(c);
        let again = Cache::open(&path).await.expect("cache again");
        assert_eq!(again.page(&all, 50).await.expect("page").len(), items.len());
    }

    #[tokio::test]
    async fn a_corrupt_cache_is_discarded() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.db");
        std::fs::write(&path, vec![0xAB; 8192]).expect("write");
        let c = Cache::open(&path).await.expect("a fresh cache");
        assert!(c.views().await.expect("views").is_empty());
        assert!(dir.path().join("c.db.broken").exists());
    }

    /// Only a cache, but still never set aside while another program has it busy
    /// (it would go on writing to a file no longer there).
    #[tokio::test]
    async fn a_busy_cache_is_left_as_it_is() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.db");
        drop(Cache::open(&path).await.expect("cache"));
        let mut other =
            sqlx::SqliteConnection::connect_with(&sqlx::sqlite::SqliteConnectOptions::new().filename(&path))
                .await
                .expect("another connection");
        sqlx::raw_sql("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO meta VALUES ('k', 'v')")
            .execute(&mut other)
            .await
            .expect("held");
        assert!(Cache::open(&path).await.is_err());
        assert!(!dir.path().join("c.db.broken").exists(), "not set aside");
    }

    /// A cache another release wrote, or one that is not ours in shape, is only a
    /// cache: set aside and started anew.
    #[tokio::test]
    async fn a_cache_of_another_version_is_started_anew() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.db");
        {
            let mut other = sqlx::SqliteConnection::connect_with(
                &sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true),
            )
            .await
            .expect("another connection");
            sqlx::raw_sql("CREATE TABLE views (other TEXT); PRAGMA user_version = 7")
                .execute(&mut other)
                .await
                .expect("another version");
        }
        let c = Cache::open(&path).await.expect("a fresh cache");
        c.put_views(&[]).await.expect("usable");
        assert!(dir.path().join("c.db.broken").exists());
    }
}
