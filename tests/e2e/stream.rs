//! The live update stream under faults: a connection killed mid-stream resumes with
//! nothing missed and nothing twice; an unreadable event is skipped, not fatal.

use std::time::Duration;

use futures::StreamExt as _;
use secrecy::SecretString;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::EventKind;
use frontdesk_provider::{Provider, Update};
use frontdesk_provider_native::NativeProvider;

use crate::proxy::Proxy;
use crate::support::TestServer;

async fn next(updates: &mut futures::stream::BoxStream<'static, Update>) -> Update {
    tokio::time::timeout(Duration::from_secs(20), updates.next())
        .await
        .expect("an update in time")
        .expect("stream open")
}

/// The next customer message on the stream, with its event id.
async fn next_message(
    updates: &mut futures::stream::BoxStream<'static, Update>,
    seen: &mut Vec<Update>,
) -> (i64, String) {
    loop {
        let u = next(updates).await;
        seen.push(u.clone());
        if let Update::Event(e) = u
            && let EventKind::MessageCreated(m) = e.kind
        {
            return (e.id.expect("persisted events carry ids"), m.body);
        }
    }
}

#[tokio::test]
async fn a_cut_mid_stream_resumes_with_nothing_missed_or_repeated() {
    let s = TestServer::start().await;
    let proxy = Proxy::start(s.running.addr).await;
    let p = NativeProvider::new("t", &proxy.url(), SecretString::from(s.key.clone())).expect("provider");
    let mut updates = p.updates(None);
    assert_eq!(next(&mut updates).await, Update::Connected);
    let mut seen = Vec::new();
    s.inbound("+15554001", "before the cut").await;
    let (first, body) = next_message(&mut updates, &mut seen).await;
    assert_eq!(body, "before the cut");

    proxy.cut();
    // While the link is down, two more arrive.
    s.inbound("+15554002", "during one").await;
    s.inbound("+15554003", "during two").await;
    let (a, a_body) = next_message(&mut updates, &mut seen).await;
    let (b, b_body) = next_message(&mut updates, &mut seen).await;
    assert_eq!((a_body.as_str(), b_body.as_str()), ("during one", "during two"), "nothing missed, in order");
    assert!(first < a && a < b, "ids only go up: nothing twice ({first}, {a}, {b})");
    assert!(seen.iter().any(|u| matches!(u, Update::Reconnecting { .. })), "the drop was noticed");
    assert!(seen.contains(&Update::Connected), "and the stream came back");
}

#[tokio::test]
async fn an_unreadable_event_is_skipped_and_the_stream_goes_on() {
    let mock = MockServer::start().await;
    let good = serde_json::json!({
        "id": 2, "at": "2026-11-25T10:00:00Z", "type": "view_counts_changed",
        "data": [{"view_id": "unread", "count": 4}]
    });
    let body = format!(
        "event: ready\ndata: {{}}\nid: 1\n\nid: 1\nevent: message_created\ndata: {{not json\n\nid: 2\nevent: view_counts_changed\ndata: {good}\n\n"
    );
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/event-stream"))
        .mount(&mock)
        .await;
    let p = NativeProvider::new("t", &mock.uri(), SecretString::from("k".to_owned())).expect("provider");
    let mut updates = p.updates(None);
    assert_eq!(next(&mut updates).await, Update::Connected);
    let Update::Event(e) = next(&mut updates).await else { panic!("the good event") };
    assert!(matches!(e.kind, EventKind::ViewCountsChanged(ref c) if c[0].count == 4));
    assert!(matches!(next(&mut updates).await, Update::Reconnecting { .. }), "the body ended: reconnect");
    // The reconnect resumes after the last id it saw.
    assert_eq!(next(&mut updates).await, Update::Connected);
    let requests = mock.received_requests().await.expect("requests");
    let last = requests.last().and_then(|r| r.headers.get("last-event-id")).and_then(|v| v.to_str().ok());
    assert_eq!(last, Some("2"));
}
