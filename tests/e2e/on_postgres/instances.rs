//! Several instances on one PostgreSQL database: every instance's streams carry every
//! instance's writes, in one gap-free order per org; counts and presence follow; a
//! writer outlives the database dropping its connection.

use frontdesk_domain::EventKind;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use super::events;
use super::support::TestServer;

/// Writes on two instances at once; a stream on each sees all of them, numbered
/// without a gap and in the same order, and resumes on the other instance exactly.
#[tokio::test]
async fn each_instance_streams_every_write_in_one_gap_free_order() {
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    let mut on_a = events::open(&a, &a.key, None, "").await;
    let mut on_b = events::open(&b, &b.key, None, "").await;
    let start = on_a.ready().await;
    assert_eq!(on_b.ready().await, start, "both instances read the same log");
    let writes = (0..12).map(|i| {
        let s = if i % 2 == 0 { &a } else { &b };
        async move { s.inbound(&format!("+1555012{i:04}"), &format!("hello from write {i}")).await }
    });
    join_all(writes).await;
    // A stream opened now says where the log ends.
    let newest = events::open(&b, &b.key, None, "").await.ready().await;
    let n = usize::try_from(newest - start).expect("the log grew");
    assert!(n >= 24, "each write is a message and a conversation update: {n} events");
    let seen_a = on_a.stored(n, "every event, on instance A").await;
    let seen_b = on_b.stored(n, "every event, on instance B").await;
    let ids = |seen: &[events::Received]| seen.iter().filter_map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(&seen_a), (start + 1..=newest).collect::<Vec<_>>(), "gap-free, in order, on A");
    assert_eq!(seen_a, seen_b, "the same events in the same order on both instances");
    let bodies: Vec<String> = seen_b
        .iter()
        .filter(|e| e.name == "message_created")
        .map(|e| match e.event().kind {
            EventKind::MessageCreated(m) => m.body,
            other => panic!("not a message: {other:?}"),
        })
        .collect();
    for i in 0..12 {
        assert!(bodies.contains(&format!("hello from write {i}")), "write {i} reached B's stream");
    }
    // Resuming on the other instance from the middle replays exactly the rest.
    let middle = start + i64::try_from(n / 2).expect("small");
    let mut resumed = events::open(&b, &b.key, Some(&middle.to_string()), "").await;
    let rest = resumed.stored(n - n / 2, "the rest, replayed on B").await;
    assert_eq!(ids(&rest), (middle + 1..=newest).collect::<Vec<_>>());
}

/// A write on one instance refreshes the counts streamed by the other.
#[tokio::test]
async fn counts_on_one_instance_follow_writes_on_the_other() {
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    let mut on_b = events::open(&b, &b.key, None, "").await;
    on_b.ready().await;
    a.inbound("+15550130001", "counted on the other instance").await;
    let counts = on_b.until("counts on B after a write on A", |e| e.name == "view_counts_changed").await;
    assert_eq!(events::count_of(&events::view_counts(&counts), "unread"), 1, "B counted A's write");
}

/// Presence is not stored, yet an agent viewing on one instance shows on the streams
/// of the other.
#[tokio::test]
async fn presence_on_one_instance_reaches_streams_on_the_other() {
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    let id = a.conversation("+15550150001").await;
    let mut bo_on_b = events::open(&b, &b.key2, None, "").await;
    bo_on_b.ready().await;
    let (status, body) = a.post(&format!("/v1/conversations/{id}/presence"), json!({"state": "typing"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let e = bo_on_b.until("Ada's presence, sent to A", |e| e.name == "presence").await;
    assert_eq!(e.id, None, "presence is not stored");
    match e.event().kind {
        EventKind::Presence(p) => {
            assert_eq!(p.agent_name, "Ada Admin");
            assert_eq!(p.conversation_id.as_str(), id);
        }
        other => panic!("not presence: {other:?}"),
    }
}

/// The database drops every connection (a restart, a failover): the next write still
/// lands, on a new connection, and streams opened afterwards carry it.
#[tokio::test]
async fn writes_go_on_after_the_database_drops_every_connection() {
    let s = TestServer::start().await;
    s.conversation("+15550140001").await;
    s.plant(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
        &[],
    )
    .await;
    let v = s.inbound("+15550140002", "after the connections were dropped").await;
    assert_eq!(v["message"]["body"], "after the connections were dropped");
    let (_, page) = s.get("/v1/conversations").await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2), "both conversations are there: {page}");
}

/// A key revoked through one instance stops working on the other too: each instance
/// remembers a key for a second at most.
#[tokio::test]
async fn a_key_revoked_anywhere_stops_working_on_every_instance() {
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    let (status, _) = b.get("/v1/me").await;
    assert_eq!(status, StatusCode::OK, "B knows the key (and now caches it)");
    let prefix: String = a.key.chars().take(9).collect();
    let revoked = frontdesk_server::admin::revoke_key(&a.running.state.db, &prefix).await.expect("revoked");
    assert_eq!(revoked, 1);
    // Asked again until refused; the bound only ends a hung test.
    let deadline = tokio::time::Instant::now() + events::WAIT;
    loop {
        let (status, _) = b.get("/v1/me").await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "B still takes the revoked key");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
