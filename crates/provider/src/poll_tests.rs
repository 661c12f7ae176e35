use std::sync::Mutex;

use futures::StreamExt;
use jiff::ToSpan;

use super::*;
use crate::{Applied, Capabilities, Identity, ProviderFuture};
use frontdesk_domain::testing::{conversation, message, now};
use frontdesk_domain::{Agent, Message, MessageKind, Op, Page, Suggestion, ViewWithCount};

/// A backend that lists what changed, either as the native server does (oldest
/// change first, filtered by `updated_since`) or as vendors that ignore it do
/// (freshest first, everything).
struct Fake {
    caps: Capabilities,
    freshest_first: bool,
    rows: Mutex<Vec<Conversation>>,
    threads: Mutex<HashMap<ConversationId, Vec<Message>>>,
    fail: Mutex<Option<ProviderError>>,
    /// Lists of the open ones (the archived ones asked for apart are not counted).
    lists: Mutex<u32>,
    /// What `probe` answers: `Ok(None)` (no probe) unless a test says otherwise.
    probe: Mutex<Result<Option<String>, ProviderError>>,
    probes: Mutex<u32>,
}

impl Fake {
    fn new(freshest_first: bool) -> Arc<Self> {
        let rows = (1..=3).map(|n| conversation(n, "Someone", frontdesk_domain::Channel::Email, "hi")).collect();
        Arc::new(Self {
            caps: Capabilities { streaming: false, saved_views: false, ..Capabilities::ALL },
            freshest_first,
            rows: Mutex::new(rows),
            threads: Mutex::new(HashMap::new()),
            fail: Mutex::new(None),
            lists: Mutex::new(0),
            probe: Mutex::new(Ok(None)),
            probes: Mutex::new(0),
        })
    }

    /// A customer writes in conversation `n` at `at`.
    fn inbound(&self, n: usize, at: Timestamp, body: &str) {
        let id = ConversationId::from(format!("cnv_{n:04}").as_str());
        let mut m = message(
            100 + n,
            &id,
            MessageKind::Reply,
            frontdesk_domain::Direction::Inbound,
            ("Someone", frontdesk_domain::AuthorKind::Contact),
            body,
        );
        m.id = frontdesk_domain::MessageId::from(format!("msg_{n}_{}", at.as_millisecond()).as_str());
        m.created_at = at;
        self.threads.lock().expect("lock").entry(id.clone()).or_default().push(m);
        let mut rows = self.rows.lock().expect("lock");
        if let Some(c) = rows.iter_mut().find(|c| c.id == id) {
            c.updated_at = at;
            if let Some(l) = &mut c.last_message {
                l.at = at;
                body.clone_into(&mut l.preview);
            }
        }
    }
}

fn boxed<T: Send + 'static>(v: Result<T, ProviderError>) -> ProviderFuture<'static, T> {
    Box::pin(async move { v })
}

impl Provider for Fake {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    fn me(&self) -> ProviderFuture<'_, Identity> {
        boxed(Err(ProviderError::Unsupported("me")))
    }
    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
        boxed(Ok(Vec::new()))
    }
    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
        boxed(Ok(Vec::new()))
    }
    fn list(&self, query: ListQuery) -> ProviderFuture<'_, Page<Conversation>> {
        if !query.filter.archived {
            *self.lists.lock().expect("lock") += 1;
        }
        if let Some(e) = self.fail.lock().expect("lock").clone() {
            return boxed(Err(e));
        }
        let mut rows = self.rows.lock().expect("lock").clone();
        if self.freshest_first || query.updated_since.is_none() {
            rows.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        } else {
            rows.retain(|c| query.updated_since.is_none_or(|s| c.updated_at > s));
            rows.sort_by_key(|c| c.updated_at);
        }
        rows.truncate(query.limit as usize);
        boxed(Ok(Page { items: rows, next_cursor: None, prev_cursor: None }))
    }
    fn conversation(&self, _: ConversationId) -> ProviderFuture<'_, Conversation> {
        boxed(Err(ProviderError::Unsupported("conversation")))
    }
    fn thread(&self, id: ConversationId, _: u32) -> ProviderFuture<'_, Vec<Message>> {
        boxed(Ok(self.threads.lock().expect("lock").get(&id).cloned().unwrap_or_default()))
    }
    fn suggestions(&self, _: ConversationId) -> ProviderFuture<'_, Vec<Suggestion>> {
        boxed(Ok(Vec::new()))
    }
    fn apply(&self, _: Op, _: String) -> ProviderFuture<'_, Applied> {
        boxed(Err(ProviderError::Unsupported("apply")))
    }
    fn updates(&self, _: Option<String>) -> BoxStream<'static, Update> {
        Box::pin(futures::stream::once(async { Update::Unavailable("no stream here".into()) }))
    }
    fn probe(&self) -> ProviderFuture<'_, Option<String>> {
        *self.probes.lock().expect("lock") += 1;
        boxed(self.probe.lock().expect("lock").clone())
    }
}

/// The stream without its "a quiet round went through" marks, for tests about what
/// the rounds found.
fn quiet(updates: BoxStream<'static, Update>) -> BoxStream<'static, Update> {
    updates.filter(|u| std::future::ready(*u != Update::Synced)).boxed()
}

fn kinds(updates: &[Update]) -> Vec<String> {
    updates
        .iter()
        .map(|u| match u {
            Update::Event(e) => match &e.kind {
                EventKind::MessageCreated(m) => format!("message {}", m.body),
                EventKind::ConversationUpdated(c) => format!("row {}", c.id),
                k => k.name().to_owned(),
            },
            other => format!("{other:?}"),
        })
        .collect()
}

async fn polls_changes_once_each(freshest_first: bool) {
    let fake = Fake::new(freshest_first);
    let mut poller = Poller::default();
    assert!(poller.poll(&*fake).await.expect("first").is_empty(), "the first poll only sets the watermark");

    fake.inbound(2, now() + 1.minute(), "where is my parcel?");
    let first = kinds(&poller.poll(&*fake).await.expect("poll"));
    assert_eq!(first, ["message where is my parcel?", "row cnv_0002"]);

    // Inside the margin the same version comes back from the server: not again.
    assert!(poller.poll(&*fake).await.expect("again").is_empty());

    // A second message a second later: only it, though the first is still in the tail.
    fake.inbound(2, now() + 1.minute() + 1.second(), "hello?");
    assert_eq!(kinds(&poller.poll(&*fake).await.expect("poll")), ["message hello?", "row cnv_0002"]);
}

#[tokio::test]
async fn polls_changes_once_each_from_a_change_feed() {
    polls_changes_once_each(false).await;
}

#[tokio::test]
async fn polls_changes_once_each_from_a_freshest_first_list() {
    polls_changes_once_each(true).await;
}

#[tokio::test]
async fn many_changes_at_once_ask_for_a_reload() {
    let fake = Fake::new(false);
    {
        let mut rows = fake.rows.lock().expect("lock");
        *rows = (1..=30).map(|n| conversation(n, "Someone", frontdesk_domain::Channel::Sms, "hi")).collect();
    }
    let mut poller = Poller::default();
    poller.poll(&*fake).await.expect("first");
    for n in 1..=30 {
        fake.inbound(n, now() + 1.minute() + i64::try_from(n).unwrap_or(0).seconds(), "x");
    }
    let out = kinds(&poller.poll(&*fake).await.expect("poll"));
    assert_eq!(out.iter().filter(|k| k.starts_with("row")).count(), 30);
    assert_eq!(out.iter().filter(|k| k.starts_with("message")).count(), MAX_THREADS);
    assert_eq!(out.last().map(String::as_str), Some("resync"));
}

#[test]
fn the_interval_stretches_while_idle_and_is_capped() {
    let every = Duration::from_secs(20);
    assert_eq!(interval(every, Duration::from_secs(30)), every);
    assert_eq!(interval(every, Duration::from_secs(130)), Duration::from_secs(40));
    assert_eq!(interval(every, Duration::from_secs(250)), Duration::from_secs(80));
    assert_eq!(interval(every, Duration::from_secs(3600)), MAX_IDLE_INTERVAL);
    // A configured interval longer than the cap is kept, never shortened.
    assert_eq!(interval(Duration::from_secs(600), Duration::from_secs(3600)), Duration::from_secs(600));
}

#[tokio::test(start_paused = true)]
async fn an_unavailable_stream_falls_back_to_polling_and_errors_retry() {
    let fake = Fake::new(false);
    let (_keys, activity) = watch::channel(Instant::now());
    let provider: Arc<dyn Provider> = fake.clone();
    let provider = {
        // Claim a stream, so the fallback path is the one taken.
        struct Streaming(Arc<dyn Provider>, Capabilities);
        impl Provider for Streaming {
            fn name(&self) -> &str {
                self.0.name()
            }
            fn capabilities(&self) -> &Capabilities {
                &self.1
            }
            fn me(&self) -> ProviderFuture<'_, Identity> {
                self.0.me()
            }
            fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
                self.0.agents()
            }
            fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
                self.0.views()
            }
            fn list(&self, q: ListQuery) -> ProviderFuture<'_, Page<Conversation>> {
                self.0.list(q)
            }
            fn conversation(&self, id: ConversationId) -> ProviderFuture<'_, Conversation> {
                self.0.conversation(id)
            }
            fn thread(&self, id: ConversationId, l: u32) -> ProviderFuture<'_, Vec<Message>> {
                self.0.thread(id, l)
            }
            fn suggestions(&self, id: ConversationId) -> ProviderFuture<'_, Vec<Suggestion>> {
                self.0.suggestions(id)
            }
            fn apply(&self, op: Op, k: String) -> ProviderFuture<'_, Applied> {
                self.0.apply(op, k)
            }
            fn updates(&self, r: Option<String>) -> BoxStream<'static, Update> {
                self.0.updates(r)
            }
        }
        Arc::new(Streaming(provider, Capabilities::ALL)) as Arc<dyn Provider>
    };
    let every = Duration::from_secs(20);
    let mut updates = quiet(stream_or_poll(provider, None, every, activity));
    assert_eq!(updates.next().await, Some(Update::Polling { every }));

    fake.inbound(1, now() + 1.minute(), "anyone there?");
    let got: Vec<_> = updates.by_ref().take(3).collect().await;
    // This backend has views: their counts follow a change.
    assert_eq!(kinds(&got), ["message anyone there?", "row cnv_0001", "view_counts_changed"]);

    *fake.fail.lock().expect("lock") = Some(ProviderError::RateLimited { retry_after: Some(Duration::from_secs(7)) });
    let next = updates.next().await;
    assert!(
        matches!(&next, Some(Update::Reconnecting { after, .. }) if *after == Duration::from_secs(7)),
        "429 waits what it says: {next:?}"
    );
    *fake.fail.lock().expect("lock") = None;
    assert_eq!(updates.next().await, Some(Update::Polling { every }), "back to polling after the error");
}

#[tokio::test(start_paused = true)]
async fn a_key_after_a_long_idle_polls_at_once() {
    let fake = Fake::new(false);
    let start = Instant::now();
    let (keys, activity) = watch::channel(start);
    let every = Duration::from_secs(20);
    let mut updates = quiet(updates(fake.clone(), every, activity));
    assert_eq!(updates.next().await, Some(Update::Polling { every }));

    // Ten idle minutes: the interval has stretched.
    tokio::time::advance(Duration::from_secs(600)).await;
    let stretched = updates.next().await;
    assert!(matches!(stretched, Some(Update::Polling { every: e }) if e > every), "{stretched:?}");
    let lists = *fake.lists.lock().expect("lock");

    // A key: the next poll comes within the ordinary interval, not the stretched one.
    keys.send_replace(Instant::now());
    fake.inbound(3, now() + 1.minute(), "back");
    let before = Instant::now();
    let next = updates.next().await;
    assert_eq!(next, Some(Update::Polling { every }));
    assert!(Instant::now() - before <= every, "polled {:?} after the key", Instant::now() - before);
    assert!(*fake.lists.lock().expect("lock") > lists);
}

/// A helpdesk row says nothing of its thread (no last message, no count). When one
/// already here changes without a new message (our own close), its old messages do
/// not come back as news: they would mark it unread again.
#[tokio::test]
async fn an_old_row_without_a_count_changed_by_us_brings_no_old_messages_back() {
    let fake = Fake::new(false);
    fake.inbound(1, now() - 1.minute(), "an old question");
    {
        let mut rows = fake.rows.lock().expect("lock");
        for c in rows.iter_mut() {
            c.last_message = None;
            c.message_count = 0;
            c.created_at = now() - 1.minute();
        }
    }
    let mut poller = Poller::default();
    poller.poll(&*fake).await.expect("first");
    if let Some(c) = fake.rows.lock().expect("lock").iter_mut().find(|c| c.id.as_str() == "cnv_0001") {
        c.updated_at = now() + 1.minute();
        c.status = frontdesk_domain::Status::Closed;
    }
    assert_eq!(kinds(&poller.poll(&*fake).await.expect("poll")), ["row cnv_0001"]);
}

#[tokio::test]
async fn a_row_without_its_last_message_has_its_thread_looked_at() {
    let fake = Fake::new(false);
    {
        let mut rows = fake.rows.lock().expect("lock");
        for c in rows.iter_mut() {
            c.last_message = None;
        }
    }
    let mut poller = Poller::default();
    poller.poll(&*fake).await.expect("first");
    fake.inbound(2, now() + 1.minute(), "a helpdesk reply");
    if let Some(c) = fake.rows.lock().expect("lock").iter_mut().find(|c| c.id.as_str() == "cnv_0002") {
        c.last_message = None;
    }
    assert_eq!(kinds(&poller.poll(&*fake).await.expect("poll")), ["message a helpdesk reply", "row cnv_0002"]);
    // A later change without a new message does not repeat it.
    if let Some(c) = fake.rows.lock().expect("lock").iter_mut().find(|c| c.id.as_str() == "cnv_0002") {
        c.updated_at = now() + 2.minutes();
    }
    assert_eq!(kinds(&poller.poll(&*fake).await.expect("poll")), ["row cnv_0002"]);
}

impl Fake {
    fn set_probe(&self, answer: Result<Option<&str>, ProviderError>) {
        *self.probe.lock().expect("lock") = answer.map(|fp| fp.map(str::to_owned));
    }

    fn lists(&self) -> u32 {
        *self.lists.lock().expect("lock")
    }
}

#[tokio::test(start_paused = true)]
async fn an_unchanged_probe_leaves_the_list_alone() {
    let fake = Fake::new(false);
    fake.set_probe(Ok(Some("all=3;unread=1")));
    let mut poller = Poller::default();
    poller.poll(&*fake).await.expect("first");
    assert_eq!(fake.lists(), 1, "the first round lists to find its watermark");
    for _ in 0..FULL_POLL_EVERY - 1 {
        assert!(poller.poll(&*fake).await.expect("probed").is_empty());
    }
    assert_eq!(fake.lists(), 1, "nothing moved: no list");
    assert_eq!(*fake.probes.lock().expect("lock"), FULL_POLL_EVERY, "probed every round");
}

#[tokio::test(start_paused = true)]
async fn a_moved_probe_lists_and_finds_the_change() {
    let fake = Fake::new(false);
    fake.set_probe(Ok(Some("all=3;unread=1")));
    let mut poller = Poller::default();
    poller.poll(&*fake).await.expect("first");
    fake.inbound(2, now() + 1.minute(), "still there?");
    fake.set_probe(Ok(Some("all=3;unread=2")));
    assert_eq!(kinds(&poller.poll(&*fake).await.expect("poll")), ["message still there?", "row cnv_0002"]);
    assert_eq!(fake.lists(), 2);
    // The new fingerprint is the one compared from now on.
    assert!(poller.poll(&*fake).await.expect("probed").is_empty());
    assert_eq!(fake.lists(), 2);
}

#[tokio::test(start_paused = true)]
async fn every_nth_round_lists_though_the_probe_stands_still() {
    let fake = Fake::new(false);
    fake.set_probe(Ok(Some("all=3;unread=0")));
    let (_keys, activity) = watch::channel(Instant::now());
    // Short enough that the rounds below end before the idle stretch begins.
    let every = Duration::from_secs(10);
    let mut stream = quiet(updates(fake.clone(), every, activity));
    assert_eq!(stream.next().await, Some(Update::Polling { every }));
    // Another agent replies on a read thread: the counts stay as they were.
    fake.inbound(1, now() + 1.minute(), "replied elsewhere");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let forward = tokio::spawn(async move {
        while let Some(u) = stream.next().await {
            if tx.send(u).is_err() {
                break;
            }
        }
    });
    // Paused time: the sleep lets the poller's rounds run one interval at a time.
    let rounds = FULL_POLL_EVERY * 2 + 1;
    tokio::time::sleep(every * (rounds - 1) + every / 2).await;
    assert_eq!(*fake.probes.lock().expect("lock"), rounds);
    assert_eq!(fake.lists(), 3, "the first round, then one in every {FULL_POLL_EVERY}");
    forward.abort();
    let mut got = Vec::new();
    while let Ok(u) = rx.try_recv() {
        got.push(u);
    }
    assert_eq!(kinds(&got), ["message replied elsewhere", "row cnv_0001"], "found by the full poll");
}

#[tokio::test(start_paused = true)]
async fn a_failed_probe_lists_instead_and_a_failed_list_is_still_reported() {
    let fake = Fake::new(false);
    fake.set_probe(Err(ProviderError::Network("counts: connection reset".into())));
    let (_keys, activity) = watch::channel(Instant::now());
    let every = Duration::from_secs(20);
    let mut stream = quiet(updates(fake.clone(), every, activity));
    assert_eq!(stream.next().await, Some(Update::Polling { every }), "a probe error is no poll error");
    fake.inbound(3, now() + 1.minute(), "hello");
    let got: Vec<Update> = stream.by_ref().take(2).collect().await;
    assert_eq!(kinds(&got), ["message hello", "row cnv_0003"], "listed despite the probe");
    assert_eq!(fake.lists(), 2);

    *fake.fail.lock().expect("lock") = Some(ProviderError::Network("down".into()));
    let next = stream.next().await;
    assert!(matches!(&next, Some(Update::Reconnecting { reason, .. }) if reason.contains("down")), "{next:?}");
    *fake.fail.lock().expect("lock") = None;
    assert_eq!(stream.next().await, Some(Update::Polling { every }), "polling goes on");
}

#[tokio::test(start_paused = true)]
async fn each_quiet_round_says_the_data_is_current() {
    let fake = Fake::new(false);
    let (_keys, activity) = watch::channel(Instant::now());
    let every = Duration::from_secs(20);
    let mut stream = updates(fake.clone(), every, activity);
    assert_eq!(stream.next().await, Some(Update::Polling { every }));
    assert_eq!(stream.next().await, Some(Update::Synced), "the first round found nothing new");
    let before = Instant::now();
    assert_eq!(stream.next().await, Some(Update::Synced), "nor did the next");
    assert_eq!(Instant::now() - before, every, "one a round");
    // A round that finds something says so with what it found, not with a mark.
    fake.inbound(1, now() + 1.minute(), "hello");
    let got: Vec<Update> = stream.by_ref().take(2).collect().await;
    assert_eq!(kinds(&got), ["message hello", "row cnv_0001"]);
}

#[tokio::test(start_paused = true)]
async fn a_refused_key_is_said_and_not_tried_again_in_a_loop() {
    let fake = Fake::new(false);
    let (_keys, activity) = watch::channel(Instant::now());
    let every = Duration::from_secs(20);
    *fake.fail.lock().expect("lock") = Some(ProviderError::Auth("invalid API key".into()));
    let mut stream = updates(fake.clone(), every, activity);
    let first = stream.next().await;
    assert_eq!(first, Some(Update::Refused { reason: "invalid API key".into(), after: REFUSED_RETRY }));
    let lists = fake.lists();
    // Not the 2 s, 4 s … of a network error: nothing until the long wait is over.
    let early = tokio::time::timeout(REFUSED_RETRY.saturating_sub(Duration::from_secs(1)), stream.next()).await;
    assert!(early.is_err(), "tried again too soon: {early:?}");
    assert_eq!(fake.lists(), lists, "no request meanwhile");
    // The key works again (re-issued): the next try finds it and polling resumes.
    *fake.fail.lock().expect("lock") = None;
    let next = tokio::time::timeout(Duration::from_secs(2), stream.next()).await.expect("tried again after the wait");
    // Five idle minutes have stretched the interval; what matters is that it polls.
    assert!(matches!(next, Some(Update::Polling { .. })), "{next:?}");
}
