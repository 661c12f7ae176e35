//! The outbox retrying a reply on Bancroft (no idempotency key) through a provider
//! that loses the first attempt in one of three ways: the reply reached Bancroft
//! but its answer was lost; it never left; or Bancroft refused it with a 429. The
//! wiremock Bancroft keeps what is posted, so its thread shows what arrived.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::stream::BoxStream;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use wiremock::{Request, Respond};

use frontdesk_domain::{Agent, Change, Conversation, Message, Page, ViewWithCount};
use frontdesk_provider::{Capabilities, Identity, ListQuery, ProviderError, ProviderFuture, ProviderResult, Update};
use frontdesk_sync::SyncEvent;
use frontdesk_sync::outbox::{self, Msg};
use frontdesk_sync::store::Store;

use super::*;

/// What Bancroft holds of the conversation's thread.
#[derive(Clone, Default)]
struct Held(Arc<Mutex<Vec<Value>>>);

impl Held {
    fn rows(&self) -> Vec<Value> {
        self.0.lock().expect("not poisoned").clone()
    }

    fn push(&self, body: &str) -> Value {
        let mut rows = self.0.lock().expect("not poisoned");
        // Stamped by "Bancroft's clock" as it arrives.
        let m = bancroft_msg(&format!("m{}", rows.len() + 1), AGENT, body, &Timestamp::now().to_string());
        rows.push(m.clone());
        m
    }
}

/// `POST …/messages/create/`: kept, and answered with the message.
struct Post(Held);

impl Respond for Post {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let sent: Value = serde_json::from_slice(&r.body).unwrap_or_default();
        let m = self.0.push(sent["body"].as_str().unwrap_or_default());
        ResponseTemplate::new(201).set_body_json(m)
    }
}

/// `GET …/messages/`: everything held, oldest first.
struct Read(Held);

impl Respond for Read {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        ok(&bancroft_thread(&self.0.rows()))
    }
}

async fn keeping_bancroft() -> (MockServer, HelpdeskProvider, Held) {
    let (server, p) = bancroft().await;
    let held = Held::default();
    let messages = format!("/api/v1/conversations/{ID}/messages/");
    Mock::given(method("POST"))
        .and(path(format!("{messages}create/")))
        .respond_with(Post(held.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path(messages)).respond_with(Read(held.clone())).mount(&server).await;
    (server, p, held)
}

async fn posts(server: &MockServer) -> usize {
    requests(server).await.iter().filter(|r| r.method.as_str() == "POST").count()
}

/// How the first reply sent goes wrong.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// It reaches Bancroft; the answer is lost on the way back.
    AnswerLost,
    /// It never leaves: the connection fails first.
    NeverSent,
    /// Bancroft refuses it, asking for a second's wait.
    Throttled,
}

/// Bancroft behind a flaky network: the first reply meets `fault`; everything
/// else, and every later attempt, goes through. What the outbox did is logged.
struct Lossy {
    inner: Arc<HelpdeskProvider>,
    fault: Fault,
    replies: AtomicUsize,
    log: Mutex<Vec<&'static str>>,
}

impl Lossy {
    fn new(inner: HelpdeskProvider, fault: Fault) -> Self {
        Self { inner: Arc::new(inner), fault, replies: AtomicUsize::new(0), log: Mutex::new(Vec::new()) }
    }

    fn note(&self, what: &'static str) {
        self.log.lock().expect("not poisoned").push(what);
    }

    fn log(&self) -> Vec<&'static str> {
        self.log.lock().expect("not poisoned").clone()
    }
}

impl Provider for Lossy {
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
        self.inner.list(query)
    }
    fn conversation(&self, id: ConversationId) -> ProviderFuture<'_, Conversation> {
        self.inner.conversation(id)
    }
    fn thread(&self, id: ConversationId, limit: u32) -> ProviderFuture<'_, Vec<Message>> {
        self.inner.thread(id, limit)
    }
    fn apply(&self, op: Op, key: String) -> ProviderFuture<'_, Applied> {
        Box::pin(async move {
            if !matches!(op, Op::Send { .. }) {
                return self.inner.apply(op, key).await;
            }
            self.note("send");
            if self.replies.fetch_add(1, Ordering::SeqCst) > 0 {
                return self.inner.apply(op, key).await;
            }
            let lost: ProviderResult<Applied> = Err(ProviderError::Network("connection reset by peer".into()));
            match self.fault {
                Fault::AnswerLost => {
                    let arrived = self.inner.apply(op, key).await;
                    assert!(arrived.is_ok(), "Bancroft took it: {arrived:?}");
                    lost
                }
                Fault::NeverSent => lost,
                Fault::Throttled => Err(ProviderError::RateLimited { retry_after: Some(Duration::from_secs(1)) }),
            }
        })
    }
    fn already_applied(&self, op: &Op, since: Timestamp) -> ProviderFuture<'_, Option<Applied>> {
        self.note("check");
        self.inner.already_applied(op, since)
    }
    fn updates(&self, resume: Option<String>) -> BoxStream<'static, Update> {
        self.inner.updates(resume)
    }
}

/// The outbox on `provider` with a fresh store, once it has read what an earlier
/// run left: a harmless entry is left for it (a star, which Bancroft refuses) and
/// its recovery awaited, so that the entries under test are not taken for ones
/// an earlier run left.
async fn outbox_on(provider: Arc<Lossy>) -> (Store, UnboundedSender<Msg>, UnboundedReceiver<SyncEvent>) {
    let store = Store::memory().await.expect("store");
    store.enqueue(&Op::Change { conversation: "other".into(), change: Change::Star }).await.expect("enqueued");
    let (tx, rx) = mpsc::unbounded_channel();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    tokio::spawn(outbox::run(store.clone(), provider, rx, events_tx));
    next(&mut events, |e| matches!(e, SyncEvent::Recovered(_)).then_some(())).await;
    (store, tx, events)
}

/// Waits for the first event `pick` accepts (a hang guard, not a timing check).
async fn next<T>(events: &mut UnboundedReceiver<SyncEvent>, pick: impl Fn(SyncEvent) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let ev = tokio::time::timeout_at(deadline, events.recv()).await.expect("an event within 30 s (hang guard)");
        if let Some(t) = pick(ev.expect("the outbox runs")) {
            return t;
        }
    }
}

/// Queues the reply under `ticket` and waits for its final answer.
async fn send_reply(store: &Store, tx: &UnboundedSender<Msg>, events: &mut UnboundedReceiver<SyncEvent>) -> Message {
    let entry = store.enqueue(&reply(ID, BODY)).await.expect("enqueued");
    tx.send(Msg::Added { seq: entry.seq, ticket: 1 }).expect("the outbox listens");
    next(events, |e| matches!(e, SyncEvent::Retrying { ticket: 1, .. }).then_some(())).await;
    let result = next(events, |e| match e {
        SyncEvent::Applied { ticket: 1, result } => Some(result),
        _ => None,
    })
    .await;
    match result {
        Ok(Applied::Message(m)) => *m,
        other => panic!("expected the sent message, got {other:?}"),
    }
}

#[tokio::test]
async fn a_reply_whose_answer_was_lost_is_found_not_posted_again() {
    let (server, p, held) = keeping_bancroft().await;
    let lossy = Arc::new(Lossy::new(p, Fault::AnswerLost));
    let (store, tx, mut events) = outbox_on(Arc::clone(&lossy)).await;
    let m = send_reply(&store, &tx, &mut events).await;
    assert_eq!(posts(&server).await, 1, "posted once");
    assert_eq!(held.rows().len(), 1);
    assert_eq!((m.id.as_str(), m.body.as_str()), ("m1", BODY), "the message Bancroft holds is the answer");
    assert_eq!(lossy.log(), ["send", "check"], "the retry looked and found it");
    assert!(store.pending().await.expect("pending").is_empty(), "the entry is done");
}

#[tokio::test]
async fn a_reply_that_never_left_is_posted_once_on_the_retry() {
    let (server, p, held) = keeping_bancroft().await;
    let lossy = Arc::new(Lossy::new(p, Fault::NeverSent));
    let (store, tx, mut events) = outbox_on(Arc::clone(&lossy)).await;
    let m = send_reply(&store, &tx, &mut events).await;
    assert_eq!(posts(&server).await, 1, "posted once");
    assert_eq!(held.rows().iter().filter(|r| r["body"] == BODY).count(), 1);
    assert_eq!(m.id.as_str(), "m1");
    assert_eq!(lossy.log(), ["send", "check", "send"], "looked, found nothing, sent");
}

#[tokio::test]
async fn a_429_is_a_clean_refusal_and_the_retry_does_not_look_first() {
    let (server, p, _held) = keeping_bancroft().await;
    let lossy = Arc::new(Lossy::new(p, Fault::Throttled));
    let (store, tx, mut events) = outbox_on(Arc::clone(&lossy)).await;
    send_reply(&store, &tx, &mut events).await;
    assert_eq!(posts(&server).await, 1);
    assert_eq!(lossy.log(), ["send", "send"]);
}

/// A reply an earlier run was sending when it stopped (its attempt never
/// recorded) may have arrived: the next run looks before sending it.
#[tokio::test]
async fn a_reply_left_by_an_earlier_run_that_arrived_is_not_posted_again() {
    let (server, p, held) = keeping_bancroft().await;
    held.push(BODY);
    let lossy = Arc::new(Lossy::new(p, Fault::NeverSent));
    let store = Store::memory().await.expect("store");
    store.enqueue(&reply(ID, BODY)).await.expect("left by the earlier run");
    let (_tx, rx) = mpsc::unbounded_channel();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    tokio::spawn(outbox::run(store.clone(), Arc::clone(&lossy) as Arc<dyn Provider>, rx, events_tx));
    let result = next(&mut events, |e| match e {
        SyncEvent::Applied { result, .. } => Some(result),
        _ => None,
    })
    .await;
    assert!(matches!(&result, Ok(Applied::Message(m)) if m.id.as_str() == "m1"), "{result:?}");
    assert_eq!(posts(&server).await, 0, "not posted again");
    assert_eq!(lossy.log(), ["check"]);
}

/// Issue 16: a write from a script (`frontdesk reply`) meets the same faults and
/// lands exactly once: the retry looks for a lost answer before posting again, and
/// does not look after a clean 429.
#[tokio::test]
async fn a_script_reply_lands_once_whatever_the_first_try_met() {
    use frontdesk::script::failure::apply_once;
    for (fault, log) in [
        (Fault::AnswerLost, vec!["send", "check"]),
        (Fault::NeverSent, vec!["send", "check", "send"]),
        (Fault::Throttled, vec!["send", "send"]),
    ] {
        let (server, p, held) = keeping_bancroft().await;
        let lossy = Lossy::new(p, fault);
        let applied = apply_once(&lossy, &reply(ID, BODY), "script-key", "sending").await;
        assert!(matches!(applied, Ok(Applied::Message(_))), "{fault:?}: {applied:?}");
        assert_eq!(posts(&server).await, 1, "{fault:?}: posted once");
        assert_eq!(held.rows().iter().filter(|r| r["body"] == BODY).count(), 1, "{fault:?}");
        assert_eq!(lossy.log(), log, "{fault:?}");
    }
}
