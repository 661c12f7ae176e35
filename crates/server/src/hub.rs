//! The event hub: fans committed events out to every connected stream, and tells the
//! background tasks (view counts, scheduler) that something changed.
//!
//! Stored events carry their log id and are published in commit order by the single
//! writer. A subscriber that lags behind the channel is dropped; its client resumes
//! from the log with `Last-Event-ID`, so lagging never loses an event.

use std::collections::HashSet;
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
    counts_wake: Notify,
    schedule_wake: Notify,
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
                counts_wake: Notify::new(),
                schedule_wake: Notify::new(),
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
        if let Ok(mut dirty) = self.inner.dirty.lock() {
            dirty.insert(org);
        }
        self.inner.counts_wake.notify_one();
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
