//! The AI agents console: opening it, moving through the agents, their
//! configuration, deploy / pause / resume / delete, create and edit in `$EDITOR`,
//! their conversations, and the chat playground that streams the agent's answer.

use crossterm::event::KeyEvent;

use super::{error, info, ticket, unavailable};
use crate::command::Command;
use crate::console::{Console, NEW_AGENT, Outcome, Pane, Part, Playground, Turn};
use crate::effect::Effect;
use crate::state::State;
use frontdesk_domain::{AgentConfig, AgentStatus, ChatEvent, Data};
use frontdesk_provider::ProviderError;
use frontdesk_sync::SyncCommand;
use frontdesk_sync::agents::{AgentsCommand, AgentsEvent};

fn ask(c: AgentsCommand) -> Effect {
    Effect::Sync(SyncCommand::Console(c))
}

pub fn open(state: &mut State) -> Vec<Effect> {
    let filter = state.console.as_ref().and_then(|c| c.filter.clone());
    state.console.get_or_insert_with(Console::new).loading = true;
    state.overlay = None;
    vec![ask(AgentsCommand::List { status: filter, cursor: None })]
}

fn selected_id(state: &State) -> Option<(String, String)> {
    state.console.as_ref()?.current().map(|a| (a.id.clone(), a.name.clone()))
}

/// The console's commands.
pub fn command(state: &mut State, c: Command) -> Vec<Effect> {
    let Some(console) = state.console.as_mut() else { return Vec::new() };
    match c {
        Command::AgentsClose => {
            state.console = None;
            Vec::new()
        }
        Command::AgentsBack => {
            if console.messages.take().is_none() {
                state.console = None;
            }
            Vec::new()
        }
        Command::AgentDown | Command::AgentUp => step(state, c == Command::AgentDown),
        Command::AgentOpen => open_item(state),
        Command::AgentFilter => filter(state),
        Command::AgentsRefresh => open(state),
        Command::AgentEdit => edit(state),
        Command::AgentChat => chat_open(state),
        Command::AgentConversations => conversations(state),
        _ => actions(state, c),
    }
}

fn step(state: &mut State, down: bool) -> Vec<Effect> {
    let Some(console) = state.console.as_mut() else { return Vec::new() };
    {
        if console.pane == Pane::Conversations && console.messages.is_none() {
            let n = console.conversations.len();
            console.conversation = if down {
                (console.conversation + 1).min(n.saturating_sub(1))
            } else {
                console.conversation.saturating_sub(1)
            };
            return Vec::new();
        }
        if console.messages.is_some() {
            console.scroll = if down { console.scroll.saturating_add(1) } else { console.scroll.saturating_sub(1) };
            return Vec::new();
        }
        let n = console.agents.len();
        let before = console.selected;
        console.selected = if down { (before + 1).min(n.saturating_sub(1)) } else { before.saturating_sub(1) };
        let mut effects = Vec::new();
        if down
            && console.selected + 5 >= n
            && !console.loading
            && let Some(cursor) = console.next_cursor.clone()
        {
            console.loading = true;
            effects.push(ask(AgentsCommand::List { status: console.filter.clone(), cursor: Some(cursor) }));
        }
        if console.selected != before {
            console.detail = None;
            console.conversations.clear();
            console.messages = None;
            console.pane = Pane::Detail;
        }
        effects
    }
}

fn open_item(state: &mut State) -> Vec<Effect> {
    let Some(console) = state.console.as_mut() else { return Vec::new() };
    {
        if console.pane == Pane::Conversations {
            let (Some(agent), Some(conv)) =
                (console.current().map(|a| a.id.clone()), console.conversations.get(console.conversation))
            else {
                return Vec::new();
            };
            return vec![ask(AgentsCommand::Messages { id: agent, conversation: conv.id.clone() })];
        }
        console.pane = Pane::Detail;
        console.scroll = 0;
        match selected_id(state) {
            Some((id, _)) => vec![ask(AgentsCommand::Detail { id })],
            None => Vec::new(),
        }
    }
}

fn filter(state: &mut State) -> Vec<Effect> {
    let Some(console) = state.console.as_mut() else { return Vec::new() };
    {
        let next = match &console.filter {
            None => Some(AgentStatus::FILTERS[0].clone()),
            Some(f) => {
                AgentStatus::FILTERS.iter().position(|x| x == f).and_then(|i| AgentStatus::FILTERS.get(i + 1)).cloned()
            }
        };
        console.filter.clone_from(&next);
        console.selected = 0;
        console.loading = true;
        console.detail = None;
        info(state, format!("showing {} agents", next.as_ref().map_or("all", AgentStatus::as_str)));
        vec![ask(AgentsCommand::List { status: next, cursor: None })]
    }
}

/// Deploy, pause, resume, delete, create, and the playground's own keys.
fn actions(state: &mut State, c: Command) -> Vec<Effect> {
    let Some(console) = state.console.as_mut() else { return Vec::new() };
    match c {
        Command::AgentDeploy => match selected_id(state) {
            Some((id, name)) => {
                let channels =
                    state.console.as_ref().and_then(|c| c.current()).map(|a| a.channels.join(", ")).unwrap_or_default();
                super::pickers::open_deploy(state, id, &name, &channels)
            }
            None => unavailable(state, "no agent selected"),
        },
        Command::AgentPause | Command::AgentResume => match selected_id(state) {
            Some((id, name)) => {
                let pause = c == Command::AgentPause;
                info(state, format!("{} {name}…", if pause { "pausing" } else { "resuming" }));
                vec![ask(if pause { AgentsCommand::Pause { id } } else { AgentsCommand::Resume { id } })]
            }
            None => unavailable(state, "no agent selected"),
        },
        Command::AgentDelete => {
            let Some(chosen) = console.current().map(|a| (a.id.clone(), a.name.clone())) else {
                return unavailable(state, "no agent selected");
            };
            console.confirm_delete = Some(chosen);
            Vec::new()
        }
        Command::AgentNew => {
            let text = match console.unsaved.take() {
                Some((None, text)) => text,
                _ => NEW_AGENT.to_owned(),
            };
            vec![Effect::EditConfig { agent: None, text }]
        }
        Command::ChatSend => send(state),
        Command::ChatLeave => {
            console.pane = Pane::Detail;
            Vec::new()
        }
        Command::ChatTools => {
            if let Some(p) = &mut console.playground {
                p.expanded = !p.expanded;
            }
            Vec::new()
        }
        Command::ChatNew => {
            let session = ticket(state);
            if let Some(p) = state.console.as_mut().and_then(|c| c.playground.as_mut()) {
                p.turns.clear();
                p.conversation = None;
                p.session = session;
            }
            info(state, "a new conversation");
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn edit(state: &mut State) -> Vec<Effect> {
    let Some((id, _)) = selected_id(state) else { return unavailable(state, "no agent selected") };
    let Some(console) = state.console.as_mut() else { return Vec::new() };
    if let Some((Some(agent), text)) = console.unsaved.take().filter(|(a, _)| a.as_deref() == Some(id.as_str())) {
        return vec![Effect::EditConfig { agent: Some(agent), text }];
    }
    if let Some(d) = console.detail.as_ref().filter(|d| d.agent.id == id) {
        return vec![Effect::EditConfig { agent: Some(id), text: config_text(&d.config) }];
    }
    info(state, "loading the configuration first; press e again");
    vec![ask(AgentsCommand::Detail { id })]
}

fn chat_open(state: &mut State) -> Vec<Effect> {
    let Some((id, name)) = selected_id(state) else { return unavailable(state, "no agent selected") };
    let session = ticket(state);
    let Some(console) = state.console.as_mut() else { return Vec::new() };
    if console.playground.as_ref().is_none_or(|p| p.agent != id) {
        console.playground = Some(Playground {
            agent: id,
            name,
            input: TextArea::default(),
            turns: Vec::new(),
            conversation: None,
            session,
            expanded: false,
        });
    }
    console.pane = Pane::Playground;
    Vec::new()
}

fn conversations(state: &mut State) -> Vec<Effect> {
    let Some((id, _)) = selected_id(state) else { return unavailable(state, "no agent selected") };
    let Some(console) = state.console.as_mut() else { return Vec::new() };
    console.pane = Pane::Conversations;
    console.messages = None;
    console.conversation = 0;
    vec![ask(AgentsCommand::Conversations { id })]
}

use ratatui_textarea::TextArea;

fn send(state: &mut State) -> Vec<Effect> {
    let Some(p) = state.console.as_mut().and_then(|c| c.playground.as_mut()) else { return Vec::new() };
    if p.streaming() {
        return unavailable(state, "the agent is still answering");
    }
    let message = p.input.lines().join("\n").trim().to_owned();
    if message.is_empty() {
        return unavailable(state, "type a message for the agent first");
    }
    p.input = TextArea::default();
    p.turns.push(Turn { user: message.clone(), parts: Vec::new(), outcome: None });
    vec![ask(AgentsCommand::Chat {
        session: p.session,
        id: p.agent.clone(),
        message,
        conversation: p.conversation.clone(),
    })]
}

/// Keys the playground's keymap does not know go to its input.
pub fn typed(state: &mut State, ev: KeyEvent) -> bool {
    let Some(p) = state.console.as_mut().and_then(|c| c.playground.as_mut()) else { return false };
    p.input.input(ev)
}

/// `y` deletes; any other key keeps the agent.
pub fn confirm_key(state: &mut State, ev: KeyEvent) -> Vec<Effect> {
    let Some((id, name)) = state.console.as_mut().and_then(|c| c.confirm_delete.take()) else { return Vec::new() };
    if ev.code == crossterm::event::KeyCode::Char('y') {
        info(state, format!("deleting {name}…"));
        return vec![ask(AgentsCommand::Delete { id })];
    }
    info(state, format!("{name} kept"));
    Vec::new()
}

/// A configuration as the file the agent edits: TOML (what the vendor sets itself
/// the adapter has already left out).
pub fn config_text(config: &AgentConfig) -> String {
    let head = "# Save and quit to update the agent; empty the file to give up.\n";
    match toml::to_string_pretty(config) {
        Ok(t) => format!("{head}{t}"),
        Err(_) => serde_json::to_string_pretty(config).unwrap_or_default(),
    }
}

/// The edited file (TOML, or JSON when it starts with `{`), as the configuration to
/// send; none when it was emptied.
fn parse_config(text: &str) -> Result<Option<AgentConfig>, String> {
    let body: String = text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n");
    if body.trim().is_empty() {
        return Ok(None);
    }
    if body.trim_start().starts_with('{') {
        return serde_json::from_str(&body).map(Some).map_err(|e| format!("not valid JSON: {e}"));
    }
    toml::from_str(text).map(Some).map_err(|e| format!("not valid TOML: {}", e.message()))
}

/// `$EDITOR` came back with an agent's file.
pub fn edited(state: &mut State, agent: Option<String>, result: Result<String, String>) -> Vec<Effect> {
    let text = match result {
        Ok(t) => t,
        Err(why) => {
            error(state, format!("$EDITOR failed: {why}"));
            return Vec::new();
        }
    };
    match parse_config(&text) {
        Ok(None) => {
            info(state, "nothing saved (the file was empty)");
            Vec::new()
        }
        Ok(Some(config)) => {
            info(state, if agent.is_some() { "saving the agent…" } else { "creating the agent…" });
            vec![ask(match agent {
                Some(id) => AgentsCommand::Update { id, config },
                None => AgentsCommand::Create { config },
            })]
        }
        Err(why) => {
            let again =
                state.settings.keymap.hint(if agent.is_some() { Command::AgentEdit } else { Command::AgentNew });
            if let Some(c) = &mut state.console {
                c.unsaved = Some((agent, text));
            }
            error(state, format!("{why}; your text is kept: {again} opens it again"));
            Vec::new()
        }
    }
}

/// The engine answered a console request.
pub fn event(state: &mut State, e: AgentsEvent) -> Vec<Effect> {
    if let AgentsEvent::Failed { error: ProviderError::Unsupported(_), what: "agents" } = &e {
        state.console = None;
        error(state, "this account has no AI agents console");
        return Vec::new();
    }
    let Some(console) = state.console.as_mut() else { return Vec::new() };
    match e {
        AgentsEvent::List { page, append } => {
            console.loading = false;
            if append {
                console.agents.extend(page.items);
            } else {
                console.agents = page.items;
                console.selected = console.selected.min(console.agents.len().saturating_sub(1));
            }
            console.next_cursor = page.next_cursor;
            let first = console.detail.is_none().then(|| console.current().map(|a| a.id.clone())).flatten();
            first.map(|id| ask(AgentsCommand::Detail { id })).into_iter().collect()
        }
        AgentsEvent::Detail(d) => {
            if let Some(row) = console.agents.iter_mut().find(|a| a.id == d.agent.id) {
                *row = d.agent.clone();
            }
            if console.current().is_some_and(|a| a.id == d.agent.id) {
                // The prompt shows on its own, above the rest.
                console.config_text = serde_json::to_string_pretty(&d.config.settings).unwrap_or_default();
                console.detail = Some(d);
            }
            Vec::new()
        }
        // The "pausing …" said when asked gives way to what happened.
        AgentsEvent::Switched { detail, paused } => {
            let name = detail.agent.name.clone();
            let effects = event(state, AgentsEvent::Detail(detail));
            info(state, format!("{name} {}", if paused { "paused" } else { "resumed" }));
            effects
        }
        AgentsEvent::Saved { agent, created } => {
            let (id, name) = (agent.id.clone(), agent.name.clone());
            if let Some(i) = console.agents.iter().position(|a| a.id == id) {
                console.agents[i] = agent;
            } else {
                console.agents.insert(0, agent);
                console.selected = 0;
            }
            console.detail = None;
            info(state, format!("{name} {}", if created { "created" } else { "saved" }));
            vec![ask(AgentsCommand::Detail { id })]
        }
        AgentsEvent::Deleted { id } => {
            console.agents.retain(|a| a.id != id);
            console.selected = console.selected.min(console.agents.len().saturating_sub(1));
            console.detail = None;
            info(state, "agent deleted");
            Vec::new()
        }
        AgentsEvent::Deployed { id, deployment } => {
            let number = deployment.number.as_deref().map(|n| format!(" on {n}")).unwrap_or_default();
            let text = format!("deployed to {}{number}", deployment.channels.join(", "));
            if let Some(a) = console.agents.iter_mut().find(|a| a.id == id) {
                a.status = deployment.status;
            }
            info(state, text);
            vec![ask(AgentsCommand::Detail { id })]
        }
        AgentsEvent::Chat { session, event } => {
            chat(console, session, event);
            Vec::new()
        }
        AgentsEvent::Conversations { id, page } => {
            if console.current().is_some_and(|a| a.id == id) {
                console.conversations = page.items;
                console.conversation = 0;
            }
            Vec::new()
        }
        AgentsEvent::Messages { conversation, messages, .. } => {
            console.messages = Some((conversation, messages));
            console.scroll = 0;
            Vec::new()
        }
        AgentsEvent::Failed { what, error: e } => {
            console.loading = false;
            error(state, format!("{what}: {e}"));
            Vec::new()
        }
    }
}

/// A piece of the agent's answer, into the turn it belongs to.
fn chat(console: &mut Console, session: u64, event: ChatEvent) {
    let Some(p) = console.playground.as_mut().filter(|p| p.session == session) else { return };
    let Some(turn) = p.turns.last_mut().filter(|t| t.outcome.is_none()) else { return };
    match event {
        ChatEvent::Chunk(text) => match turn.parts.last_mut() {
            Some(Part::Text(t)) => t.push_str(&text),
            _ => turn.parts.push(Part::Text(text)),
        },
        ChatEvent::ToolCall { tool, input } => turn.parts.push(Part::Tool { tool, input, output: None }),
        ChatEvent::ToolResult { tool, output } => {
            let open = turn.parts.iter_mut().rev().find_map(|p| match p {
                Part::Tool { tool: t, output: o @ None, .. } if *t == tool => Some(o),
                _ => None,
            });
            match open {
                Some(o) => *o = Some(output),
                None => turn.parts.push(Part::Tool { tool, input: Data::Null, output: Some(output) }),
            }
        }
        ChatEvent::Done { conversation, tokens_in, tokens_out, latency_ms } => {
            if conversation.is_some() {
                p.conversation = conversation;
            }
            turn.outcome = Some(Outcome::Done { tokens_in, tokens_out, latency_ms });
        }
        ChatEvent::Failed(why) => turn.outcome = Some(Outcome::Failed(why)),
    }
}

/// The deploy picker's choice: the agent's own channels, or the typed ones.
pub fn deploy(state: &mut State, id: String, typed: &str) -> Vec<Effect> {
    let mut channels = Vec::new();
    let mut number = None;
    for word in typed.split([',', ' ']).map(str::trim).filter(|w| !w.is_empty()) {
        match word.strip_prefix("number=") {
            Some(n) => number = Some(n.to_owned()),
            None => channels.push(word.to_owned()),
        }
    }
    info(state, "deploying…");
    vec![ask(AgentsCommand::Deploy { id, channels, number })]
}
