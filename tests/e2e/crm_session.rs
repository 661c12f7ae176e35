//! Iron's session after a 401, against a wiremock Iron and Supabase Auth: a refresh
//! token Supabase refuses falls back to the password, a refresh that Supabase cannot
//! answer is transient, a changed password is Auth in Supabase's words, and two
//! calls refused at once refresh once.
//!
//! The refresh grant's answers are Supabase's (`{"error", "error_description"}` for
//! a refused grant); Iron's 401 body is the notes' `{"detail": …}` (an ASSUMPTION).

use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::ConversationId;
use frontdesk_provider::{Provider, ProviderError};

use crate::crm::{C1, conv, conv_path, provider, token};

const EXPIRED: &str = "Invalid or expired token";

/// An Iron whose first sign-in gives `tok-1`, which it refuses for the
/// conversation; `renewal` answers the refresh grant.
async fn expired_session(renewal: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "password"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-1", "refresh-1", 3600)))
        .up_to_n_times(1)
        .expect(1)
        .named("first sign-in")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "refresh_token"))
        .and(body_json(json!({ "refresh_token": "refresh-1" })))
        .respond_with(renewal)
        .expect(1)
        .named("one refresh")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path("")))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "detail": EXPIRED })))
        .expect(1)
        .named("tok-1 refused")
        .mount(&server)
        .await;
    server
}

fn refused_refresh() -> ResponseTemplate {
    ResponseTemplate::new(400)
        .set_body_json(json!({ "error": "invalid_grant", "error_description": "Invalid Refresh Token: Already Used" }))
}

#[tokio::test]
async fn crm_a_refused_refresh_token_signs_in_again_with_the_password() {
    let server = expired_session(refused_refresh()).await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "password"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-3", "refresh-3", 3600)))
        .expect(1)
        .named("second sign-in")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path("")))
        .and(header("authorization", "Bearer tok-3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(conv(C1)))
        .expect(1)
        .mount(&server)
        .await;
    let c = provider(&server, None).conversation(ConversationId::from(C1)).await.expect("read on the new session");
    assert_eq!(c.id.as_str(), C1);
}

#[tokio::test]
async fn crm_a_changed_password_after_a_refused_refresh_is_auth_in_supabases_words() {
    let server = expired_session(refused_refresh()).await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "password"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({ "error": "invalid_grant", "error_description": "Invalid login credentials" })),
        )
        .expect(1)
        .named("second sign-in refused")
        .mount(&server)
        .await;
    let e = provider(&server, None).conversation(ConversationId::from(C1)).await.expect_err("refused");
    assert_eq!(e, ProviderError::Auth("Iron sign-in failed: Invalid login credentials".into()));
}

#[tokio::test]
async fn crm_a_refresh_supabase_cannot_answer_is_transient_and_not_a_new_sign_in() {
    let cases = [
        (ResponseTemplate::new(503).set_body_string("<html>upstream connect error</html>"), None),
        (ResponseTemplate::new(429).insert_header("Retry-After", "12"), Some(Duration::from_secs(12))),
    ];
    for (renewal, wait) in cases {
        let server = expired_session(renewal).await;
        // A password sign-in here would find no mock (the first is answered once)
        // and fail as Auth, not as these.
        let e = provider(&server, None).conversation(ConversationId::from(C1)).await.expect_err("not now");
        assert!(e.is_transient(), "{e:?}");
        if wait.is_some() {
            assert_eq!(e, ProviderError::RateLimited { retry_after: wait });
        } else {
            assert!(matches!(&e, ProviderError::Network(m) if m.contains("503") && !m.contains('<')), "{e:?}");
        }
    }
}

#[tokio::test]
async fn crm_two_calls_refused_at_once_refresh_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "password"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-1", "refresh-1", 3600)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-2", "refresh-2", 3600)))
        .expect(1)
        .named("one refresh for both")
        .mount(&server)
        .await;
    // `views` asks for the views and their counts at once.
    for (at, body) in [
        ("/api/v1/conversations/views", json!([{ "id": "all", "name": "All" }])),
        ("/api/v1/conversations/views/counts", json!({ "all": 3 })),
    ] {
        Mock::given(method("GET"))
            .and(path(at))
            .and(header("authorization", "Bearer tok-1"))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "detail": EXPIRED })))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(at))
            .and(header("authorization", "Bearer tok-2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let views = provider(&server, None).views().await.expect("views on the refreshed session");
    assert_eq!(views.iter().map(|v| (v.view.id.as_str(), v.count)).collect::<Vec<_>>(), [("all", 3)]);
}
