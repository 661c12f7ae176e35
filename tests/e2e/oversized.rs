//! Every adapter refuses an answer larger than its cap, with a clear error, before
//! reading it: a server (or a proxy in front of it) that announces 50 MB must not
//! take the client's memory with it.

use std::time::Duration;

use frontdesk::setup;
use frontdesk_provider::ListQuery;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server that answers every request 200 with a 50 MB body it never sends.
async fn announces_fifty_megabytes() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                // One request per connection is enough for a refusal.
                let _ = socket.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                std::future::pending::<()>().await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn every_adapter_refuses_an_answer_over_its_cap() {
    let url = announces_fifty_megabytes().await;
    for kind in ["native", "orbit", "chatwoot", "helpdesk", "chatcaptain", "crm"] {
        let provider = setup::provider(&crate::support::any_account(kind, &url, "key")).expect("a provider");
        let read = tokio::time::timeout(
            Duration::from_secs(20),
            provider.list(ListQuery { limit: 25, ..ListQuery::default() }),
        )
        .await
        .unwrap_or_else(|_| panic!("{kind}: waited for a body it should have refused"));
        let err = read.err().unwrap_or_else(|| panic!("{kind}: a 50 MB answer was taken"));
        assert!(err.to_string().contains("larger than 16 MiB"), "{kind}: {err}");
    }
}
