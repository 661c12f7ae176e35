//! The server's clock: reopens snoozed conversations when their time comes, refreshes
//! view counts when an SLA deadline passes (Overdue changes with no write at all), and
//! prunes old events and idempotency keys. It sleeps until the next such moment —
//! no polling interval — and any write that moves one of those times wakes it.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use frontdesk_domain::OrgId;

use super::db::{Db, from_ms, idempotency, mutations, to_ms};
use super::hub::Hub;

/// How often retention runs at most; also the longest the scheduler sleeps.
const HOUSEKEEPING: Duration = Duration::from_secs(3600);

pub async fn run(db: Db, hub: Hub, event_retention: SignedDuration, mut stopping: tokio::sync::watch::Receiver<bool>) {
    let mut last_sla_check = Timestamp::now();
    let mut next_housekeeping = tokio::time::Instant::now();
    loop {
        let now = Timestamp::now();
        // Every write that moves a time wakes this loop (each inbound batch does), so
        // ask the writer for work only when a snooze is actually due.
        if next_snooze(&db).await.unwrap_or(None).is_some_and(|t| t <= now) {
            match db.write(|w| Box::pin(async move { mutations::wake_snoozed(w, Timestamp::now()).await })).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(woken = n, "snoozed conversations reopened"),
                Err(err) => tracing::warn!(error = %err, "cannot wake snoozed conversations"),
            }
        }
        match crossed_sla(&db, last_sla_check, now).await {
            Ok(orgs) => orgs.into_iter().for_each(|org| hub.mark_dirty(org)),
            Err(err) => tracing::warn!(error = %err, "cannot read SLA deadlines"),
        }
        last_sla_check = now;
        if tokio::time::Instant::now() >= next_housekeeping {
            housekeeping(&db, event_retention).await;
            next_housekeeping = tokio::time::Instant::now() + HOUSEKEEPING;
        }
        let next = next_moment(&db, now).await.unwrap_or(None);
        let sleep_for = next
            .map_or(HOUSEKEEPING, |t| Duration::try_from(t.duration_since(Timestamp::now())).unwrap_or(Duration::ZERO))
            .min(next_housekeeping.saturating_duration_since(tokio::time::Instant::now()))
            // Never spin: a deadline a hair away waits a few milliseconds.
            .max(Duration::from_millis(20));
        tokio::select! {
            () = tokio::time::sleep(sleep_for) => {}
            () = hub.schedule_changed() => {}
            () = super::stopped(&mut stopping) => return,
        }
    }
}

/// Orgs with an SLA deadline in (from, to].
async fn crossed_sla(db: &Db, from: Timestamp, to: Timestamp) -> Result<Vec<OrgId>, sqlx::Error> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT org_id FROM conversations WHERE sla_due_at > $1 AND sla_due_at <= $2 AND status IN ('open', 'pending')",
    )
    .bind(to_ms(from))
    .bind(to_ms(to))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(OrgId::from).collect())
}

/// When the earliest snooze ends.
async fn next_snooze(db: &Db) -> Result<Option<Timestamp>, sqlx::Error> {
    // `snoozed_until IS NOT NULL` lets SQLite answer from the partial index.
    let snooze: Option<i64> = sqlx::query_scalar(
        "SELECT min(snoozed_until) FROM conversations WHERE snoozed_until IS NOT NULL AND status = 'snoozed'",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(snooze.map(from_ms))
}

/// The next snooze to end or SLA deadline to pass.
async fn next_moment(db: &Db, now: Timestamp) -> Result<Option<Timestamp>, sqlx::Error> {
    let snooze = next_snooze(db).await?;
    let sla: Option<i64> = sqlx::query_scalar(
        "SELECT min(sla_due_at) FROM conversations WHERE sla_due_at > $1 AND status IN ('open', 'pending')",
    )
    .bind(to_ms(now))
    .fetch_one(&db.pool)
    .await?;
    Ok([snooze, sla.map(from_ms)].into_iter().flatten().min())
}

async fn housekeeping(db: &Db, event_retention: SignedDuration) {
    let result = db
        .write(move |w| {
            Box::pin(async move {
                let now = Timestamp::now();
                let events = super::db::events::prune(w, now, event_retention).await?;
                let keys = idempotency::prune(w, now).await?;
                // Keeps the planner's statistics current as the tables grow.
                sqlx::query("PRAGMA optimize").execute(w.conn()).await?;
                Ok((events, keys))
            })
        })
        .await;
    match result {
        Ok((events, keys)) => tracing::info!(events, keys, "pruned past retention"),
        Err(err) => tracing::warn!(error = %err, "housekeeping failed"),
    }
}
