//! Sections 6 and 7: Orbit's error bodies, and what Orbit lacks said as such.

use super::*;

#[tokio::test]
async fn a_401_invalid_api_key_is_auth_saying_the_key_is_wrong_or_revoked() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(orbit_error(401, "INVALID_API_KEY", "The API key provided is invalid", None))
        .mount(&server)
        .await;
    let e = within(p.list(query("all"))).await.expect_err("refused");
    let ProviderError::Auth(text) = &e else { panic!("expected Auth, got {e:?}") };
    assert!(text.contains("wrong or revoked"), "{text}");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn a_429_with_retry_after_waits_that_long() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(
            orbit_error(429, "RATE_LIMITED", "Too many requests", None)
                .insert_header("Retry-After", "7")
                .insert_header("X-RateLimit-Limit", "100")
                .insert_header("X-RateLimit-Remaining", "0"),
        )
        .mount(&server)
        .await;
    let e = within(p.list(query("all"))).await.expect_err("limited");
    assert_eq!(e, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(7)) });
    assert!(e.is_transient());
}

#[tokio::test]
async fn a_429_with_details_retry_after_in_the_body_waits_that_long() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(
            orbit_error(429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded", Some(json!({ "retry_after": 12 })))
                .insert_header("X-RateLimit-Limit", "100")
                .insert_header("X-RateLimit-Remaining", "0"),
        )
        .mount(&server)
        .await;
    let e = within(p.list(query("all"))).await.expect_err("limited");
    assert_eq!(e, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(12)) });
}

#[tokio::test]
async fn a_reply_outside_the_whatsapp_window_is_permanent_and_says_to_use_a_template() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/reply"))
        .respond_with(orbit_error(
            422,
            "WHATSAPP_OUTSIDE_24H_WINDOW",
            "The 24-hour customer care window has closed",
            None,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let e = apply_err(&p, reply("conv_1", "Your parcel left today")).await;
    let ProviderError::Permanent { code, message } = &e else { panic!("expected Permanent, got {e:?}") };
    assert_eq!(code, "WHATSAPP_OUTSIDE_24H_WINDOW");
    assert!(message.contains("24-hour window"), "{message}");
    assert!(message.contains("template"), "{message}");
    assert!(!e.is_transient());
    server.verify().await;
}

#[tokio::test]
async fn a_validation_error_is_permanent_with_code_and_message() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/snooze"))
        .respond_with(orbit_error(
            422,
            "VALIDATION_ERROR",
            "until must be in the future",
            Some(json!({ "field": "until" })),
        ))
        .mount(&server)
        .await;
    let until: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("timestamp");
    let e = apply_err(&p, change("conv_1", Change::Snooze { until })).await;
    let ProviderError::Permanent { code, message } = &e else { panic!("expected Permanent, got {e:?}") };
    assert_eq!(code, "VALIDATION_ERROR");
    assert!(message.contains("until must be in the future"), "{message}");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn a_500_is_transient() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/close"))
        .respond_with(orbit_error(500, "INTERNAL_ERROR", "Something went wrong", None))
        .mount(&server)
        .await;
    let e = apply_err(&p, change("conv_1", Change::Close)).await;
    assert!(e.is_transient(), "a 500 is worth retrying: {e:?}");
}

#[tokio::test]
async fn a_malformed_200_body_is_malformed() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"data": {"id": "conv_1", "#, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>gateway</html>", "text/html"))
        .mount(&server)
        .await;
    let e = within(p.conversation(cid("conv_1"))).await.expect_err("unreadable");
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
    let e = within(p.list(query("all"))).await.expect_err("unreadable");
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
}

// ---------------------------------------------------------------------------------
// 7. What Orbit lacks
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn star_is_unsupported_without_a_call() {
    let (server, p) = orbit().await;
    let e = apply_err(&p, change("conv_1", Change::Star)).await;
    assert!(matches!(e, ProviderError::Unsupported(_)), "{e:?}");
    let e = within(p.list(query("starred"))).await.expect_err("no starred view on Orbit");
    assert!(matches!(e, ProviderError::Unsupported(_)), "{e:?}");
    assert!(requests(&server).await.is_empty(), "nothing was sent");
}
