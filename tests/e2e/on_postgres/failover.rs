//! Failover: three instances on one database behind a round-robin TCP proxy. The
//! client's stream is on the first; that instance dies in the middle of a burst of
//! writes on the others. The stream comes back through the proxy on another instance
//! and, counted against the server's log, has missed nothing and seen nothing twice;
//! a reply the client sends as the instance dies lands exactly once.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt as _;
use secrecy::SecretString;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use frontdesk_domain::{ConversationId, Op, ReplyKind};
use frontdesk_provider::{Provider, Update};
use frontdesk_provider_native::NativeProvider;

use super::events;
use super::support::TestServer;

/// A backend of the proxy: its address, whether it is up, and the connections it
/// carries now (dropped at once when it dies, as a killed process drops them).
struct Backend {
    addr: SocketAddr,
    up: bool,
    conns: Vec<JoinHandle<()>>,
}

/// Round-robin over the backends that are up; a connection that cannot reach its
/// backend goes to the next one.
struct RoundRobin {
    addr: SocketAddr,
    backends: Arc<Mutex<Vec<Backend>>>,
    /// The backend each accepted connection went to, in order.
    placed: Arc<Mutex<Vec<usize>>>,
    accept: JoinHandle<()>,
}

impl RoundRobin {
    async fn start(addrs: &[SocketAddr]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let backends: Arc<Mutex<Vec<Backend>>> =
            Arc::new(Mutex::new(addrs.iter().map(|a| Backend { addr: *a, up: true, conns: Vec::new() }).collect()));
        let placed = Arc::new(Mutex::new(Vec::new()));
        let (all, order) = (Arc::clone(&backends), Arc::clone(&placed));
        let accept = tokio::spawn(async move {
            let mut next = 0;
            while let Ok((mut inbound, _)) = listener.accept().await {
                let count = all.lock().expect("backends").len();
                let mut placed_on = None;
                for step in 0..count {
                    let i = (next + step) % count;
                    let (up, target) = {
                        let b = &all.lock().expect("backends")[i];
                        (b.up, b.addr)
                    };
                    if !up {
                        continue;
                    }
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let conn = tokio::spawn(async move {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        });
                        all.lock().expect("backends")[i].conns.push(conn);
                        placed_on = Some(i);
                        next = i + 1;
                        break;
                    }
                }
                if let Some(i) = placed_on {
                    order.lock().expect("placed").push(i);
                }
            }
        });
        Self { addr, backends, placed, accept }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Takes backend `i` out, dropping every connection it carries.
    fn kill(&self, i: usize) {
        let mut all = self.backends.lock().expect("backends");
        all[i].up = false;
        for conn in all[i].conns.drain(..) {
            conn.abort();
        }
    }

    fn placed(&self) -> Vec<usize> {
        self.placed.lock().expect("placed").clone()
    }
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

#[tokio::test]
async fn a_stream_survives_its_instance_dying_with_nothing_missed_or_doubled() {
    let first = TestServer::start().await;
    let second = first.another_instance().await;
    let third = first.another_instance().await;
    let proxy = RoundRobin::start(&[first.running.addr, second.running.addr, third.running.addr]).await;
    let conversation = ConversationId::from(second.conversation("+15550170001").await);
    let start = events::open(&second, &second.key, None, "").await.ready().await;

    // The client's stream, through the proxy: its first connection, so on the first.
    let client = NativeProvider::new("failover", &proxy.url(), SecretString::from(first.key.clone())).expect("client");
    let mut updates = client.updates(Some(start.to_string()));
    let connected = tokio::time::timeout(Duration::from_secs(10), updates.next()).await.expect("in time");
    assert_eq!(connected, Some(Update::Connected));
    assert_eq!(proxy.placed(), [0], "the stream is on the first instance");

    // A burst of customer messages on the other two instances.
    let (second_url, third_url) = (second.url.clone(), third.url.clone());
    let key = first.key.clone();
    let burst = tokio::spawn(async move {
        let http = reqwest::Client::new();
        for i in 0..40 {
            let url = if i % 2 == 0 { &second_url } else { &third_url };
            let body = serde_json::json!({"channel": "sms", "contact": {"handle": format!("+1555018{i:04}")},
                                          "body": format!("burst {i}")});
            let sent = http.post(format!("{url}/v1/inbound")).bearer_auth(&key).json(&body).send().await;
            assert!(sent.expect("sent").status().is_success(), "burst message {i}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;

    // The first instance dies mid-burst: its connections drop, then it stops.
    proxy.kill(0);
    let stopped = first.stop().await;

    // The client sends a reply as it dies, and retries it with its key, as the
    // outbox does, until an answer comes back.
    let reply = Op::Send {
        conversation: conversation.clone(),
        kind: ReplyKind::Reply,
        body: "Sent while an instance died".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    let mut tries = 0;
    while let Err(err) = client.apply(reply.clone(), "failover-reply".into()).await {
        tries += 1;
        assert!(tries < 50, "the reply never landed: {err}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    burst.await.expect("the burst");

    // The log's end, read on a surviving instance; the stream must reach it.
    let newest = events::open(&second, &second.key, None, "").await.ready().await;
    let mut seen = Vec::new();
    let mut reconnected = false;
    while seen.last().copied().unwrap_or(start) < newest {
        let update = tokio::time::timeout(Duration::from_secs(20), updates.next())
            .await
            .unwrap_or_else(|_| panic!("the stream stalled after {seen:?} (log ends at {newest})"))
            .expect("the stream goes on");
        match update {
            Update::Event(e) => seen.extend(e.id),
            Update::Reconnecting { .. } => reconnected = true,
            _ => {}
        }
    }
    assert!(reconnected, "the stream noticed its instance die");
    assert_eq!(seen, (start + 1..=newest).collect::<Vec<_>>(), "0 missed, 0 doubled");
    assert!(proxy.placed().iter().skip(1).all(|b| *b != 0), "nothing went to the dead instance after it died");

    let thread = second.get(&format!("/v1/conversations/{conversation}/messages?limit=100")).await.1;
    let landed = thread["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|m| m["body"] == "Sent while an instance died")
        .count();
    assert_eq!(landed, 1, "the reply landed exactly once");
    drop(stopped);
}
