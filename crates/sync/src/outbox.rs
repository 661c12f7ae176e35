//! The outbox worker: sends what the store holds, oldest first within each lane
//! (conversation), lanes side by side. A transient failure (network, 5xx, 429)
//! waits and tries again with the same idempotency key, so the server applies it
//! once however many times it is sent; a permanent one (422, 404, 409) stops and
//! says why. Entries left by an earlier run go first, with tickets of their own.
//!
//! Some backends honour no idempotency key (Bancroft, ChatCaptain): for them a
//! reply whose answer was lost may have been posted all the same. Before sending
//! such a reply again, the outbox asks the backend whether it is already there
//! ([`Provider::already_applied`]); found, it stands for the answer.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::mpsc;

use super::SyncEvent;
use super::store::{Entry, ErrorKind, Store};
use frontdesk_domain::Op;
use frontdesk_provider::{Applied, Provider, ProviderError, ProviderResult};

/// Tickets for entries recovered from an earlier run start here, far from the
/// client's own.
pub const RECOVERED_TICKETS: u64 = 1 << 40;
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How much earlier than its entry was queued a message found on the server may
/// be stamped and still count as this entry's: the server stamps by its clock, we
/// queued by ours, and the two can disagree. Small, so that an identical reply
/// sent a while before is not taken for this one.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

pub enum Msg {
    /// Entry `seq` was written; answers about it carry `ticket`.
    Added { seq: i64, ticket: u64 },
    /// The connection is back: whatever waits may go now.
    Wake,
}

/// How long to wait after the `attempts`-th failure: 1 s, 2 s, 4 s … up to a
/// minute, with up to a quarter more of jitter so many clients do not come back
/// together.
pub fn backoff(attempts: i64, error: &ProviderError) -> Duration {
    if let ProviderError::RateLimited { retry_after: Some(d) } = error {
        return *d;
    }
    let base = Duration::from_secs(1u64 << attempts.clamp(0, 6)).min(MAX_BACKOFF);
    let jitter = rand::random_range(0..=u64::try_from(base.as_millis() / 4).unwrap_or(1000));
    base + Duration::from_millis(jitter)
}

pub async fn run(
    store: Store,
    provider: Arc<dyn Provider>,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    events: mpsc::UnboundedSender<SyncEvent>,
) {
    let mut tickets: HashMap<i64, u64> = HashMap::new();
    // Entries an earlier run left: any of them may have been on its way when that
    // run stopped, its attempt never recorded. Looked for once before sending.
    let mut unsure: HashSet<i64> = HashSet::new();
    match store.pending().await {
        Ok(left) if !left.is_empty() => {
            let recovered: Vec<(u64, Op)> = left
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let t = RECOVERED_TICKETS + i as u64;
                    tickets.insert(e.seq, t);
                    unsure.insert(e.seq);
                    (t, e.op.clone())
                })
                .collect();
            tracing::info!(count = recovered.len(), "outbox: resending what an earlier run left");
            let _ = events.send(SyncEvent::Recovered(recovered));
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "outbox unreadable"),
    }
    loop {
        // Take every request already made before looking at what is due.
        loop {
            match rx.try_recv() {
                Ok(msg) => handle(&store, &mut tickets, msg).await,
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => return,
            }
        }
        let pending = match store.pending().await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "outbox unreadable; waiting");
                Vec::new()
            }
        };
        let now = jiff::Timestamp::now().as_millisecond();
        let mut lanes = HashSet::new();
        // An entry is sent once its ticket is known (its `Added` may trail the write
        // by a moment); a lane waits behind its oldest entry.
        let heads: Vec<Entry> = pending.into_iter().filter(|e| lanes.insert(e.lane.clone())).collect();
        let heads: Vec<Entry> = heads.into_iter().filter(|e| tickets.contains_key(&e.seq)).collect();
        let (due, later): (Vec<Entry>, Vec<Entry>) = heads.into_iter().partition(|e| e.next_at <= now);
        if due.is_empty() {
            let wait = later.iter().map(|e| e.next_at - now).min();
            let sleep = async {
                match wait {
                    Some(ms) => tokio::time::sleep(Duration::from_millis(ms.max(1).unsigned_abs())).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(msg) => handle(&store, &mut tickets, msg).await,
                    None => return,
                },
                () = sleep => {}
            }
            continue;
        }
        let sends = due.into_iter().map(|e| {
            let provider = Arc::clone(&provider);
            let left_before = unsure.remove(&e.seq);
            async move {
                // Checked again for entries an earlier run queued (the account's
                // backend may have changed since).
                let result = match provider.capabilities().check(&e.op) {
                    Ok(()) => attempt(provider.as_ref(), &e, left_before || e.may_have_arrived()).await,
                    Err(refused) => Err(refused),
                };
                (e, result)
            }
        });
        for (e, result) in join_all(sends).await {
            let ticket = tickets.get(&e.seq).copied();
            match result {
                Err(error) if error.is_transient() => {
                    let after = backoff(e.attempts, &error);
                    let reason = error.to_string();
                    let kind = match error {
                        ProviderError::RateLimited { .. } => ErrorKind::RateLimited,
                        _ => ErrorKind::Network,
                    };
                    if let Err(err) = store.retry_later(e.seq, after, &reason, kind).await {
                        tracing::error!(error = %err, "outbox: cannot record a retry");
                    }
                    if let Some(ticket) = ticket {
                        let _ = events.send(SyncEvent::Retrying { ticket, after, reason });
                    }
                }
                result => {
                    if let Err(err) = store.remove(e.seq).await {
                        tracing::error!(error = %err, "outbox: cannot remove a sent entry");
                    }
                    tickets.remove(&e.seq);
                    if let Some(ticket) = ticket {
                        let _ = events.send(SyncEvent::Applied { ticket, result });
                    }
                }
            }
        }
    }
}

/// Ops a duplicate of which the customer (or the team) would see: a second reply,
/// a second note. State changes are idempotent by nature (closed twice is closed).
fn duplicate_hurts(op: &Op) -> bool {
    matches!(op, Op::Send { .. } | Op::SendSuggestion { .. })
}

/// Sends one entry. When an earlier attempt may have arrived (`unsure`) and a
/// duplicate would hurt, the backend is asked first whether it did; if it did,
/// that is the result and nothing is sent. A backend that cannot say is sent to
/// as before (its own key is then all there is).
async fn attempt(provider: &dyn Provider, e: &Entry, unsure: bool) -> ProviderResult<Applied> {
    // (A queue time out of range cannot be looked from: sent as before.)
    let queued = jiff::Timestamp::from_millisecond(e.created_at).ok();
    if let Some(queued) = queued.filter(|_| unsure && duplicate_hurts(&e.op)) {
        let since = queued.saturating_sub(CLOCK_SKEW).unwrap_or(queued);
        match provider.already_applied(&e.op, since).await {
            Ok(Some(applied)) => {
                tracing::info!(seq = e.seq, "outbox: an earlier attempt arrived after all; not sent again");
                return Ok(applied);
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(seq = e.seq, error = %err, "outbox: cannot tell if an earlier attempt arrived; resending");
            }
        }
    }
    provider.apply(e.op.clone(), e.key.clone()).await
}

async fn handle(store: &Store, tickets: &mut HashMap<i64, u64>, msg: Msg) {
    match msg {
        Msg::Added { seq, ticket } => {
            tickets.insert(seq, ticket);
        }
        Msg::Wake => {
            if let Err(e) = store.wake_all().await {
                tracing::error!(error = %e, "outbox: cannot wake entries");
            }
        }
    }
}
