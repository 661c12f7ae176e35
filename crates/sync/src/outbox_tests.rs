//! The outbox against a store and a network that fail on cue, in tokio's paused
//! time: each store failure alone, then random sequences of both (proptest). What
//! is checked is what the agent is promised: every reply answered once, none sent
//! again after its answer, none applied twice, none dropped, and no hot loop
//! (attempts spaced by the backoff in simulated time).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use futures::StreamExt as _;
use futures::stream::BoxStream;
use proptest::prelude::*;

use super::*;
use frontdesk_domain::{Agent, Conversation, ConversationId, Message, Page, ReplyKind, ViewWithCount};
use frontdesk_provider::{Capabilities, Identity, ListQuery, ProviderFuture, Update};

/// Calls past this many mean the outbox spins: the fakes then stop answering, so
/// that paused time moves on to the deadline and the test fails instead of hanging.
const SPIN: usize = 20_000;
/// No hot loop: attempts at one reply, and reads after a store failure, are at
/// least about a second apart (the backoff's floor, less timer rounding).
const SPACED: Duration = Duration::from_millis(900);
/// Far beyond the longest the scripted failures can delay anything.
const DEADLINE: Duration = Duration::from_secs(6 * 3600);
const EPOCH_MS: i64 = 1_700_000_000_000;

/// What a store call does when its turn comes; past the script, it works.
#[derive(Clone, Debug, Default)]
struct StoreScript {
    pending: Vec<bool>,
    retry: Vec<bool>,
    remove: Vec<bool>,
}

/// One answer of the network to a send; past the script, `Ok`.
#[derive(Clone, Copy, Debug)]
enum Net {
    Ok,
    /// Never arrived (connection refused).
    Transient,
    /// Refused for good (422).
    Permanent,
    /// Arrived, and the answer was lost on the way back.
    Lost,
}

#[derive(Default)]
struct Table {
    entries: Vec<Entry>,
    pending: VecDeque<bool>,
    retry: VecDeque<bool>,
    remove: VecDeque<bool>,
    calls: usize,
    last_failure: Option<Instant>,
    /// Reads sooner than [`SPACED`] after a failure.
    hasty_reads: usize,
    reads: usize,
}

/// The outbox's table in memory, failing when its script says.
#[derive(Clone, Default)]
struct Flaky(Arc<Mutex<Table>>);

impl Flaky {
    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a call; whether it fails (then it has no effect).
    async fn call(&self, script: fn(&mut Table) -> &mut VecDeque<bool>) -> bool {
        let spun = {
            let mut t = self.table();
            t.calls += 1;
            t.calls > SPIN
        };
        if spun {
            std::future::pending::<()>().await;
        }
        let mut t = self.table();
        let fail = script(&mut t).pop_front().unwrap_or(false);
        if fail {
            t.last_failure = Some(Instant::now());
        }
        fail
    }

    fn failure() -> StoreError {
        StoreError::Open { path: "outbox.db".into(), reason: "disk I/O error".into() }
    }
}

impl Queue for Flaky {
    async fn pending(&self) -> Result<Vec<Entry>, StoreError> {
        {
            let mut t = self.table();
            t.reads += 1;
            if t.last_failure.is_some_and(|f| f.elapsed() < SPACED) {
                t.hasty_reads += 1;
            }
        }
        if self.call(|t| &mut t.pending).await {
            return Err(Self::failure());
        }
        Ok(self.table().entries.clone())
    }

    fn retry_at(
        &self,
        seq: i64,
        next_at: i64,
        error: &str,
        kind: ErrorKind,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let error = error.to_owned();
        async move {
            if self.call(|t| &mut t.retry).await {
                return Err(Self::failure());
            }
            if let Some(e) = self.table().entries.iter_mut().find(|e| e.seq == seq) {
                e.attempts += 1;
                e.next_at = next_at;
                e.last_error = Some(error);
                e.last_error_kind = Some(kind);
            }
            Ok(())
        }
    }

    async fn remove(&self, seq: i64) -> Result<(), StoreError> {
        if self.call(|t| &mut t.remove).await {
            return Err(Self::failure());
        }
        self.table().entries.retain(|e| e.seq != seq);
        Ok(())
    }

    async fn wake_all(&self) -> Result<(), StoreError> {
        for e in &mut self.table().entries {
            e.next_at = 0;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Backend {
    script: VecDeque<Net>,
    /// Replies posted, in order; a backend without idempotency keys (Bancroft)
    /// posts every copy it is sent.
    posted: Vec<String>,
    /// Replies the outbox has its final answer for.
    answered: HashSet<String>,
    /// When each reply was sent.
    sends: HashMap<String, Vec<Instant>>,
    /// Sends of a reply after its final answer.
    again: Vec<String>,
    calls: usize,
}

/// A backend behind a network that fails when its script says.
#[derive(Clone, Default)]
struct Server(Arc<Mutex<Backend>>);

impl Server {
    fn backend(&self) -> std::sync::MutexGuard<'_, Backend> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn body(op: &Op) -> String {
    match op {
        Op::Send { body, .. } => body.clone(),
        other => format!("{other:?}"),
    }
}

fn refused<T: Send + 'static>() -> ProviderFuture<'static, T> {
    Box::pin(async { Err(ProviderError::Unsupported("this test")) })
}

impl Provider for Server {
    fn name(&self) -> &'static str {
        "flaky"
    }
    fn capabilities(&self) -> &Capabilities {
        &Capabilities::ALL
    }
    fn me(&self) -> ProviderFuture<'_, Identity> {
        refused()
    }
    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
        refused()
    }
    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
        refused()
    }
    fn list(&self, _: ListQuery) -> ProviderFuture<'_, Page<Conversation>> {
        refused()
    }
    fn conversation(&self, _: ConversationId) -> ProviderFuture<'_, Conversation> {
        refused()
    }
    fn thread(&self, _: ConversationId, _: u32) -> ProviderFuture<'_, Vec<Message>> {
        refused()
    }
    fn apply(&self, op: Op, _key: String) -> ProviderFuture<'_, Applied> {
        Box::pin(async move {
            let spun = {
                let mut b = self.backend();
                b.calls += 1;
                b.calls > SPIN
            };
            if spun {
                std::future::pending::<()>().await;
            }
            let reply = body(&op);
            let mut b = self.backend();
            b.sends.entry(reply.clone()).or_default().push(Instant::now());
            if b.answered.contains(&reply) {
                b.again.push(reply.clone());
            }
            match b.script.pop_front().unwrap_or(Net::Ok) {
                Net::Ok => {
                    b.posted.push(reply.clone());
                    b.answered.insert(reply);
                    Ok(Applied::Done)
                }
                Net::Transient => Err(ProviderError::Network("connection refused".into())),
                Net::Permanent => {
                    b.answered.insert(reply);
                    Err(ProviderError::Permanent { code: "422".into(), message: "refused".into() })
                }
                Net::Lost => {
                    b.posted.push(reply);
                    Err(ProviderError::Network("connection reset by peer".into()))
                }
            }
        })
    }
    fn already_applied(&self, op: &Op, _since: jiff::Timestamp) -> ProviderFuture<'_, Option<Applied>> {
        let reply = body(op);
        Box::pin(async move {
            let mut b = self.backend();
            if b.posted.contains(&reply) {
                b.answered.insert(reply);
                return Ok(Some(Applied::Done));
            }
            Ok(None)
        })
    }
    fn updates(&self, _: Option<String>) -> BoxStream<'static, Update> {
        futures::stream::empty().boxed()
    }
}

/// A run: `replies` replies in `lanes` conversations, the first `left` of them
/// left by an earlier run (no `Added` for them).
#[derive(Clone, Debug)]
struct Case {
    replies: usize,
    lanes: usize,
    left: usize,
    store: StoreScript,
    network: Vec<Net>,
}

impl Case {
    fn one(store: StoreScript, network: Vec<Net>) -> Self {
        Self { replies: 1, lanes: 1, left: 0, store, network }
    }
}

/// What happened, seen from the client, the backend and the store.
struct Report {
    /// The final answers each reply got (by body).
    answers: HashMap<String, Vec<Result<Applied, ProviderError>>>,
    /// How many times each reply was posted.
    posted: HashMap<String, usize>,
    /// Posting order per lane, as sequence numbers.
    order: HashMap<String, Vec<i64>>,
    again: Vec<String>,
    sends: HashMap<String, Vec<Instant>>,
    network_calls: usize,
    left_in_store: usize,
    store_calls: usize,
    reads: usize,
    hasty_reads: usize,
}

impl Report {
    fn hasty_sends(&self) -> Vec<(&String, Duration)> {
        self.sends
            .iter()
            .flat_map(|(reply, at)| at.windows(2).map(move |w| (reply, w[1] - w[0])))
            .filter(|(_, gap)| *gap < SPACED)
            .collect()
    }
}

fn reply_op(lane: usize, seq: i64) -> Op {
    Op::Send {
        conversation: ConversationId::from(format!("cnv_{lane}")),
        kind: ReplyKind::Reply,
        body: format!("reply {seq}"),
        suggestion: None,
        attachments: Vec::new(),
    }
}

fn seq_of(reply: &str) -> i64 {
    reply.trim_start_matches("reply ").parse().unwrap_or(-1)
}

/// Runs the outbox over `case` in paused time until every reply is answered (or
/// the deadline), then a while longer for removals that failed.
fn run_case(case: &Case) -> Report {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().expect("runtime");
    rt.block_on(async {
        let store = Flaky::default();
        let server = Server::default();
        let start = Instant::now();
        let now: Now = Box::new(move || EPOCH_MS + i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX / 2));
        let (tx, rx) = mpsc::unbounded_channel();
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let mut tickets: HashMap<u64, String> = HashMap::new();
        {
            let mut t = store.table();
            t.pending = case.store.pending.iter().copied().collect();
            t.retry = case.store.retry.iter().copied().collect();
            t.remove = case.store.remove.iter().copied().collect();
            for i in 0..case.replies {
                let seq = i64::try_from(i).unwrap_or(0) + 1;
                let op = reply_op(i % case.lanes.max(1), seq);
                t.entries.push(Entry {
                    seq,
                    key: format!("key-{seq}"),
                    lane: crate::store::lane(&op),
                    op,
                    attempts: 0,
                    next_at: 0,
                    last_error: None,
                    last_error_kind: None,
                    created_at: EPOCH_MS,
                });
                if i >= case.left {
                    let ticket = seq.unsigned_abs();
                    tickets.insert(ticket, format!("reply {seq}"));
                    tx.send(Msg::Added { seq, ticket }).expect("the outbox listens");
                }
            }
        }
        server.backend().script = case.network.iter().copied().collect();
        let provider: Arc<dyn Provider> = Arc::new(server.clone());
        let outbox = tokio::spawn(Outbox::new(store.clone(), provider, events_tx, now).run(rx));

        let mut answers: HashMap<String, Vec<Result<Applied, ProviderError>>> = HashMap::new();
        let record =
            |event: SyncEvent,
             tickets: &mut HashMap<u64, String>,
             answers: &mut HashMap<String, Vec<Result<Applied, ProviderError>>>| match event {
                SyncEvent::Recovered(ops) => {
                    for (ticket, op) in ops {
                        tickets.insert(ticket, body(&op));
                    }
                }
                SyncEvent::Applied { ticket, result } => {
                    let reply = tickets.get(&ticket).cloned().unwrap_or_else(|| format!("ticket {ticket}"));
                    answers.entry(reply).or_default().push(result);
                }
                _ => {}
            };
        let deadline = start + DEADLINE;
        while answers.len() < case.replies {
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Some(event)) => record(event, &mut tickets, &mut answers),
                Ok(None) | Err(_) => break,
            }
        }
        // Failed removals are tried again after their backoff; a resend would show.
        tokio::time::sleep(Duration::from_secs(600)).await;
        while let Ok(event) = events.try_recv() {
            record(event, &mut tickets, &mut answers);
        }
        drop(tx);
        outbox.abort();

        let t = store.table();
        let b = server.backend();
        let mut posted: HashMap<String, usize> = HashMap::new();
        let mut order: HashMap<String, Vec<i64>> = HashMap::new();
        for reply in &b.posted {
            *posted.entry(reply.clone()).or_default() += 1;
            let seq = seq_of(reply);
            let lane = usize::try_from(seq - 1).unwrap_or(0) % case.lanes.max(1);
            order.entry(format!("cnv_{lane}")).or_default().push(seq);
        }
        Report {
            answers,
            posted,
            order,
            again: b.again.clone(),
            sends: b.sends.clone(),
            network_calls: b.calls,
            left_in_store: t.entries.len(),
            store_calls: t.calls,
            reads: t.reads,
            hasty_reads: t.hasty_reads,
        }
    })
}

/// A failed read is a backoff, not "nothing queued": the reply goes once the
/// store answers, and the store is not read again for a second after each failure.
#[test]
fn a_failed_read_waits_and_then_sends() {
    let r = run_case(&Case::one(StoreScript { pending: vec![true; 3], ..StoreScript::default() }, vec![]));
    assert_eq!(r.posted.get("reply 1"), Some(&1), "sent once the store answers");
    assert_eq!(r.answers.get("reply 1").map(Vec::len), Some(1));
    assert_eq!((r.hasty_reads, r.left_in_store), (0, 0));
    assert!(r.reads >= 4, "read again after each failure: {}", r.reads);
}

/// A retry the store cannot record still waits its backoff (kept in memory):
/// no hot loop of sends.
#[test]
fn a_retry_the_store_cannot_record_still_waits() {
    let failing = StoreScript { retry: vec![true; 3], ..StoreScript::default() };
    let r = run_case(&Case::one(failing, vec![Net::Transient; 3]));
    assert_eq!(r.network_calls, 4, "three failures, then the send that works");
    assert!(r.hasty_sends().is_empty(), "{:?}", r.hasty_sends());
    assert_eq!(r.hasty_reads, 0);
    assert_eq!((r.posted.get("reply 1"), r.left_in_store), (Some(&1), 0));
}

/// A reply delivered whose removal from the store failed is remembered as
/// answered: never sent again, removed once the store answers.
#[test]
fn a_delivered_reply_whose_removal_failed_is_not_sent_again() {
    let r = run_case(&Case::one(StoreScript { remove: vec![true; 2], ..StoreScript::default() }, vec![]));
    assert_eq!(r.network_calls, 1, "sent once");
    assert!(r.again.is_empty(), "{:?}", r.again);
    assert_eq!(r.answers.get("reply 1").map(Vec::len), Some(1), "answered once");
    assert_eq!(r.left_in_store, 0, "removed once the store answers");
}

/// On a backend without idempotency keys, a reply whose answer was lost, and
/// whose failed attempt the store could not record, is looked for before it is
/// sent again: posted once.
#[test]
fn a_lost_answer_the_store_could_not_record_is_looked_for() {
    let failing = StoreScript { retry: vec![true], ..StoreScript::default() };
    let r = run_case(&Case::one(failing, vec![Net::Lost]));
    assert_eq!(r.posted.get("reply 1"), Some(&1), "posted once");
    assert!(matches!(r.answers.get("reply 1").map(Vec::as_slice), Some([Ok(_)])));
}

/// What an earlier run left is recovered even when the first read fails.
#[test]
fn what_an_earlier_run_left_is_recovered_after_a_failed_first_read() {
    let case = Case { left: 1, ..Case::one(StoreScript { pending: vec![true], ..StoreScript::default() }, vec![]) };
    let r = run_case(&case);
    assert_eq!(r.posted.get("reply 1"), Some(&1));
    assert_eq!(r.answers.get("reply 1").map(Vec::len), Some(1));
}

fn net() -> impl Strategy<Value = Net> {
    prop_oneof![Just(Net::Ok), Just(Net::Transient), Just(Net::Permanent), Just(Net::Lost)]
}

fn script() -> impl Strategy<Value = StoreScript> {
    let fails = || prop::collection::vec(any::<bool>(), 0..10);
    (fails(), fails(), fails()).prop_map(|(pending, retry, remove)| StoreScript { pending, retry, remove })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Random store failures (read, record a retry, remove) and network answers
    /// (ok, transient, permanent, lost): every reply is answered exactly once and
    /// posted at most once (exactly once when the answer is a success), never
    /// sent after its answer, in order within its conversation, gone from the
    /// store at the end; sends and reads never spin.
    #[test]
    fn the_outbox_keeps_its_promises(
        replies in 1usize..6,
        lanes in 1usize..3,
        left in 0usize..3,
        store in script(),
        network in prop::collection::vec(net(), 0..16),
    ) {
        let case = Case { replies, lanes, left, store, network };
        let r = run_case(&case);
        prop_assert!(r.store_calls <= SPIN && r.network_calls <= SPIN, "spun: {} store calls, {} sends", r.store_calls, r.network_calls);
        prop_assert!(r.network_calls <= case.network.len() + replies, "{} sends for {} scripted answers", r.network_calls, case.network.len());
        prop_assert!(r.again.is_empty(), "sent after its answer: {:?}", r.again);
        prop_assert!(r.hasty_sends().is_empty(), "sends too close: {:?}", r.hasty_sends());
        prop_assert_eq!(r.hasty_reads, 0, "store read again too soon after a failure");
        prop_assert_eq!(r.left_in_store, 0, "left in the store");
        for seq in 1..=i64::try_from(replies).unwrap_or(0) {
            let reply = format!("reply {seq}");
            let answers = r.answers.get(&reply).map_or(&[][..], Vec::as_slice);
            prop_assert_eq!(answers.len(), 1, "{} answered {:?}", reply, answers);
            let posted = r.posted.get(&reply).copied().unwrap_or(0);
            prop_assert!(posted <= 1, "{} posted {} times", reply, posted);
            if answers[0].is_ok() {
                prop_assert_eq!(posted, 1, "{} answered ok but posted {} times", reply, posted);
            }
        }
        for (lane, seqs) in &r.order {
            prop_assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{} out of order: {:?}", lane, seqs);
        }
    }
}
