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
//!
//! The store can fail too (a full disk, a file another program holds busy). Each
//! failure starts a backoff of the whole outbox (1 s doubling to a minute, one log
//! line each), never a hot loop nor a silent stop. What the store could not record
//! is kept here meanwhile: a retry's wait, and above all that an entry was
//! answered, so that a delivered reply whose removal failed is never sent again.
//! The store is reached through [`Queue`], so tests can make it fail.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::SyncEvent;
use super::store::{Entry, ErrorKind, Store, StoreError};
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

/// What the outbox needs of the store: [`Store`], or in tests one that fails on
/// cue.
pub(crate) trait Queue: Send + Sync {
    fn pending(&self) -> impl Future<Output = Result<Vec<Entry>, StoreError>> + Send;
    fn retry_at(
        &self,
        seq: i64,
        next_at: i64,
        error: &str,
        kind: ErrorKind,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn remove(&self, seq: i64) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn wake_all(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl Queue for Store {
    fn pending(&self) -> impl Future<Output = Result<Vec<Entry>, StoreError>> + Send {
        Store::pending(self)
    }
    fn retry_at(
        &self,
        seq: i64,
        next_at: i64,
        error: &str,
        kind: ErrorKind,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        Store::retry_at(self, seq, next_at, error, kind)
    }
    fn remove(&self, seq: i64) -> impl Future<Output = Result<(), StoreError>> + Send {
        Store::remove(self, seq)
    }
    fn wake_all(&self) -> impl Future<Output = Result<(), StoreError>> + Send {
        Store::wake_all(self)
    }
}

/// The time entries are stamped and compared by (ms since the epoch); a clock
/// that follows tokio's paused time in tests.
type Now = Box<dyn Fn() -> i64 + Send + Sync>;

pub async fn run(
    store: Store,
    provider: Arc<dyn Provider>,
    rx: mpsc::UnboundedReceiver<Msg>,
    events: mpsc::UnboundedSender<SyncEvent>,
) {
    let now: Now = Box::new(|| jiff::Timestamp::now().as_millisecond());
    Outbox::new(store, provider, events, now).run(rx).await;
}

/// A failed retry the store could not record, kept here instead: the entry still
/// waits its turn, and an answer that may have been lost is looked for first.
#[derive(Clone, Copy)]
struct Held {
    attempts: i64,
    next_at: i64,
    kind: ErrorKind,
}

/// The store's failures in a row, and when to try it again.
#[derive(Default)]
struct Trouble {
    failures: u32,
    /// Set by the first failure of a pass; nothing touches the store before it.
    until: Option<Instant>,
}

impl Trouble {
    /// Starts (or lengthens) the backoff; said once per backoff, however many of
    /// the pass's calls failed.
    fn failed(&mut self, doing: &str, e: &StoreError) {
        if self.until.is_some() {
            tracing::debug!(error = %e, "outbox: the local store failed {doing} too");
            return;
        }
        self.failures = self.failures.saturating_add(1);
        let wait = Duration::from_secs(1 << self.failures.saturating_sub(1).min(6)).min(MAX_BACKOFF);
        self.until = Some(Instant::now() + wait);
        tracing::warn!(error = %e, retry_in_secs = wait.as_secs(), "outbox: the local store failed {doing}; waiting");
    }

    /// A pass went through without a failure.
    fn cleared(&mut self) {
        if self.failures > 0 {
            tracing::info!("outbox: the local store answers again");
        }
        self.failures = 0;
    }
}

struct Outbox<Q> {
    store: Q,
    provider: Arc<dyn Provider>,
    events: mpsc::UnboundedSender<SyncEvent>,
    now: Now,
    tickets: HashMap<i64, u64>,
    /// Whether what an earlier run left has been read (and announced) yet.
    recovered: bool,
    /// Entries an earlier run left: any of them may have been on its way when that
    /// run stopped, its attempt never recorded. Looked for once before sending.
    unsure: HashSet<i64>,
    /// Answered (sent, or refused for good) but still in the store, its removal
    /// failed: never sent again, whatever the store says.
    answered: HashSet<i64>,
    held: HashMap<i64, Held>,
    /// A wake asked for and not yet written.
    wake: bool,
    trouble: Trouble,
}

impl<Q: Queue> Outbox<Q> {
    fn new(store: Q, provider: Arc<dyn Provider>, events: mpsc::UnboundedSender<SyncEvent>, now: Now) -> Self {
        Self {
            store,
            provider,
            events,
            now,
            tickets: HashMap::new(),
            recovered: false,
            unsure: HashSet::new(),
            answered: HashSet::new(),
            held: HashMap::new(),
            wake: false,
            trouble: Trouble::default(),
        }
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        loop {
            // Take every request already made before looking at what is due.
            loop {
                match rx.try_recv() {
                    Ok(msg) => self.handle(&msg),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => return,
                }
            }
            let next = self.pass().await;
            let sleep = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(msg) => self.handle(&msg),
                    None => return,
                },
                () = sleep => {}
            }
        }
    }

    fn handle(&mut self, msg: &Msg) {
        match *msg {
            Msg::Added { seq, ticket } => {
                self.tickets.insert(seq, ticket);
            }
            Msg::Wake => {
                // Written by the next pass (the store may be failing now).
                self.wake = true;
                for h in self.held.values_mut() {
                    h.next_at = 0;
                }
            }
        }
    }

    /// Sends what is due; returns when to look again (`None`: when asked).
    async fn pass(&mut self) -> Option<Instant> {
        if let Some(until) = self.trouble.until {
            if Instant::now() < until {
                return Some(until);
            }
            self.trouble.until = None;
        }
        if self.wake {
            if let Err(e) = self.store.wake_all().await {
                self.trouble.failed("waking entries", &e);
                return self.trouble.until;
            }
            self.wake = false;
        }
        // What was answered leaves the store before anything is read again.
        for seq in self.answered.clone() {
            if let Err(e) = self.store.remove(seq).await {
                self.trouble.failed("removing a sent entry", &e);
                return self.trouble.until;
            }
            self.answered.remove(&seq);
        }
        let pending = match self.store.pending().await {
            Ok(p) => p,
            Err(e) => {
                self.trouble.failed("reading the outbox", &e);
                return self.trouble.until;
            }
        };
        if !self.recovered {
            self.recover(&pending);
        }
        let now = (self.now)();
        let mut lanes = HashSet::new();
        // An entry is sent once its ticket is known (its `Added` may trail the write
        // by a moment); a lane waits behind its oldest entry.
        let heads: Vec<Entry> = pending
            .into_iter()
            .filter(|e| !self.answered.contains(&e.seq))
            .filter(|e| lanes.insert(e.lane.clone()))
            .filter(|e| self.tickets.contains_key(&e.seq))
            .map(|mut e| {
                if let Some(h) = self.held.get(&e.seq) {
                    e.attempts = e.attempts.max(h.attempts);
                    e.next_at = e.next_at.max(h.next_at);
                    e.last_error_kind = Some(h.kind);
                }
                e
            })
            .collect();
        let (due, later): (Vec<Entry>, Vec<Entry>) = heads.into_iter().partition(|e| e.next_at <= now);
        if due.is_empty() {
            self.trouble.cleared();
            let wait = later.iter().map(|e| e.next_at - now).min()?;
            return Some(Instant::now() + Duration::from_millis(wait.max(1).unsigned_abs()));
        }
        let (provider, unsure) = (&self.provider, &mut self.unsure);
        let sends = due.into_iter().map(|e| {
            let provider = Arc::clone(provider);
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
            self.settle(e, result).await;
        }
        if self.trouble.until.is_none() {
            self.trouble.cleared();
            return Some(Instant::now());
        }
        self.trouble.until
    }

    /// Gives what an earlier run left tickets of its own, and says so.
    fn recover(&mut self, pending: &[Entry]) {
        self.recovered = true;
        let mut recovered: Vec<(u64, Op)> = Vec::new();
        for e in pending {
            if self.tickets.contains_key(&e.seq) {
                continue;
            }
            let t = RECOVERED_TICKETS + recovered.len() as u64;
            self.tickets.insert(e.seq, t);
            self.unsure.insert(e.seq);
            recovered.push((t, e.op.clone()));
        }
        if !recovered.is_empty() {
            tracing::info!(count = recovered.len(), "outbox: resending what an earlier run left");
            let _ = self.events.send(SyncEvent::Recovered(recovered));
        }
    }

    /// Records an attempt's outcome and tells the client.
    async fn settle(&mut self, e: Entry, result: ProviderResult<Applied>) {
        let ticket = self.tickets.get(&e.seq).copied();
        match result {
            Err(error) if error.is_transient() => {
                let after = backoff(e.attempts, &error);
                let next_at = (self.now)().saturating_add(i64::try_from(after.as_millis()).unwrap_or(i64::MAX / 2));
                let reason = error.to_string();
                let kind = match error {
                    ProviderError::RateLimited { .. } => ErrorKind::RateLimited,
                    _ => ErrorKind::Network,
                };
                match self.store.retry_at(e.seq, next_at, &reason, kind).await {
                    Ok(()) => {
                        self.held.remove(&e.seq);
                    }
                    Err(err) => {
                        self.held.insert(e.seq, Held { attempts: e.attempts + 1, next_at, kind });
                        self.trouble.failed("recording a retry", &err);
                    }
                }
                if let Some(ticket) = ticket {
                    let _ = self.events.send(SyncEvent::Retrying { ticket, after, reason });
                }
            }
            result => {
                // Remembered first: whatever the store does now, not sent again.
                self.answered.insert(e.seq);
                self.held.remove(&e.seq);
                self.tickets.remove(&e.seq);
                if let Some(ticket) = ticket {
                    let _ = self.events.send(SyncEvent::Applied { ticket, result });
                }
                match self.store.remove(e.seq).await {
                    Ok(()) => {
                        self.answered.remove(&e.seq);
                    }
                    Err(err) => self.trouble.failed("removing a sent entry", &err),
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

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
