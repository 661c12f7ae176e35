//! Every ChatCaptain endpoint's refusals, the same way: a 401, a 403 with the
//! notes' "Insufficient permissions.", a 422, a 429 with `Retry-After` in seconds,
//! as an HTTP date or not at all, and a 200 carrying the `error` string the page
//! lists on every answer. Only the 403's words are published; the bodies are
//! `{"error": …}`, the one error field the page shows.

use std::time::Duration;

use super::*;

const CONV: &str = "conv_def456uvw";

/// Every call of the page and the notes the adapter makes.
#[derive(Clone, Copy, Debug)]
enum Endpoint {
    List,
    Search,
    Find,
    Get,
    CreateForBot,
    Patch,
    Delete,
    Messages,
    Handle,
    Event,
    Payload,
    CustomEvent,
    Send,
    CreateInInbox,
    Views,
    View,
    CreateView,
    UpdateView,
    AgentsOnline,
}

impl Endpoint {
    const ALL: [Self; 19] = [
        Self::List,
        Self::Search,
        Self::Find,
        Self::Get,
        Self::CreateForBot,
        Self::Patch,
        Self::Delete,
        Self::Messages,
        Self::Handle,
        Self::Event,
        Self::Payload,
        Self::CustomEvent,
        Self::Send,
        Self::CreateInInbox,
        Self::Views,
        Self::View,
        Self::CreateView,
        Self::UpdateView,
        Self::AgentsOnline,
    ];

    fn route(self) -> (&'static str, String) {
        match self {
            Self::List => ("GET", CONVS.to_owned()),
            Self::Search => ("GET", format!("{CONVS}/search")),
            Self::Find => ("GET", format!("{CONVS}/find")),
            Self::Get => ("GET", format!("{CONVS}/{CONV}")),
            Self::CreateForBot => ("POST", CONVS.to_owned()),
            Self::Patch => ("PATCH", format!("{CONVS}/{CONV}")),
            Self::Delete => ("DELETE", format!("{CONVS}/{CONV}")),
            Self::Messages => ("GET", format!("{CONVS}/{CONV}/messages")),
            Self::Handle => ("POST", format!("{CONVS}/handle")),
            Self::Event => ("POST", format!("{CONVS}/event")),
            Self::Payload => ("POST", format!("{CONVS}/payload")),
            Self::CustomEvent => ("POST", format!("{CONVS}/custom-event")),
            Self::Send => ("POST", format!("{INBOX}/messages")),
            Self::CreateInInbox => ("POST", format!("{INBOX}/conversations")),
            Self::Views => ("GET", format!("{INBOX}/views")),
            Self::View => ("GET", format!("{INBOX}/views/v1")),
            Self::UpdateView => ("PUT", format!("{INBOX}/views/v1")),
            Self::CreateView => ("POST", format!("{INBOX}/views")),
            Self::AgentsOnline => ("GET", format!("{INBOX}/agents/online")),
        }
    }

    /// Calls it through the adapter; it must fail.
    async fn fail(self, p: &ChatCaptainProvider) -> ProviderError {
        let id = ConversationId::from(CONV);
        let channel = || ("channel_def456".to_owned(), "WhatsApp Business".to_owned(), "49123456789".to_owned());
        let outcome = match self {
            Self::List => p.list(ListQuery::default()).await.map(drop),
            Self::Search => p.search("refund", None).await.map(drop),
            Self::Find => p.find_by_external_id("channel_def456", "49123456789").await.map(drop),
            Self::Get => p.conversation(id).await.map(drop),
            Self::CreateForBot => {
                let new = ChatbotConversation { contact_id: Some("ct_1".into()), ..ChatbotConversation::default() };
                p.create_chatbot_conversation(new).await.map(drop)
            }
            Self::Patch => p.patch_conversation(&id, json!({ "name": "Jane" })).await.map(drop),
            Self::Delete => p.delete_conversation(&id).await.map(drop),
            Self::Messages => p.thread(id, 0).await.map(drop),
            Self::Handle => {
                let (channel_id, channel_name, provider_id) = channel();
                let m = HandleMessage { channel_id, channel_name, provider_id, ..HandleMessage::default() };
                p.handle_message(m).await.map(drop)
            }
            Self::Event => {
                let (channel_id, channel_name, provider_id) = channel();
                let e = BotEvent {
                    channel_id,
                    channel_name,
                    provider_id,
                    event: "user_seen".into(),
                    ..BotEvent::default()
                };
                p.send_event(e).await.map(drop)
            }
            Self::Payload => {
                let step = StepPayload { conversation_id: CONV.into(), ..StepPayload::default() };
                p.post_step(step).await.map(drop)
            }
            Self::CustomEvent => p.send_custom_event(&id, "order_completed").await.map(drop),
            Self::Send => {
                let op = Op::Send {
                    conversation: id,
                    kind: ReplyKind::Reply,
                    body: "Hi".into(),
                    suggestion: None,
                    attachments: Vec::new(),
                };
                p.apply(op, "k".into()).await.map(drop)
            }
            Self::CreateInInbox => {
                let new = NewConversation {
                    subject: "Jane".into(),
                    channel: Some("channel_def456".into()),
                    ..NewConversation::default()
                };
                p.create_conversation(new).await.map(drop)
            }
            Self::Views => p.views().await.map(drop),
            Self::View => p.inbox_view("v1").await.map(drop),
            Self::CreateView => p.create_view(json!({ "name": "Open" })).await.map(drop),
            Self::UpdateView => p.update_view("v1", json!({ "name": "Open" })).await.map(drop),
            Self::AgentsOnline => p.agents().await.map(drop),
        };
        outcome.expect_err(&format!("{self:?} must fail"))
    }
}

/// Each endpoint answered with `answer`, and what the adapter made of it.
async fn each_refused(answer: ResponseTemplate) -> Vec<(Endpoint, ProviderError)> {
    let (server, p) = captain().await;
    let mut out = Vec::new();
    for endpoint in Endpoint::ALL {
        server.reset().await;
        let (verb, at) = endpoint.route();
        Mock::given(method(verb))
            .and(path(at))
            .and(header("x-chatcaptain-key", KEY))
            .respond_with(answer.clone())
            .expect(1)
            .mount(&server)
            .await;
        let e = tokio::time::timeout(Duration::from_secs(20), endpoint.fail(&p)).await.expect("hang guard");
        out.push((endpoint, e));
        server.verify().await;
    }
    out
}

fn said(status: u16, error: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "error": error }))
}

#[tokio::test]
async fn every_endpoint_reads_a_401_as_a_wrong_or_revoked_key() {
    for (endpoint, e) in each_refused(said(401, "Invalid API key.")).await {
        assert_eq!(
            e,
            ProviderError::Auth("the ChatCaptain key is wrong or revoked (Invalid API key.)".into()),
            "{endpoint:?}"
        );
    }
}

#[tokio::test]
async fn every_endpoint_reads_the_notes_403_as_a_missing_permission() {
    let expected = ProviderError::Auth("ChatCaptain refused this key: Insufficient permissions.".into());
    for (endpoint, e) in each_refused(said(403, "Insufficient permissions.")).await {
        assert_eq!(e, expected, "{endpoint:?}");
    }
    // The same words as plain text, or no body at all.
    for answer in [ResponseTemplate::new(403).set_body_string("Insufficient permissions."), ResponseTemplate::new(403)]
    {
        for (endpoint, e) in each_refused(answer).await {
            assert_eq!(e, expected, "{endpoint:?}");
        }
    }
}

#[tokio::test]
async fn every_endpoint_reads_a_422_as_permanent_with_the_vendors_words() {
    for (endpoint, e) in each_refused(said(422, "conversationId is required.")).await {
        assert_eq!(
            e,
            ProviderError::Permanent { code: "422".into(), message: "conversationId is required.".into() },
            "{endpoint:?}"
        );
    }
}

#[tokio::test]
async fn every_endpoint_honours_retry_after_on_a_429() {
    let seconds = each_refused(said(429, "Too many requests.").insert_header("Retry-After", "7")).await;
    let no_header = each_refused(said(429, "Too many requests.")).await;
    let date =
        each_refused(said(429, "Too many requests.").insert_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"))
            .await;
    for (cases, wait) in [(seconds, Some(7)), (no_header, None), (date, Some(1))] {
        for (endpoint, e) in cases {
            assert_eq!(e, ProviderError::RateLimited { retry_after: wait.map(Duration::from_secs) }, "{endpoint:?}");
        }
    }
}

#[tokio::test]
async fn every_endpoint_reads_an_error_in_a_200_as_a_refusal() {
    let answer = ok(&json!({ "error": "Chatbot is disabled.", "conversations": [], "deleted": false }));
    for (endpoint, e) in each_refused(answer).await {
        assert_eq!(
            e,
            ProviderError::Permanent { code: "CHATCAPTAIN".into(), message: "Chatbot is disabled.".into() },
            "{endpoint:?}"
        );
    }
}
