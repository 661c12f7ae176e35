//! The server's clock: reopens snoozed conversations when their time comes, refreshes
//! view counts when an SLA deadline passes (Overdue changes with no write at all), and
//! prunes old events and idempotency keys. It sleeps until the next such moment —
//! no polling interval — and any write that moves one of those times wakes it.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::error::ApiResult;
use super::hub::Hub;
use super::store::Db;

/// How often retention runs at most; also the longest the scheduler sleeps.
const HOUSEKEEPING: Duration = Duration::from_secs(3600);

/// How long the scheduler lets changes gather before it looks again: under inbound
/// load every batch moves a time, and looking once per batch (four queries) was
/// some 117 looks a second. A snooze or deadline is seen at most this much later.
const SETTLE: Duration = Duration::from_millis(20);

pub async fn run(db: Db, hub: Hub, event_retention: SignedDuration, mut stopping: tokio::sync::watch::Receiver<bool>) {
    let mut last_sla_check = Timestamp::now();
    let mut next_housekeeping = tokio::time::Instant::now();
    loop {
        let now = Timestamp::now();
        // Every write that moves a time wakes this loop (each inbound batch does), so
        // ask the writer for work only when a snooze is actually due.
        if db.next_snooze().await.unwrap_or(None).is_some_and(|t| t <= now) {
            match db.write(|w| Box::pin(async move { w.wake_snoozed(Timestamp::now()).await })).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(woken = n, "snoozed conversations reopened"),
                Err(err) => tracing::warn!(error = %err, "cannot wake snoozed conversations"),
            }
        }
        match db.orgs_crossing_sla(last_sla_check, now).await {
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
            // Changes during the wait are taken together on the next look.
            () = hub.schedule_changed() => tokio::time::sleep(SETTLE).await,
            () = super::stopped(&mut stopping) => return,
        }
    }
}

/// The next snooze to end or SLA deadline to pass.
async fn next_moment(db: &Db, now: Timestamp) -> ApiResult<Option<Timestamp>> {
    let snooze = db.next_snooze().await?;
    let sla = db.next_sla_deadline(now).await?;
    Ok([snooze, sla].into_iter().flatten().min())
}

async fn housekeeping(db: &Db, event_retention: SignedDuration) {
    let result =
        db.write(move |w| Box::pin(async move { w.housekeeping(Timestamp::now(), event_retention).await })).await;
    match result {
        Ok((events, keys)) => tracing::info!(events, keys, "pruned past retention"),
        Err(err) => tracing::warn!(error = %err, "housekeeping failed"),
    }
}
