//! A tiny HTTP/1.1 server on 127.0.0.1 for tests of what a misbehaving server does
//! to the client (stalls, HTML pages, garbage, endless bodies), which a well-made
//! mock server will not do. Each connection has its request head read and noted,
//! then runs the test's script with the socket; the script writes raw HTTP.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The head of an event-stream answer; the body is what the script writes next,
/// ended by closing the connection.
pub const EVENT_STREAM: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n";

/// A request as it arrived: its head, and when (on tokio's clock, paused or not).
#[derive(Clone, Debug)]
pub struct Request {
    pub head: String,
    pub at: Instant,
}

pub struct Server {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    accept: JoinHandle<()>,
}

impl Server {
    /// Serves every connection with `script(n, socket)`, `n` counting connections from 0.
    pub async fn start<F, Fut>(script: F) -> Self
    where
        F: Fn(usize, TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind on loopback");
        let url = format!("http://{}", listener.local_addr().expect("a local address"));
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let seen = Arc::clone(&requests);
        let script = Arc::new(script);
        let accept = tokio::spawn(async move {
            let mut n = 0;
            while let Ok((mut socket, _)) = listener.accept().await {
                let (seen, script) = (Arc::clone(&seen), Arc::clone(&script));
                tokio::spawn(async move {
                    let head = read_head(&mut socket).await;
                    seen.lock().expect("lock").push(Request { head, at: Instant::now() });
                    script(n, socket).await;
                });
                n += 1;
            }
        });
        Self { url, requests, accept }
    }

    /// The requests so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }

    /// Header `name` of request `n`, if it was sent.
    pub fn header(&self, n: usize, name: &str) -> Option<String> {
        let requests = self.requests();
        let head = &requests.get(n)?.head;
        head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Reads up to the blank line that ends a request head (these requests have no body).
async fn read_head(socket: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.ends_with(b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Writes `bytes` over and over until the client goes away.
pub async fn endless(socket: &mut TcpStream, bytes: &[u8]) {
    use tokio::io::AsyncWriteExt;
    while socket.write_all(bytes).await.is_ok() {}
}
