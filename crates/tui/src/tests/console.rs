//! The AI agents console, through the keymap: opening, filtering, deploy, pause,
//! delete with confirmation, create and edit through `$EDITOR`, conversations, and
//! the playground streaming an answer; with snapshots of the console and of the
//! playground mid-stream.

use jiff::ToSpan;
use serde_json::json;

use super::flash;
use crate::console::Pane;
use crate::testing::{inbox, keys, now, render};
use crate::update::update;
use crate::{Action, Effect, State};
use frontdesk_domain::{AgentConfig, AgentConversation, AgentStatus, AiAgent, AiAgentDetail, ChatEvent, Data, Page};
use frontdesk_sync::agents::{AgentsCommand, AgentsEvent};
use frontdesk_sync::{SyncCommand, SyncEvent};

fn agent(id: &str, name: &str, status: AgentStatus) -> AiAgent {
    AiAgent {
        id: id.into(),
        name: name.into(),
        kind: "conversational".into(),
        model: "gpt-4o".into(),
        status,
        channels: vec!["whatsapp".into(), "web".into()],
        tools: Some(1),
        active_conversations: Some(3),
        conversations: Some(120),
        total_tokens: Some(48_213),
        last_active_at: Some(now() - 5.minutes()),
        created_at: Some(now() - 720.hours()),
    }
}

fn agents() -> Vec<AiAgent> {
    vec![
        agent("agt_abc123", "Support Bot", AgentStatus::Active),
        agent("agt_def456", "Returns Helper", AgentStatus::Paused),
        agent("agt_ghi789", "Sales Qualifier", AgentStatus::Draft),
    ]
}

fn console_event(s: &mut State, e: AgentsEvent) -> Vec<Effect> {
    update(s, Action::Sync(SyncEvent::Console(Box::new(e))))
}

fn asks(effects: &[Effect]) -> Vec<AgentsCommand> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Sync(SyncCommand::Console(c)) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn detail(a: &AiAgent) -> AiAgentDetail {
    AiAgentDetail {
        agent: a.clone(),
        // As the adapter gives it: the prompt apart, what the vendor sets left out.
        config: AgentConfig {
            system_prompt: Some("You are a helpful customer support agent for Acme Corp.".into()),
            settings: serde_json::from_value(json!({
                "name": a.name, "type": "conversational", "model": "gpt-4o",
                "channels": ["whatsapp", "web"],
                "tools": [{ "name": "lookup_order", "description": "Look up order details by order ID" }],
                "guardrails": { "output_checks": ["no_pii", "no_profanity", "brand_voice"] },
                "temperature": 0.5
            }))
            .expect("settings"),
        },
    }
}

/// The console open on the three agents, the first one's configuration loaded.
fn console(w: u16, h: u16) -> State {
    let mut s = inbox(w, h);
    let effects = keys(&mut s, "gA");
    assert_eq!(asks(&effects), [AgentsCommand::List { status: None, cursor: None }]);
    let effects = console_event(
        &mut s,
        AgentsEvent::List { page: Page { items: agents(), next_cursor: None, prev_cursor: None }, append: false },
    );
    assert_eq!(asks(&effects), [AgentsCommand::Detail { id: "agt_abc123".into() }]);
    console_event(&mut s, AgentsEvent::Detail(detail(&agents()[0])));
    s
}

#[test]
fn the_console_lists_agents_and_shows_the_configuration() {
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("console_{w}x{h}"), render(&console(w, h)));
    }
}

#[test]
fn moving_filters_and_going_back_to_the_inbox() {
    let mut s = console(160, 48);
    let effects = keys(&mut s, "j<Enter>");
    assert_eq!(asks(&effects), [AgentsCommand::Detail { id: "agt_def456".into() }]);
    let effects = keys(&mut s, "f");
    assert_eq!(asks(&effects), [AgentsCommand::List { status: Some(AgentStatus::Draft), cursor: None }]);
    let effects = keys(&mut s, "f");
    assert_eq!(asks(&effects), [AgentsCommand::List { status: Some(AgentStatus::Active), cursor: None }]);
    keys(&mut s, "q");
    assert!(s.console.is_none());
    assert!(render(&s).contains("Maria González"), "the inbox is back");
}

#[test]
fn deploy_pause_resume_and_delete_with_confirmation() {
    let mut s = console(160, 48);
    keys(&mut s, "d");
    assert!(render(&s).contains("Its own channels (whatsapp, web)"));
    let effects = keys(&mut s, "whatsapp,voice number=num_xyz789<Enter>");
    assert_eq!(
        asks(&effects),
        [AgentsCommand::Deploy {
            id: "agt_abc123".into(),
            channels: vec!["whatsapp".into(), "voice".into()],
            number: Some("num_xyz789".into())
        }]
    );
    let effects = keys(&mut s, "d<Enter>");
    assert_eq!(
        asks(&effects),
        [AgentsCommand::Deploy { id: "agt_abc123".into(), channels: Vec::new(), number: None }],
        "Enter alone: its own channels"
    );
    assert_eq!(asks(&keys(&mut s, "p")), [AgentsCommand::Pause { id: "agt_abc123".into() }]);
    assert!(flash(&s).0.contains("pausing Support Bot"));
    // Done: what happened replaces what was asked.
    let mut paused = detail(&agents()[0]);
    paused.agent.status = AgentStatus::Paused;
    console_event(&mut s, AgentsEvent::Switched { detail: paused, paused: true });
    assert_eq!(flash(&s).0, "Support Bot paused");
    assert_eq!(s.console.as_ref().and_then(|c| c.current()).map(|a| a.status.clone()), Some(AgentStatus::Paused));
    assert_eq!(asks(&keys(&mut s, "r")), [AgentsCommand::Resume { id: "agt_abc123".into() }]);

    assert!(asks(&keys(&mut s, "x")).is_empty());
    assert!(render(&s).contains("Delete Support Bot?"));
    assert!(asks(&keys(&mut s, "n")).is_empty(), "any other key keeps it");
    assert!(flash(&s).0.contains("kept"));
    keys(&mut s, "x");
    assert_eq!(asks(&keys(&mut s, "y")), [AgentsCommand::Delete { id: "agt_abc123".into() }]);
    console_event(&mut s, AgentsEvent::Deleted { id: "agt_abc123".into() });
    assert_eq!(s.console.as_ref().map(|c| c.agents.len()), Some(2));
}

#[test]
fn create_and_edit_go_through_the_editor_and_a_bad_file_is_kept() {
    let mut s = console(160, 48);
    let effects = keys(&mut s, "n");
    let [Effect::EditConfig { agent: None, text }] = effects.as_slice() else { panic!("{effects:?}") };
    assert!(text.contains("system_prompt"));

    // A file that does not parse: said, and kept for the next edit.
    let bad = "name = \"Broken\nmodel = ".to_owned();
    update(&mut s, Action::ConfigEdited { agent: None, result: Ok(bad.clone()) });
    assert!(flash(&s).0.contains("not valid TOML"), "{:?}", flash(&s));
    let effects = keys(&mut s, "n");
    assert_eq!(effects, [Effect::EditConfig { agent: None, text: bad }]);

    let good = "name = \"Refund Bot\"\ntype = \"task\"\nmodel = \"gpt-4o\"\nsystem_prompt = \"Refunds.\"\nchannels = [\"web\"]\n";
    let effects = update(&mut s, Action::ConfigEdited { agent: None, result: Ok(good.into()) });
    let [AgentsCommand::Create { config }] = &asks(&effects)[..] else { panic!("{effects:?}") };
    assert_eq!(config.settings.get("name"), Some(&Data::Text("Refund Bot".into())));
    assert_eq!(config.settings.get("channels"), Some(&Data::List(vec![Data::Text("web".into())])));
    assert_eq!(config.system_prompt.as_deref(), Some("Refunds."));

    // Edit: the file is the configuration, the prompt with the rest.
    let effects = keys(&mut s, "e");
    let [Effect::EditConfig { agent: Some(id), text }] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(id, "agt_abc123");
    assert!(text.contains("system_prompt") && text.contains("output_checks"), "{text}");
    let effects =
        update(&mut s, Action::ConfigEdited { agent: Some(id.clone()), result: Ok(text.replace("0.5", "0.2")) });
    let [AgentsCommand::Update { id, config }] = &asks(&effects)[..] else { panic!("{effects:?}") };
    assert_eq!((id.as_str(), config.settings.get("temperature")), ("agt_abc123", Some(&Data::Float(0.2))));
    // An emptied file gives up.
    let effects = update(&mut s, Action::ConfigEdited { agent: None, result: Ok("# nothing\n".into()) });
    assert!(asks(&effects).is_empty());
}

#[test]
fn conversations_and_their_messages() {
    let mut s = console(160, 48);
    assert_eq!(asks(&keys(&mut s, "v")), [AgentsCommand::Conversations { id: "agt_abc123".into() }]);
    let conv = |id: &str| AgentConversation {
        id: id.into(),
        status: "completed".into(),
        contact: Some("Jane Doe".into()),
        messages: Some(3),
        started_at: Some(now() - 2.hours()),
        last_message_at: Some(now() - 1.hours()),
    };
    console_event(
        &mut s,
        AgentsEvent::Conversations {
            id: "agt_abc123".into(),
            page: Page { items: vec![conv("conv_1"), conv("conv_2")], next_cursor: None, prev_cursor: None },
        },
    );
    let effects = keys(&mut s, "j<Enter>");
    assert_eq!(asks(&effects), [AgentsCommand::Messages { id: "agt_abc123".into(), conversation: "conv_2".into() }]);
    assert_eq!(s.console.as_ref().map(|c| c.pane), Some(Pane::Conversations));
}

/// The playground after a question, with part of the answer and a tool call in.
fn mid_stream(w: u16, h: u16) -> State {
    let mut s = console(w, h);
    keys(&mut s, "c");
    assert_eq!(s.context(), crate::command::Context::Playground);
    let effects = keys(&mut s, "What is the status of order ORD-12345?<Enter>");
    let [AgentsCommand::Chat { session, id, message, conversation: None }] = &asks(&effects)[..] else {
        panic!("{effects:?}")
    };
    assert_eq!((id.as_str(), message.as_str()), ("agt_abc123", "What is the status of order ORD-12345?"));
    let session = *session;
    for event in [
        ChatEvent::Chunk("Hi Jane! I found your ".into()),
        ChatEvent::Chunk("order ORD-12345. ".into()),
        ChatEvent::ToolCall { tool: "lookup_order".into(), input: data(json!({ "order_id": "ORD-12345" })) },
        ChatEvent::ToolResult { tool: "lookup_order".into(), output: data(json!({ "status": "shipped" })) },
    ] {
        console_event(&mut s, AgentsEvent::Chat { session, event });
    }
    s
}

#[test]
fn the_playground_mid_stream() {
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("playground_mid_stream_{w}x{h}"), render(&mid_stream(w, h)));
    }
}

#[test]
fn the_playground_finishes_a_turn_continues_the_conversation_and_says_a_failure() {
    let mut s = mid_stream(160, 48);
    assert!(asks(&keys(&mut s, "more<Enter>")).is_empty(), "one turn at a time");
    let session = s.console.as_ref().and_then(|c| c.playground.as_ref()).map(|p| p.session).expect("playground");
    console_event(&mut s, AgentsEvent::Chat { session, event: ChatEvent::Chunk("It was shipped yesterday...".into()) });
    let done = ChatEvent::Done {
        conversation: Some("conv_abc123".into()),
        tokens_in: Some(245),
        tokens_out: Some(62),
        latency_ms: Some(1840),
    };
    console_event(&mut s, AgentsEvent::Chat { session, event: done });
    let screen = render(&s);
    assert!(screen.contains("Hi Jane! I found your order ORD-12345."), "chunks join: {screen}");
    assert!(screen.contains("It was shipped yesterday..."), "after the tool call: {screen}");
    assert!(screen.contains("245 in / 62 out tokens") && screen.contains("1.8 s"), "{screen}");
    // An answer for an earlier chat is not this one's.
    console_event(&mut s, AgentsEvent::Chat { session: session + 99, event: ChatEvent::Chunk("stray".into()) });
    assert!(!render(&s).contains("stray"));

    // The next turn continues the agent's conversation (the input kept "more").
    let effects = keys(&mut s, "<Enter>");
    let [AgentsCommand::Chat { conversation, message, .. }] = &asks(&effects)[..] else { panic!("{effects:?}") };
    assert_eq!((conversation.as_deref(), message.as_str()), (Some("conv_abc123"), "more"));
    console_event(&mut s, AgentsEvent::Chat { session, event: ChatEvent::Failed("the stream ended early".into()) });
    assert!(render(&s).contains("failed: the stream ended early"));

    // Tool calls: one line, or whole.
    assert!(render(&s).contains("lookup_order({\"order_id\":\"ORD-12345\"})"));
    keys(&mut s, "<Tab>");
    assert!(render(&s).contains("\"order_id\": \"ORD-12345\""));
    keys(&mut s, "<Esc>");
    assert_eq!(s.context(), crate::command::Context::Agents);
}

#[test]
fn an_account_without_a_console_says_so() {
    let mut s = inbox(120, 30);
    keys(&mut s, "gA");
    console_event(
        &mut s,
        AgentsEvent::Failed {
            what: "agents",
            error: frontdesk_provider::ProviderError::Unsupported("an AI agents console"),
        },
    );
    assert!(s.console.is_none());
    assert!(flash(&s).0.contains("no AI agents console"));
}

/// A tool's JSON as the domain holds it.
fn data(v: serde_json::Value) -> Data {
    serde_json::from_value(v).expect("plain JSON")
}
