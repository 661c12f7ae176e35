//! `GET /v1/events`: the Server-Sent Events stream, read the way a client reads it
//! (reqwest's `bytes_stream()` through the `sse-stream` parser).
//!
//! The small stream reader at the top is also used by `snooze.rs`.

use std::pin::Pin;
use std::time::Duration;

use frontdesk_domain::{Event, EventKind, PresenceState, Status};
use futures::{Stream, StreamExt};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::support::{TestServer, code};

/// The longest any wait for an asynchronous effect may take before the test fails.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// Event names of the persisted kinds (the ones with ids that resume replays).
const STORED: [&str; 4] = ["message_created", "conversation_updated", "suggestion_created", "suggestion_resolved"];

/// One named event off the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Received {
    pub(crate) name: String,
    pub(crate) id: Option<i64>,
    pub(crate) data: String,
}

impl Received {
    /// The data as the domain `Event`; fails the test if it is not one.
    pub(crate) fn event(&self) -> Event {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("`{}` event data is not a domain Event ({e}): {}", self.name, self.data))
    }

    /// The conversation the event is about, if it is about one.
    pub(crate) fn conversation_id(&self) -> Option<String> {
        self.event().kind.conversation_id().map(|c| c.as_str().to_owned())
    }

    fn is_stored(&self) -> bool {
        STORED.contains(&self.name.as_str())
    }
}

type Blocks = Pin<Box<dyn Stream<Item = Result<sse_stream::Sse, sse_stream::Error>> + Send>>;

/// An open event stream.
pub(crate) struct EventStream {
    blocks: Blocks,
    /// The last `retry:` value seen, in milliseconds.
    pub(crate) retry: Option<u64>,
    /// Whether a `retry:` came before the first named event.
    pub(crate) retry_before_first_event: bool,
    seen_named: bool,
}

/// Opens `GET /v1/events{query}` as `key`, optionally with a `Last-Event-ID`, and
/// checks that it is an event stream.
pub(crate) async fn open(s: &TestServer, key: &str, last_event_id: Option<&str>, query: &str) -> EventStream {
    let resp = request(s, key, last_event_id, query).await;
    assert_eq!(resp.status(), StatusCode::OK, "GET /v1/events{query} (Last-Event-ID {last_event_id:?}) was refused");
    let content_type = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(content_type.starts_with("text/event-stream"), "content type of the stream: {content_type:?}");
    EventStream {
        blocks: Box::pin(sse_stream::SseByteStream::new(resp.bytes_stream())),
        retry: None,
        retry_before_first_event: false,
        seen_named: false,
    }
}

async fn request(s: &TestServer, key: &str, last_event_id: Option<&str>, query: &str) -> reqwest::Response {
    let mut req =
        s.client.get(s.path(&format!("/v1/events{query}"))).bearer_auth(key).header(ACCEPT, "text/event-stream");
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id);
    }
    req.send().await.unwrap_or_else(|e| panic!("GET /v1/events{query} not sent: {e}"))
}

impl EventStream {
    /// The next named event (metadata-only blocks such as `retry:` are noted and
    /// skipped), waiting until `deadline`.
    async fn next_until(&mut self, deadline: Instant, waiting_for: &str) -> Received {
        loop {
            let Ok(next) = tokio::time::timeout_at(deadline, self.blocks.next()).await else {
                panic!("no event within {WAIT:?} while waiting for {waiting_for}");
            };
            let block = match next {
                None => panic!("the event stream ended while waiting for {waiting_for}"),
                Some(Err(e)) => panic!("the event stream broke while waiting for {waiting_for}: {e}"),
                Some(Ok(block)) => block,
            };
            if let Some(retry) = block.retry {
                self.retry = Some(retry);
                if !self.seen_named {
                    self.retry_before_first_event = true;
                }
            }
            if block.event.is_none() && block.data.is_none() {
                continue;
            }
            self.seen_named = true;
            let id = block.id.as_deref().map(|id| {
                id.parse::<i64>().unwrap_or_else(|_| panic!("event id {id:?} is not an integer ({:?})", block.event))
            });
            return Received {
                name: block.event.unwrap_or_else(|| "message".to_owned()),
                id,
                data: block.data.unwrap_or_default(),
            };
        }
    }

    /// The next named event.
    pub(crate) async fn next(&mut self, waiting_for: &str) -> Received {
        self.next_until(Instant::now() + WAIT, waiting_for).await
    }

    /// Skips events until one matches `pred`, and returns it.
    pub(crate) async fn until(&mut self, waiting_for: &str, mut pred: impl FnMut(&Received) -> bool) -> Received {
        let deadline = Instant::now() + WAIT;
        loop {
            let e = self.next_until(deadline, waiting_for).await;
            if pred(&e) {
                return e;
            }
        }
    }

    /// The next `n` persisted events, skipping the id-less ones (counts, presence);
    /// `ready` or `resync` on the way fails the test.
    pub(crate) async fn stored(&mut self, n: usize, waiting_for: &str) -> Vec<Received> {
        let deadline = Instant::now() + WAIT;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let e = self.next_until(deadline, waiting_for).await;
            assert!(e.name != "ready" && e.name != "resync", "unexpected `{}` while waiting for {waiting_for}", e.name);
            if e.is_stored() {
                assert!(e.id.is_some(), "a `{}` event came without an id: {}", e.name, e.data);
                out.push(e);
            } else {
                assert!(e.id.is_none(), "an ephemeral `{}` event carries an id: {e:?}", e.name);
            }
        }
        out
    }

    /// The id the first event (`ready` or `resync`) gives.
    pub(crate) async fn ready(&mut self) -> i64 {
        let e = self.next("the `ready` event").await;
        assert_eq!(e.name, "ready", "the first event is not `ready`: {e:?}");
        e.id.unwrap_or_else(|| panic!("`ready` carries no id: {e:?}"))
    }
}

fn names(events: &[Received]) -> Vec<&str> {
    events.iter().map(|e| e.name.as_str()).collect()
}

fn ids(events: &[Received]) -> Vec<i64> {
    events.iter().filter_map(|e| e.id).collect()
}

fn assert_strictly_increasing(events: &[Received], after: i64) {
    let mut last = after;
    for e in events {
        let id = e.id.unwrap_or_else(|| panic!("persisted event without an id: {e:?}"));
        assert!(id > last, "ids are not strictly increasing: {id} after {last} in {:?}", ids(events));
        last = id;
    }
}

async fn ok_post(s: &TestServer, path: &str, body: Value) -> Value {
    let (status, v) = s.post(path, body).await;
    assert!(status.is_success(), "POST {path}: {status} {v}");
    v
}

async fn agent_id(s: &TestServer, key: &str) -> String {
    let (status, me) = s.call_as(Some(key), Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    me["agent"]["id"].as_str().unwrap_or_else(|| panic!("no agent id in /v1/me: {me}")).to_owned()
}

pub(crate) fn count_of(counts: &[frontdesk_domain::ViewCount], view: &str) -> u64 {
    counts
        .iter()
        .find(|c| c.view_id.as_str() == view)
        .unwrap_or_else(|| panic!("no count for view {view} in {counts:?}"))
        .count
}

pub(crate) fn view_counts(e: &Received) -> Vec<frontdesk_domain::ViewCount> {
    match e.event().kind {
        EventKind::ViewCountsChanged(counts) => counts,
        other => panic!("`{}` data is not view counts: {other:?}", e.name),
    }
}

#[tokio::test]
async fn first_event_is_ready_with_the_newest_id() {
    let s = TestServer::start().await;
    let c = s.conversation("+15551110001").await;
    let mut stream = open(&s, &s.key, None, "").await;
    let ready = stream.ready().await;
    // The id to resume from is the newest event: replaying from 0 ends there.
    let mut all = open(&s, &s.key, Some("0"), "").await;
    let backlog = all.stored(2, "the backlog of the first conversation").await;
    assert_eq!(names(&backlog), ["message_created", "conversation_updated"]);
    assert_eq!(backlog[1].id, Some(ready), "ready's id is not the newest event's");
    // And the next change comes after it.
    ok_post(&s, &format!("/v1/conversations/{c}/star"), json!({})).await;
    let next = stream.stored(1, "the star's event").await;
    assert!(next[0].id.is_some_and(|id| id > ready), "{next:?} does not follow ready {ready}");
}

#[tokio::test]
async fn star_reply_and_inbound_produce_events_with_increasing_ids() {
    let s = TestServer::start().await;
    let c = s.conversation("+15551110002").await;
    let mut stream = open(&s, &s.key, None, "").await;
    let ready = stream.ready().await;

    ok_post(&s, &format!("/v1/conversations/{c}/star"), json!({})).await;
    let reply = ok_post(&s, &format!("/v1/conversations/{c}/messages"), json!({"body": "On it."})).await;
    let inbound = s.inbound("+15551110002", "Thanks!").await;
    assert_eq!(inbound["conversation"]["id"], c.as_str(), "the inbound did not thread: {inbound}");

    let events = stream.stored(5, "the events of star, reply and inbound").await;
    assert_eq!(
        names(&events),
        ["conversation_updated", "message_created", "conversation_updated", "message_created", "conversation_updated"]
    );
    assert_strictly_increasing(&events, ready);
    for e in &events {
        let event = e.event();
        assert_eq!(event.kind.name(), e.name, "the SSE name and the data's type differ: {e:?}");
        assert_eq!(e.conversation_id().as_deref(), Some(c.as_str()), "{e:?}");
    }
    match events[0].event().kind {
        EventKind::ConversationUpdated(conv) => assert!(conv.starred, "the star's event shows it unstarred"),
        other => panic!("{other:?}"),
    }
    match events[1].event().kind {
        EventKind::MessageCreated(m) => {
            assert_eq!(m.id.as_str(), reply["id"].as_str().expect("reply id"));
            assert_eq!(m.body, "On it.");
        }
        other => panic!("{other:?}"),
    }
    match events[3].event().kind {
        EventKind::MessageCreated(m) => {
            assert_eq!(m.id.as_str(), inbound["message"]["id"].as_str().expect("message id"));
            assert_eq!(m.body, "Thanks!");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn persisted_event_data_carries_its_id() {
    let s = TestServer::start().await;
    let c = s.conversation("+15551110003").await;
    let mut stream = open(&s, &s.key, None, "").await;
    stream.ready().await;
    ok_post(&s, &format!("/v1/conversations/{c}/star"), json!({})).await;
    let e = stream.stored(1, "the star's event").await.remove(0);
    assert_eq!(e.event().id, e.id, "data.id differs from the SSE id: {}", e.data);
}

#[tokio::test]
async fn resume_with_last_event_id_replays_exactly_the_missed_events() {
    let s = TestServer::start().await;
    let c = s.conversation("+15551110004").await;
    // A witness stays connected the whole time: what it sees is what was missed.
    let mut witness = open(&s, &s.key, None, "").await;
    witness.ready().await;
    let mut stream = open(&s, &s.key, None, "").await;
    stream.ready().await;

    ok_post(&s, &format!("/v1/conversations/{c}/star"), json!({})).await;
    ok_post(&s, &format!("/v1/conversations/{c}/read"), json!({})).await;
    let read = stream.stored(2, "star and read").await;
    let last_seen = read[1].id.expect("id").to_string();
    assert_eq!(witness.stored(2, "star and read (witness)").await, read);
    drop(stream);

    ok_post(&s, &format!("/v1/conversations/{c}/unstar"), json!({})).await;
    ok_post(&s, &format!("/v1/conversations/{c}/messages"), json!({"body": "Looking now"})).await;
    ok_post(&s, &format!("/v1/conversations/{c}/messages"), json!({"kind": "note", "body": "VIP"})).await;
    let other = s.conversation("+15551110005").await;
    let missed = witness.stored(7, "the missed changes (witness)").await;

    let mut resumed = open(&s, &s.key, Some(&last_seen), "").await;
    let replayed = resumed.stored(7, "the replay").await;
    assert_eq!(ids(&replayed), ids(&missed), "the replay is not the missed events");
    assert_eq!(names(&replayed), names(&missed));
    assert_eq!(replayed, missed, "the replayed data differs from the live data");

    // Nothing after the replay but what happens next: no duplicates, no extras.
    ok_post(&s, &format!("/v1/conversations/{other}/star"), json!({})).await;
    let next = resumed.stored(1, "the change after the replay").await;
    assert_eq!(next, witness.stored(1, "the change after the replay (witness)").await);
    assert_eq!(next[0].conversation_id().as_deref(), Some(other.as_str()));
}

#[tokio::test]
async fn query_form_of_last_event_id_resumes_like_the_header() {
    let s = TestServer::start().await;
    let c = s.conversation("+15551110006").await;
    let mut all = open(&s, &s.key, Some("0"), "").await;
    let first = all.stored(2, "the first conversation's events").await;
    let from = first[0].id.expect("id");
    ok_post(&s, &format!("/v1/conversations/{c}/star"), json!({})).await;
    let star = all.stored(1, "the star").await;

    let mut by_query = open(&s, &s.key, None, &format!("?last_event_id={from}")).await;
    let replayed = by_query.stored(2, "the replay by query").await;
    assert_eq!(replayed, vec![first[1].clone(), star[0].clone()]);

    // The header wins over the query when both are given.
    let header_from = first[1].id.expect("id").to_string();
    let mut both = open(&s, &s.key, Some(&header_from), &format!("?last_event_id={from}")).await;
    assert_eq!(both.stored(1, "the replay by header").await, star);

    let (status, body) = s.get("/v1/events?last_event_id=soon").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "last_event_id", "{body}");
}

#[tokio::test]
async fn resume_across_a_restart_has_no_gap() {
    let s = TestServer::start().await;
    let c = s.conversation("+15551110007").await;
    let mut stream = open(&s, &s.key, None, "").await;
    stream.ready().await;
    ok_post(&s, &format!("/v1/conversations/{c}/star"), json!({})).await;
    let last_seen = stream.stored(1, "the star").await[0].id.expect("id");
    drop(stream);

    let s = s.restart().await;
    let mut witness = open(&s, &s.key, None, "").await;
    assert_eq!(witness.ready().await, last_seen, "after a restart, `ready` is not the newest stored id");
    ok_post(&s, &format!("/v1/conversations/{c}/unstar"), json!({})).await;
    ok_post(&s, &format!("/v1/conversations/{c}/messages"), json!({"body": "Back after the restart"})).await;
    let other = s.conversation("+15551110008").await;
    let written = witness.stored(5, "the changes after the restart (witness)").await;
    assert_eq!(
        names(&written),
        ["conversation_updated", "message_created", "conversation_updated", "message_created", "conversation_updated"]
    );

    let mut resumed = open(&s, &s.key, Some(&last_seen.to_string()), "").await;
    let replayed = resumed.stored(5, "the replay after the restart").await;
    assert_strictly_increasing(&replayed, last_seen);
    assert_eq!(replayed, written, "the replay after a restart differs from what was written");
    ok_post(&s, &format!("/v1/conversations/{other}/star"), json!({})).await;
    let next = resumed.stored(1, "the change after the replay").await;
    assert_eq!(next[0].conversation_id().as_deref(), Some(other.as_str()), "{next:?}");
    assert!(next[0].id > replayed[4].id);
}

#[tokio::test]
async fn too_new_last_event_id_gets_resync() {
    let s = TestServer::start().await;
    let c = s.conversation("+15551110009").await;
    let mut plain = open(&s, &s.key, None, "").await;
    let newest = plain.ready().await;

    let future_id = (newest + 1000).to_string();
    let mut stream = open(&s, &s.key, Some(&future_id), "").await;
    let first = stream.next("the answer to a too-new id").await;
    assert_eq!(first.name, "resync", "{first:?}");
    assert_eq!(first.id, Some(newest), "resync must carry the newest id to resume from");
    let event = first.event();
    assert_eq!(event.kind, EventKind::Resync);
    assert_eq!(event.id, Some(newest));

    // After a resync the stream goes on live from the newest id.
    ok_post(&s, &format!("/v1/conversations/{c}/star"), json!({})).await;
    let next = stream.stored(1, "a change after the resync").await;
    assert!(next[0].id.is_some_and(|id| id > newest), "{next:?}");
    assert_eq!(next[0].conversation_id().as_deref(), Some(c.as_str()));
}

#[tokio::test]
async fn garbage_last_event_id_is_400() {
    let s = TestServer::start().await;
    for bad in ["abc", "12abc", "1.5", "9999999999999999999999"] {
        let resp = request(&s, &s.key, Some(bad), "").await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "Last-Event-ID {bad:?}");
        let body: Value = resp.json().await.expect("an error envelope");
        assert_eq!(code(&body), "INVALID_LAST_EVENT_ID", "Last-Event-ID {bad:?}: {body}");
    }
    // Not UTF-8 at all.
    let resp = s
        .client
        .get(s.path("/v1/events"))
        .bearer_auth(&s.key)
        .header("Last-Event-ID", HeaderValue::from_bytes(b"\xff\xfe").expect("obs-text header"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("an error envelope");
    assert_eq!(code(&body), "INVALID_LAST_EVENT_ID", "{body}");
    // An empty one is no id at all (a client sends it only when it has one).
    let mut stream = open(&s, &s.key, Some(""), "").await;
    stream.ready().await;
}

#[tokio::test]
async fn stream_sets_retry_before_the_first_event() {
    let s = TestServer::start().await;
    let mut stream = open(&s, &s.key, None, "").await;
    stream.ready().await;
    assert!(stream.retry_before_first_event, "no `retry:` before the first event");
    assert!(stream.retry.is_some_and(|ms| ms > 0), "retry: {:?}", stream.retry);
}

#[tokio::test]
async fn another_orgs_stream_never_sees_our_events() {
    let s = TestServer::start().await;
    let mut theirs = open(&s, &s.other_key, None, "").await;
    theirs.ready().await;
    let mut ours = open(&s, &s.key, None, "").await;
    ours.ready().await;

    // Org A works, and its stream shows all of it (stored, counts, presence) before
    // org B does anything: the hub is one ordered channel, so anything of A's that
    // leaked to B would reach B's stream before B's own first event.
    let c = s.conversation("+15551110010").await;
    ok_post(&s, &format!("/v1/conversations/{c}/star"), json!({})).await;
    assert_eq!(
        names(&ours.stored(3, "org A's own events").await),
        ["message_created", "conversation_updated", "conversation_updated"]
    );
    ours.until("org A's counts", |e| e.name == "view_counts_changed" && count_of(&view_counts(e), "starred") == 1)
        .await;
    let (status, _) = s.post(&format!("/v1/conversations/{c}/presence"), json!({"state": "typing"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    ours.until("org A's presence", |e| e.name == "presence").await;

    // Then org B writes once; that must be the first thing B's stream shows.
    let (status, b) = s
        .call_as(
            Some(&s.other_key),
            Method::POST,
            "/v1/inbound",
            Some(json!({"channel": "sms", "contact": {"handle": "+15551110010"}, "body": "B's customer"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let b_conv = b["conversation"]["id"].as_str().expect("B's conversation").to_owned();
    assert_ne!(b_conv, c);
    let first = theirs.next("org B's first event").await;
    assert_eq!(first.name, "message_created", "org B saw something before its own write: {first:?}");
    assert_eq!(first.conversation_id().as_deref(), Some(b_conv.as_str()));
    let second = theirs.next("org B's second event").await;
    assert_eq!(second.name, "conversation_updated", "{second:?}");
    assert_eq!(second.conversation_id().as_deref(), Some(b_conv.as_str()));

    // B replaying from the start of the log gets only its own events.
    let mut replay = open(&s, &s.other_key, Some("0"), "").await;
    let events = replay.stored(2, "org B's replay").await;
    for e in &events {
        assert_eq!(e.conversation_id().as_deref(), Some(b_conv.as_str()), "org B's replay holds {e:?}");
    }
    // The replay is over once B's next write shows (nothing of A in between).
    let (status, _) =
        s.call_as(Some(&s.other_key), Method::POST, &format!("/v1/conversations/{b_conv}/star"), None).await;
    assert_eq!(status, StatusCode::OK);
    let next = replay.stored(1, "org B's star").await;
    assert_eq!(next[0].conversation_id().as_deref(), Some(b_conv.as_str()), "{next:?}");
}

#[tokio::test]
async fn view_counts_changed_arrives_without_id_when_unread_grows() {
    let s = TestServer::start().await;
    let (status, before) = s.get("/v1/views/counts").await;
    assert_eq!(status, StatusCode::OK);
    let before: Vec<frontdesk_domain::ViewCount> = serde_json::from_value(before).expect("view counts");
    let unread_before = count_of(&before, "unread");

    let mut stream = open(&s, &s.key, None, "").await;
    stream.ready().await;
    let c = s.conversation("+15551110011").await;
    let e = stream
        .until("view_counts_changed with Unread grown", |e| {
            e.name == "view_counts_changed" && count_of(&view_counts(e), "unread") == unread_before + 1
        })
        .await;
    assert_eq!(e.id, None, "view_counts_changed carries an SSE id");
    assert_eq!(e.event().id, None, "view_counts_changed data carries an id");
    let counts = view_counts(&e);
    for view in ["unread", "starred", "mine", "all", "overdue"] {
        count_of(&counts, view);
    }
    assert_eq!(count_of(&counts, "all"), count_of(&before, "all") + 1);

    // Counts follow: reading it makes Unread shrink back.
    ok_post(&s, &format!("/v1/conversations/{c}/read"), json!({})).await;
    stream
        .until("view_counts_changed with Unread back", |e| {
            e.name == "view_counts_changed" && count_of(&view_counts(e), "unread") == unread_before
        })
        .await;
}

#[tokio::test]
async fn view_counts_are_the_callers_agents() {
    let s = TestServer::start().await;
    let bo = agent_id(&s, &s.key2).await;
    let mut ada_stream = open(&s, &s.key, None, "").await;
    ada_stream.ready().await;
    let mut bo_stream = open(&s, &s.key2, None, "").await;
    bo_stream.ready().await;

    let c = s.conversation("+15551110012").await;
    for stream in [&mut ada_stream, &mut bo_stream] {
        stream
            .until("counts showing the new conversation", |e| {
                e.name == "view_counts_changed" && count_of(&view_counts(e), "all") == 1
            })
            .await;
    }

    ok_post(&s, &format!("/v1/conversations/{c}/assign"), json!({"agent_id": bo})).await;
    let bo_counts = bo_stream
        .until("Bo's Mine at 1", |e| e.name == "view_counts_changed" && count_of(&view_counts(e), "mine") == 1)
        .await;
    assert_eq!(count_of(&view_counts(&bo_counts), "all"), 1);
    // Ada's stream gets the same publication with her own numbers.
    ada_stream.until("the assignment", |e| e.name == "conversation_updated").await;
    let ada_counts = ada_stream.until("Ada's counts after the assignment", |e| e.name == "view_counts_changed").await;
    assert_eq!(count_of(&view_counts(&ada_counts), "mine"), 0, "Ada sees Bo's Mine: {}", ada_counts.data);
    assert_eq!(count_of(&view_counts(&ada_counts), "all"), 1);
}

#[tokio::test]
async fn presence_reaches_another_agents_stream_without_id() {
    let s = TestServer::start().await;
    let c = s.conversation("+15551110013").await;
    let ada = agent_id(&s, &s.key).await;
    let mut bo_stream = open(&s, &s.key2, None, "").await;
    bo_stream.ready().await;

    let (status, body) = s.post(&format!("/v1/conversations/{c}/presence"), json!({"state": "typing"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let e = bo_stream.until("Ada's presence", |e| e.name != "view_counts_changed").await;
    assert_eq!(e.name, "presence", "{e:?}");
    assert_eq!(e.id, None, "presence carries an SSE id");
    let event = e.event();
    assert_eq!(event.id, None);
    match event.kind {
        EventKind::Presence(p) => {
            assert_eq!(p.conversation_id.as_str(), c);
            assert_eq!(p.agent_id.as_str(), ada);
            assert_eq!(p.agent_name, "Ada Admin");
            assert_eq!(p.state, PresenceState::Typing);
        }
        other => panic!("{other:?}"),
    }

    // Presence is not stored: a replay from the start holds none, up to the next change.
    let mut replay = open(&s, &s.key2, Some("0"), "").await;
    ok_post(&s, &format!("/v1/conversations/{c}/star"), json!({})).await;
    let mut replayed = Vec::new();
    loop {
        let e = replay.next("the replay and the star").await;
        assert_ne!(e.name, "presence", "presence was replayed from the log: {e:?}");
        if e.is_stored() {
            replayed.push(e);
        }
        if replayed.len() == 3 {
            break;
        }
    }
    assert_eq!(names(&replayed), ["message_created", "conversation_updated", "conversation_updated"]);
    match replayed[2].event().kind {
        EventKind::ConversationUpdated(conv) => {
            assert!(conv.starred);
            assert_eq!(conv.status, Status::Open);
        }
        other => panic!("{other:?}"),
    }

    let (status, body) = s.post("/v1/conversations/cnv_nope/presence", json!({"state": "typing"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn an_idle_stream_gets_keep_alive_comments() {
    let mut cfg = super::support::config();
    cfg.server.event_keep_alive_secs = 1;
    let s = TestServer::start_with(cfg).await;
    let resp = request(&s, &s.key, None, "").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut bytes = resp.bytes_stream();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    // Past the `retry:` and `ready` blocks, nothing happens: only comments should come.
    while !seen.lines().any(|l| l.starts_with(':')) {
        let chunk = tokio::time::timeout_at(deadline, bytes.next())
            .await
            .unwrap_or_else(|_| panic!("no keep-alive comment within 10 s; got {seen:?}"));
        let chunk = chunk.expect("the stream ended").expect("the stream broke");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// A key revoked while its stream is open (by `frontdesk admin revoke-key`, another
/// process on the same database) loses the stream within the key cache's second,
/// however busy the org: a last `revoked` event says why, then the stream ends.
#[tokio::test]
async fn a_revoked_key_loses_its_open_stream() {
    let s = TestServer::start().await;
    let mut stream = open(&s, &s.key, None, "").await;
    assert_eq!(stream.next("ready").await.name, "ready");
    s.inbound("+15559100001", "before the revocation").await;
    stream.until("the first message", |e| e.name == "message_created").await;

    // As the admin CLI does it: its own connection to the database.
    let admin = frontdesk_server::store::Db::open(&s.db_url, frontdesk_server::hub::Hub::default()).await.expect("db");
    let prefix = &s.key[..9];
    assert_eq!(frontdesk_server::admin::revoke_key(&admin, prefix).await.expect("revoked"), 1);

    // The org stays busy: the old bug was a stream kept alive by its events.
    let busy = {
        let (client, url, key) = (s.client.clone(), s.path("/v1/inbound"), s.key2.clone());
        tokio::spawn(async move {
            for n in 0.. {
                let body = json!({"channel": "sms", "contact": {"handle": format!("+1555920{n:04}")}, "body": "busy"});
                let _ = client.post(&url).bearer_auth(&key).json(&body).send().await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let mut names = Vec::new();
    loop {
        let next = tokio::time::timeout(WAIT, stream.blocks.next()).await.expect("the stream ends within the wait");
        let Some(Ok(block)) = next else { break };
        names.extend(block.event);
    }
    busy.abort();
    assert_eq!(names.last().map(String::as_str), Some("revoked"), "the stream says why it ends: {names:?}");
    // And it cannot come back.
    assert_eq!(request(&s, &s.key, None, "").await.status(), StatusCode::UNAUTHORIZED);
}

/// Each org numbers its own events: what one org's stream sees goes 1 by 1
/// however busy another org is, so the ids tell nothing of anyone else; a resume
/// with one of them replays exactly what followed.
#[tokio::test]
async fn each_org_numbers_its_own_events_gap_free() {
    let s = TestServer::start().await;
    let mut a = open(&s, &s.key, None, "").await;
    let ready = a.next("ready").await;
    let start = ready.id.expect("ready carries the resume point");
    let mut b = open(&s, &s.other_key, None, "").await;
    b.next("ready").await;
    let post_b = |n: usize| {
        let (client, url, key) = (s.client.clone(), s.path("/v1/inbound"), s.other_key.clone());
        async move {
            let body = json!({"channel": "sms", "contact": {"handle": format!("+1555940{n:04}")}, "body": "org B"});
            let resp = client.post(&url).bearer_auth(&key).json(&body).send().await.expect("sent");
            assert!(resp.status().is_success());
        }
    };
    let mut seen = Vec::new();
    for round in 0..3 {
        for n in 0..10 {
            post_b(round * 10 + n).await;
        }
        s.inbound(&format!("+155594100{round}"), "org A").await;
        let e = a.until("org A's message", |e| e.name == "message_created").await;
        seen.push(e.id.expect("stored events carry ids"));
    }
    // Org A's own events (each inbound is a message and a row update, in order):
    // consecutive numbers from where its stream started, whatever B did between.
    let mut replay = open(&s, &s.key, Some(&start.to_string()), "").await;
    let mut ids = Vec::new();
    while ids.len() < 6 {
        let e = replay.next("the replay").await;
        if let Some(id) = e.id.filter(|_| STORED.contains(&e.name.as_str())) {
            ids.push(id);
        }
    }
    let expected: Vec<i64> = (start + 1..=start + 6).collect();
    assert_eq!(ids, expected, "gap-free from the resume point");
    assert!(seen.iter().all(|id| ids.contains(id)), "the live ids are the replay's: {seen:?} {ids:?}");
}

/// Events past retention are dropped, each org remembering how far: a client that
/// resumes from a dropped id is told to resync instead of silently missing them, and
/// one that resumes from the newest goes on with nothing missing.
#[tokio::test]
async fn events_past_retention_are_pruned_and_resuming_before_them_resyncs() {
    let s = TestServer::start().await;
    let start = open(&s, &s.key, None, "").await.ready().await;
    s.inbound("+15550190001", "old news").await;
    let newest = open(&s, &s.key, None, "").await.ready().await;
    assert!(newest > start);
    // Housekeeping as if eight days had passed, with a week's retention.
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(8 * 24);
    let (pruned, _) = s
        .running
        .state
        .db
        .write(move |w| Box::pin(async move { w.housekeeping(later, jiff::SignedDuration::from_hours(168)).await }))
        .await
        .expect("housekeeping");
    assert!(pruned >= 2, "the message and its conversation update went: {pruned}");
    let mut behind = open(&s, &s.key, Some(&start.to_string()), "").await;
    let e = behind.next("the answer to a pruned Last-Event-ID").await;
    assert_eq!(e.name, "resync", "{e:?}");
    let mut current = open(&s, &s.key, Some(&newest.to_string()), "").await;
    s.inbound("+15550190002", "fresh").await;
    let next = current.stored(1, "the first event after pruning").await;
    assert_eq!(next[0].id, Some(newest + 1), "numbering goes on past what was pruned");
}
