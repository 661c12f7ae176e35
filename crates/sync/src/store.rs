//! The client's durable state, one `SQLite` file per account under the XDG state
//! directory: the outbox (every change, written and fsync'd before it is sent, with
//! its idempotency key fixed at that moment), the drafts, and the flags kept here for
//! backends that have none (star, read). No API key is ever
//! written here. It keeps what it holds: one client at a time (a second frontdesk
//! is refused), and a file is set aside and started anew only when `SQLite` says
//! it is damaged; a busy file, a newer release's, or one that cannot be opened is
//! an error that names it (see [`sqlite`](super::sqlite)).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqlitePool, SqliteSynchronous};
use sqlx::{FromRow, Row as _};

use super::sqlite::{self, Added, Lock, Schema};

use frontdesk_domain::{ConversationId, Op, ReplyKind, SuggestionId};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT NOT NULL UNIQUE,
    lane       TEXT NOT NULL,
    op         TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    last_error_kind TEXT
);
CREATE TABLE IF NOT EXISTS local_flags (
    conversation_id TEXT PRIMARY KEY,
    starred         INTEGER NOT NULL DEFAULT 0,
    read_through    INTEGER,
    unread          INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS drafts (
    conversation_id TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    body            TEXT NOT NULL,
    suggestion_id   TEXT,
    updated_at      INTEGER NOT NULL
);
";

static STORE: Schema = Schema {
    what: "the local store",
    sql: SCHEMA,
    version: 1,
    // Files from before it have no `last_error_kind`; their failed entries read as
    // of no known kind (see `Entry::may_have_arrived`).
    added: &[Added { table: "outbox", column: "last_error_kind", decl: "TEXT" }],
    probe: "SELECT seq, key, lane, op, attempts, next_at, last_error, last_error_kind, created_at FROM outbox LIMIT 1; \
            SELECT conversation_id, kind, body, suggestion_id, updated_at FROM drafts LIMIT 1",
    // A queued reply is a promise: it must survive a crash or power loss.
    synchronous: SqliteSynchronous::Full,
    // It holds promises (queued replies): refused rather than set aside, unless
    // damaged beyond reading.
    disposable: false,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the local store at {path}: {reason}")]
    Open { path: String, reason: String },
    /// Another frontdesk has the file (it holds `<path>.lock`).
    #[error("{path} is in use by another frontdesk (it holds {path}.lock); close that one first")]
    Locked { path: String },
    /// A newer release wrote the file: refused, and left as it is.
    #[error(
        "{path} was written by a newer frontdesk (schema version {found}; this one reads {known}): \
         use the newer one, or move the file away to start afresh"
    )]
    Newer { path: String, found: i64, known: i64 },
    #[error("the local store: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the local store holds an unreadable entry: {0}")]
    Corrupt(String),
}

/// How an attempt failed, as far as the next one cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// No usable answer (a timeout, a dropped connection, a 5xx): the request may
    /// have been applied all the same.
    Network,
    /// Refused before anything was done (a 429).
    RateLimited,
}

impl ErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::RateLimited => "rate_limited",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Network, Self::RateLimited].into_iter().find(|k| k.as_str() == s)
    }
}

/// One change waiting to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub key: String,
    /// Entries of one lane (a conversation) go in order; lanes go side by side.
    pub lane: String,
    pub op: Op,
    pub attempts: i64,
    /// Not before this time (ms since the epoch): the backoff.
    pub next_at: i64,
    pub last_error: Option<String>,
    /// The kind of the last failure; `None` before any, or when written by a
    /// release that did not record it.
    pub last_error_kind: Option<ErrorKind>,
    /// When it was queued (ms since the epoch).
    pub created_at: i64,
}

impl Entry {
    /// Whether an earlier attempt may have reached the server though no answer
    /// came back. A failure of no recorded kind (an older release's) counts: one
    /// look at the server costs less than a reply posted twice.
    pub fn may_have_arrived(&self) -> bool {
        self.attempts > 0 && self.last_error_kind != Some(ErrorKind::RateLimited)
    }
}

/// What this machine keeps about a conversation when its backend cannot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub starred: bool,
    /// Read up to this moment (ms since the epoch): later activity is unread again.
    pub read_through: Option<i64>,
    /// Marked unread by the agent.
    pub unread: bool,
}

/// A kept draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDraft {
    pub conversation: ConversationId,
    pub kind: ReplyKind,
    pub body: String,
    pub suggestion: Option<SuggestionId>,
}

#[derive(FromRow)]
struct EntryRow {
    seq: i64,
    key: String,
    lane: String,
    op: String,
    attempts: i64,
    next_at: i64,
    last_error: Option<String>,
    last_error_kind: Option<String>,
    created_at: i64,
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// This process's hold on the file (none in memory): released with the last clone.
    _lock: Option<Arc<Lock>>,
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The lane an op travels in: its conversation, so one conversation's messages keep
/// their order while a stuck one does not hold up the others.
pub fn lane(op: &Op) -> String {
    match op {
        Op::Change { conversation, .. } | Op::Send { conversation, .. } | Op::RequestSuggestion { conversation } => {
            conversation.to_string()
        }
        Op::Bulk { .. } => "bulk".to_owned(),
        Op::SendSuggestion { suggestion } | Op::DismissSuggestion { suggestion } => suggestion.to_string(),
    }
}

impl Store {
    /// A store that lives only as long as the process (tests, and accounts without
    /// a state directory).
    pub async fn memory() -> Result<Self, StoreError> {
        Ok(Self { pool: sqlite::memory(&STORE).await?, _lock: None })
    }

    /// Opens (or makes) the store at `path` as its only client
    /// ([`StoreError::Locked`] for a second). Only a damaged file is set aside;
    /// see [`sqlite`].
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let (pool, lock) = sqlite::open(path, &STORE).await?;
        Ok(Self { pool, _lock: Some(lock) })
    }

    /// Writes `op` to the outbox (durably) with a fresh idempotency key.
    pub async fn enqueue(&self, op: &Op) -> Result<Entry, StoreError> {
        let key = uuid::Uuid::now_v7().to_string();
        let json = serde_json::to_string(op).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let lane = lane(op);
        let created_at = now_ms();
        let seq: i64 =
            sqlx::query_scalar("INSERT INTO outbox (key, lane, op, created_at) VALUES ($1, $2, $3, $4) RETURNING seq")
                .bind(&key)
                .bind(&lane)
                .bind(&json)
                .bind(created_at)
                .fetch_one(&self.pool)
                .await?;
        Ok(Entry {
            seq,
            key,
            lane,
            op: op.clone(),
            attempts: 0,
            next_at: 0,
            last_error: None,
            last_error_kind: None,
            created_at,
        })
    }

    /// Everything waiting, oldest first.
    pub async fn pending(&self) -> Result<Vec<Entry>, StoreError> {
        let rows: Vec<EntryRow> = sqlx::query_as(
            "SELECT seq, key, lane, op, attempts, next_at, last_error, last_error_kind, created_at
             FROM outbox ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            match serde_json::from_str::<Op>(&r.op) {
                Ok(op) => out.push(Entry {
                    seq: r.seq,
                    key: r.key,
                    lane: r.lane,
                    op,
                    attempts: r.attempts,
                    next_at: r.next_at,
                    last_error: r.last_error,
                    // A kind this version does not know reads as none: checked.
                    last_error_kind: r.last_error_kind.as_deref().and_then(ErrorKind::parse),
                    created_at: r.created_at,
                }),
                Err(e) => {
                    // An entry this version cannot read is dropped, loudly, rather
                    // than blocking its lane for ever.
                    tracing::error!(seq = r.seq, error = %e, "outbox entry unreadable; dropped");
                    self.remove(r.seq).await?;
                }
            }
        }
        Ok(out)
    }

    pub async fn remove(&self, seq: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM outbox WHERE seq = $1").bind(seq).execute(&self.pool).await?;
        Ok(())
    }

    /// Records a failed attempt, its kind, and when to try again.
    pub async fn retry_later(
        &self,
        seq: i64,
        after: Duration,
        error: &str,
        kind: ErrorKind,
    ) -> Result<i64, StoreError> {
        let next_at = now_ms() + i64::try_from(after.as_millis()).unwrap_or(i64::MAX / 2);
        self.retry_at(seq, next_at, error, kind).await?;
        Ok(next_at)
    }

    /// Records a failed attempt, its kind, and not to try again before `next_at`
    /// (ms since the epoch).
    pub async fn retry_at(&self, seq: i64, next_at: i64, error: &str, kind: ErrorKind) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_at = $1, last_error = $2, last_error_kind = $3
             WHERE seq = $4",
        )
        .bind(next_at)
        .bind(error)
        .bind(kind.as_str())
        .bind(seq)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Everything waiting may go now (the connection is back).
    pub async fn wake_all(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET next_at = 0").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn save_draft(&self, d: &StoredDraft) -> Result<(), StoreError> {
        let kind = match d.kind {
            ReplyKind::Reply => "reply",
            ReplyKind::Note => "note",
        };
        sqlx::query(
            "INSERT INTO drafts (conversation_id, kind, body, suggestion_id, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (conversation_id) DO UPDATE SET kind = excluded.kind, body = excluded.body,
             suggestion_id = excluded.suggestion_id, updated_at = excluded.updated_at",
        )
        .bind(d.conversation.as_str())
        .bind(kind)
        .bind(&d.body)
        .bind(d.suggestion.as_ref().map(SuggestionId::as_str))
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete_draft(&self, conversation: &ConversationId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM drafts WHERE conversation_id = $1")
            .bind(conversation.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every conversation's local flags.
    pub async fn flags(&self) -> Result<Vec<(ConversationId, Flags)>, StoreError> {
        let rows = sqlx::query("SELECT conversation_id, starred, read_through, unread FROM local_flags")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let flags = Flags {
                    starred: r.get::<i64, _>("starred") != 0,
                    read_through: r.get::<Option<i64>, _>("read_through"),
                    unread: r.get::<i64, _>("unread") != 0,
                };
                (ConversationId::from(r.get::<String, _>("conversation_id")), flags)
            })
            .collect())
    }

    pub async fn set_flags(&self, id: &ConversationId, f: Flags) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO local_flags (conversation_id, starred, read_through, unread) VALUES ($1, $2, $3, $4)
             ON CONFLICT (conversation_id) DO UPDATE SET starred = excluded.starred,
             read_through = excluded.read_through, unread = excluded.unread",
        )
        .bind(id.as_str())
        .bind(i64::from(f.starred))
        .bind(f.read_through)
        .bind(i64::from(f.unread))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn drafts(&self) -> Result<Vec<StoredDraft>, StoreError> {
        let rows =
            sqlx::query("SELECT conversation_id, kind, body, suggestion_id FROM drafts").fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|r| StoredDraft {
                conversation: ConversationId::from(r.get::<String, _>("conversation_id")),
                kind: if r.get::<String, _>("kind") == "note" { ReplyKind::Note } else { ReplyKind::Reply },
                body: r.get("body"),
                suggestion: r.get::<Option<String>, _>("suggestion_id").map(SuggestionId::from),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_domain::Change;

    fn star(id: &str) -> Op {
        Op::Change { conversation: ConversationId::from(id), change: Change::Star }
    }

    #[tokio::test]
    async fn entries_survive_a_reopen_in_order_with_their_keys() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acct.db");
        let (a, b) = {
            let s = Store::open(&path).await.expect("open");
            (s.enqueue(&star("cnv_a")).await.expect("a"), s.enqueue(&star("cnv_b")).await.expect("b"))
        };
        let s = Store::open(&path).await.expect("reopen");
        let pending = s.pending().await.expect("pending");
        assert_eq!(
            pending.iter().map(|e| (e.key.clone(), e.op.clone())).collect::<Vec<_>>(),
            [(a.key, a.op), (b.key, b.op)]
        );
        s.retry_later(pending[0].seq, Duration::from_secs(30), "offline", ErrorKind::Network).await.expect("retry");
        let again = s.pending().await.expect("pending");
        assert_eq!((again[0].attempts, again[0].last_error.as_deref()), (1, Some("offline")));
        assert_eq!(again[0].last_error_kind, Some(ErrorKind::Network));
        assert_eq!(again[0].created_at, pending[0].created_at);
        assert!(again[0].may_have_arrived());
        s.remove(again[0].seq).await.expect("remove");
        assert_eq!(s.pending().await.expect("pending").len(), 1);
    }

    #[tokio::test]
    async fn drafts_are_kept_and_replaced() {
        let s = Store::memory().await.expect("store");
        let d =
            StoredDraft { conversation: "cnv_a".into(), kind: ReplyKind::Note, body: "first".into(), suggestion: None };
        s.save_draft(&d).await.expect("save");
        s.save_draft(&StoredDraft { body: "second".into(), ..d.clone() }).await.expect("save");
        assert_eq!(s.drafts().await.expect("drafts"), [StoredDraft { body: "second".into(), ..d.clone() }]);
        s.delete_draft(&d.conversation).await.expect("delete");
        assert!(s.drafts().await.expect("drafts").is_empty());
    }

    #[tokio::test]
    async fn a_corrupt_file_is_set_aside() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acct.db");
        std::fs::write(&path, b"this is not a database, it is a text file that happens to be here").expect("write");
        let s = Store::open(&path).await.expect("a fresh store");
        assert!(s.pending().await.expect("pending").is_empty());
        assert!(dir.path().join("acct.db.broken").exists(), "the old file is kept for a look");
    }

    /// A file written before `last_error_kind` existed keeps its queue: the column
    /// is added, and a failure of no recorded kind reads as one that may have arrived.
    #[tokio::test]
    async fn a_file_from_before_the_error_kind_keeps_its_entries() {
        use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acct.db");
        let op = serde_json::to_string(&star("cnv_old")).expect("json");
        {
            let pool = SqlitePoolOptions::new()
                .connect_with(SqliteConnectOptions::new().filename(&path).create_if_missing(true))
                .await
                .expect("pool");
            let old = "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,
                lane TEXT NOT NULL, op TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                next_at INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at INTEGER NOT NULL);
                CREATE TABLE local_flags (conversation_id TEXT PRIMARY KEY, starred INTEGER NOT NULL DEFAULT 0,
                read_through INTEGER, unread INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE drafts (conversation_id TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL,
                suggestion_id TEXT, updated_at INTEGER NOT NULL);
                PRAGMA user_version = 1;";
            sqlx::raw_sql(old).execute(&pool).await.expect("old schema");
            sqlx::query("INSERT INTO outbox (key, lane, op, attempts, last_error, created_at) VALUES ('k', 'cnv_old', $1, 2, 'timed out', 1000)")
                .bind(&op)
                .execute(&pool)
                .await
                .expect("old entry");
        }
        let s = Store::open(&path).await.expect("open");
        assert!(!dir.path().join("acct.db.broken").exists(), "not set aside");
        let pending = s.pending().await.expect("pending");
        assert_eq!(pending.len(), 1);
        let e = &pending[0];
        assert_eq!((e.key.as_str(), e.attempts, e.created_at, e.last_error_kind), ("k", 2, 1000, None));
        assert!(e.may_have_arrived(), "an unknown kind is looked at before a resend");
        s.retry_later(e.seq, Duration::ZERO, "slow down", ErrorKind::RateLimited).await.expect("retry");
        let e = &s.pending().await.expect("pending")[0];
        assert_eq!(e.last_error_kind, Some(ErrorKind::RateLimited));
        assert!(!e.may_have_arrived(), "a 429 is a clean refusal");
    }

    /// A raw connection to `path`, as another program (or a second client) holds it.
    async fn other_client(path: &Path) -> sqlx::SqliteConnection {
        use sqlx::Connection as _;
        sqlx::SqliteConnection::connect_with(&sqlx::sqlite::SqliteConnectOptions::new().filename(path))
            .await
            .expect("another connection")
    }

    /// A newer release's file keeps what it holds: refused with a message naming
    /// it, never set aside (the queued replies in it would be lost to that release).
    #[tokio::test]
    async fn a_newer_version_is_refused_and_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acct.db");
        Store::open(&path).await.expect("store").enqueue(&star("cnv_new")).await.expect("queued");
        let mut other = other_client(&path).await;
        sqlx::raw_sql("PRAGMA user_version = 99").execute(&mut other).await.expect("version");
        drop(other);
        let Err(e) = Store::open(&path).await else { panic!("a newer file must be refused") };
        let shown = e.to_string();
        assert!(shown.contains("newer") && shown.contains(&path.display().to_string()), "{shown}");
        assert!(!dir.path().join("acct.db.broken").exists(), "not set aside");
        let mut other = other_client(&path).await;
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(&mut other).await.expect("count");
        assert_eq!(kept, 1, "the queued entry is still there");
    }

    /// A store another program holds busy is not set aside: the open fails, and
    /// what that program writes is there once it lets go.
    #[tokio::test]
    async fn a_busy_store_is_left_as_it_is() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acct.db");
        drop(Store::open(&path).await.expect("store"));
        let mut other = other_client(&path).await;
        // Exclusive locking: nobody else may even read until it closes.
        sqlx::raw_sql(
            "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; \
                       INSERT INTO drafts (conversation_id, kind, body, updated_at) VALUES ('cnv_a', 'reply', 'hi', 0)",
        )
        .execute(&mut other)
        .await
        .expect("held");
        assert!(Store::open(&path).await.is_err(), "a busy file is an error, not a broken one");
        assert!(!dir.path().join("acct.db.broken").exists(), "not set aside");
        sqlx::raw_sql("COMMIT").execute(&mut other).await.expect("commit");
        drop(other);
        let s = Store::open(&path).await.expect("open once free");
        assert_eq!(s.drafts().await.expect("drafts").len(), 1, "the other program's write is kept");
    }

    /// A file that cannot be opened at all (a permission error; here a directory
    /// in its place, since tests may run as root) is an error, never set aside.
    #[tokio::test]
    async fn a_store_that_cannot_be_opened_is_left_as_it_is() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acct.db");
        std::fs::create_dir(&path).expect("a directory where the file goes");
        assert!(Store::open(&path).await.is_err());
        assert!(path.is_dir() && !dir.path().join("acct.db.broken").exists(), "left where it was");
    }

    /// One client per store: a second (another process, here another lock on
    /// the same file) is refused with a message that says so, and even a damaged
    /// file is not touched while the first has it.
    #[tokio::test]
    async fn a_second_client_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acct.db");
        std::fs::write(&path, b"this is not a database, it is a text file that happens to be here").expect("write");
        let first = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.path().join("acct.db.lock"))
            .expect("lock file");
        first.try_lock().expect("the first client's lock");
        let Err(e) = Store::open(&path).await else { panic!("a second client must be refused") };
        assert!(e.to_string().contains("another frontdesk"), "{e}");
        assert!(path.exists() && !dir.path().join("acct.db.broken").exists(), "not set aside under the first");
        first.unlock().expect("the first client goes");
        drop(first);
        Store::open(&path).await.expect("then it opens (and sets the damaged file aside)");
        assert!(dir.path().join("acct.db.broken").exists());
    }

    /// The same store opened twice in one process (an account switched away from
    /// and back to) shares one lock.
    #[tokio::test]
    async fn one_process_may_open_its_store_again() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acct.db");
        let a = Store::open(&path).await.expect("first");
        let b = Store::open(&path).await.expect("again, in the same process");
        a.enqueue(&star("cnv_a")).await.expect("queued");
        assert_eq!(b.pending().await.expect("pending").len(), 1);
    }

    /// Setting a damaged file aside keeps its journal with it (a fresh file must
    /// not replay it, and it may hold what the damaged one lost), and keeps any
    /// file set aside before.
    #[tokio::test]
    async fn a_damaged_file_is_set_aside_with_its_journal() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acct.db");
        std::fs::write(dir.path().join("acct.db.broken"), b"set aside last week").expect("an earlier one");
        std::fs::write(&path, vec![0xAB; 8192]).expect("damaged");
        std::fs::write(dir.path().join("acct.db-wal"), b"its journal").expect("wal");
        let s = Store::open(&path).await.expect("a fresh store");
        s.enqueue(&star("cnv_a")).await.expect("usable");
        assert_eq!(std::fs::read(dir.path().join("acct.db.broken")).expect("kept"), b"set aside last week");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        let aside = names
            .iter()
            .find(|n| n.starts_with("acct.db.broken.") && !n.contains('-'))
            .expect("set aside under a new name");
        let journal = std::fs::read(dir.path().join(format!("{aside}-wal")));
        assert_eq!(journal.ok().as_deref(), Some(&b"its journal"[..]), "its journal goes with it: {names:?}");
    }
}
