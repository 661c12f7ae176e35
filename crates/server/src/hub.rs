//! The event hub: fans committed events out to every connected stream, and tells the
//! background tasks (view counts, scheduler) that something changed.
//!
//! Stored events carry their log id and are published in commit order by the single
//! writer. A subscriber that lags behind the channel is dropped; its client resumes
//! from the log with `Last-Event-ID`, so lagging never loses an event.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, broadcast};

use frontdesk_domain::OrgId;

use super::counts::OrgCounts;

/// What goes out on the stream.
#[derive(Debug)]
pub enum Payload {
    /// An event's JSON, ready to send as is to every subscriber.
    Json { name: &'static str, data: Arc<str> },
    /// View counts; each subscriber picks its agent's numbers.
    Counts(Arc<OrgCounts>),
}

#[derive(Debug)]
pub struct Published {
    pub org_id: OrgId,
    /// The log id, for stored events.
    pub id: Option<i64>,
    pub payload: Payload,
}

impl Published {
    pub fn stored(org_id: OrgId, id: i64, name: &'static str, data: String) -> Self {
        Self { org_id, id: Some(id), payload: Payload::Json { name, data: data.into() } }
    }

    pub fn ephemeral(org_id: OrgId, name: &'static str, data: String) -> Self {
        Self { org_id, id: None, payload: Payload::Json { name, data: data.into() } }
    }
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    events: broadcast::Sender<Arc<Published>>,
    dirty: Mutex<HashSet<OrgId>>,
    /// Per org, how many times its counts may have changed (a write, a deadline):
    /// counts taken at one number are current while it stays.
    changes: Mutex<HashMap<OrgId, u64>>,
    /// The last counts taken per org, with the number they were taken at.
    counted: Mutex<HashMap<OrgId, (u64, Arc<OrgCounts>)>>,
    /// One count at a time per org: callers that find none kept wait for the one
    /// under way rather than each reading the whole org.
    counting: Mutex<HashMap<OrgId, Arc<tokio::sync::Mutex<()>>>>,
    /// Counts kept so far (tests: how many times the org was read).
    #[cfg(test)]
    kept: std::sync::atomic::AtomicUsize,
    counts_wake: Notify,
    schedule_wake: Notify,
    listening: Mutex<Listeners>,
}

/// Who listens to each org's stream here.
#[derive(Default)]
struct Listeners {
    /// Open streams per org.
    open: HashMap<OrgId, usize>,
    /// Orgs whose counts changed while none was open: counted once one opens.
    unheard: HashSet<OrgId>,
}

/// An open stream of an org (see [`Hub::listen`]); closing it is dropping this.
pub struct Listening {
    hub: Hub,
    org: OrgId,
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Ok(mut listening) = self.hub.inner.listening.lock()
            && let Some(open) = listening.open.get_mut(&self.org)
        {
            *open -= 1;
            if *open == 0 {
                listening.open.remove(&self.org);
            }
        }
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(8192)
    }
}

impl Hub {
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        let (events, _) = broadcast::channel(capacity);
        Self {
            inner: Arc::new(Inner {
                events,
                dirty: Mutex::new(HashSet::new()),
                changes: Mutex::new(HashMap::new()),
                counted: Mutex::new(HashMap::new()),
                counting: Mutex::new(HashMap::new()),
                #[cfg(test)]
                kept: std::sync::atomic::AtomicUsize::new(0),
                counts_wake: Notify::new(),
                schedule_wake: Notify::new(),
                listening: Mutex::new(Listeners::default()),
            }),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.inner.events.subscribe()
    }

    /// Publishes one event that is not stored (presence, counts).
    pub fn publish(&self, event: Published) {
        // No subscriber is not an error.
        let _ = self.inner.events.send(Arc::new(event));
    }

    /// Called by the writer after each commit.
    pub fn publish_committed(&self, events: Vec<Published>, touched: impl Iterator<Item = OrgId>, reschedule: bool) {
        for event in events {
            self.publish(event);
        }
        let mut any = false;
        if let Ok(mut dirty) = self.inner.dirty.lock() {
            for org in touched {
                self.changed(&org);
                dirty.insert(org);
                any = true;
            }
        }
        if any {
            self.inner.counts_wake.notify_one();
        }
        if reschedule {
            self.inner.schedule_wake.notify_one();
        }
    }

    /// Marks an org's counts stale without a write (an SLA deadline passed).
    pub fn mark_dirty(&self, org: OrgId) {
        self.changed(&org);
        if let Ok(mut dirty) = self.inner.dirty.lock() {
            dirty.insert(org);
        }
        self.inner.counts_wake.notify_one();
    }

    fn changed(&self, org: &OrgId) {
        if let Ok(mut changes) = self.inner.changes.lock() {
            *changes.entry(org.clone()).or_default() += 1;
        }
    }

    /// The number of the org's last change: take it before counting, and keep the
    /// counts with it ([`Self::keep_counts`]).
    #[must_use]
    pub fn changes(&self, org: &OrgId) -> u64 {
        self.inner.changes.lock().map_or(0, |c| c.get(org).copied().unwrap_or(0))
    }

    /// The org's counts, if taken since its last change.
    #[must_use]
    pub fn counted(&self, org: &OrgId) -> Option<Arc<OrgCounts>> {
        let now = self.changes(org);
        let counted = self.inner.counted.lock().ok()?;
        counted.get(org).filter(|(at, _)| *at == now).map(|(_, counts)| Arc::clone(counts))
    }

    /// The org's turn to count: held while counting, so one count serves every
    /// caller waiting on it.
    #[must_use]
    pub fn counting_turn(&self, org: &OrgId) -> Arc<tokio::sync::Mutex<()>> {
        self.inner
            .counting
            .lock()
            .map(|mut turns| Arc::clone(turns.entry(org.clone()).or_default()))
            .unwrap_or_default()
    }

    /// Keeps counts taken at change number `at`; older than what is kept, they are not.
    pub fn keep_counts(&self, org: &OrgId, at: u64, counts: Arc<OrgCounts>) {
        #[cfg(test)]
        self.inner.kept.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut counted) = self.inner.counted.lock()
            && counted.get(org).is_none_or(|(kept, _)| *kept <= at)
        {
            counted.insert(org.clone(), (at, counts));
        }
    }

    /// Waits until some org's counts may have changed, and takes the set.
    pub async fn dirty_orgs(&self) -> HashSet<OrgId> {
        loop {
            if let Ok(mut dirty) = self.inner.dirty.lock()
                && !dirty.is_empty()
            {
                return std::mem::take(&mut *dirty);
            }
            self.inner.counts_wake.notified().await;
        }
    }

    /// Registers an open stream of `org` for as long as the guard lives. Counts that
    /// changed while none was open are taken for it.
    #[must_use]
    pub fn listen(&self, org: &OrgId) -> Listening {
        let missed = self.inner.listening.lock().is_ok_and(|mut listening| {
            *listening.open.entry(org.clone()).or_default() += 1;
            listening.unheard.remove(org)
        });
        if missed {
            if let Ok(mut dirty) = self.inner.dirty.lock() {
                dirty.insert(org.clone());
            }
            self.inner.counts_wake.notify_one();
        }
        Listening { hub: self.clone(), org: org.clone() }
    }

    /// Whether `org`'s counts are worth taking: a stream of it is open here. If none
    /// is, the org is noted, so the next stream to open has them taken. Counting an org
    /// nobody listens to is a read of all its conversations for no one (146 ms at
    /// 100,000, every half second under inbound traffic).
    pub fn worth_counting(&self, org: &OrgId) -> bool {
        self.inner.listening.lock().is_ok_and(|mut listening| {
            let heard = listening.open.contains_key(org);
            if !heard {
                listening.unheard.insert(org.clone());
            }
            heard
        })
    }

    /// Takes the dirty set without waiting.
    pub fn take_dirty(&self) -> HashSet<OrgId> {
        self.inner.dirty.lock().map(|mut d| std::mem::take(&mut *d)).unwrap_or_default()
    }

    /// Waits until a write moved a snooze or SLA time.
    pub async fn schedule_changed(&self) {
        self.inner.schedule_wake.notified().await;
    }

    #[must_use]
    pub fn subscribers(&self) -> usize {
        self.inner.events.receiver_count()
    }
}

#[cfg(test)]
impl Hub {
    /// How many times counts were kept (each one a read of the whole org).
    pub fn counts_kept(&self) -> usize {
        self.inner.kept.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(n: u64) -> Arc<OrgCounts> {
        let all = frontdesk_domain::ViewId::from("all".to_owned());
        Arc::new(OrgCounts { views: vec![(all, super::super::counts::Count::Total(n))] })
    }

    /// Counts kept are given back until the org changes: a write, or a deadline
    /// passing; another org's change leaves them be.
    #[test]
    fn counts_kept_are_current_until_the_org_changes() {
        let hub = Hub::default();
        let (a, b) = (OrgId::from("a".to_owned()), OrgId::from("b".to_owned()));
        assert!(hub.counted(&a).is_none(), "nothing kept yet");
        hub.keep_counts(&a, hub.changes(&a), counts(1));
        assert_eq!(hub.counted(&a), Some(counts(1)));
        hub.publish_committed(Vec::new(), std::iter::once(b.clone()), false);
        assert_eq!(hub.counted(&a), Some(counts(1)), "another org's write");
        hub.publish_committed(Vec::new(), std::iter::once(a.clone()), false);
        assert!(hub.counted(&a).is_none(), "a write");
        hub.keep_counts(&a, hub.changes(&a), counts(2));
        hub.mark_dirty(a.clone());
        assert!(hub.counted(&a).is_none(), "a deadline passed");
    }

    /// Counts taken before a change, kept after it, are not given back; and counts
    /// that finish late do not replace newer ones.
    #[test]
    fn counts_taken_before_a_change_are_not_current() {
        let hub = Hub::default();
        let a = OrgId::from("a".to_owned());
        let before = hub.changes(&a);
        hub.publish_committed(Vec::new(), std::iter::once(a.clone()), false);
        hub.keep_counts(&a, before, counts(1));
        assert!(hub.counted(&a).is_none(), "counted while a write committed");
        let now = hub.changes(&a);
        hub.keep_counts(&a, now, counts(2));
        hub.keep_counts(&a, before, counts(1));
        assert_eq!(hub.counted(&a), Some(counts(2)), "the older count came last");
    }
}
