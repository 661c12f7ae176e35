//! The writer: one task per store (per instance, on PostgreSQL) runs the queued
//! jobs in one transaction, each in its own savepoint (a job alone in none), commits
//! once, then answers the callers and has the batch's events published (see the
//! engines' module docs).

use sqlx::AssertSqlSafe;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::dialect;
use super::engine::Conn;
use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};

use crate::error::{ApiError, ApiResult};
use crate::hub::{Hub, Published};
use crate::store::words::Common;
use frontdesk_domain::{Event, EventKind, OrgId};

/// The future a write job returns; it borrows the context for the job's duration.
pub type WriteFuture<'c, T> = Pin<Box<dyn Future<Output = ApiResult<T>> + Send + 'c>>;

/// Called once the batch's fate is known: `None` when committed.
type Finish = Box<dyn FnOnce(Option<ApiError>) + Send>;
type Job =
    Box<dyn for<'c> FnOnce(&'c mut WriteCtx) -> Pin<Box<dyn Future<Output = (bool, Finish)> + Send + 'c>> + Send>;

/// Jobs per transaction at most: bounds the latency one batch adds to the next.
const MAX_BATCH: usize = 512;

/// The words with a bit, as stored now.
pub async fn stored_common(conn: &mut Conn) -> ApiResult<Common> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT bit, word FROM common_words").fetch_all(conn).await?;
    Ok(Common::new(rows))
}

/// What a job sees: the connection (inside the batch's transaction) and the outbox of
/// events that will be published if the batch commits.
pub struct WriteCtx {
    conn: Conn,
    events: Vec<Published>,
    touched: HashSet<OrgId>,
    reschedule: bool,
    /// The words with a bit (`store/words.rs`), as committed; read at first use.
    common: Option<Arc<Common>>,
    /// Words given bits in this batch: they count once it commits.
    common_given: Option<Arc<Common>>,
}

impl WriteCtx {
    pub fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }

    /// The words with a bit, as committed. Until a batch that gives more commits, its
    /// own writes use the words before: a bit no word has is set, so that is safe.
    pub async fn common(&mut self) -> ApiResult<Arc<Common>> {
        if let Some(common) = &self.common {
            return Ok(Arc::clone(common));
        }
        let common = Arc::new(stored_common(&mut self.conn).await?);
        self.common = Some(Arc::clone(&common));
        Ok(common)
    }

    /// Words given bits by this job: in use once the batch commits.
    pub fn give_common(&mut self, common: Common) {
        self.common_given = Some(Arc::new(common));
    }

    /// Records an event in the durable log; it is published after commit.
    pub async fn emit(&mut self, org: &OrgId, kind: EventKind) -> ApiResult<i64> {
        self.emit_many(org, vec![kind]).await
    }

    /// Records several events in one statement (a batch of inbound messages emits
    /// hundreds); they are published after commit, in this order. Returns the
    /// first one's number.
    ///
    /// Each org numbers its own events: its counter row is taken in this
    /// transaction (the single writer commits in order), so the numbers an org sees
    /// are gap-free and in commit order, and say nothing of other orgs. A job rolled
    /// back takes its numbers back with it.
    pub async fn emit_many(&mut self, org: &OrgId, kinds: Vec<EventKind>) -> ApiResult<i64> {
        let count = i64::try_from(kinds.len()).unwrap_or(i64::MAX);
        if count == 0 {
            return Ok(0);
        }
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO event_sequences (org_id, last_seq) VALUES ($1, $2) \
             ON CONFLICT (org_id) DO UPDATE SET last_seq = event_sequences.last_seq + excluded.last_seq RETURNING last_seq",
        )
        .bind(org.as_str())
        .bind(count)
        .fetch_one(&mut self.conn)
        .await?;
        let first = last - count + 1;
        let at = Timestamp::now();
        let mut rows = Vec::with_capacity(kinds.len());
        for (id, kind) in (first..).zip(kinds) {
            let name = kind.name();
            let conversation_id = kind.conversation_id().map(|c| c.0.to_string());
            let payload = serde_json::to_string(&Event { id: Some(id), at, kind })?;
            rows.push((id, name, conversation_id, payload));
        }
        let mut qb =
            sqlx::QueryBuilder::new("INSERT INTO events (seq, org_id, kind, conversation_id, payload, created_at) ");
        qb.push_values(&rows, |mut b, (id, name, conversation_id, payload)| {
            b.push_bind(*id)
                .push_bind(org.as_str().to_owned())
                .push_bind(*name)
                .push_bind(conversation_id.clone())
                .push_bind(payload.clone())
                .push_bind(at.as_millisecond());
        });
        qb.build().execute(&mut self.conn).await?;
        for (id, name, _, payload) in rows {
            self.events.push(Published::stored(org.clone(), id, name, payload));
        }
        self.touched.insert(org.clone());
        Ok(first)
    }

    /// Opens a nested savepoint for one item of a bulk job; pass the mark it returns
    /// to [`Self::end_item`].
    pub async fn begin_item(&mut self) -> ApiResult<usize> {
        exec(&mut self.conn, "SAVEPOINT item").await?;
        Ok(self.events.len())
    }

    /// Closes an item's savepoint, rolling the item back (events included) unless `ok`.
    pub async fn end_item(&mut self, mark: usize, ok: bool) -> ApiResult<()> {
        if !ok {
            self.events.truncate(mark);
            exec(&mut self.conn, "ROLLBACK TO item").await?;
        }
        exec(&mut self.conn, "RELEASE item").await?;
        Ok(())
    }

    /// Marks the org's view counts as possibly changed.
    pub fn touch(&mut self, org: &OrgId) {
        self.touched.insert(org.clone());
    }

    /// Asks the scheduler to look again for its next wake (a snooze or SLA time moved).
    pub fn reschedule(&mut self) {
        self.reschedule = true;
    }
}

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer on `conn`.
    /// Starts the writer on `conn`; `reconnect`, where the database is a server that
    /// can go away and come back, opens a new connection when the old one is lost.
    pub fn start(conn: Conn, hub: Hub, reconnect: Option<Reconnect>) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        let ctx = WriteCtx {
            conn,
            events: Vec::new(),
            touched: HashSet::new(),
            reschedule: false,
            common: None,
            common_given: None,
        };
        tokio::spawn(run(ctx, rx, hub, reconnect));
        Self { tx }
    }

    pub async fn submit<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut WriteCtx) -> WriteFuture<'c, T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<ApiResult<T>>();
        let job: Job = Box::new(move |ctx| {
            Box::pin(async move {
                let result = f(ctx).await;
                let ok = result.is_ok();
                let finish: Finish = Box::new(move |commit_error| {
                    // The caller may have gone away (client disconnected): nothing to do.
                    let _ = reply.send(match commit_error {
                        Some(err) => Err(err),
                        None => result,
                    });
                });
                (ok, finish)
            })
        });
        self.tx.send(job).await.map_err(|_| ApiError::internal("the database writer has stopped"))?;
        answer.await.map_err(|_| ApiError::internal("the database could not run the write"))?
    }
}

/// Begins the batch's transaction. A connection lost since the last batch (the
/// database restarted, or failed over) is replaced once before giving up.
async fn begin(ctx: &mut WriteCtx, reconnect: Option<&Reconnect>) -> Result<(), sqlx::Error> {
    let Err(err) = exec(&mut ctx.conn, dialect::BEGIN).await else { return Ok(()) };
    let Some(reconnect) = reconnect else { return Err(err) };
    tracing::warn!(error = %err, "the writer's connection failed; opening a new one");
    ctx.conn = reconnect().await?;
    exec(&mut ctx.conn, dialect::BEGIN).await
}

async fn exec(conn: &mut Conn, sql: &'static str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(conn).await.map(|_| ())
}

/// Opens a new connection for the writer.
pub type Reconnect = Box<dyn Fn() -> Pin<Box<dyn Future<Output = Result<Conn, sqlx::Error>> + Send>> + Send + Sync>;

async fn run(mut ctx: WriteCtx, mut rx: mpsc::Receiver<Job>, hub: Hub, reconnect: Option<Reconnect>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if let Err(err) = begin(&mut ctx, reconnect.as_ref()).await {
            // Dropping the jobs answers each caller with an error.
            tracing::error!(error = %err, "cannot begin a write transaction");
            batch.clear();
            continue;
        }
        let mut finishes = Vec::with_capacity(batch.len());
        // A savepoint that cannot close, or an announcement that fails, leaves the
        // transaction unfit to commit (PostgreSQL would turn the COMMIT into a silent
        // rollback): the whole batch is rolled back and every caller told.
        let mut broken: Option<sqlx::Error> = None;
        // A job alone needs no savepoint (two statements, and the copies of pages a
        // savepoint keeps to roll back to): if it fails, the transaction is rolled
        // back whole.
        let alone = batch.len() == 1;
        let mut failed_alone = false;
        for job in batch.drain(..) {
            let mark = ctx.events.len();
            if !alone && let Err(err) = exec(&mut ctx.conn, "SAVEPOINT job").await {
                tracing::error!(error = %err, "cannot open a savepoint");
                broken.get_or_insert(err);
                continue;
            }
            let given = ctx.common_given.clone();
            let (ok, finish) = job(&mut ctx).await;
            if !ok {
                ctx.events.truncate(mark);
                ctx.common_given = given;
            }
            finishes.push(finish);
            if alone {
                failed_alone = !ok;
                continue;
            }
            let end = if ok { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
            if let Err(err) = sqlx::raw_sql(AssertSqlSafe(end)).execute(&mut ctx.conn).await {
                tracing::error!(error = %err, "cannot close a savepoint");
                broken.get_or_insert(err);
            }
        }
        if failed_alone {
            // Nothing to commit: the job hears its own error.
            if let Err(err) = exec(&mut ctx.conn, "ROLLBACK").await {
                tracing::error!(error = %err, "cannot roll back a failed job");
            }
            ctx.touched.clear();
            ctx.reschedule = false;
            for finish in finishes {
                finish(None);
            }
            continue;
        }
        if broken.is_none()
            && let Err(err) = dialect::announce(&mut ctx.conn, &ctx.touched, ctx.reschedule).await
        {
            tracing::error!(error = %err, "cannot announce the batch to other instances");
            broken = Some(err);
        }
        let committed = match broken {
            Some(err) => Err(err),
            None => exec(&mut ctx.conn, "COMMIT").await,
        };
        match committed {
            Ok(()) => {
                // Where the engine announces commits, its listener publishes them, in
                // commit order across instances; here only what no other instance needs.
                let events = if dialect::PUBLISHES_ON_COMMIT { std::mem::take(&mut ctx.events) } else { Vec::new() };
                ctx.events.clear();
                // Before the callers hear back: one that asks again at once (the view
                // counts, kept between changes) finds its write there.
                hub.publish_committed(events, ctx.touched.drain(), ctx.reschedule);
                ctx.reschedule = false;
                if let Some(given) = ctx.common_given.take() {
                    ctx.common = Some(given);
                }
                for finish in finishes {
                    finish(None);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "commit failed");
                let _ = exec(&mut ctx.conn, "ROLLBACK").await;
                let api = ApiError::internal(format!("commit failed: {err}"));
                for finish in finishes {
                    finish(Some(api.clone()));
                }
                ctx.events.clear();
                ctx.touched.clear();
                ctx.common_given = None;
            }
        }
    }
}
