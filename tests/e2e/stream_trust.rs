//! The live stream tells the truth about its connection (issue "Trust", case 5): a
//! link that stalls (open, but nothing comes through, not even keep-alives) is
//! noticed after two missed keep-alives and resumed with nothing missed; a page in
//! place of the stream is a failure with its reason, never "live".

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt as _;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::EventKind;
use frontdesk_provider::{Provider, Update};
use frontdesk_provider_native::NativeProvider;

use super::support::TestServer;

/// A proxy whose `stall` leaves the connections open now half-dead, as a link
/// behind a broken NAT is: the client's bytes still go up, nothing comes down.
/// Connections made after it pass as usual.
struct StallProxy {
    addr: SocketAddr,
    /// Connections numbered below this are stalled.
    stalled_below: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
}

impl StallProxy {
    async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let stalled_below = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (stalled, count) = (Arc::clone(&stalled_below), Arc::clone(&accepted));
        let accept = tokio::spawn(async move {
            let mut conns = Vec::new();
            while let Ok((inbound, _)) = listener.accept().await {
                let n = count.fetch_add(1, Ordering::SeqCst);
                let stalled = Arc::clone(&stalled);
                conns.push(tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(target).await else { return };
                    let (mut client_read, mut client_write) = inbound.into_split();
                    let (mut server_read, mut server_write) = outbound.into_split();
                    let up = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                    });
                    let mut buf = vec![0u8; 16 << 10];
                    while let Ok(read) = server_read.read(&mut buf).await {
                        if read == 0 {
                            break;
                        }
                        // Swallowed, not closed: the client sees silence, not an end.
                        if n < stalled.load(Ordering::SeqCst) {
                            continue;
                        }
                        if client_write.write_all(&buf[..read]).await.is_err() {
                            break;
                        }
                    }
                    up.abort();
                }));
            }
            for conn in conns {
                conn.abort();
            }
        });
        Self { addr, stalled_below, accepted, accept }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stalls every connection open now.
    fn stall(&self) {
        self.stalled_below.store(self.accepted.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

impl Drop for StallProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn next(updates: &mut futures::stream::BoxStream<'static, Update>) -> Update {
    tokio::time::timeout(Duration::from_secs(20), updates.next())
        .await
        .expect("an update in time")
        .expect("stream open")
}

/// The body of the next customer message on the stream, and what came before it.
async fn next_message(updates: &mut futures::stream::BoxStream<'static, Update>) -> (String, Vec<Update>) {
    let mut seen = Vec::new();
    loop {
        let u = next(updates).await;
        if let Update::Event(e) = &u
            && let EventKind::MessageCreated(m) = &e.kind
        {
            return (m.body.clone(), seen);
        }
        seen.push(u);
    }
}

#[tokio::test]
async fn a_stalled_stream_is_noticed_and_resumes_with_nothing_missed() {
    // Keep-alives every second, said in the stream's header: two missed, and the
    // client (left at its default of 15 s) calls the link stalled.
    let mut cfg = super::support::config();
    cfg.server.event_keep_alive_secs = 1;
    let s = TestServer::start_with(cfg).await;
    let proxy = StallProxy::start(s.running.addr).await;
    let p = NativeProvider::new("t", &proxy.url(), SecretString::from(s.key.clone())).expect("provider");
    let mut updates = p.updates(None);
    assert_eq!(next(&mut updates).await, Update::Connected);
    s.inbound("+15554101", "before the stall").await;
    assert_eq!(next_message(&mut updates).await.0, "before the stall");

    proxy.stall();
    s.inbound("+15554102", "during the stall").await;
    let (body, before) = next_message(&mut updates).await;
    assert_eq!(body, "during the stall", "replayed on the new connection");
    let drops: Vec<&str> = before
        .iter()
        .filter_map(|u| match u {
            Update::Reconnecting { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(drops, ["no data for 2 s"], "the stall was noticed and said: {before:?}");
    assert_eq!(before.last(), Some(&Update::Connected), "and the stream came back before the message");
}

#[tokio::test]
async fn a_page_in_place_of_the_stream_is_never_live() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("<html><body>Please sign in</body></html>", "text/html; charset=utf-8"),
        )
        .mount(&mock)
        .await;
    let p = NativeProvider::new("t", &mock.uri(), SecretString::from("k".to_owned())).expect("provider");
    let mut updates = p.updates(None);
    match next(&mut updates).await {
        Update::Reconnecting { reason, .. } => {
            assert_eq!(reason, "the server answered text/html, not an event stream");
        }
        other => panic!("a page is not a stream: {other:?}"),
    }
}

#[tokio::test]
async fn no_content_means_stop_reconnecting() {
    let mock = MockServer::start().await;
    Mock::given(method("GET")).and(path("/v1/events")).respond_with(ResponseTemplate::new(204)).mount(&mock).await;
    let p = NativeProvider::new("t", &mock.uri(), SecretString::from("k".to_owned())).expect("provider");
    let mut updates = p.updates(None);
    assert_eq!(next(&mut updates).await, Update::Unavailable("the event stream answered 204 No Content".into()));
    assert_eq!(mock.received_requests().await.map(|r| r.len()), Some(1), "asked once, not again and again");
}

/// The client's side of a revocation: the stream ends, the reconnect is refused,
/// and the engine ends at "key refused" rather than reconnecting in a loop.
#[tokio::test]
async fn a_revoked_key_ends_as_key_refused() {
    let s = TestServer::start().await;
    let p: Arc<dyn Provider> =
        Arc::new(NativeProvider::new("t", &s.url, SecretString::from(s.key.clone())).expect("provider"));
    let clock = frontdesk_sync::poll::Clock::default();
    let mut updates = frontdesk_sync::poll::stream_or_poll(p, None, Duration::from_secs(20), clock.watch());
    assert_eq!(next(&mut updates).await, Update::Connected);
    let admin = frontdesk_server::store::Db::open(&s.db_url, frontdesk_server::hub::Hub::default()).await.expect("db");
    assert_eq!(frontdesk_server::admin::revoke_key(&admin, &s.key[..9]).await.expect("revoked"), 1);
    let mut seen = Vec::new();
    let refused = loop {
        let u = tokio::time::timeout(Duration::from_secs(20), updates.next())
            .await
            .expect("an update in time")
            .expect("the stream stays open");
        if let Update::Refused { reason, .. } = &u {
            break reason.clone();
        }
        seen.push(u);
    };
    assert!(refused.contains("revoked"), "{refused}");
    assert!(seen.len() <= 3, "no reconnect loop on the way: {seen:?}");
}
