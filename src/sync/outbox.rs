//! The outbox worker: sends what the store holds, oldest first within each lane
//! (conversation), lanes side by side. A transient failure (network, 5xx, 429)
//! waits and tries again with the same idempotency key, so the server applies it
//! once however many times it is sent; a permanent one (422, 404, 409) stops and
//! says why. Entries left by an earlier run go first, with tickets of their own.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::mpsc;

use super::SyncEvent;
use super::store::{Entry, Store};
use crate::domain::Op;
use crate::provider::{Provider, ProviderError};

/// Tickets for entries recovered from an earlier run start here, far from the
/// client's own.
pub const RECOVERED_TICKETS: u64 = 1 << 40;
const MAX_BACKOFF: Duration = Duration::from_secs(60);

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
    match store.pending().await {
        Ok(left) if !left.is_empty() => {
            let recovered: Vec<(u64, Op)> = left
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let t = RECOVERED_TICKETS + i as u64;
                    tickets.insert(e.seq, t);
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
            async move {
                // Checked again for entries an earlier run queued (the account's
                // backend may have changed since).
                let result = match provider.capabilities().check(&e.op) {
                    Ok(()) => provider.apply(e.op.clone(), e.key.clone()).await,
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
                    if let Err(err) = store.retry_later(e.seq, after, &reason).await {
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
