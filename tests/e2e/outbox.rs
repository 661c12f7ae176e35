//! The outbox against the real server and its faults: nothing lost, nothing twice.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::{ConversationId, Op, ReplyKind};
use frontdesk_provider_native::NativeProvider;
use frontdesk_sync::cache::Cache;
use frontdesk_sync::store::Store;
use frontdesk_sync::{self as sync, SyncCommand, SyncEvent, SyncHandle};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::support::TestServer;

async fn engine(url: &str, key: &str, store: Store) -> (SyncHandle, UnboundedReceiver<SyncEvent>) {
    let provider = NativeProvider::new("test", url, SecretString::from(key.to_owned())).expect("provider");
    sync::spawn(sync::Account::new(Arc::new(provider), store, Cache::memory().await.expect("cache")))
}

/// Waits for the first event `pick` accepts.
async fn next<T>(events: &mut UnboundedReceiver<SyncEvent>, what: &str, pick: impl Fn(SyncEvent) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let ev = tokio::time::timeout_at(deadline, events.recv()).await.unwrap_or_else(|_| panic!("no {what} in time"));
        if let Some(t) = pick(ev.expect("engine running")) {
            return t;
        }
    }
}

fn reply(conversation: &str, body: &str) -> Op {
    Op::Send {
        conversation: ConversationId::from(conversation),
        kind: ReplyKind::Reply,
        body: body.into(),
        suggestion: None,
        attachments: Vec::new(),
    }
}

#[tokio::test]
async fn replies_wait_out_an_outage_and_a_restart_then_arrive_once_in_order() {
    let s = TestServer::start().await;
    let id = s.conversation("+15553001").await;
    let dir = tempfile::tempdir().expect("dir");
    let store_path = dir.path().join("acct.db");
    let down = s.stop().await;

    // The agent sends three replies while the server is away.
    let (first, mut events) = engine(&down.url, &down.key, Store::open(&store_path).await.expect("store")).await;
    for (ticket, body) in [(1, "one"), (2, "two"), (3, "three")] {
        assert!(first.send(SyncCommand::Apply { ticket, op: reply(&id, body) }));
    }
    first.flush().await;
    next(&mut events, "a retry", |e| matches!(e, SyncEvent::Retrying { ticket: 1, .. }).then_some(())).await;
    // The client is killed.
    drop(first);
    drop(events);

    // It starts again (the server still away), finds the three, and the server comes back.
    let (second, mut events) = engine(&down.url, &down.key, Store::open(&store_path).await.expect("store")).await;
    let recovered = next(&mut events, "the recovered entries", |e| match e {
        SyncEvent::Recovered(r) => Some(r),
        _ => None,
    })
    .await;
    assert_eq!(
        recovered.iter().map(|(_, op)| op.clone()).collect::<Vec<_>>(),
        [reply(&id, "one"), reply(&id, "two"), reply(&id, "three")]
    );
    let s = down.start().await;
    let mut done = 0;
    while done < 3 {
        next(&mut events, "a sent reply", |e| match e {
            SyncEvent::Applied { result, .. } => {
                assert!(result.is_ok(), "{result:?}");
                Some(())
            }
            _ => None,
        })
        .await;
        done += 1;
    }
    let (_, thread) = s.get(&format!("/v1/conversations/{id}/messages")).await;
    let bodies: Vec<&str> = thread["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|m| m["direction"] == "outbound" && m["kind"] == "reply")
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert_eq!(bodies, ["one", "two", "three"], "each once, in order");
    assert!(Store::open(&store_path).await.expect("store").pending().await.expect("pending").is_empty());
    drop(second);
}

#[tokio::test]
async fn a_permanent_error_stops_the_retries_and_says_why() {
    let s = TestServer::start().await;
    let (engine, mut events) = engine(&s.url, &s.key, Store::memory().await.expect("store")).await;
    engine.send(SyncCommand::Apply { ticket: 7, op: reply("cnv_missing", "hello?") });
    let result = next(&mut events, "the answer", |e| match e {
        SyncEvent::Applied { ticket: 7, result } => Some(result),
        _ => None,
    })
    .await;
    assert!(matches!(result, Err(frontdesk_provider::ProviderError::NotFound(_))), "{result:?}");
}

#[tokio::test]
async fn too_many_requests_waits_as_long_as_the_server_asks() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/conversations/cnv_1/messages"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "2")
                .set_body_json(serde_json::json!({"error": {"code": "RATE_LIMITED", "message": "slow down"}})),
        )
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    let message: Value = serde_json::json!({
        "id": "msg_1", "conversation_id": "cnv_1", "direction": "outbound",
        "author": {"kind": "agent", "name": "Ada"}, "kind": "reply", "body": "hi",
        "created_at": "2026-11-25T10:00:00Z"
    });
    Mock::given(method("POST"))
        .and(path("/v1/conversations/cnv_1/messages"))
        .respond_with(ResponseTemplate::new(201).set_body_json(message))
        .mount(&mock)
        .await;
    let (engine, mut events) = engine(&mock.uri(), "k", Store::memory().await.expect("store")).await;
    engine.send(SyncCommand::Apply { ticket: 1, op: reply("cnv_1", "hi") });
    let after = next(&mut events, "the wait", |e| match e {
        SyncEvent::Retrying { after, .. } => Some(after),
        _ => None,
    })
    .await;
    assert_eq!(after, Duration::from_secs(2));
    next(&mut events, "the send", |e| matches!(e, SyncEvent::Applied { ticket: 1, result: Ok(_) }).then_some(())).await;
    let keys: Vec<String> = mock
        .received_requests()
        .await
        .expect("requests")
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .filter_map(|r| r.headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned))
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "the retry carries the same key");
}

#[tokio::test]
async fn drafts_survive_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("acct.db");
    let draft = frontdesk_sync::store::StoredDraft {
        conversation: "cnv_x".into(),
        kind: ReplyKind::Reply,
        body: "half written".into(),
        suggestion: None,
    };
    {
        let (engine, _events) = engine("http://127.0.0.1:9", "k", Store::open(&path).await.expect("store")).await;
        engine.send(SyncCommand::SaveDraft(draft.clone()));
        engine.flush().await;
    }
    let (_engine, mut events) = engine("http://127.0.0.1:9", "k", Store::open(&path).await.expect("store")).await;
    let drafts = next(&mut events, "the drafts", |e| match e {
        SyncEvent::Drafts(d) => Some(d),
        _ => None,
    })
    .await;
    assert_eq!(drafts, [draft]);
}
