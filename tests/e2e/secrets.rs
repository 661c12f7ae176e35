//! A key never leaves the request it authorises: not in an error (even when the
//! server quotes it back), not in a `Debug` of the error, not in any log line at
//! any level; and every request carries it in a header marked sensitive.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontdesk::setup;
use frontdesk_provider::ListQuery;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "fd_TOPSECRET0123456789abcdefXYZ";

/// Everything logged, at every level, while the guard lives (this thread only:
/// the test's runtime is single-threaded, so every task of the request is here).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every line logged at any level, while the guard lives.
fn capture_everything() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn a_key_quoted_back_by_the_server_reaches_no_error_and_no_log() {
    let (captured, _guard) = capture_everything();

    let server = MockServer::start().await;
    let quoted = format!("invalid key {KEY}");
    let body = serde_json::json!({
        "error": { "code": "unauthorized", "message": quoted },
        "message": quoted, "description": quoted, "detail": quoted, "errors": [quoted],
    });
    Mock::given(any()).respond_with(ResponseTemplate::new(401).set_body_json(&body)).mount(&server).await;
    for kind in ["native", "orbit", "chatwoot", "helpdesk", "chatcaptain"] {
        let provider = setup::provider(&crate::support::any_account(kind, &server.uri(), KEY)).expect("a provider");
        let read = tokio::time::timeout(
            Duration::from_secs(20),
            provider.list(ListQuery { limit: 5, ..ListQuery::default() }),
        )
        .await
        .expect("an answer");
        let err = read.expect_err("a 401 is an error");
        assert!(!err.to_string().contains(KEY), "{kind}: the error quotes the key: {err}");
        assert!(!format!("{err:?}").contains(KEY), "{kind}: the error's Debug quotes the key");
    }
    // The key was sent (so the test means something), in every request.
    let requests = server.received_requests().await.expect("recorded");
    assert!(!requests.is_empty());
    for r in &requests {
        let sent = r.headers.values().any(|v| v.to_str().is_ok_and(|v| v.contains(KEY)));
        assert!(sent, "a request without the key: {} {}", r.method, r.url);
    }
    let log = String::from_utf8_lossy(&captured.0.lock().expect("lock")).into_owned();
    assert!(!log.is_empty(), "something was logged at TRACE");
    assert!(!log.contains(KEY), "the key is in the log:\n{log}");
}

#[test]
fn key_headers_are_marked_sensitive() {
    let client = reqwest::Client::new();
    let req = frontdesk_provider::http::secret_header(client.get("http://127.0.0.1:9/"), "X-API-Key", KEY)
        .build()
        .expect("a request");
    let value = req.headers().get("X-API-Key").expect("the header");
    assert!(value.is_sensitive());
    assert!(!format!("{req:?}").contains(KEY), "a request's Debug shows the key");
    let bearer = client.get("http://127.0.0.1:9/").bearer_auth(KEY).build().expect("a request");
    assert!(bearer.headers().get("authorization").is_some_and(reqwest::header::HeaderValue::is_sensitive));
}

/// The server's side: keys presented (right, wrong, revoked) never reach its log.
#[tokio::test]
async fn the_server_logs_no_key_it_is_shown() {
    let (captured, _guard) = capture_everything();
    let s = crate::support::TestServer::start().await;
    let id = s.conversation("+15559300001").await;
    s.post(&format!("/v1/conversations/{id}/messages"), serde_json::json!({"body": "hello"})).await;
    let wrong = format!("{}x", s.key);
    let (status, _) = s.call_as(Some(&wrong), reqwest::Method::GET, "/v1/me", None).await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    let log = String::from_utf8_lossy(&captured.0.lock().expect("lock")).into_owned();
    assert!(!log.is_empty(), "something was logged at TRACE");
    for key in [&s.key, &s.key2, &s.other_key, &wrong] {
        assert!(!log.contains(key.as_str()), "a key is in the server's log:\n{log}");
    }
}
