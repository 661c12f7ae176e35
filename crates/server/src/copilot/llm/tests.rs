//! Contract tests of the LLM engine against a wiremock chat-completions endpoint on
//! 127.0.0.1, with bodies shaped as `OpenAI` documents them.

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::copilot::ContextMessage;
use frontdesk_domain::{AuthorKind, Channel, MessageKind};

const KEY_VAR: &str = "FRONTDESK_TEST_LLM_KEY";
const KEY: &str = "sk-test-0123456789abcdef";

/// The environment the engine sees in these tests: only the key variable is set.
fn fake_env(name: &str) -> Option<String> {
    (name == KEY_VAR).then(|| KEY.to_owned())
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn config(server: &MockServer) -> LlmConfig {
    LlmConfig {
        url: format!("{}/v1", server.uri()),
        model: "test-model".into(),
        api_key_env: Some(KEY_VAR.into()),
        timeout_secs: 5,
        temperature: Some(0.2),
    }
}

fn engine(cfg: &LlmConfig) -> LlmEngine {
    LlmEngine::with_env(cfg, fake_env).expect("valid config")
}

fn kb() -> KnowledgeBase {
    KnowledgeBase::embedded().expect("valid KB")
}

fn refund_thread() -> SuggestContext {
    SuggestContext {
        contact_name: "Maria Lopez".into(),
        agent_name: "Ana Silva".into(),
        channel: Channel::Whatsapp,
        subject: Some("Shoes".into()),
        messages: vec![
            ContextMessage {
                author: AuthorKind::Contact,
                kind: MessageKind::Reply,
                body: "The shoes from order #48213 don't fit, I want my money back".into(),
            },
            ContextMessage {
                author: AuthorKind::Agent,
                kind: MessageKind::Note,
                body: "Customer is on the VIP list, waive the fee".into(),
            },
            ContextMessage {
                author: AuthorKind::Ai,
                kind: MessageKind::Reply,
                body: "I've passed this to a colleague.".into(),
            },
        ],
    }
}

fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "test-model",
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": content },
            "finish_reason": "stop"
        }],
        "usage": { "prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120 }
    })
}

async fn answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v1/chat/completions")).respond_with(template).mount(&server).await;
    server
}

async fn suggest_with(template: ResponseTemplate) -> Result<Draft, CopilotError> {
    let server = answering(template).await;
    engine(&config(&server)).suggest(&kb(), &refund_thread()).await
}

#[tokio::test]
async fn a_completion_becomes_the_draft_grounded_in_the_kb() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({ "model": "test-model", "temperature": 0.2 })))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(
            "  Hi Maria, I'm sorry they don't fit!\u{7} I've started your refund for order #48213. \n",
        )))
        .expect(1)
        .mount(&server)
        .await;

    let draft = engine(&config(&server)).suggest(&kb(), &refund_thread()).await.expect("a draft");

    // Trimmed and sanitised: model output is text from outside.
    assert_eq!(draft.body, "Hi Maria, I'm sorry they don't fit! I've started your refund for order #48213.");
    assert_eq!(draft.engine, "llm");
    assert_eq!(draft.sources.first().map(String::as_str), Some("refund-request"), "{:?}", draft.sources);
    assert!(draft.sources.len() <= 3);
    assert_eq!(draft.actions, kb().get("refund-request").expect("refund answer").actions, "actions of the top hit");

    let requests = server.received_requests().await.expect("recording is on");
    let body: Value = serde_json::from_slice(&requests[0].body).expect("JSON request");
    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(messages[1]["role"], "user");
    let system = messages[0]["content"].as_str().expect("system text");
    let user = messages[1]["content"].as_str().expect("user text");

    // The customer by name; the asker not at all (the sender signs, when sending).
    assert!(!system.contains("Ana") && system.contains("Maria"), "{system}");
    assert!(system.contains("SMS/WhatsApp"), "channel rules: {system}");
    assert!(system.contains("never quote"), "{system}");
    // The transcript, labelled by who said what, internal notes marked.
    assert!(user.contains("Conversation on whatsapp with Maria Lopez"), "{user}");
    assert!(user.contains("Subject: Shoes"), "{user}");
    assert!(user.contains("Customer: The shoes from order #48213 don't fit, I want my money back"), "{user}");
    assert!(
        user.contains("[INTERNAL NOTE, team only, never quote to the customer] Customer is on the VIP list"),
        "{user}"
    );
    assert!(user.contains("AI assistant: I've passed this to a colleague."), "{user}");
    // The references: ids, titles and the filled-in answers.
    assert!(user.contains("--- refund-request (I want a refund)"), "{user}");
    assert!(user.contains("I've started a refund for order #48213"), "references are filled in: {user}");
    assert!(!user.contains("{first_name}") && !user.contains("{order_id}"), "{user}");
    assert!(!body.to_string().contains(KEY), "the key goes in the header only");
}

#[tokio::test]
async fn without_a_key_variable_no_authorization_is_sent() {
    let server = answering(ResponseTemplate::new(200).set_body_json(completion("Hello!"))).await;
    let cfg = LlmConfig { api_key_env: None, temperature: None, ..config(&server) };
    let draft =
        LlmEngine::with_env(&cfg, no_env).expect("valid").suggest(&kb(), &refund_thread()).await.expect("draft");
    assert_eq!(draft.body, "Hello!");

    let requests = server.received_requests().await.expect("recording is on");
    assert!(requests[0].headers.get("authorization").is_none());
    let body: Value = serde_json::from_slice(&requests[0].body).expect("JSON");
    assert!(body.get("temperature").is_none(), "unset temperature is left to the endpoint: {body}");
}

#[tokio::test]
async fn no_relevant_answer_means_no_draft_and_no_request() {
    let server = answering(ResponseTemplate::new(200).set_body_json(completion("Let me check."))).await;
    let mut ctx = refund_thread();
    ctx.subject = None;
    ctx.messages =
        vec![ContextMessage { author: AuthorKind::Contact, kind: MessageKind::Reply, body: "qwxz plorp".into() }];
    let draft = engine(&config(&server)).suggest(&kb(), &ctx).await.expect("no error");
    assert!(draft.withheld.is_some_and(|w| w.starts_with("no confident suggestion")));
    assert_eq!(draft.engine, "llm", "the configured engine held back");
    assert!(draft.body.is_empty() && draft.sources.is_empty());
    // The model is not asked to improvise an answer the knowledge base does not have.
    assert!(server.received_requests().await.expect("recording is on").is_empty());
}

#[tokio::test]
async fn the_model_is_told_the_language_the_turn_and_never_to_claim() {
    let server = answering(ResponseTemplate::new(200).set_body_json(completion("Hola Lucía, ..."))).await;
    let ctx = SuggestContext {
        contact_name: "Lucía Fernández".into(),
        agent_name: "Ana Silva".into(),
        channel: Channel::Email,
        subject: None,
        messages: vec![ContextMessage {
            author: AuthorKind::Contact,
            kind: MessageKind::Reply,
            body: "Hola, ¿mi pedido KH-385875 ya salió? Lo necesito para el viernes".into(),
        }],
    };
    let draft = engine(&config(&server)).suggest(&kb(), &ctx).await.expect("draft");
    assert_eq!(draft.lang, "es");
    assert!(draft.confidence >= crate::copilot::draft::THRESHOLD);
    let requests = server.received_requests().await.expect("recording is on");
    let body: Value = serde_json::from_slice(&requests[0].body).expect("JSON");
    let system = body["messages"][0]["content"].as_str().expect("system prompt");
    assert!(system.contains("Write in Spanish"), "{system}");
    assert!(system.contains("Address the customer as Lucía"), "{system}");
    assert!(system.contains("Answer the customer's last message"), "{system}");
    assert!(system.contains("Never say that you or the team did something"), "{system}");
    assert!(system.contains("{agent_name}"), "the sender signs: {system}");
    assert!(!system.contains("Ana"), "the asker's name is not the signature: {system}");
    let user = body["messages"][1]["content"].as_str().expect("user prompt");
    assert!(user.contains("order-status-es"), "the Spanish article is the reference: {user}");
}

#[tokio::test]
async fn a_customer_who_is_done_gets_a_close_and_a_claim_is_flagged() {
    let server =
        answering(ResponseTemplate::new(200).set_body_json(completion("Glad it worked! I've refunded the fee too.")))
            .await;
    let mut ctx = refund_thread();
    ctx.messages.push(ContextMessage {
        author: AuthorKind::Agent,
        kind: MessageKind::Reply,
        body: "Your refund is on its way.".into(),
    });
    ctx.messages.push(ContextMessage {
        author: AuthorKind::Contact,
        kind: MessageKind::Reply,
        body: "It arrived, thanks!".into(),
    });
    let draft = engine(&config(&server)).suggest(&kb(), &ctx).await.expect("draft");
    assert_eq!(draft.sources, ["thank-you-closing"]);
    assert!(draft.actions.iter().any(|a| a.action == "close"));
    // The model claimed a refund nobody made: the panel is told what to check.
    assert!(draft.before_sending.is_some_and(|b| b.contains("I've refunded")), "flagged");
    let requests = server.received_requests().await.expect("recording is on");
    let body: Value = serde_json::from_slice(&requests[0].body).expect("JSON");
    assert!(body["messages"][1]["content"].as_str().is_some_and(|u| u.contains("they are done")));
}

#[tokio::test]
async fn unauthorized_names_the_variable_and_never_the_key() {
    // OpenAI's documented 401 body; some servers echo the whole key back.
    let err = suggest_with(ResponseTemplate::new(401).set_body_json(json!({
        "error": {
            "message": format!("Incorrect API key provided: {KEY}. You can find your API key at https://platform.openai.com/account/api-keys."),
            "type": "invalid_request_error",
            "param": null,
            "code": "invalid_api_key"
        }
    })))
    .await
    .expect_err("401 is an error");
    let CopilotError::Upstream { status, message } = &err else { panic!("expected Upstream, got {err:?}") };
    assert_eq!(*status, 401);
    assert!(message.starts_with("Incorrect API key provided: [redacted]."), "{message}");
    assert!(message.contains(KEY_VAR), "says where the key comes from: {message}");
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(KEY), "the key leaked: {shown}");
    }
}

#[tokio::test]
async fn a_server_error_carries_the_endpoints_message() {
    let err = suggest_with(ResponseTemplate::new(500).set_body_json(json!({
        "error": { "message": "The server had an error while processing your request.", "type": "server_error" }
    })))
    .await
    .expect_err("500 is an error");
    assert_eq!(
        err,
        CopilotError::Upstream {
            status: 500,
            message: "The server had an error while processing your request.".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "the LLM endpoint answered HTTP 500: The server had an error while processing your request."
    );
}

#[tokio::test]
async fn error_bodies_in_other_shapes() {
    // `{"error": "..."}` as some compatible servers send it.
    let err =
        suggest_with(ResponseTemplate::new(429).set_body_json(json!({ "error": "rate limited, slow down" }))).await;
    assert_eq!(err, Err(CopilotError::Upstream { status: 429, message: "rate limited, slow down".into() }));

    // A proxy's HTML page is not a message: the status's name is.
    let html = ResponseTemplate::new(502).set_body_string("<html><body><h1>502 Bad Gateway</h1></body></html>");
    assert_eq!(suggest_with(html).await, Err(CopilotError::Upstream { status: 502, message: "Bad Gateway".into() }));

    // Short plain text is shown, on one line.
    let text = ResponseTemplate::new(503).set_body_string("model is loading\ntry again");
    assert_eq!(
        suggest_with(text).await,
        Err(CopilotError::Upstream { status: 503, message: "model is loading try again".into() })
    );

    // A very long message is cut.
    let long = ResponseTemplate::new(400).set_body_json(json!({ "error": { "message": "x".repeat(5_000) } }));
    let Err(CopilotError::Upstream { message, .. }) = suggest_with(long).await else { panic!("expected Upstream") };
    assert_eq!(message.chars().count(), MAX_ERROR_CHARS);
}

#[tokio::test]
async fn malformed_json_is_malformed() {
    let err = suggest_with(ResponseTemplate::new(200).set_body_string("{\"choices\": [")).await;
    let Err(CopilotError::Malformed(m)) = err else { panic!("expected Malformed, got {err:?}") };
    assert!(m.contains("not a chat-completions response"), "{m}");

    let err = suggest_with(ResponseTemplate::new(200).set_body_json(json!({ "object": "list", "data": [] }))).await;
    assert!(matches!(err, Err(CopilotError::Malformed(_))), "{err:?}");
}

#[tokio::test]
async fn an_oversized_answer_is_malformed() {
    let huge = completion(&"x".repeat(MAX_RESPONSE_BYTES));
    let err = suggest_with(ResponseTemplate::new(200).set_body_json(huge)).await;
    let Err(CopilotError::Malformed(m)) = err else { panic!("expected Malformed, got {err:?}") };
    assert!(m.contains("larger than 1024 KiB"), "{m}");
}

#[tokio::test]
async fn empty_choices_are_malformed() {
    let mut body = completion("unused");
    body["choices"] = json!([]);
    let err = suggest_with(ResponseTemplate::new(200).set_body_json(body)).await;
    assert_eq!(err, Err(CopilotError::Malformed("the response has no choices".into())));
}

#[tokio::test]
async fn a_choice_without_text_is_malformed() {
    for content in [json!(null), json!("   ")] {
        let mut body = completion("unused");
        body["choices"][0]["message"]["content"] = content;
        let err = suggest_with(ResponseTemplate::new(200).set_body_json(body)).await;
        assert_eq!(err, Err(CopilotError::Malformed("the first choice has no text".into())));
    }
}

#[tokio::test]
async fn a_slow_endpoint_times_out_as_configured() {
    let server =
        answering(ResponseTemplate::new(200).set_body_json(completion("too late")).set_delay(Duration::from_secs(60)))
            .await;
    let cfg = LlmConfig { timeout_secs: 1, ..config(&server) };
    // The answer would come a minute late and would be a suggestion: getting the
    // timeout's error instead proves the call gave up at the configured second.
    let err = engine(&cfg).suggest(&kb(), &refund_thread()).await;
    let Err(CopilotError::Network(m)) = err else { panic!("expected Network, got {err:?}") };
    assert!(m.contains("within 1 s"), "{m}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_network_error() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let cfg = LlmConfig {
        url: format!("http://127.0.0.1:{port}/v1"),
        model: "m".into(),
        api_key_env: Some(KEY_VAR.into()),
        timeout_secs: 5,
        temperature: None,
    };
    let err = engine(&cfg).suggest(&kb(), &refund_thread()).await;
    let Err(CopilotError::Network(m)) = err else { panic!("expected Network, got {err:?}") };
    assert!(m.starts_with(&format!("cannot connect to http://127.0.0.1:{port}/v1/chat/completions")), "{m}");
    assert!(!m.contains(KEY));
}

#[tokio::test]
async fn a_missing_key_variable_is_a_config_error_naming_it() {
    let server = answering(ResponseTemplate::new(200).set_body_json(completion("unused"))).await;
    let cfg = LlmConfig { api_key_env: Some("FRONTDESK_TEST_SURELY_UNSET_4F2A9C".into()), ..config(&server) };
    // The real process environment, which does not have this variable.
    let err = LlmEngine::new(&cfg).expect("valid config").suggest(&kb(), &refund_thread()).await;
    let Err(CopilotError::Config(m)) = err else { panic!("expected Config, got {err:?}") };
    assert!(m.contains("FRONTDESK_TEST_SURELY_UNSET_4F2A9C") && m.contains("is not set"), "{m}");
    assert!(server.received_requests().await.expect("recording is on").is_empty(), "no request without a key");

    let err = LlmEngine::with_env(&config(&server), |_| Some("  ".into()))
        .expect("valid")
        .suggest(&kb(), &refund_thread())
        .await;
    let Err(CopilotError::Config(m)) = err else { panic!("expected Config, got {err:?}") };
    assert!(m.contains(KEY_VAR) && m.contains("is empty"), "{m}");
}

#[test]
fn bad_configs_are_refused_with_the_setting_to_fix() {
    let good = LlmConfig {
        url: "http://127.0.0.1:8080/v1/".into(),
        model: "llama".into(),
        api_key_env: None,
        timeout_secs: 20,
        temperature: None,
    };
    let engine = LlmEngine::with_env(&good, no_env).expect("valid");
    assert_eq!(engine.endpoint(), "http://127.0.0.1:8080/v1/chat/completions", "a trailing slash is fine");

    let cases = [
        (LlmConfig { url: "not a url".into(), ..good.clone() }, "copilot.llm.url"),
        (LlmConfig { url: "ftp://example.com/v1".into(), ..good.clone() }, "http:// or https://"),
        (LlmConfig { model: " ".into(), ..good.clone() }, "copilot.llm.model"),
        (LlmConfig { timeout_secs: 0, ..good.clone() }, "timeout_secs"),
        (LlmConfig { api_key_env: Some(String::new()), ..good.clone() }, "api_key_env"),
    ];
    for (cfg, want) in cases {
        let err = LlmEngine::with_env(&cfg, no_env).expect_err("invalid");
        assert!(matches!(&err, CopilotError::Config(m) if m.contains(want)), "{err:?} should mention {want}");
    }
}

#[test]
fn long_threads_are_cut_to_the_newest_messages() {
    let mut ctx = refund_thread();
    ctx.messages = (0..50)
        .map(|i| ContextMessage { author: AuthorKind::Contact, kind: MessageKind::Reply, body: format!("message {i}") })
        .collect();
    ctx.messages.push(ContextMessage {
        author: AuthorKind::Contact,
        kind: MessageKind::Reply,
        body: "y".repeat(5_000),
    });
    let user = user_prompt(&ctx, &[], false);
    assert!(user.contains("[11 earlier messages omitted]"), "{user}");
    assert!(!user.contains("message 10\n") && user.contains("message 11\n"), "{user}");
    assert!(user.contains(&format!("Customer: {} […]", "y".repeat(MAX_MESSAGE_CHARS))));
    assert!(!user.contains(&"y".repeat(MAX_MESSAGE_CHARS + 1)));
}

#[test]
fn every_kind_of_line_is_labelled() {
    let mut ctx = refund_thread();
    ctx.channel = Channel::Email;
    ctx.messages = [
        (AuthorKind::Contact, MessageKind::Reply, "hello"),
        (AuthorKind::Agent, MessageKind::Reply, "hi"),
        (AuthorKind::System, MessageKind::Event, "assigned to Ana"),
        (AuthorKind::Agent, MessageKind::Call, "Customer called about a refund"),
        (AuthorKind::System, MessageKind::Reply, "auto-reply"),
    ]
    .into_iter()
    .map(|(author, kind, body)| ContextMessage { author, kind, body: body.into() })
    .collect();
    let user = user_prompt(&ctx, &[], false);
    for line in [
        "Customer: hello",
        "Agent: hi",
        "[event] assigned to Ana",
        "[phone call summary] Customer called",
        "System: auto-reply",
    ] {
        assert!(user.contains(line), "{line:?} in {user}");
    }
    let system = system_prompt(&ctx, &Fill::for_draft(&ctx), &Reading::new(&ctx));
    assert!(system.contains("email") && system.contains("sign off with exactly {agent_name}"), "{system}");
}
