//! Stars and read marks for backends that keep none (Orbit, for one): kept in the
//! account's local store, laid over every conversation the engine passes on, and a
//! "Starred" view served from here. The UI says such marks are this machine's.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use frontdesk_domain::{
    BuiltinView, Change, Conversation, ConversationId, Direction, EventKind, Op, Page, ViewCount, ViewId, ViewWithCount,
};
use frontdesk_provider::{Applied, Capabilities, Provider, ProviderError, Towards, Update};

use super::SyncEvent;
use super::store::{Flags, Store};

/// The names the local views go by, so nobody takes them for the server's.
pub const STARRED_NAME: &str = "Starred (here)";
pub const UNREAD_NAME: &str = "Unread (here)";

#[derive(Clone)]
pub struct Local {
    store: Store,
    flags: Arc<Mutex<HashMap<ConversationId, Flags>>>,
    star: bool,
    read: bool,
    /// The backend has no Unread view of its own: this one is served here.
    own_unread: Arc<AtomicBool>,
    /// The backend's views have been seen, so `own_unread` is known.
    views_known: Arc<AtomicBool>,
    /// Conversations last seen unread (after the marks), for the local view's count.
    unread_seen: Arc<Mutex<HashSet<ConversationId>>>,
    /// That count as the client last heard it.
    unread_said: Arc<AtomicU64>,
}

impl Local {
    /// The flags kept for this account; inert when the backend keeps its own.
    pub async fn load(store: Store, caps: &Capabilities) -> Self {
        let star = !caps.star;
        let read = !caps.read;
        let mut flags = HashMap::new();
        if star || read {
            match store.flags().await {
                Ok(all) => flags.extend(all),
                Err(e) => tracing::error!(error = %e, "local stars and read marks unreadable"),
            }
        }
        Self {
            store,
            flags: Arc::new(Mutex::new(flags)),
            star,
            read,
            own_unread: Arc::new(AtomicBool::new(false)),
            views_known: Arc::new(AtomicBool::new(false)),
            unread_seen: Arc::new(Mutex::new(HashSet::new())),
            unread_said: Arc::new(AtomicU64::new(u64::MAX)),
        }
    }

    fn get(&self, id: &ConversationId) -> Flags {
        self.flags.lock().ok().and_then(|f| f.get(id).copied()).unwrap_or_default()
    }

    fn starred_count(&self) -> u64 {
        self.flags.lock().map_or(0, |f| f.values().filter(|x| x.starred).count() as u64)
    }

    /// A change kept here rather than sent: `Some(answer)` when it was one.
    pub async fn apply(&self, op: &Op) -> Option<Result<Applied, ProviderError>> {
        let (ids, change): (Vec<&ConversationId>, &Change) = match op {
            Op::Change { conversation, change } => (vec![conversation], change),
            Op::Bulk { conversations, change } => (conversations.iter().collect(), change),
            _ => return None,
        };
        let local = match change {
            Change::Star | Change::Unstar => self.star,
            Change::Read | Change::Unread => self.read,
            _ => false,
        };
        if !local {
            return None;
        }
        let now = jiff::Timestamp::now().as_millisecond();
        for id in ids {
            let mut f = self.get(id);
            match change {
                Change::Star => f.starred = true,
                Change::Unstar => f.starred = false,
                Change::Read => {
                    f.read_through = Some(now);
                    f.unread = false;
                }
                _ => {
                    f.read_through = None;
                    f.unread = true;
                }
            }
            if let Err(e) = self.store.set_flags(id, f).await {
                let error = ProviderError::Permanent { code: "LOCAL_STORE".into(), message: e.to_string() };
                return Some(Err(error));
            }
            if let Ok(mut all) = self.flags.lock() {
                all.insert(id.clone(), f);
            }
            if let Ok(mut seen) = self.unread_seen.lock() {
                match change {
                    Change::Read => {
                        seen.remove(id);
                    }
                    Change::Unread => {
                        seen.insert(id.clone());
                    }
                    _ => {}
                }
            }
        }
        Some(Ok(Applied::Done))
    }

    /// The Starred view's count, after a star changed here.
    pub fn starred_counts(&self) -> Option<SyncEvent> {
        self.star.then(|| {
            let counts =
                vec![ViewCount { view_id: ViewId::from(BuiltinView::Starred.id()), count: self.starred_count() }];
            let e = frontdesk_domain::Event {
                id: None,
                at: jiff::Timestamp::now(),
                kind: EventKind::ViewCountsChanged(counts),
            };
            SyncEvent::Live(Update::Event(Box::new(e)))
        })
    }

    /// The local Unread view's count, when it moved since the client last heard
    /// it (a customer's message arrived, one was read here).
    pub fn unread_moved(&self) -> Option<SyncEvent> {
        if !self.own_unread.load(Ordering::Relaxed) {
            return None;
        }
        let count = self.unread_seen.lock().map_or(0, |s| s.len() as u64);
        if self.unread_said.swap(count, Ordering::Relaxed) == count {
            return None;
        }
        let counts = vec![ViewCount { view_id: ViewId::from(BuiltinView::Unread.id()), count }];
        let e = frontdesk_domain::Event {
            id: None,
            at: jiff::Timestamp::now(),
            kind: EventKind::ViewCountsChanged(counts),
        };
        Some(SyncEvent::Live(Update::Event(Box::new(e))))
    }

    pub fn overlay(&self, c: &mut Conversation) {
        if !(self.star || self.read) {
            return;
        }
        let f = self.get(&c.id);
        if self.star {
            c.starred = f.starred;
        }
        if self.read {
            let at = c.last_message.as_ref().map_or(c.updated_at, |m| m.at).as_millisecond();
            if f.unread {
                c.unread = true;
            } else if f.read_through.is_some_and(|r| r >= at) {
                c.unread = false;
            }
            if let Ok(mut seen) = self.unread_seen.lock() {
                if c.unread {
                    seen.insert(c.id.clone());
                } else {
                    seen.remove(&c.id);
                }
            }
        }
    }

    /// Unread from `at` on, unless already read past it here; kept for the next start.
    fn arrived(&self, id: &ConversationId, at: jiff::Timestamp) {
        let mut f = self.get(id);
        if f.unread || f.read_through.is_some_and(|r| r >= at.as_millisecond()) {
            return;
        }
        f.unread = true;
        if let Ok(mut all) = self.flags.lock() {
            all.insert(id.clone(), f);
        }
        let (store, id) = (self.store.clone(), id.clone());
        tokio::spawn(async move {
            if let Err(e) = store.set_flags(&id, f).await {
                tracing::error!(error = %e, "an unread mark not kept");
            }
        });
    }

    /// Lays the flags over whatever the event carries, and adds the local view.
    pub fn overlay_event(&self, e: &mut SyncEvent) {
        if !(self.star || self.read) {
            return;
        }
        match e {
            SyncEvent::List { page, .. } => page.items.iter_mut().for_each(|c| self.overlay(c)),
            SyncEvent::Urgent(Some(c)) | SyncEvent::Applied { result: Ok(Applied::Conversation(c)), .. } => {
                self.overlay(c);
            }
            SyncEvent::Applied { result: Ok(Applied::Bulk(results)), .. } => {
                for c in results.iter_mut().filter_map(|(_, r)| r.as_mut().ok()) {
                    self.overlay(c);
                }
            }
            SyncEvent::Live(Update::Event(ev)) => match &mut ev.kind {
                EventKind::ConversationUpdated(c) => self.overlay(c),
                // A customer's new message makes the conversation unread here, for
                // backends whose rows say nothing of it (the poller sends the
                // message before the row, so the row then reads unread).
                EventKind::MessageCreated(m) if self.read && m.direction == Direction::Inbound => {
                    self.arrived(&m.conversation_id, m.created_at);
                }
                _ => {}
            },
            SyncEvent::Views(views) => self.add_view(views),
            _ => {}
        }
    }

    /// Whether a list of `view` cannot yet be routed: Unread may be kept here, and
    /// the backend's views (which say whether it has its own) have not come yet.
    /// The first screen asks for Unread before the views answer.
    pub fn undecided(&self, view: Option<&ViewId>) -> bool {
        self.read
            && !self.views_known.load(Ordering::Relaxed)
            && view.is_some_and(|v| v.as_str() == BuiltinView::Unread.id())
    }

    /// Learns from the backend's views which of ours are kept here (and adds them).
    pub fn add_view(&self, views: &mut Vec<ViewWithCount>) {
        self.views_known.store(true, Ordering::Relaxed);
        let has = |id: &str, views: &[ViewWithCount]| views.iter().any(|v| v.view.id.as_str() == id);
        if self.read && !has(BuiltinView::Unread.id(), views) {
            self.own_unread.store(true, Ordering::Relaxed);
            let mut view = BuiltinView::Unread.view();
            UNREAD_NAME.clone_into(&mut view.name);
            let count = self.unread_seen.lock().map_or(0, |s| s.len() as u64);
            self.unread_said.store(count, Ordering::Relaxed);
            views.insert(0, ViewWithCount { view, count });
        }
        if !self.star || has(BuiltinView::Starred.id(), views) {
            return;
        }
        let mut view = BuiltinView::Starred.view();
        STARRED_NAME.clone_into(&mut view.name);
        let at = views.iter().position(|v| v.view.id.as_str() == BuiltinView::All.id()).unwrap_or(views.len());
        views.insert(at, ViewWithCount { view, count: self.starred_count() });
    }

    /// Whether a list of this view is answered here.
    pub fn serves(&self, view: Option<&ViewId>) -> bool {
        let is = |b: BuiltinView| view.is_some_and(|v| v.as_str() == b.id());
        (self.star && is(BuiltinView::Starred)) || (self.own_unread.load(Ordering::Relaxed) && is(BuiltinView::Unread))
    }

    /// A view served here: the starred ones, or the backend's "all" with the
    /// read marks laid over and only the unread kept (page by page, its cursor).
    pub async fn list(
        &self,
        p: &dyn Provider,
        query: frontdesk_provider::ListQuery,
    ) -> Result<Page<Conversation>, ProviderError> {
        if query.view.as_ref().is_some_and(|v| v.as_str() == BuiltinView::Starred.id()) {
            return self.starred(p).await;
        }
        let mut query = frontdesk_provider::ListQuery { view: Some(BuiltinView::All.id().into()), ..query };
        // A page with nothing unread is passed over (a few), so the view is not
        // empty while unread ones wait further down.
        for _ in 0..5 {
            let mut page = p.list(query.clone()).await?;
            for c in &mut page.items {
                self.overlay(c);
            }
            page.items.retain(|c| c.unread);
            // Passed over the way the list is read: down by `next_cursor`, up by `prev_cursor`.
            let on = match query.towards {
                Towards::Down => page.next_cursor.clone(),
                Towards::Up => page.prev_cursor.clone(),
            };
            if !page.items.is_empty() || on.is_none() {
                return Ok(page);
            }
            query.cursor = on;
        }
        Ok(match query.towards {
            Towards::Down => Page { items: Vec::new(), next_cursor: query.cursor, prev_cursor: None },
            Towards::Up => Page { items: Vec::new(), next_cursor: None, prev_cursor: query.cursor },
        })
    }

    /// The starred conversations, each read from the backend (newest activity
    /// first); one that is gone is left out.
    async fn starred(&self, p: &dyn Provider) -> Result<Page<Conversation>, ProviderError> {
        let ids: Vec<ConversationId> = self
            .flags
            .lock()
            .map(|f| f.iter().filter(|(_, x)| x.starred).map(|(id, _)| id.clone()).collect())
            .unwrap_or_default();
        let answers = futures::future::join_all(ids.into_iter().map(|id| p.conversation(id))).await;
        let mut items = Vec::new();
        for a in answers {
            match a {
                Ok(mut c) => {
                    self.overlay(&mut c);
                    items.push(c);
                }
                Err(ProviderError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        items.sort_by_key(|c| std::cmp::Reverse(c.last_message.as_ref().map_or(c.updated_at, |m| m.at)));
        Ok(Page { items, next_cursor: None, prev_cursor: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_domain::testing::{conversation, thread_messages};
    use frontdesk_domain::{Channel, Event};

    fn live(kind: EventKind) -> SyncEvent {
        SyncEvent::Live(Update::Event(Box::new(Event { id: None, at: jiff::Timestamp::now(), kind })))
    }

    fn updated(local: &Local, c: &Conversation) -> bool {
        let mut e = live(EventKind::ConversationUpdated(Box::new(c.clone())));
        local.overlay_event(&mut e);
        matches!(e, SyncEvent::Live(Update::Event(ev)) if matches!(&ev.kind, EventKind::ConversationUpdated(c) if c.unread))
    }

    #[tokio::test]
    async fn a_customers_new_message_makes_it_unread_here_until_read_and_across_a_restart() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("s.db");
        let caps = Capabilities { read: false, star: false, ..Capabilities::ALL };
        let mut c = conversation(1, "Jo", Channel::Whatsapp, "hi");
        c.unread = false;
        let mut m = thread_messages(&c.id).remove(0);
        m.direction = Direction::Inbound;
        m.created_at = jiff::Timestamp::now();
        {
            let local = Local::load(Store::open(&path).await.expect("store"), &caps).await;
            assert!(!updated(&local, &c), "the row says read and nothing arrived");
            let mut mine = m.clone();
            mine.direction = Direction::Outbound;
            local.overlay_event(&mut live(EventKind::MessageCreated(Box::new(mine))));
            assert!(!updated(&local, &c), "our own message is no news");
            local.overlay_event(&mut live(EventKind::MessageCreated(Box::new(m.clone()))));
            assert!(updated(&local, &c), "a customer's message is");
            // The mark is written in the background: wait until it is.
            for _ in 0..1000 {
                let kept = local.store.flags().await.expect("flags");
                if kept.iter().any(|(id, f)| *id == c.id && f.unread) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
        let local = Local::load(Store::open(&path).await.expect("store"), &caps).await;
        assert!(updated(&local, &c), "still unread after a restart");
        let read = Op::Change { conversation: c.id.clone(), change: Change::Read };
        assert!(matches!(local.apply(&read).await, Some(Ok(Applied::Done))));
        assert!(!updated(&local, &c), "read here");
        local.overlay_event(&mut live(EventKind::MessageCreated(Box::new(m))));
        assert!(!updated(&local, &c), "a message from before the read is not news again");
    }

    fn counted(e: Option<SyncEvent>) -> Option<u64> {
        match e {
            Some(SyncEvent::Live(Update::Event(ev))) => match &ev.kind {
                EventKind::ViewCountsChanged(c) => c.first().map(|c| c.count),
                _ => None,
            },
            _ => None,
        }
    }

    #[tokio::test]
    async fn the_local_unread_views_count_follows_arrivals_and_reads() {
        let caps = Capabilities { read: false, star: false, ..Capabilities::ALL };
        let local = Local::load(Store::memory().await.expect("store"), &caps).await;
        let all = ViewWithCount { view: BuiltinView::All.view(), count: 3 };
        let mut views = SyncEvent::Views(vec![all]);
        local.overlay_event(&mut views);
        assert!(matches!(&views, SyncEvent::Views(v) if v[0].view.name == UNREAD_NAME && v[0].count == 0));
        assert_eq!(counted(local.unread_moved()), None, "the views said 0 already");
        let c = conversation(1, "Jo", Channel::Whatsapp, "hi");
        let mut m = thread_messages(&c.id).remove(0);
        m.direction = Direction::Inbound;
        m.created_at = jiff::Timestamp::now();
        local.overlay_event(&mut live(EventKind::MessageCreated(Box::new(m))));
        assert!(updated(&local, &c));
        assert_eq!(counted(local.unread_moved()), Some(1));
        assert_eq!(counted(local.unread_moved()), None, "said once");
        let read = Op::Change { conversation: c.id.clone(), change: Change::Read };
        local.apply(&read).await;
        assert_eq!(counted(local.unread_moved()), Some(0));
    }
}
