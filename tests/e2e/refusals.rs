//! Every refusal the server can give, by status, carries the envelope
//! `{"error": {"code", "message"}}` with a JSON content type: the handlers' own,
//! axum's (405, a path it cannot read) and hyper's (414, 431, a request that is not
//! HTTP). The statuses the API document lists must all be among those tried here.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::support::{TestServer, config};

/// Sends `request` as raw bytes and reads the answer: status, headers, body.
async fn raw(s: &TestServer, request: &[u8]) -> (u16, String, Value) {
    let mut socket = tokio::net::TcpStream::connect(s.running.addr).await.expect("connect");
    // The server may answer and close before all of a huge request is written.
    let _ = socket.write_all(request).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), socket.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_ascii_lowercase(), serde_json::from_str(body).unwrap_or(Value::Null))
}

/// What was tried, by status.
#[derive(Default)]
struct Walk(BTreeSet<u16>);

impl Walk {
    fn check(&mut self, what: &str, status: u16, content_type: Option<&str>, body: &Value) {
        let error = &body["error"];
        assert!(
            error["code"].as_str().is_some_and(|c| !c.is_empty())
                && error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}: {status} without the envelope: {body}"
        );
        assert!(content_type.is_some_and(|t| t.starts_with("application/json")), "{what}: {content_type:?}");
        self.0.insert(status);
    }

    async fn http(&mut self, what: &str, req: reqwest::RequestBuilder, want: StatusCode) {
        let resp = req.send().await.expect("sent");
        let status = resp.status();
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, want, "{what}: {body}");
        self.check(what, status.as_u16(), ct.as_deref(), &body);
    }

    async fn raw(&mut self, what: &str, s: &TestServer, request: &[u8], want: u16) {
        let (status, head, body) = raw(s, request).await;
        assert_eq!(status, want, "{what}: {head}");
        let ct = head.lines().find_map(|l| l.strip_prefix("content-type: "));
        self.check(what, status, ct, &body);
    }
}

#[tokio::test]
async fn every_refusal_speaks_the_envelope() {
    let mut cfg = config();
    cfg.server.body_limit_bytes = 64 * 1024;
    cfg.server.rate_limit_per_second = 1;
    cfg.server.rate_limit_burst = 1000;
    let s = TestServer::start_with(cfg).await;
    let id = s.conversation("+15558000001").await;
    let (c, key) = (&s.client, &s.key);
    let mut walk = Walk::default();

    walk.http("no key", c.get(s.path("/v1/me")), StatusCode::UNAUTHORIZED).await;
    walk.http("malformed JSON", c.post(s.path("/v1/inbound")).bearer_auth(key).body("{"), StatusCode::BAD_REQUEST)
        .await;
    let bad_path = c.get(s.path("/v1/conversations/%FF%FE")).bearer_auth(key);
    walk.http("a path that is not UTF-8", bad_path, StatusCode::BAD_REQUEST).await;
    walk.http("an unknown route", c.get(s.path("/v2/nothing")).bearer_auth(key), StatusCode::NOT_FOUND).await;
    let gone = c.get(s.path("/v1/conversations/cnv_nope")).bearer_auth(key);
    walk.http("an unknown conversation", gone, StatusCode::NOT_FOUND).await;
    walk.http("a wrong method", c.delete(s.path("/v1/me")).bearer_auth(key), StatusCode::METHOD_NOT_ALLOWED).await;
    let not_admin = c.put(s.path("/v1/sla")).bearer_auth(&s.key2).json(&json!({ "first_response_secs": 600 }));
    walk.http("an agent changing the SLA", not_admin, StatusCode::FORBIDDEN).await;
    let resolve = c.post(s.path(&format!("/v1/conversations/{id}/handoff/resolve"))).bearer_auth(key).json(&json!({}));
    walk.http("resolving a handoff there is none of", resolve, StatusCode::CONFLICT).await;
    let big = c.post(s.path("/v1/inbound")).bearer_auth(key).body(vec![b' '; 100 * 1024]);
    walk.http("a body over the limit", big, StatusCode::PAYLOAD_TOO_LARGE).await;
    let wrong = c.post(s.path("/v1/inbound")).bearer_auth(key).json(&json!({ "channel": 5 }));
    walk.http("a wrong type", wrong, StatusCode::UNPROCESSABLE_ENTITY).await;

    let long = format!("GET /v1/conversations?q={} HTTP/1.1\r\nhost: x\r\n\r\n", "a".repeat(66_000));
    walk.raw("a 64 KiB query", &s, long.as_bytes(), 414).await;
    let huge = format!("GET /v1/me HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n", "a".repeat(1 << 20));
    walk.raw("a 1 MiB header", &s, huge.as_bytes(), 431).await;
    walk.raw("a path of raw bytes", &s, b"GET /v1/\xff\xfe HTTP/1.1\r\nhost: x\r\n\r\n", 400).await;
    walk.raw("not HTTP at all", &s, b"HELLO THERE\r\n\r\n", 400).await;

    // Last: the limiter (1 a second, a burst of 1000) lets everything above through.
    let mut limited = None;
    for _ in 0..1100 {
        let resp = c.get(s.path("/v1/me")).bearer_auth(key).send().await.expect("sent");
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("the limit was reached");
    assert!(resp.headers().contains_key("retry-after"));
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    walk.check("past the rate limit", 429, ct.as_deref(), &body);

    // Every error status the API document lists was tried (5xx cannot be provoked
    // from outside: 500 is a panic or a database failure, 502 a failing LLM).
    let (_, doc) = s.get("/v1/openapi.json").await;
    let listed: BTreeSet<u16> = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("operations").values())
        .flat_map(|op| op["responses"].as_object().map(|r| r.keys().cloned().collect::<Vec<_>>()).unwrap_or_default())
        .filter_map(|code| code.parse::<u16>().ok())
        .filter(|code| (400..500).contains(code))
        .collect();
    let untried: Vec<u16> = listed.difference(&walk.0).copied().collect();
    assert!(untried.is_empty(), "statuses the document lists and nothing here tried: {untried:?}");
}
