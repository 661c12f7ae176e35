//! Every Iron endpoint's refusals, the same way, against a wiremock Iron: a 401
//! twice (one refresh, then Iron's own `detail`), a 403 (naming the org), a 400 for
//! a malformed `X-Org-Id`, a 404, `FastAPI`'s list-shaped 422, a 429 with
//! `Retry-After` in seconds, as an HTTP date or not at all, a 5xx HTML page, and a
//! 200 that is not JSON. Then the sign-in's own refusals.
//!
//! Iron publishes no error bodies: `vendors/NOTES.md` says `{"detail": …}` (`FastAPI`
//! style) or a plain string, 403 for a non-member org and 400 for a malformed org
//! id. Every body below is an ASSUMPTION in those words.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::{
    AgentId, Change, ConversationId, NewConversation, Op, ReplyKind, SuggestionId, ViewFilter, ViewId,
};
use frontdesk_provider::{ListQuery, Provider, ProviderError, ProviderResult};
use frontdesk_provider_crm::CrmProvider;

use crate::crm::{C1, ME, ORG, conv, conv_path, provider, token};

const VIEWS: &str = "/api/v1/conversations/views";
const COUNTS: &str = "/api/v1/conversations/views/counts";
const MEDIA: &str = "/api/v1/conversations/media";
/// Iron's answer to a token it does not take (unpublished: the notes' shape).
const EXPIRED: &str = "Invalid or expired token";

/// Every call the adapter makes to Iron, by the method that makes it. Some routes
/// are reached by two methods (the timeline by `thread` and `suggestions`, the
/// counts by `views` and `probe`, the PUT by saving and deleting a view).
#[derive(Clone, Copy, Debug)]
enum Endpoint {
    List,
    Get,
    Thread,
    Suggestions,
    Send,
    Media,
    OpenForContact,
    Star,
    Unstar,
    Read,
    Unread,
    Assign,
    Archive,
    Views,
    Counts,
    Probe,
    SaveView,
    DeleteView,
    Sla,
    Overdue,
    SendSuggestion,
    DismissSuggestion,
}

impl Endpoint {
    const ALL: [Self; 22] = [
        Self::List,
        Self::Get,
        Self::Thread,
        Self::Suggestions,
        Self::Send,
        Self::Media,
        Self::OpenForContact,
        Self::Star,
        Self::Unstar,
        Self::Read,
        Self::Unread,
        Self::Assign,
        Self::Archive,
        Self::Views,
        Self::Counts,
        Self::Probe,
        Self::SaveView,
        Self::DeleteView,
        Self::Sla,
        Self::Overdue,
        Self::SendSuggestion,
        Self::DismissSuggestion,
    ];

    /// The method and path that is made to fail.
    fn route(self) -> (&'static str, String) {
        match self {
            Self::List => ("GET", "/api/v1/conversations".to_owned()),
            Self::Get => ("GET", conv_path("")),
            Self::Thread | Self::Suggestions => ("GET", conv_path("/messages")),
            Self::Send => ("POST", conv_path("/messages")),
            Self::Media => ("POST", MEDIA.to_owned()),
            Self::OpenForContact => ("POST", "/api/v1/contacts/k1/conversations".to_owned()),
            Self::Star => ("POST", conv_path("/star")),
            Self::Unstar => ("DELETE", conv_path("/star")),
            Self::Read => ("POST", conv_path("/read")),
            Self::Unread => ("POST", conv_path("/unread")),
            Self::Assign => ("POST", conv_path("/assign")),
            Self::Archive => ("POST", conv_path("/archive")),
            Self::Views => ("GET", VIEWS.to_owned()),
            Self::Counts | Self::Probe => ("GET", COUNTS.to_owned()),
            Self::SaveView | Self::DeleteView => ("PUT", VIEWS.to_owned()),
            Self::Sla => ("GET", "/api/v1/conversations/sla".to_owned()),
            Self::Overdue => ("GET", "/api/v1/conversations/overdue/count".to_owned()),
            Self::SendSuggestion => ("POST", conv_path("/suggestions/a9/send")),
            Self::DismissSuggestion => ("POST", conv_path("/suggestions/a9/dismiss")),
        }
    }

    /// Calls it through the adapter's public methods; it must fail.
    async fn fail(self, p: &CrmProvider, photo: &Path) -> ProviderError {
        let change =
            |change: Change| p.apply(Op::Change { conversation: ConversationId::from(C1), change }, "k".into());
        let suggestion = || SuggestionId::from(format!("{C1}:a9").as_str());
        let outcome: ProviderResult<()> = match self {
            Self::List => within(p.list(ListQuery { limit: 25, ..ListQuery::default() })).await.map(drop),
            Self::Get => within(p.conversation(ConversationId::from(C1))).await.map(drop),
            Self::Thread => within(p.thread(ConversationId::from(C1), 50)).await.map(drop),
            Self::Suggestions => within(p.suggestions(ConversationId::from(C1))).await.map(drop),
            Self::Send => within(p.apply(reply(Vec::new()), "k".into())).await.map(drop),
            Self::Media => within(p.apply(reply(vec![photo.to_path_buf()]), "k".into())).await.map(drop),
            Self::OpenForContact => {
                let new = NewConversation {
                    contact_id: Some("k1".into()),
                    channel: Some("sms".into()),
                    ..NewConversation::default()
                };
                within(p.create_conversation(new)).await.map(drop)
            }
            Self::Star => within(change(Change::Star)).await.map(drop),
            Self::Unstar => within(change(Change::Unstar)).await.map(drop),
            Self::Read => within(change(Change::Read)).await.map(drop),
            Self::Unread => within(change(Change::Unread)).await.map(drop),
            Self::Assign => {
                within(change(Change::Assign { agent_id: Some(AgentId::from(ME)), team: None })).await.map(drop)
            }
            Self::Archive => within(change(Change::Archive)).await.map(drop),
            Self::Views | Self::Counts => within(p.views()).await.map(drop),
            Self::Probe => within(p.probe()).await.map(drop),
            Self::SaveView => within(p.save_view("Overdue leads".into(), ViewFilter::default())).await.map(drop),
            Self::DeleteView => within(p.delete_view(ViewId::from("v-77"))).await.map(drop),
            Self::Sla => within(p.sla_config()).await.map(drop),
            Self::Overdue => within(p.overdue_count()).await.map(drop),
            Self::SendSuggestion => {
                within(p.apply(Op::SendSuggestion { suggestion: suggestion() }, "k".into())).await.map(drop)
            }
            Self::DismissSuggestion => {
                within(p.apply(Op::DismissSuggestion { suggestion: suggestion() }, "k".into())).await.map(drop)
            }
        };
        outcome.expect_err(&format!("{self:?} must fail"))
    }
}

async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f).await.expect("no answer in 20 s (hang guard)")
}

fn reply(attachments: Vec<PathBuf>) -> Op {
    Op::Send {
        conversation: ConversationId::from(C1),
        kind: ReplyKind::Reply,
        body: "See you Friday".into(),
        suggestion: None,
        attachments,
    }
}

fn detail(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "detail": text }))
}

/// An Iron that signs in once, refreshes `refreshes` times, and answers every
/// route an endpoint needs besides the one made to fail (a read-back, the views
/// read before a PUT, the counts beside the views, the message after an upload).
async fn iron(refreshes: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "password"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-1", "refresh-1", 3600)))
        .expect(1)
        .named("sign-in")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "refresh_token"))
        .and(body_json(json!({ "refresh_token": "refresh-1" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-2", "refresh-2", 3600)))
        .expect(refreshes)
        .named("refresh")
        .mount(&server)
        .await;
    let views = json!([
        { "id": "unread", "name": "Unread", "deletable": false },
        { "id": "all", "name": "All", "deletable": false },
        { "id": "v-77", "name": "Hot leads", "deletable": true }
    ]);
    let healthy: [(&str, String, Value); 5] = [
        ("GET", conv_path(""), conv(C1)),
        ("GET", VIEWS.to_owned(), views),
        ("GET", COUNTS.to_owned(), json!({ "unread": 1, "all": 3 })),
        ("POST", conv_path("/messages"), json!({ "id": "a12", "status": "queued" })),
        ("POST", MEDIA.to_owned(), json!({ "id": "m-1" })),
    ];
    for (verb, at, body) in healthy {
        Mock::given(method(verb))
            .and(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .with_priority(10)
            .mount(&server)
            .await;
    }
    server
}

/// Each endpoint answered with `answer` (twice, first to `tok-1` then to the
/// refreshed `tok-2`, when `renews`), with `org` as the provider's org, and what
/// the adapter made of it.
async fn refused(answer: &ResponseTemplate, org: Option<&str>, renews: bool) -> Vec<(Endpoint, ProviderError)> {
    let dir = tempfile::tempdir().expect("dir");
    let photo = dir.path().join("photo.jpg");
    std::fs::write(&photo, b"\xff\xd8\xff a photo").expect("write");
    let tokens: &[&str] = if renews { &["tok-1", "tok-2"] } else { &["tok-1"] };
    let mut out = Vec::new();
    for endpoint in Endpoint::ALL {
        let server = iron(u64::from(renews)).await;
        let (verb, at) = endpoint.route();
        for tok in tokens {
            let mut mock =
                Mock::given(method(verb)).and(path(at.as_str())).and(header("authorization", format!("Bearer {tok}")));
            // The org goes on every call, the upload's too.
            if let Some(org) = org {
                mock = mock.and(header("x-org-id", org));
            }
            mock.respond_with(answer.clone())
                .with_priority(1)
                .expect(1)
                .named(format!("{endpoint:?} with {tok}"))
                .mount(&server)
                .await;
        }
        out.push((endpoint, endpoint.fail(&provider(&server, org), &photo).await));
        server.verify().await;
    }
    out
}

async fn each_refused(answer: &ResponseTemplate, org: Option<&str>) -> Vec<(Endpoint, ProviderError)> {
    refused(answer, org, false).await
}

#[tokio::test]
async fn crm_every_endpoint_refreshes_once_on_a_401_then_says_irons_detail() {
    for (endpoint, e) in refused(&detail(401, EXPIRED), Some(ORG), true).await {
        assert_eq!(e, ProviderError::Auth(format!("Iron refused the session: {EXPIRED}")), "{endpoint:?}");
        assert!(!e.is_transient(), "{endpoint:?}");
    }
}

#[tokio::test]
async fn crm_every_endpoint_reads_a_403_as_refused_naming_the_org() {
    let answer = detail(403, "Not a member of this organization");
    for (endpoint, e) in each_refused(&answer, Some(ORG)).await {
        let expected = format!("Iron refused access to org {ORG}: Not a member of this organization");
        assert_eq!(e, ProviderError::Auth(expected), "{endpoint:?}");
    }
    // Without an org (the earliest-joined one), and with a plain-text body.
    let plain = ResponseTemplate::new(403).set_body_string("Forbidden: read-only seat");
    for (endpoint, e) in each_refused(&plain, None).await {
        assert_eq!(e, ProviderError::Auth("Iron refused access: Forbidden: read-only seat".into()), "{endpoint:?}");
    }
}

#[tokio::test]
async fn crm_every_endpoint_reads_a_400_for_a_malformed_org_id_as_permanent() {
    let json_body = detail(400, "Invalid X-Org-Id header");
    let text_body = ResponseTemplate::new(400).set_body_string("Invalid X-Org-Id header");
    for answer in [json_body, text_body] {
        for (endpoint, e) in each_refused(&answer, Some("acme-east")).await {
            let expected = ProviderError::Permanent { code: "400".into(), message: "Invalid X-Org-Id header".into() };
            assert_eq!(e, expected, "{endpoint:?}");
        }
    }
}

#[tokio::test]
async fn crm_every_endpoint_reads_a_404_as_not_found() {
    for (endpoint, e) in each_refused(&detail(404, "Not found"), Some(ORG)).await {
        assert_eq!(e, ProviderError::NotFound("Not found".into()), "{endpoint:?}");
    }
}

#[tokio::test]
async fn crm_every_endpoint_reads_fastapis_422_by_where_and_what() {
    let body = json!({ "detail": [
        { "loc": ["body", "views", 0, "name"], "msg": "field required", "type": "value_error.missing" },
        { "loc": ["query", "limit"], "msg": "ensure this value is less than or equal to 100",
          "type": "value_error.number.not_le", "ctx": { "limit_value": 100 } }
    ] });
    let answer = ResponseTemplate::new(422).set_body_json(body);
    for (endpoint, e) in each_refused(&answer, Some(ORG)).await {
        let message = "views.0.name: field required; limit: ensure this value is less than or equal to 100";
        assert_eq!(e, ProviderError::Permanent { code: "422".into(), message: message.into() }, "{endpoint:?}");
        assert!(!e.is_transient(), "{endpoint:?}: a 422 is not retried");
    }
}

#[tokio::test]
async fn crm_every_endpoint_honours_retry_after_on_a_429() {
    let throttled = || detail(429, "Too many requests");
    let cases = [
        (throttled().insert_header("Retry-After", "7"), Some(7)),
        (throttled(), None),
        // An HTTP date already past: wait the least there is, not nothing.
        (throttled().insert_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"), Some(1)),
        // One far ahead: the wait is capped.
        (throttled().insert_header("Retry-After", "Fri, 31 Dec 2100 23:59:59 GMT"), Some(600)),
    ];
    for (answer, wait) in cases {
        for (endpoint, e) in each_refused(&answer, Some(ORG)).await {
            assert_eq!(e, ProviderError::RateLimited { retry_after: wait.map(Duration::from_secs) }, "{endpoint:?}");
            assert!(e.is_transient(), "{endpoint:?}");
        }
    }
}

#[tokio::test]
async fn crm_every_endpoint_reads_a_5xx_page_as_transient() {
    let page = ResponseTemplate::new(502)
        .insert_header("content-type", "text/html")
        .set_body_string("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>");
    for (endpoint, e) in each_refused(&page, Some(ORG)).await {
        assert!(
            matches!(&e, ProviderError::Network(m) if m.contains("502") && !m.contains('<')),
            "{endpoint:?}: {e:?}"
        );
        assert!(e.is_transient(), "{endpoint:?}");
    }
    for (endpoint, e) in each_refused(&detail(503, "Service unavailable"), Some(ORG)).await {
        assert!(matches!(&e, ProviderError::Network(m) if m.contains("Service unavailable")), "{endpoint:?}: {e:?}");
    }
}

#[tokio::test]
async fn crm_every_endpoint_reads_a_200_that_is_not_json_as_malformed() {
    let portal = ResponseTemplate::new(200)
        .insert_header("content-type", "text/html")
        .set_body_string("<!doctype html><html><body>Please sign in</body></html>");
    let cut_short =
        ResponseTemplate::new(200).insert_header("content-type", "application/json").set_body_string("{\"id\": ");
    for answer in [portal, cut_short] {
        for (endpoint, e) in each_refused(&answer, Some(ORG)).await {
            assert!(matches!(e, ProviderError::Malformed(_)), "{endpoint:?}: {e:?}");
            assert!(!e.is_transient(), "{endpoint:?}");
        }
    }
}

/// Supabase's token endpoint, refusing the first sign-in.
async fn sign_in_refused(answer: ResponseTemplate) -> ProviderError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "password"))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    within(provider(&server, None).conversation(ConversationId::from(C1))).await.expect_err("refused")
}

#[tokio::test]
async fn crm_sign_in_refusals_are_auth_throttled_transient_or_malformed() {
    // Supabase's gateway without the anon key (see `crm/auth.rs`).
    let e =
        sign_in_refused(ResponseTemplate::new(401).set_body_json(json!({ "message": "No API key found in request" })))
            .await;
    assert_eq!(e, ProviderError::Auth("Iron sign-in failed: No API key found in request".into()));
    let e = sign_in_refused(
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "30")
            .set_body_json(json!({ "msg": "Request rate limit reached" })),
    )
    .await;
    assert_eq!(e, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(30)) });
    let e = sign_in_refused(ResponseTemplate::new(503).set_body_string("<html>upstream connect error</html>")).await;
    assert!(matches!(&e, ProviderError::Network(m) if !m.contains('<')), "{e:?}");
    let e = sign_in_refused(ResponseTemplate::new(200).set_body_string("<html>Sign in</html>")).await;
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
    let e = sign_in_refused(ResponseTemplate::new(200).set_body_json(json!({ "token_type": "bearer" }))).await;
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
}
