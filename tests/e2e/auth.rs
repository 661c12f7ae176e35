//! Keys, org isolation and rate limits.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{TestServer, code, config};

#[tokio::test]
async fn a_missing_or_wrong_key_is_401() {
    let s = TestServer::start().await;
    let (status, err) = s.call_as(None, Method::GET, "/v1/conversations", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&err), "UNAUTHORIZED");
    let (status, _) = s.call_as(Some("fd_wrong"), Method::GET, "/v1/conversations", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn x_api_key_works_as_well_as_bearer() {
    let s = TestServer::start().await;
    let resp = s.client.get(s.path("/v1/me")).header("X-API-Key", &s.key).send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn another_orgs_conversation_is_404_everywhere() {
    let s = TestServer::start().await;
    let id = s.conversation("+15556000001").await;
    let other = Some(s.other_key.as_str());
    for (method, path, body) in [
        (Method::GET, format!("/v1/conversations/{id}"), None),
        (Method::GET, format!("/v1/conversations/{id}/messages"), None),
        (Method::POST, format!("/v1/conversations/{id}/star"), Some(json!({}))),
        (Method::POST, format!("/v1/conversations/{id}/messages"), Some(json!({"body": "hi"}))),
        (Method::POST, format!("/v1/conversations/{id}/copilot/suggest"), Some(json!({}))),
        (Method::POST, format!("/v1/conversations/{id}/snooze"), Some(json!({"until": "2099-01-01T00:00:00Z"}))),
    ] {
        let (status, err) = s.call_as(other, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {err}");
    }
    let (_, page) = s.call_as(other, Method::GET, "/v1/conversations", None).await;
    assert_eq!(page["items"], json!([]), "org B lists nothing of org A");
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(c["starred"], false, "org B's attempt changed nothing");
    assert_eq!(c["message_count"], 1);
}

#[tokio::test]
async fn a_revoked_key_stops_working() {
    let s = TestServer::start().await;
    // Used once, so the server remembers it.
    let (status, _) = s.call_as(Some(&s.key2), Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    let db = frontdesk_server::store::Db::open(&s.db_url, frontdesk_server::hub::Hub::default()).await.expect("db");
    let n = frontdesk_server::admin::revoke_key(&db, &s.key2[..9]).await.expect("revoke");
    assert_eq!(n, 1);
    // Keys are remembered for a second: the revocation takes effect within it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, _) = s.call_as(Some(&s.key2), Method::GET, "/v1/me", None).await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(std::time::Instant::now() < deadline, "the revoked key still works after 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn past_the_rate_limit_answers_429_with_retry_after() {
    let mut cfg = config();
    cfg.server.rate_limit_per_second = 1;
    cfg.server.rate_limit_burst = 3;
    let s = TestServer::start_with(cfg).await;
    let mut limited = None;
    for _ in 0..10 {
        let resp = s.client.get(s.path("/v1/me")).bearer_auth(&s.key).send().await.expect("sent");
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("the limit was reached within 10 quick requests");
    let retry: u64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(retry >= 1);
    // The exact wait too (a second a request here: at most 1,000 ms), so a client
    // paced faster than a second waits what it must and no more.
    let ms: u64 = resp
        .headers()
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After-Ms");
    assert!((1..=1_000).contains(&ms), "{ms} ms");
    assert!(ms.div_ceil(1_000) <= retry);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(code(&body), "RATE_LIMITED");
    // Another key has its own budget.
    let (status, _) = s.call_as(Some(&s.key2), Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
}

/// Guessing keys is limited by address before any lookup: past the burst of failed
/// keys, 429 with `Retry-After`, in the envelope, whatever key comes next.
#[tokio::test]
async fn guessing_keys_from_one_address_is_rate_limited() {
    let s = TestServer::start().await;
    for n in 0..frontdesk_server::auth::GUESS_BURST {
        let (status, _) = s.call_as(Some(&format!("fd_guess{n}")), Method::GET, "/v1/me", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {n}");
    }
    let resp = s.client.get(s.path("/v1/me")).bearer_auth("fd_one_more_guess").send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("retry-after").is_some());
    let body: serde_json::Value = resp.json().await.expect("envelope");
    assert_eq!(code(&body), "RATE_LIMITED");
    // A request with no key at all costs no lookup and is not a guess: still 401.
    let (status, _) = s.call_as(None, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
