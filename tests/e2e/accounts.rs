//! Polling and several accounts against real servers: the generic poller over the
//! native adapter (alone and inside the sync engine, and across a server restart),
//! and the unified inbox over two servers (identity, views, merged paging, ops
//! routed to their account, one account down, merged live updates).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt as _;
use futures::stream::BoxStream;
use secrecy::SecretString;
use serde_json::{Value, json};

use frontdesk_domain::{
    Agent, Change, Conversation, ConversationId, EventKind, Message, Op, Page, PresenceState, ReplyKind, Status,
    Suggestion, ViewWithCount,
};
use frontdesk_provider::unified::{Member, Unified};
use frontdesk_provider::{Applied, Capabilities, Identity, ListQuery, Provider, ProviderError, ProviderFuture, Update};
use frontdesk_provider_native::NativeProvider;
use frontdesk_sync::{self as sync, SyncEvent, poll};

use crate::support::TestServer;

/// The poll interval in these tests.
const EVERY: Duration = Duration::from_secs(1);
/// An upper bound on any single wait, so a broken stream fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(20);
/// Polls that carry a change well past the poller's 5 s look-back margin at `EVERY`.
const PAST_THE_MARGIN: usize = 8;

fn native(url: &str, key: &str) -> NativeProvider {
    NativeProvider::new("test", url, SecretString::from(key.to_owned())).expect("provider")
}

fn polling(s: &TestServer) -> Arc<dyn Provider> {
    Arc::new(native(&s.url, &s.key).polling())
}

fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The native adapter, counting its `list` calls: one per poll here, so a test can
/// wait for "n more polls" instead of for a length of time.
struct Counting {
    inner: NativeProvider,
    lists: Arc<AtomicUsize>,
}

impl Provider for Counting {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }
    fn me(&self) -> ProviderFuture<'_, Identity> {
        self.inner.me()
    }
    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
        self.inner.agents()
    }
    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
        self.inner.views()
    }
    fn list(&self, query: ListQuery) -> ProviderFuture<'_, Page<Conversation>> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        self.inner.list(query)
    }
    fn conversation(&self, id: ConversationId) -> ProviderFuture<'_, Conversation> {
        self.inner.conversation(id)
    }
    fn thread(&self, id: ConversationId, limit: u32) -> ProviderFuture<'_, Vec<Message>> {
        self.inner.thread(id, limit)
    }
    fn suggestions(&self, id: ConversationId) -> ProviderFuture<'_, Vec<Suggestion>> {
        self.inner.suggestions(id)
    }
    fn presence(&self, id: ConversationId, state: PresenceState) -> ProviderFuture<'_, ()> {
        self.inner.presence(id, state)
    }
    fn apply(&self, op: Op, idempotency_key: String) -> ProviderFuture<'_, Applied> {
        self.inner.apply(op, idempotency_key)
    }
    fn updates(&self, resume: Option<String>) -> BoxStream<'static, Update> {
        self.inner.updates(resume)
    }
}

/// A polling provider on `s` and its poll counter.
fn counting(s: &TestServer) -> (Arc<dyn Provider>, Arc<AtomicUsize>) {
    let lists = Arc::new(AtomicUsize::new(0));
    (Arc::new(Counting { inner: native(&s.url, &s.key).polling(), lists: Arc::clone(&lists) }), lists)
}

async fn next(updates: &mut BoxStream<'static, Update>) -> Update {
    tokio::time::timeout(LIMIT, updates.next()).await.expect("an update in time").expect("the stream stays open")
}

/// Reads until an update matches `want`; returns everything read, the match last.
async fn until(updates: &mut BoxStream<'static, Update>, what: &str, want: impl Fn(&Update) -> bool) -> Vec<Update> {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(LIMIT, async {
        loop {
            let u = updates.next().await.expect("the stream stays open");
            let hit = want(&u);
            seen.push(u);
            if hit {
                return;
            }
        }
    })
    .await;
    assert!(found.is_ok(), "no {what} in time; saw {seen:#?}");
    seen
}

/// Reads while the poller makes `polls` more polls; returns what came.
async fn read_polls(updates: &mut BoxStream<'static, Update>, lists: &AtomicUsize, polls: usize) -> Vec<Update> {
    let target = lists.load(Ordering::SeqCst) + polls;
    let mut seen = Vec::new();
    let done = tokio::time::timeout(LIMIT + LIMIT, async {
        while lists.load(Ordering::SeqCst) < target {
            if let Ok(u) = tokio::time::timeout(Duration::from_millis(200), updates.next()).await {
                seen.push(u.expect("the stream stays open"));
            }
        }
    })
    .await;
    assert!(done.is_ok(), "the poller stopped polling; saw {seen:#?}");
    seen
}

fn kind(u: &Update) -> Option<&EventKind> {
    match u {
        Update::Event(e) => Some(&e.kind),
        _ => None,
    }
}

fn created(seen: &[Update]) -> Vec<&Message> {
    seen.iter()
        .filter_map(|u| match kind(u) {
            Some(EventKind::MessageCreated(m)) => Some(&**m),
            _ => None,
        })
        .collect()
}

fn updated(seen: &[Update]) -> Vec<&Conversation> {
    seen.iter()
        .filter_map(|u| match kind(u) {
            Some(EventKind::ConversationUpdated(c)) => Some(&**c),
            _ => None,
        })
        .collect()
}

fn is_message(body: &str) -> impl Fn(&Update) -> bool {
    move |u| matches!(kind(u), Some(EventKind::MessageCreated(m)) if m.body == body)
}

fn str_of<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| panic!("{pointer} in {v}"))
}

/// The poller's first poll only finds "now": what arrives after it is news.
#[tokio::test]
async fn polling_reports_a_new_message_once() {
    let s = TestServer::start().await;
    let old = s.conversation("+15556001").await;
    let (p, lists) = counting(&s);
    let mut updates = poll::updates(p, EVERY, poll::Clock::default().watch());
    assert_eq!(next(&mut updates).await, Update::Polling { every: EVERY });

    let v = s.inbound("+15556002", "where is my parcel?").await;
    let (cid, mid) = (str_of(&v, "/conversation/id"), str_of(&v, "/message/id"));
    let seen = read_polls(&mut updates, &lists, PAST_THE_MARGIN).await;

    let messages: Vec<_> = created(&seen).into_iter().filter(|m| m.id.as_str() == mid).collect();
    assert_eq!(messages.len(), 1, "the message once: {seen:#?}");
    assert_eq!((messages[0].body.as_str(), messages[0].conversation_id.as_str()), ("where is my parcel?", cid));
    let rows: Vec<_> = updated(&seen).into_iter().filter(|c| c.id.as_str() == cid).collect();
    assert_eq!(rows.len(), 1, "its conversation once: {seen:#?}");
    assert_eq!(rows[0].last_message.as_ref().map(|m| m.preview.as_str()), Some("where is my parcel?"));
    assert!(updated(&seen).iter().all(|c| c.id.as_str() != old), "what was there before is not news: {seen:#?}");
    assert!(!seen.iter().any(|u| matches!(u, Update::Reconnecting { .. })), "{seen:#?}");
}

/// A second change to the same conversation inside the look-back margin re-reads its
/// thread: the message must not come twice, the new state must come.
#[tokio::test]
async fn polling_reports_a_second_change_without_repeating_the_message() {
    let s = TestServer::start().await;
    let (p, lists) = counting(&s);
    let mut updates = poll::updates(p, EVERY, poll::Clock::default().watch());
    assert_eq!(next(&mut updates).await, Update::Polling { every: EVERY });
    let v = s.inbound("+15556003", "the box was empty").await;
    let (cid, mid) = (str_of(&v, "/conversation/id").to_owned(), str_of(&v, "/message/id").to_owned());
    let mut seen = until(&mut updates, "the message", is_message("the box was empty")).await;

    let (status, body) = s.post(&format!("/v1/conversations/{cid}/star"), json!({})).await;
    assert!(status.is_success(), "{body}");
    seen.extend(read_polls(&mut updates, &lists, PAST_THE_MARGIN).await);

    assert_eq!(created(&seen).iter().filter(|m| m.id.as_str() == mid).count(), 1, "{seen:#?}");
    let rows: Vec<_> = updated(&seen).into_iter().filter(|c| c.id.as_str() == cid).collect();
    assert!(rows.last().is_some_and(|c| c.starred), "the star arrives: {rows:#?}");
    let versions: HashSet<_> = rows.iter().map(|c| c.updated_at).collect();
    assert_eq!(versions.len(), rows.len(), "no version twice: {rows:#?}");
}

/// A channel that delivers late says when the customer sent the message; the event
/// stream carries it as new, so polling must too.
#[tokio::test]
async fn polling_reports_a_message_received_late() {
    let s = TestServer::start().await;
    // Something there already, so the watermark is "now" rather than the epoch.
    s.conversation("+15556000").await;
    let (p, lists) = counting(&s);
    let mut updates = poll::updates(p, EVERY, poll::Clock::default().watch());
    assert_eq!(next(&mut updates).await, Update::Polling { every: EVERY });
    let sent = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60);
    let (status, v) = s
        .post(
            "/v1/inbound",
            json!({"channel": "sms", "contact": {"handle": "+15556004"}, "body": "sent a minute ago",
                   "received_at": sent}),
        )
        .await;
    assert!(status.is_success(), "{v}");
    let (cid, mid) = (str_of(&v, "/conversation/id"), str_of(&v, "/message/id"));
    let seen = read_polls(&mut updates, &lists, 3).await;
    assert!(updated(&seen).iter().any(|c| c.id.as_str() == cid), "its conversation is reported: {seen:#?}");
    assert_eq!(
        created(&seen).iter().filter(|m| m.id.as_str() == mid).count(),
        1,
        "a message stamped before the poller's look-back is still new: {seen:#?}"
    );
}

/// Archived conversations leave the "all" view; the stream says so with the archived
/// row, and polling must too, or the client keeps showing it.
#[tokio::test]
async fn polling_reports_an_archived_conversation() {
    let s = TestServer::start().await;
    let cid = s.conversation("+15556005").await;
    let (p, lists) = counting(&s);
    let mut updates = poll::updates(p, EVERY, poll::Clock::default().watch());
    assert_eq!(next(&mut updates).await, Update::Polling { every: EVERY });
    let (status, body) = s.post(&format!("/v1/conversations/{cid}/archive"), json!({})).await;
    assert!(status.is_success(), "{body}");
    let seen = read_polls(&mut updates, &lists, 3).await;
    assert!(
        updated(&seen).iter().any(|c| c.id.as_str() == cid && c.archived),
        "the archived row is reported: {seen:#?}"
    );
}

/// The engine's next live update, past its other answers.
async fn next_live(events: &mut tokio::sync::mpsc::UnboundedReceiver<SyncEvent>) -> Update {
    loop {
        let e = tokio::time::timeout(LIMIT, events.recv()).await.expect("an event in time").expect("engine runs");
        if let SyncEvent::Live(u) = e {
            return u;
        }
    }
}

#[tokio::test]
async fn the_engine_polls_a_provider_without_a_stream() {
    let s = TestServer::start().await;
    let account = sync::Account {
        provider: polling(&s),
        store: sync::store::Store::memory().await.expect("store"),
        cache: sync::cache::Cache::memory().await.expect("cache"),
        poll_every: EVERY,
        activity: poll::Clock::default(),
    };
    let (handle, mut events) = sync::spawn(account);
    assert!(!handle.capabilities().streaming);
    assert_eq!(next_live(&mut events).await, Update::Polling { every: EVERY });
    let v = s.inbound("+15556006", "hello from the engine test").await;
    loop {
        let u = next_live(&mut events).await;
        assert!(!matches!(u, Update::Reconnecting { .. }), "{u:?}");
        if let Some(EventKind::MessageCreated(m)) = kind(&u) {
            assert_eq!(m.body, "hello from the engine test");
            assert_eq!(m.conversation_id.as_str(), str_of(&v, "/conversation/id"));
            break;
        }
    }
    drop(handle);
}

#[tokio::test]
async fn polling_comes_back_with_the_server() {
    let s = TestServer::start().await;
    let mut updates = poll::updates(polling(&s), EVERY, poll::Clock::default().watch());
    assert_eq!(next(&mut updates).await, Update::Polling { every: EVERY });

    let down = s.stop().await;
    let seen = until(&mut updates, "a reconnect", |u| matches!(u, Update::Reconnecting { .. })).await;
    let Some(Update::Reconnecting { reason, .. }) = seen.last() else { unreachable!() };
    assert!(!reason.is_empty());

    let s = down.start().await;
    until(&mut updates, "polling again", |u| *u == Update::Polling { every: EVERY }).await;
    let v = s.inbound("+15556007", "after the restart").await;
    let seen = until(&mut updates, "the message", is_message("after the restart")).await;
    let Some(EventKind::MessageCreated(m)) = seen.last().and_then(kind) else { unreachable!() };
    assert_eq!(m.conversation_id.as_str(), str_of(&v, "/conversation/id"));
}

// ---- the unified inbox ----

/// Two accounts' providers, as the unified inbox is given them.
fn unified(east: (&str, &str), west: (&str, &str)) -> Unified {
    let member = |name: &str, (url, key): (&str, &str)| Member {
        name: name.to_owned(),
        provider: Arc::new(native(url, key)),
        poll_every: EVERY,
    };
    Unified::new(vec![member("east", east), member("west", west)], poll::Clock::default().watch())
}

/// Two servers with conversations made in turn (so the merge interleaves them).
pub(crate) struct Two {
    east: TestServer,
    west: TestServer,
}

impl Two {
    pub(crate) async fn start(east_n: usize, west_n: usize) -> Self {
        let (east, west) = tokio::join!(TestServer::start(), TestServer::start());
        for i in 0..east_n.max(west_n) {
            if i < east_n {
                east.conversation(&format!("+1555700{i:02}")).await;
            }
            if i < west_n {
                west.conversation(&format!("+1555800{i:02}")).await;
            }
        }
        Self { east, west }
    }

    pub(crate) fn unified(&self) -> Unified {
        unified((&self.east.url, &self.east.key), (&self.west.url, &self.west.key))
    }

    fn east(&self) -> NativeProvider {
        native(&self.east.url, &self.east.key)
    }

    fn west(&self) -> NativeProvider {
        native(&self.west.url, &self.west.key)
    }
}

pub(crate) fn all(limit: u32, cursor: Option<String>) -> ListQuery {
    ListQuery { view: Some("all".into()), limit, cursor, ..ListQuery::default() }
}

/// Every row of "all" on one provider, in its order.
pub(crate) async fn everything(p: &dyn Provider, limit: u32) -> Vec<Conversation> {
    let mut rows = Vec::new();
    let mut cursor = None;
    for _ in 0..50 {
        let page = p.list(all(limit, cursor.take())).await.expect("a page");
        rows.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return rows,
        }
    }
    panic!("the list never ends: {} rows so far", rows.len());
}

fn tagged(account: &str, rows: &[Conversation]) -> Vec<String> {
    rows.iter().map(|c| format!("{account}/{}", c.id)).collect()
}

fn activity(c: &Conversation) -> jiff::Timestamp {
    c.last_message.as_ref().map_or(c.updated_at, |m| m.at)
}

/// Every conversation of both accounts, tagged with its account.
async fn both(two: &Two) -> HashSet<String> {
    let east = everything(&two.east(), 100).await;
    let west = everything(&two.west(), 100).await;
    tagged("east", &east).into_iter().chain(tagged("west", &west)).collect()
}

/// Each conversation of both accounts exactly once; returns the rows in list order.
pub(crate) async fn assert_once_each(u: &Unified, two: &Two, limit: u32) -> Vec<Conversation> {
    let merged = everything(u, limit).await;
    let ids: Vec<String> = merged.iter().map(|c| c.id.to_string()).collect();
    let mut twice: Vec<&String> = ids.iter().filter(|id| ids.iter().filter(|x| x == id).count() > 1).collect();
    twice.dedup();
    let expected = both(two).await;
    let got: HashSet<String> = ids.iter().cloned().collect();
    let mut missing: Vec<&String> = expected.difference(&got).collect();
    missing.sort();
    let extra: Vec<&String> = got.difference(&expected).collect();
    assert!(
        twice.is_empty() && missing.is_empty() && extra.is_empty(),
        "at limit {limit}: twice {twice:?}, missing {missing:?}, extra {extra:?}; listed {ids:#?}"
    );
    merged
}

fn count(views: &[ViewWithCount], id: &str) -> Option<u64> {
    views.iter().find(|v| v.view.id.as_str() == id).map(|v| v.count)
}

#[tokio::test]
async fn unified_identity_and_views_add_up_the_accounts() {
    let two = Two::start(4, 3).await;
    let (status, view) = two.east.post("/v1/views", json!({"name": "VIP", "filter": {"tags": ["vip"]}})).await;
    assert!(status.is_success(), "{view}");
    let u = two.unified();

    let me = u.me().await.expect("me");
    assert_eq!(me.agent.id.as_str(), "me");

    let views = u.views().await.expect("views");
    let (east, west) = (two.east().views().await.expect("east views"), two.west().views().await.expect("west views"));
    assert_eq!(count(&east, "all"), Some(4));
    assert_eq!(count(&west, "all"), Some(3));
    for id in ["unread", "starred", "mine", "all", "overdue"] {
        assert_eq!(views.iter().filter(|v| v.view.id.as_str() == id).count(), 1, "{id} once: {views:#?}");
        let sum = count(&east, id).unwrap_or(0) + count(&west, id).unwrap_or(0);
        assert_eq!(count(&views, id), Some(sum), "{id}");
    }
    let saved_id = format!("east/{}", str_of(&view, "/id"));
    let saved = views.iter().find(|v| v.view.id.as_str() == saved_id).expect("the saved view, tagged");
    assert_eq!(saved.view.name, "VIP · east");
}

#[tokio::test]
async fn unified_list_pages_through_both_accounts_once_each() {
    let two = Two::start(10, 8).await;
    let u = two.unified();
    for limit in [7, 1, 5] {
        assert_once_each(&u, &two, limit).await;
    }
    // One page holds it all: no cursor.
    let page = u.list(all(100, None)).await.expect("list");
    assert_eq!(page.items.len(), 18);
    assert!(page.next_cursor.is_none());
}

/// Paged in steps that leave part of one account's page for later, the merged list
/// still runs latest activity first across page boundaries.
#[tokio::test]
async fn unified_list_pages_in_order_of_activity() {
    let two = Two::start(10, 8).await;
    let u = two.unified();
    for limit in [7, 1] {
        let merged = assert_once_each(&u, &two, limit).await;
        for pair in merged.windows(2) {
            assert!(
                activity(&pair[0]) >= activity(&pair[1]),
                "out of order at limit {limit}: {} ({}) then {} ({}); all: {:#?}",
                pair[0].id,
                activity(&pair[0]),
                pair[1].id,
                activity(&pair[1]),
                merged.iter().map(|c| (c.id.to_string(), activity(c))).collect::<Vec<_>>()
            );
        }
    }
}

/// A note moves a conversation up its own account's list (the server orders by
/// activity, notes included) but leaves its last message alone.
#[tokio::test]
async fn unified_list_keeps_every_row_after_a_note() {
    let two = Two::start(10, 8).await;
    let east = two.east();
    let oldest = everything(&east, 100).await.pop().expect("an east conversation");
    let note = Op::Send {
        conversation: oldest.id,
        kind: ReplyKind::Note,
        body: "called them".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    east.apply(note, key()).await.expect("note");
    let u = two.unified();
    assert_once_each(&u, &two, 7).await;
}

/// Archiving a row already shown, then scrolling on, must not lose a row still unseen.
#[tokio::test]
async fn unified_list_keeps_every_row_when_a_shown_row_leaves_the_view() {
    let two = Two::start(3, 3).await;
    let u = two.unified();
    let first = u.list(all(3, None)).await.expect("page one");
    let cursor = first.next_cursor.clone().expect("more to come");
    let gone = first.items.iter().find(|c| c.id.as_str().starts_with("east/")).expect("an east row on page one");
    u.apply(Op::Change { conversation: gone.id.clone(), change: Change::Archive }, key()).await.expect("archived");

    let mut shown: Vec<String> = first.items.iter().map(|c| c.id.to_string()).collect();
    let mut cursor = Some(cursor);
    for _ in 0..20 {
        let Some(c) = cursor.take() else { break };
        let page = u.list(all(3, Some(c))).await.expect("a page");
        shown.extend(page.items.iter().map(|c| c.id.to_string()));
        cursor = page.next_cursor;
    }
    assert!(cursor.is_none(), "the list ends");
    let mut expected = both(&two).await;
    expected.insert(gone.id.to_string());
    let got: HashSet<String> = shown.iter().cloned().collect();
    assert_eq!(got, expected, "missing {:?}", expected.difference(&got));
}

fn conversation(a: Applied) -> Conversation {
    match a {
        Applied::Conversation(c) => *c,
        other => panic!("expected a conversation, got {other:?}"),
    }
}

#[tokio::test]
async fn unified_ops_go_to_the_account_the_id_names() {
    let two = Two::start(3, 3).await;
    let u = two.unified();
    let (east, west) = (two.east(), two.west());
    let e: Vec<ConversationId> = everything(&east, 100).await.into_iter().map(|c| c.id).collect();
    let w: Vec<ConversationId> = everything(&west, 100).await.into_iter().map(|c| c.id).collect();
    let tag = |account: &str, id: &ConversationId| ConversationId::from(format!("{account}/{id}"));

    // One change: east only.
    let c = conversation(
        u.apply(Op::Change { conversation: tag("east", &e[0]), change: Change::Star }, key()).await.expect("star"),
    );
    assert_eq!((c.id.clone(), c.starred), (tag("east", &e[0]), true));
    assert!(east.conversation(e[0].clone()).await.expect("east row").starred);
    assert!(matches!(west.conversation(e[0].clone()).await, Err(ProviderError::NotFound(_))));
    assert!(everything(&west, 100).await.iter().all(|c| !c.starred), "west unchanged");

    // A bulk change across both: one answer per id, each tagged, each account changed.
    let ids = vec![tag("east", &e[1]), tag("west", &w[0]), tag("west", &w[1])];
    let Applied::Bulk(results) =
        u.apply(Op::Bulk { conversations: ids.clone(), change: Change::Close }, key()).await.expect("bulk")
    else {
        panic!("a bulk answer")
    };
    assert_eq!(results.len(), ids.len(), "{results:#?}");
    let answered: HashSet<&ConversationId> = results.iter().map(|(id, _)| id).collect();
    assert_eq!(answered, ids.iter().collect::<HashSet<_>>());
    for (id, outcome) in &results {
        let c = outcome.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!((&c.id, c.status.clone()), (id, Status::Closed));
    }
    assert_eq!(east.conversation(e[1].clone()).await.expect("east row").status, Status::Closed);
    for id in &w[..2] {
        assert_eq!(west.conversation(id.clone()).await.expect("west row").status, Status::Closed);
    }
    assert_eq!(west.conversation(w[2].clone()).await.expect("west row").status, Status::Open, "only those named");

    // "me" is the key's own agent in the account the conversation is in.
    let west_me = west.me().await.expect("west me").agent.id;
    let east_me = east.me().await.expect("east me").agent.id;
    assert_ne!(west_me, east_me);
    let assign = Change::Assign { agent_id: Some("me".into()), team: None };
    let c = conversation(
        u.apply(Op::Change { conversation: tag("west", &w[2]), change: assign }, key()).await.expect("assign"),
    );
    assert_eq!(c.assignee.map(|a| a.id.to_string()).as_deref(), Some("me"));
    let row = west.conversation(w[2].clone()).await.expect("west row");
    assert_eq!(row.assignee.map(|a| a.id.clone()), Some(west_me));
    // An agent of the other account cannot be assigned here.
    let elsewhere = Change::Assign { agent_id: Some(format!("east/{east_me}").into()), team: None };
    let refused = u.apply(Op::Change { conversation: tag("west", &w[1]), change: elsewhere }, key()).await;
    assert!(matches!(refused, Err(ProviderError::Permanent { .. })), "{refused:?}");
}

#[tokio::test]
async fn unified_works_on_with_one_account_down() {
    let two = Two::start(2, 4).await;
    let Two { east, west } = two;
    let west_rows = everything(&native(&west.url, &west.key), 100).await;
    let down = east.stop().await;
    let u = unified((&down.url, &down.key), (&west.url, &west.key));

    assert_eq!(u.me().await.expect("me from the account that answers").agent.id.as_str(), "me");
    let views = u.views().await.expect("views from the account that answers");
    assert_eq!(count(&views, "all"), Some(4));
    let page = u.list(all(100, None)).await.expect("west's rows");
    let got: HashSet<String> = page.items.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(got, tagged("west", &west_rows).into_iter().collect::<HashSet<_>>());

    // Paging in small steps still reaches every west row, once each.
    let mut shown = Vec::new();
    let mut cursor = None;
    for _ in 0..20 {
        let Ok(page) = u.list(all(3, cursor.take())).await else { break };
        shown.extend(page.items.iter().map(|c| c.id.to_string()));
        let Some(next) = page.next_cursor else { break };
        cursor = Some(next);
    }
    let distinct: HashSet<&String> = shown.iter().collect();
    assert_eq!((distinct.len(), shown.len()), (west_rows.len(), west_rows.len()), "{shown:#?}");
}

#[tokio::test]
async fn unified_updates_come_tagged_with_their_account() {
    let (east, west) = tokio::join!(TestServer::start(), TestServer::start());
    // East streams; west polls.
    let u = Unified::new(
        vec![
            Member { name: "east".into(), provider: Arc::new(native(&east.url, &east.key)), poll_every: EVERY },
            Member { name: "west".into(), provider: polling(&west), poll_every: EVERY },
        ],
        poll::Clock::default().watch(),
    );
    // As the engine does: the views (and their counts) are loaded first.
    assert_eq!(count(&u.views().await.expect("views"), "all"), Some(0));
    let mut updates = u.updates(None);
    assert_eq!(next(&mut updates).await, Update::Polling { every: EVERY }, "up once both are");

    let v = west.inbound("+15559001", "west calling").await;
    let mut seen = until(&mut updates, "west's message", is_message("west calling")).await;
    let Some(EventKind::MessageCreated(m)) = seen.last().and_then(kind) else { unreachable!() };
    assert!(m.conversation_id.as_str().starts_with("west/"), "{m:?}");
    assert_eq!(m.conversation_id.to_string(), format!("west/{}", str_of(&v, "/conversation/id")));
    assert_eq!(m.id.to_string(), format!("west/{}", str_of(&v, "/message/id")));

    let v = east.inbound("+15559002", "east calling").await;
    seen.extend(until(&mut updates, "east's message", is_message("east calling")).await);
    let Some(EventKind::MessageCreated(m)) = seen.last().and_then(kind) else { unreachable!() };
    assert_eq!(m.conversation_id.to_string(), format!("east/{}", str_of(&v, "/conversation/id")));

    for k in seen.iter().filter_map(kind) {
        if let Some(id) = k.conversation_id() {
            assert!(["east/", "west/"].iter().any(|p| id.as_str().starts_with(p)), "untagged: {k:?}");
        }
    }
    // The counts add up both accounts once each has reported its own.
    seen.extend(
        until(&mut updates, "counts of both", |u| {
            matches!(kind(u), Some(EventKind::ViewCountsChanged(c))
                if c.iter().any(|c| c.view_id.as_str() == "all" && c.count == 2))
        })
        .await,
    );
}
