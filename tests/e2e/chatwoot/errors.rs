//! Section 6: the document's error bodies, each read as the kind of failure it is.

use super::*;

#[tokio::test]
async fn a_401_is_auth_saying_the_token_is_wrong_or_revoked() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/profile"))
        .respond_with(cw_error(401, "Invalid Access Token", &[]))
        .mount(&server)
        .await;
    let e = within(p.me()).await.expect_err("refused");
    let ProviderError::Auth(text) = &e else { panic!("expected Auth, got {e:?}") };
    assert!(text.contains("wrong or revoked"), "{text}");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn a_404_is_not_found_with_the_description() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(conv_path(999, "")))
        .respond_with(cw_error(404, "Resource could not be found", &[]))
        .mount(&server)
        .await;
    let e = within(p.conversation(cid(999))).await.expect_err("missing");
    let ProviderError::NotFound(text) = &e else { panic!("expected NotFound, got {e:?}") };
    assert!(text.contains("Resource could not be found"), "{text}");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn a_422_is_permanent_and_names_the_field() {
    let (server, p) = chatwoot().await;
    Mock::given(method("POST"))
        .and(path(conv_path(42, "/messages")))
        .respond_with(cw_error(422, "Validation failed", &[("content", "can't be blank", "blank")]))
        .expect(1)
        .mount(&server)
        .await;
    let e = apply_err(&p, send(42, ReplyKind::Reply, " ")).await;
    let ProviderError::Permanent { message, .. } = &e else { panic!("expected Permanent, got {e:?}") };
    assert!(message.contains("content: can't be blank"), "{message}");
    assert!(!e.is_transient());
    server.verify().await;
}

#[tokio::test]
async fn a_429_with_retry_after_is_rate_limited_for_that_long() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(cw_error(429, "Too many requests", &[]).insert_header("Retry-After", "9"))
        .mount(&server)
        .await;
    let e = within(p.list(query("all"))).await.expect_err("limited");
    assert_eq!(e, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(9)) });
    assert!(e.is_transient());
}

#[tokio::test]
async fn a_500_is_transient() {
    let (server, p) = chatwoot().await;
    Mock::given(method("POST"))
        .and(path(conv_path(42, "/toggle_status")))
        .respond_with(ResponseTemplate::new(500).set_body_raw("<html>Internal Server Error</html>", "text/html"))
        .mount(&server)
        .await;
    let e = apply_err(&p, change(42, Change::Close)).await;
    assert!(e.is_transient(), "a 500 is worth retrying: {e:?}");
}

#[tokio::test]
async fn a_malformed_200_body_is_malformed() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"id": 42, "meta": "#, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>gateway</html>", "text/html"))
        .mount(&server)
        .await;
    let e = within(p.conversation(cid(42))).await.expect_err("unreadable");
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
    let e = within(p.list(query("all"))).await.expect_err("unreadable");
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
}
