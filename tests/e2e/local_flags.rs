//! Stars and read marks for a backend that keeps none (Orbit, mocked): kept in the
//! account's local store, laid over what the engine passes on, served as a local
//! Starred view, and still there after a restart. Nothing about them reaches Orbit.

use std::sync::Arc;

use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::{Change, Op};
use frontdesk_provider::{Applied, ListQuery};
use frontdesk_provider_orbit::OrbitProvider;
use frontdesk_sync::store::Store;
use frontdesk_sync::{self as sync, SyncCommand, SyncEvent};

use crate::support::next_event;

/// ASSUMED Orbit conversation object (Orbit publishes no object shape).
fn conversation(id: &str, last: &str) -> Value {
    json!({
        "id": id, "channel": "sms", "status": "open", "unread": true,
        "contact": { "id": format!("cnt_{id}"), "name": format!("Customer {id}"), "phone": "+15550000000" },
        "last_message": { "body": "hello", "direction": "inbound", "created_at": last },
        "updated_at": last
    })
}

async fn orbit() -> MockServer {
    let server = MockServer::start().await;
    let ok = |data: Value| {
        ResponseTemplate::new(200)
            .set_body_json(json!({ "data": data, "meta": { "request_id": "r", "timestamp": "2026-11-25T10:00:00Z" } }))
    };
    let rows = json!([conversation("conv_1", "2026-11-25T09:00:00Z"), conversation("conv_2", "2026-11-25T08:00:00Z")]);
    Mock::given(method("GET")).and(path("/api/v1/conversations")).respond_with(ok(rows)).mount(&server).await;
    for id in ["conv_1", "conv_2"] {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/conversations/{id}")))
            .respond_with(ok(conversation(id, "2026-11-25T09:00:00Z")))
            .mount(&server)
            .await;
    }
    server
}

fn provider(server: &MockServer) -> Arc<OrbitProvider> {
    let p = OrbitProvider::new("orbit", &format!("{}/api/v1", server.uri()), SecretString::from("dv_test_sk_x"));
    Arc::new(p.expect("provider").polling())
}

fn list(view: &str, generation: u64) -> SyncCommand {
    SyncCommand::List {
        generation,
        query: ListQuery { view: Some(view.into()), limit: 50, ..ListQuery::default() },
        at: frontdesk_sync::Place::Replace,
    }
}

#[tokio::test]
async fn stars_and_read_marks_are_kept_here_for_orbit() {
    let server = orbit().await;
    let dir = tempfile::tempdir().expect("dir");
    let store_path = dir.path().join("orbit.db");
    {
        let store = Store::open(&store_path).await.expect("store");
        let cache = frontdesk_sync::cache::Cache::memory().await.expect("cache");
        let (sync, mut events) = sync::spawn(sync::Account::new(provider(&server), store, cache));
        assert!(!sync.capabilities().star && !sync.capabilities().read);

        let star = Op::Change { conversation: "conv_1".into(), change: Change::Star };
        sync.send(SyncCommand::Apply { ticket: 1, op: star });
        let e = next_event(&mut events, |e| matches!(e, SyncEvent::Applied { ticket: 1, .. })).await;
        assert!(matches!(e, SyncEvent::Applied { result: Ok(Applied::Done), .. }), "{e:?}");
        let read = Op::Change { conversation: "conv_2".into(), change: Change::Read };
        sync.send(SyncCommand::Apply { ticket: 2, op: read });
        next_event(&mut events, |e| matches!(e, SyncEvent::Applied { ticket: 2, result: Ok(_) })).await;

        sync.send(SyncCommand::Views);
        let e = next_event(&mut events, |e| matches!(e, SyncEvent::Views(_))).await;
        let SyncEvent::Views(views) = e else { unreachable!() };
        let starred = views.iter().find(|v| v.view.id.as_str() == "starred").expect("a local Starred view");
        assert_eq!((starred.view.name.as_str(), starred.count), (frontdesk_sync::local::STARRED_NAME, 1));
        sync.flush().await;
    }
    let writes: Vec<_> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method != wiremock::http::Method::GET)
        .collect();
    assert!(writes.is_empty(), "nothing about stars or reads reached Orbit: {writes:?}");

    // A restart: the marks are still there, over Orbit's rows.
    let store = Store::open(&store_path).await.expect("store");
    let cache = frontdesk_sync::cache::Cache::memory().await.expect("cache");
    let (sync, mut events) = sync::spawn(sync::Account::new(provider(&server), store, cache));
    sync.send(list("all", 7));
    let e = next_event(&mut events, |e| matches!(e, SyncEvent::List { generation: 7, cached: false, .. })).await;
    let SyncEvent::List { page, .. } = e else { unreachable!() };
    let row = |id: &str| page.items.iter().find(|c| c.id.as_str() == id).expect("row").clone();
    assert!(row("conv_1").starred && row("conv_1").unread, "starred here; still unread as Orbit says");
    assert!(!row("conv_2").starred && !row("conv_2").unread, "read here");

    sync.send(list("starred", 8));
    let e = next_event(&mut events, |e| matches!(e, SyncEvent::List { generation: 8, .. })).await;
    let SyncEvent::List { page, .. } = e else { unreachable!() };
    assert_eq!(page.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["conv_1"]);
    assert!(page.items[0].starred);
}

/// A Chatwoot (account 7; no Unread view of its own) whose list holds one
/// conversation per `(id, unread_count)`, and the engine on it.
async fn chatwoot_engine(
    rows: &[(u64, u64)],
) -> (MockServer, sync::SyncHandle, tokio::sync::mpsc::UnboundedReceiver<SyncEvent>) {
    use frontdesk_provider_chatwoot::ChatwootProvider;
    let server = MockServer::start().await;
    let conv = |id: u64, unread: u64| {
        json!({ "id": id, "status": "open", "unread_count": unread, "labels": [],
                "meta": { "sender": { "id": id, "name": format!("Customer {id}") }, "channel": "Channel::WebWidget" },
                "last_activity_at": 1_795_597_200, "updated_at": 1_795_597_200 })
    };
    let payload: Vec<Value> = rows.iter().map(|(id, unread)| conv(*id, *unread)).collect();
    let body = json!({ "data": { "meta": { "all_count": rows.len() }, "payload": payload } });
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/7/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let meta = json!({ "meta": { "all_count": rows.len(), "mine_count": 0 } });
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/7/conversations/meta"))
        .respond_with(ResponseTemplate::new(200).set_body_json(meta))
        .mount(&server)
        .await;
    let p = ChatwootProvider::new("cw", &server.uri(), 7, SecretString::from("tok")).expect("provider");
    let store = Store::memory().await.expect("store");
    let cache = frontdesk_sync::cache::Cache::memory().await.expect("cache");
    let (sync, events) = sync::spawn(sync::Account::new(Arc::new(p), store, cache));
    (server, sync, events)
}

/// A backend without an Unread view (Chatwoot): one is served here from "all",
/// with the read marks kept on this machine laid over Chatwoot's unread counts.
#[tokio::test]
async fn an_unread_view_is_served_here_when_the_backend_has_none() {
    let (_server, sync, mut events) = chatwoot_engine(&[(1, 2), (2, 0)]).await;

    sync.send(SyncCommand::Views);
    let e = next_event(&mut events, |e| matches!(e, SyncEvent::Views(_))).await;
    let SyncEvent::Views(views) = e else { unreachable!() };
    let unread = views.iter().find(|v| v.view.id.as_str() == "unread").expect("a local Unread view");
    assert_eq!(unread.view.name, frontdesk_sync::local::UNREAD_NAME);

    sync.send(list("unread", 1));
    let e = next_event(&mut events, |e| matches!(e, SyncEvent::List { generation: 1, .. })).await;
    let SyncEvent::List { page, .. } = e else { unreachable!() };
    assert_eq!(page.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["1"]);

    let read = Op::Change { conversation: "1".into(), change: Change::Read };
    sync.send(SyncCommand::Apply { ticket: 9, op: read });
    next_event(&mut events, |e| matches!(e, SyncEvent::Applied { ticket: 9, result: Ok(_) })).await;
    sync.send(list("unread", 2));
    let e = next_event(&mut events, |e| matches!(e, SyncEvent::List { generation: 2, .. })).await;
    let SyncEvent::List { page, .. } = e else { unreachable!() };
    assert!(page.items.is_empty(), "read here: {:?}", page.items);
}

/// A fresh start asks for Unread before the views have answered: for a backend
/// whose Unread is kept here (Chatwoot, Bancroft), the first screen still works.
#[tokio::test]
async fn the_first_view_works_before_the_views_have_answered() {
    let (_server, sync, mut events) = chatwoot_engine(&[(1, 1)]).await;
    // The list first, as the client's first screen asks, no Views before it.
    sync.send(list("unread", 1));
    let e = next_event(&mut events, |e| {
        matches!(e, SyncEvent::List { generation: 1, .. } | SyncEvent::Failed { what: "conversations", .. })
    })
    .await;
    let SyncEvent::List { page, .. } = e else { panic!("the first view failed: {e:?}") };
    assert_eq!(page.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["1"]);
}

/// j held down the list asks each row's thread in turn: only the one the agent
/// rests on is fetched from the server.
#[tokio::test]
async fn threads_asked_in_a_burst_fetch_only_the_last() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "items": [], "next_cursor": null })))
        .mount(&server)
        .await;
    let p = frontdesk_provider_native::NativeProvider::new("n", &server.uri(), SecretString::from("k".to_owned()))
        .expect("provider")
        .polling();
    let store = Store::memory().await.expect("store");
    let cache = frontdesk_sync::cache::Cache::memory().await.expect("cache");
    let (sync, mut events) = sync::spawn(sync::Account::new(Arc::new(p), store, cache));
    for n in 1..=10u64 {
        sync.send(SyncCommand::Thread { generation: n, id: format!("cnv_{n}").into() });
    }
    next_event(&mut events, |e| matches!(e, SyncEvent::Thread { generation: 10, .. })).await;
    let asked: Vec<String> = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .map(|r| r.url.path().to_owned())
        .filter(|p| p.ends_with("/messages"))
        .collect();
    // The one rested on, and (on a starved machine, where the engine may lag a
    // settle period between two commands) hardly any other: never all ten.
    assert_eq!(asked.last().map(String::as_str), Some("/v1/conversations/cnv_10/messages"), "{asked:?}");
    assert!(asked.len() <= 3, "a burst of ten asked the server {} times: {asked:?}", asked.len());
}
