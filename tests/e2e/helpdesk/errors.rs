//! Every Bancroft endpoint's refusals, the same way: a 401 with the vendor's own
//! body (`vendors/NOTES.md`), a 403, a 422, and a 429 with `Retry-After` in
//! seconds, as an HTTP date, or not at all. Only the 401 body is published; the
//! others follow its `{"detail": …}` shape (`FastAPI`'s list form for the 422).

use super::*;

/// The six calls of the vendor page.
#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Create,
    List,
    Get,
    Messages,
    Send,
    Resolve,
}

impl Endpoint {
    const ALL: [Self; 6] = [Self::Create, Self::List, Self::Get, Self::Messages, Self::Send, Self::Resolve];

    fn route(self) -> (&'static str, String) {
        match self {
            Self::Create => ("POST", format!("{LIST}create/")),
            Self::List => ("GET", LIST.to_owned()),
            Self::Get => ("GET", conv_path(ID, "")),
            Self::Messages => ("GET", conv_path(ID, "messages/")),
            Self::Send => ("POST", conv_path(ID, "messages/create/")),
            Self::Resolve => ("POST", conv_path(ID, "resolve/")),
        }
    }

    /// Calls it through the adapter; it must fail.
    async fn fail(self, p: &HelpdeskProvider) -> ProviderError {
        let outcome = match self {
            Self::Create => {
                let new = NewConversation { subject: "Help".into(), ..NewConversation::default() };
                within(p.create_conversation(new)).await.map(drop)
            }
            Self::List => within(p.list(query("open", 25))).await.map(drop),
            Self::Get => within(p.conversation(ConversationId::from(ID))).await.map(drop),
            Self::Messages => within(p.thread(ConversationId::from(ID), 20)).await.map(drop),
            Self::Send => within(p.apply(reply(ID, "Hi"), "k".into())).await.map(drop),
            Self::Resolve => within(p.apply(change(ID, Change::Close), "k".into())).await.map(drop),
        };
        outcome.expect_err(&format!("{self:?} must fail"))
    }
}

/// Each endpoint answered with `answer`, and what the adapter made of it.
async fn each_refused(answer: ResponseTemplate) -> Vec<(Endpoint, ProviderError)> {
    let (server, p) = bancroft().await;
    let mut out = Vec::new();
    for endpoint in Endpoint::ALL {
        server.reset().await;
        let (verb, at) = endpoint.route();
        Mock::given(method(verb)).and(path(at)).respond_with(answer.clone()).expect(1).mount(&server).await;
        out.push((endpoint, endpoint.fail(&p).await));
        server.verify().await;
    }
    out
}

#[tokio::test]
async fn every_endpoint_reads_the_vendors_401_as_a_wrong_or_revoked_key() {
    for (endpoint, e) in each_refused(detail(401, "Invalid or revoked API key.")).await {
        let ProviderError::Auth(message) = &e else { panic!("{endpoint:?}: expected auth, got {e:?}") };
        assert_eq!(message, "the helpdesk API key is wrong or revoked (Invalid or revoked API key.)", "{endpoint:?}");
    }
}

#[tokio::test]
async fn every_endpoint_reads_a_403_as_refused_with_the_detail() {
    let answer = detail(403, "You do not have permission to perform this action.");
    for (endpoint, e) in each_refused(answer).await {
        let ProviderError::Auth(message) = &e else { panic!("{endpoint:?}: expected auth, got {e:?}") };
        assert_eq!(
            message, "the helpdesk refused this key: You do not have permission to perform this action.",
            "{endpoint:?}"
        );
    }
    // Without a body it still says what the likely cause is.
    for (endpoint, e) in each_refused(ResponseTemplate::new(403)).await {
        assert!(matches!(&e, ProviderError::Auth(m) if m.contains("server key")), "{endpoint:?}: {e:?}");
    }
}

#[tokio::test]
async fn every_endpoint_reads_a_422_as_permanent_with_where_and_what() {
    let body = json!({ "detail": [
        { "loc": ["body", "subject"], "msg": "field required", "type": "value_error.missing" },
        { "loc": ["query", "limit"], "msg": "ensure this value is less than or equal to 100", "type": "value_error" }
    ] });
    for (endpoint, e) in each_refused(ResponseTemplate::new(422).set_body_json(body.clone())).await {
        assert_eq!(
            e,
            ProviderError::Permanent {
                code: "422".into(),
                message: "subject: field required; limit: ensure this value is less than or equal to 100".into(),
            },
            "{endpoint:?}"
        );
        assert!(!e.is_transient(), "{endpoint:?}: a 422 is not retried");
    }
}

#[tokio::test]
async fn every_endpoint_honours_retry_after_on_a_429() {
    let throttled = || detail(429, "Request was throttled. Expected available in 7 seconds.");
    let seconds = each_refused(throttled().insert_header("Retry-After", "7")).await;
    let no_header = each_refused(throttled()).await;
    // An HTTP date already past: wait the least there is, not nothing.
    let date = each_refused(throttled().insert_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")).await;
    for (cases, wait) in [(seconds, Some(7)), (no_header, None), (date, Some(1))] {
        for (endpoint, e) in cases {
            let expected = ProviderError::RateLimited { retry_after: wait.map(Duration::from_secs) };
            assert_eq!(e, expected, "{endpoint:?}");
            assert!(e.is_transient(), "{endpoint:?}");
        }
    }
}

#[tokio::test]
async fn every_endpoint_reads_a_404_as_not_found_and_a_502_page_as_transient() {
    for (endpoint, e) in each_refused(detail(404, "Not found.")).await {
        assert_eq!(e, ProviderError::NotFound("Not found.".into()), "{endpoint:?}");
    }
    let gateway = ResponseTemplate::new(502).set_body_string("<html><body>Bad Gateway</body></html>");
    for (endpoint, e) in each_refused(gateway).await {
        assert!(matches!(&e, ProviderError::Network(m) if !m.contains("<html>")), "{endpoint:?}: {e:?}");
    }
}
