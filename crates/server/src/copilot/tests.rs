//! Tests of the copilot as the server uses it: config, engine choice, sharing.

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

fn ask(question: &str) -> SuggestContext {
    SuggestContext {
        contact_name: "Maria Lopez".into(),
        agent_name: "Ana".into(),
        channel: Channel::Web,
        subject: None,
        messages: vec![ContextMessage { author: AuthorKind::Contact, kind: MessageKind::Reply, body: question.into() }],
    }
}

#[test]
fn the_default_config_is_the_kb_engine() {
    let cfg = CopilotConfig::default();
    assert_eq!(cfg, CopilotConfig { engine: Engine::Kb, llm: None });
    let parsed: CopilotConfig = toml::from_str("").expect("empty table");
    assert_eq!(parsed, cfg);
}

#[test]
fn an_llm_config_parses_with_defaults_and_round_trips() {
    let cfg: CopilotConfig = toml::from_str(
        r#"
engine = "llm"
[llm]
url = "http://127.0.0.1:8080/v1"
model = "llama-3.1-8b-instruct"
api_key_env = "FRONTDESK_LLM_KEY"
"#,
    )
    .expect("valid");
    assert_eq!(cfg.engine, Engine::Llm);
    let llm = cfg.llm.as_ref().expect("llm table");
    assert_eq!(llm.timeout_secs, 20);
    assert_eq!(llm.temperature, None);
    assert_eq!(llm.api_key_env.as_deref(), Some("FRONTDESK_LLM_KEY"));

    let back: CopilotConfig = toml::from_str(&toml::to_string(&cfg).expect("serialises")).expect("parses");
    assert_eq!(back, cfg);
}

#[test]
fn config_mistakes_are_refused() {
    for (src, want) in [
        ("engine = \"gpt\"", "unknown variant"),
        ("engin = \"kb\"", "unknown field"),
        ("engine = \"llm\"\n[llm]\nurl = \"http://x/v1\"", "missing field `model`"),
        ("[llm]\nurl = \"http://x/v1\"\nmodel = \"m\"\napi_key = \"sk-123\"", "unknown field `api_key`"),
    ] {
        let err = toml::from_str::<CopilotConfig>(src).expect_err(src).to_string();
        assert!(err.contains(want), "{src:?}: {err}");
    }
}

#[tokio::test]
async fn the_kb_engine_needs_nothing_else() {
    let copilot = Copilot::new(&CopilotConfig::default()).expect("starts");
    assert_eq!(copilot.engine(), Engine::Kb);
    let draft = copilot.suggest(&ask("I forgot my password")).await.expect("kb never fails");
    assert_eq!(draft.engine, "kb");
    assert_eq!(draft.sources, ["password-reset"]);
    assert!(copilot.kb().answers().len() >= 40);
}

#[test]
fn the_llm_engine_needs_its_table() {
    let err = Copilot::new(&CopilotConfig { engine: Engine::Llm, llm: None }).expect_err("no [copilot.llm]");
    assert!(matches!(&err, CopilotError::Config(m) if m.contains("[copilot.llm]")), "{err}");
}

#[test]
fn an_llm_table_is_ignored_by_the_kb_engine() {
    let cfg = CopilotConfig {
        engine: Engine::Kb,
        llm: Some(LlmConfig {
            url: "not even a url".into(),
            model: String::new(),
            api_key_env: None,
            timeout_secs: 0,
            temperature: None,
        }),
    };
    assert!(Copilot::new(&cfg).is_ok(), "a prepared but disabled LLM config must not stop the server");
}

#[tokio::test]
async fn the_llm_engine_drafts_through_the_endpoint_and_kb_stays_available() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": "Hi Maria, let's reset it." } }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let cfg = CopilotConfig {
        engine: Engine::Llm,
        llm: Some(LlmConfig {
            url: format!("{}/v1", server.uri()),
            model: "m".into(),
            api_key_env: None,
            timeout_secs: 5,
            temperature: None,
        }),
    };
    let copilot = std::sync::Arc::new(Copilot::new(&cfg).expect("starts"));
    let shared = std::sync::Arc::clone(&copilot);
    let ctx = ask("I forgot my password");
    let draft = tokio::spawn(async move { shared.suggest(&ctx).await }).await.expect("task").expect("draft");
    assert_eq!(draft.engine, "llm");
    assert_eq!(draft.body, "Hi Maria, let's reset it.");
    assert_eq!(draft.sources.first().map(String::as_str), Some("password-reset"));

    let fallback = copilot.suggest_kb(&ask("I forgot my password"));
    assert_eq!(fallback.engine, "kb");
}

#[test]
fn the_copilot_can_be_shared_across_requests() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<Copilot>();
    shared::<CopilotError>();
}

#[test]
fn drafts_serialise_as_the_api_sends_them() {
    let draft = Draft {
        body: "Hi".into(),
        actions: vec![NextAction { action: "close".into(), label: "Close".into() }],
        sources: vec!["thank-you-closing".into()],
        engine: "kb".into(),
        confidence: 90,
        lang: "en".into(),
        before_sending: None,
        withheld: None,
    };
    assert_eq!(
        serde_json::to_value(&draft).expect("serialises"),
        json!({ "body": "Hi", "actions": [{ "action": "close", "label": "Close" }], "sources": ["thank-you-closing"],
            "engine": "kb", "confidence": 90, "lang": "en", "before_sending": null, "withheld": null })
    );
}
