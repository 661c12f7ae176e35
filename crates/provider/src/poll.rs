//! Live updates for backends without a usable stream: the list is polled for what
//! changed since a watermark, and the changes come out as the same [`Update`]s a
//! stream would give, so nothing above this file knows the difference.
//!
//! The watermark is the server's own `updated_at` (never this machine's clock), read
//! back with a margin because a change committed a moment late can carry an earlier
//! time; what the margin brings back twice is recognised and skipped. While the agent
//! is away from the keyboard the interval stretches, and the first key brings it
//! back at once.
//!
//! A backend with a cheap change probe ([`Provider::probe`], Iron's view counts) is
//! probed first each round, and the list is left alone while the probe says nothing
//! moved (but see [`FULL_POLL_EVERY`]).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::{ListQuery, Provider, ProviderError, Update};
use frontdesk_domain::{Conversation, ConversationId, Event, EventKind, MessageId, ViewCount, ViewFilter, known_time};

/// How far behind the watermark each poll looks again.
const MARGIN: SignedDuration = SignedDuration::from_secs(5);
/// Pages walked per poll; more than this and the client reloads instead.
const MAX_PAGES: usize = 5;
const PAGE: u32 = 100;
/// Threads fetched per poll for new messages; more changes than this and the client
/// reloads instead.
const MAX_THREADS: usize = 20;
const THREAD_TAIL: u32 = 20;
/// Idle this long and the interval starts to stretch…
const IDLE_AFTER: Duration = Duration::from_secs(120);
/// …doubling every further `IDLE_AFTER`, up to this.
const MAX_IDLE_FACTOR: u32 = 16;
const MAX_IDLE_INTERVAL: Duration = Duration::from_secs(300);
const MAX_RETRY: Duration = Duration::from_secs(60);
/// A refused key is tried again this long after: it only changes when someone
/// re-issues it, and hammering the backend with it helps nobody.
const REFUSED_RETRY: Duration = Duration::from_secs(300);
/// With a probe that says nothing moved, the list is still polled every this many
/// rounds: a probe can miss a change (Iron's per-view unread/total counts stay the
/// same when another agent replies on a thread already read).
const FULL_POLL_EVERY: u32 = 5;

/// When the agent last touched a key, as pollers read it.
pub type Activity = watch::Receiver<Instant>;

/// When the agent last touched a key: the client writes it, pollers read it.
#[derive(Clone)]
pub struct Clock(Arc<watch::Sender<Instant>>);

impl Default for Clock {
    fn default() -> Self {
        Self(Arc::new(watch::channel(Instant::now()).0))
    }
}

impl Clock {
    /// A key was pressed. Noted at most once a second: most keys change nothing.
    pub fn touch(&self) {
        self.0.send_if_modified(|last| {
            let stale = last.elapsed() >= Duration::from_secs(1);
            if stale {
                *last = Instant::now();
            }
            stale
        });
    }

    pub fn watch(&self) -> Activity {
        self.0.subscribe()
    }
}

/// The provider's own stream, switching to polling if it turns out unavailable.
pub fn stream_or_poll(
    provider: Arc<dyn Provider>,
    resume: Option<String>,
    every: Duration,
    activity: Activity,
) -> BoxStream<'static, Update> {
    if !provider.capabilities().streaming {
        return updates(provider, every, activity);
    }
    let mut live = provider.updates(resume);
    Box::pin(async_stream::stream! {
        while let Some(update) = live.next().await {
            if let Update::Unavailable(reason) = &update {
                tracing::warn!(provider = provider.name(), %reason, "no event stream: polling instead");
                break;
            }
            yield update;
        }
        drop(live);
        let mut polled = updates(provider, every, activity);
        while let Some(update) = polled.next().await {
            yield update;
        }
    })
}

/// Polls `provider` every `every` (stretched while idle) until dropped.
pub fn updates(provider: Arc<dyn Provider>, every: Duration, mut activity: Activity) -> BoxStream<'static, Update> {
    Box::pin(async_stream::stream! {
        let mut poller = Poller::default();
        let mut failures: u32 = 0;
        let mut announced: Option<Duration> = None;
        loop {
            let wait = match poller.poll(&*provider).await {
                Ok(updates) => {
                    failures = 0;
                    let interval = interval(every, activity.borrow().elapsed());
                    if announced != Some(interval) {
                        announced = Some(interval);
                        yield Update::Polling { every: interval };
                    }
                    // A quiet round still says the data is current: "synced" on
                    // screen is the last poll that went through, not the last change.
                    if updates.is_empty() {
                        yield Update::Synced;
                    }
                    for u in updates {
                        yield u;
                    }
                    interval
                }
                Err(ProviderError::Auth(reason)) => {
                    failures = failures.saturating_add(1);
                    announced = None;
                    tracing::warn!(%reason, after = ?REFUSED_RETRY, "poll refused: the key was turned down");
                    yield Update::Refused { reason, after: REFUSED_RETRY };
                    REFUSED_RETRY
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    announced = None;
                    let after = match &e {
                        ProviderError::RateLimited { retry_after: Some(d) } => *d,
                        _ => every.min(Duration::from_secs(2)).saturating_mul(1 << failures.min(6)).min(MAX_RETRY),
                    };
                    tracing::info!(error = %e, ?after, "poll failed");
                    yield Update::Reconnecting { after, reason: e.to_string() };
                    after
                }
            };
            let polled_at = Instant::now();
            let sleep = tokio::time::sleep(wait);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    () = &mut sleep => break,
                    changed = activity.changed() => {
                        if changed.is_err() {
                            // Nobody reports keys any more: just wait it out.
                            (&mut sleep).await;
                            break;
                        }
                        // The agent is back: a wait stretched by idleness ends at
                        // the ordinary interval.
                        if wait > every && failures == 0 {
                            let due = polled_at + every;
                            if due <= Instant::now() {
                                break;
                            }
                            sleep.as_mut().reset(due);
                        }
                    }
                }
            }
        }
    })
}

/// The interval after `idle` without a key.
fn interval(every: Duration, idle: Duration) -> Duration {
    if idle < IDLE_AFTER {
        return every;
    }
    let steps = u32::try_from(idle.as_secs() / IDLE_AFTER.as_secs()).unwrap_or(u32::MAX);
    let factor = 1u32.checked_shl(steps).unwrap_or(u32::MAX).min(MAX_IDLE_FACTOR);
    every.saturating_mul(factor).min(MAX_IDLE_INTERVAL.max(every))
}

/// What the poller remembers between polls.
#[derive(Default)]
struct Poller {
    /// The newest `updated_at` seen; none before the first poll.
    watermark: Option<Timestamp>,
    /// Versions already passed on, inside the margin.
    seen: HashMap<ConversationId, Timestamp>,
    seen_messages: HashMap<MessageId, Timestamp>,
    /// Each conversation's last message as last seen: a message is new when it is
    /// later than that (its time is the channel's, which may be well in the past).
    last_at: HashMap<ConversationId, Timestamp>,
    /// The provider's probe as it was before the last list poll that went through.
    probed: Option<String>,
    /// Rounds in a row left at the probe because it had not moved.
    skipped: u32,
}

/// Conversations whose last message is remembered; past this the memory starts over.
const REMEMBERED: usize = 50_000;

impl Poller {
    /// One round: the probe, then the list unless the probe says nothing moved.
    async fn poll(&mut self, p: &dyn Provider) -> Result<Vec<Update>, ProviderError> {
        // Taken before the list, so a change made while listing moves the next one.
        let probe = match p.probe().await {
            Ok(fp) => fp,
            Err(e) => {
                // The list can still say what changed: the probe is only a shortcut.
                tracing::info!(error = %e, "change probe failed; listing instead");
                None
            }
        };
        let unchanged = probe.is_some() && probe == self.probed && self.watermark.is_some();
        if unchanged && self.skipped + 1 < FULL_POLL_EVERY {
            self.skipped += 1;
            return Ok(Vec::new());
        }
        let out = self.list_changes(p).await?;
        // Only a list that went through vouches for the probe: a change the probe
        // saw and a failed list missed keeps the next probe unequal.
        self.probed = probe;
        self.skipped = 0;
        Ok(out)
    }

    /// The list since the watermark, as updates.
    async fn list_changes(&mut self, p: &dyn Provider) -> Result<Vec<Update>, ProviderError> {
        let Some(watermark) = self.watermark else {
            // The first poll only finds where "now" is: the client loads its own list.
            let page = p.list(query(None, None, PAGE)).await?;
            let newest = page.items.iter().map(|c| c.updated_at).max();
            self.watermark = Some(newest.unwrap_or(Timestamp::UNIX_EPOCH));
            // What is already here must not come back as news from inside the margin.
            // A row that says nothing of its last message had none newer than its
            // own change time, as a row that does had none newer than that message
            // (no margin: its last message usually *is* the change, and must not
            // come back as news). A row with no time at all says nothing either way.
            for c in page.items {
                let at = c.last_message.as_ref().map(|m| m.at).or_else(|| known_time(c.updated_at));
                if let Some(at) = at {
                    self.last_at.insert(c.id.clone(), at);
                }
                self.seen.insert(c.id, c.updated_at);
            }
            return Ok(Vec::new());
        };
        let since = watermark.checked_sub(MARGIN).unwrap_or(watermark);
        let mut changed: Vec<Conversation> = Vec::new();
        let mut cursor = None;
        let mut complete = false;
        for _ in 0..MAX_PAGES {
            let page = p.list(query(Some(since), cursor.take(), PAGE)).await?;
            // Adapters that list freshest first (ignoring `updated_since`) reach
            // older rows: everything after them is older still.
            let reached_old = page.items.iter().any(|c| c.updated_at <= since);
            changed.extend(page.items.into_iter().filter(|c| c.updated_at > since));
            cursor = page.next_cursor;
            if reached_old || cursor.is_none() {
                complete = true;
                break;
            }
        }
        // Archived ones are outside "all": asked for apart, so an archive is seen;
        // a backend with no archive is not asked (it would list the same twice).
        if p.capabilities().archive {
            match p
                .list(ListQuery {
                    filter: ViewFilter { archived: true, ..ViewFilter::default() },
                    ..query(Some(since), None, PAGE)
                })
                .await
            {
                Ok(page) => changed.extend(page.items.into_iter().filter(|c| c.updated_at > since)),
                Err(e) => tracing::debug!(error = %e, "archived conversations not polled"),
            }
        }
        changed.retain(|c| self.seen.get(&c.id) != Some(&c.updated_at));
        // Freshest first, one row per conversation.
        changed.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        let mut ids = HashSet::new();
        changed.retain(|c| ids.insert(c.id.clone()));

        let mut out = Vec::new();
        for c in changed.iter().take(MAX_THREADS) {
            let after = match self.last_at.get(&c.id) {
                Some(at) => *at,
                // Never seen, with one message: a conversation that message opened,
                // however early the channel stamped it (and its customer still waits).
                None if c.message_count == 1 => Timestamp::MIN,
                // No count (a row that says nothing of its thread): new only if the
                // conversation is; an old one changed (by our own close, say) brings
                // no old messages back as news.
                None if c.message_count == 0 && known_time(c.created_at).is_some_and(|t| t > since) => Timestamp::MIN,
                None => since,
            };
            // A row that says nothing of its last message (some helpdesks) may hide
            // a new one behind any change: its thread is looked at.
            if c.last_message.as_ref().is_none_or(|m| m.at > after) {
                let (messages, newest) = self.new_messages(p, &c.id, after).await?;
                out.extend(messages);
                if let (None, Some(at)) = (&c.last_message, newest) {
                    self.last_at.insert(c.id.clone(), at);
                }
            }
        }
        if self.last_at.len() > REMEMBERED {
            self.last_at.clear();
        }
        for c in &changed {
            if let Some(m) = &c.last_message {
                self.last_at.insert(c.id.clone(), m.at);
            }
        }
        let now = Timestamp::now();
        for c in &changed {
            self.seen.insert(c.id.clone(), c.updated_at);
            out.push(event(now, EventKind::ConversationUpdated(Box::new(c.clone()))));
        }
        if let Some(newest) = changed.iter().map(|c| c.updated_at).max() {
            self.watermark = Some(newest.max(watermark));
        }
        let floor = self.watermark.and_then(|w| w.checked_sub(MARGIN).ok()).unwrap_or(watermark);
        self.seen.retain(|_, at| *at > floor);
        self.seen_messages.retain(|_, at| *at > floor);
        if !changed.is_empty() && p.capabilities().saved_views {
            match p.views().await {
                Ok(views) => {
                    let counts = views.into_iter().map(|v| ViewCount { view_id: v.view.id, count: v.count }).collect();
                    out.push(event(now, EventKind::ViewCountsChanged(counts)));
                }
                Err(e) => tracing::debug!(error = %e, "view counts not refreshed"),
            }
        }
        if !complete || changed.len() > MAX_THREADS {
            // Too much at once to follow change by change.
            out.push(event(now, EventKind::Resync));
        }
        Ok(out)
    }

    async fn new_messages(
        &mut self,
        p: &dyn Provider,
        id: &ConversationId,
        after: Timestamp,
    ) -> Result<(Vec<Update>, Option<Timestamp>), ProviderError> {
        let messages = match p.thread(id.clone(), THREAD_TAIL).await {
            Ok(m) => m,
            // Gone between the list and now: its row says so.
            Err(ProviderError::NotFound(_)) => return Ok((Vec::new(), None)),
            Err(e) => return Err(e),
        };
        let newest = messages.iter().map(|m| m.created_at).max();
        let mut out = Vec::new();
        for m in messages {
            if m.created_at > after && !self.seen_messages.contains_key(&m.id) {
                self.seen_messages.insert(m.id.clone(), m.created_at);
                out.push(event(m.created_at, EventKind::MessageCreated(Box::new(m))));
            }
        }
        Ok((out, newest))
    }
}

/// Every status, said outright: a backend's "all" may mean the open ones only
/// (Chatwoot's does), and a conversation leaving "open" is news too.
fn query(since: Option<Timestamp>, cursor: Option<String>, limit: u32) -> ListQuery {
    let filter = ViewFilter { status: frontdesk_domain::Status::ALL.to_vec(), ..ViewFilter::default() };
    ListQuery { view: Some("all".into()), filter, updated_since: since, cursor, limit, ..ListQuery::default() }
}

fn event(at: Timestamp, kind: EventKind) -> Update {
    Update::Event(Box::new(Event { id: None, at, kind }))
}

#[cfg(test)]
#[path = "poll_tests.rs"]
mod tests;
