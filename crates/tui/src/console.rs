//! The AI agents console's state: the agents, the one open, its conversations, and
//! the chat playground. A second screen over the inbox (`g A` or `:agents`); the
//! inbox keeps running underneath.

use ratatui_textarea::TextArea;

use frontdesk_domain::{AgentConversation, AgentMessage, AgentStatus, AiAgent, AiAgentDetail, Data};

/// What the right-hand side shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Detail,
    Conversations,
    Playground,
}

pub struct Console {
    pub agents: Vec<AiAgent>,
    pub next_cursor: Option<String>,
    pub loading: bool,
    pub selected: usize,
    pub filter: Option<AgentStatus>,
    pub pane: Pane,
    pub detail: Option<AiAgentDetail>,
    /// The detail's configuration as shown (without the system prompt, which shows
    /// apart): made once when it arrives, not on every frame.
    pub config_text: String,
    pub scroll: u16,
    pub conversations: Vec<AgentConversation>,
    pub conversation: usize,
    /// The messages of the conversation opened from the list.
    pub messages: Option<(String, Vec<AgentMessage>)>,
    pub playground: Option<Playground>,
    /// Asked before deleting: the agent's id and name.
    pub confirm_delete: Option<(String, String)>,
    /// A configuration that did not parse, kept for the next edit.
    pub unsaved: Option<(Option<String>, String)>,
}

impl Console {
    pub fn new() -> Self {
        Self {
            agents: Vec::new(),
            next_cursor: None,
            loading: true,
            selected: 0,
            filter: None,
            pane: Pane::Detail,
            detail: None,
            config_text: String::new(),
            scroll: 0,
            conversations: Vec::new(),
            conversation: 0,
            messages: None,
            playground: None,
            confirm_delete: None,
            unsaved: None,
        }
    }

    pub fn current(&self) -> Option<&AiAgent> {
        self.agents.get(self.selected)
    }
}

impl Default for Console {
    fn default() -> Self {
        Self::new()
    }
}

/// A chat with one agent, turn by turn, as it streams.
pub struct Playground {
    pub agent: String,
    pub name: String,
    pub input: TextArea<'static>,
    pub turns: Vec<Turn>,
    /// The agent's conversation, once the first turn is done: later turns continue it.
    pub conversation: Option<String>,
    /// Tells this chat's answers from an earlier one's.
    pub session: u64,
    /// Tool calls shown whole, or one line each.
    pub expanded: bool,
}

impl Playground {
    pub fn streaming(&self) -> bool {
        self.turns.last().is_some_and(|t| t.outcome.is_none())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Turn {
    pub user: String,
    pub parts: Vec<Part>,
    pub outcome: Option<Outcome>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(String),
    Tool { tool: String, input: Data, output: Option<Data> },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Done { tokens_in: Option<u64>, tokens_out: Option<u64>, latency_ms: Option<u64> },
    Failed(String),
}

/// A new agent's file, from Orbit's own example.
pub const NEW_AGENT: &str = r#"# A new AI agent. Save and quit to create it; empty the file to give up.
# TOML (or JSON, if the file starts with "{"). Fields as Orbit's Agents API takes them.
name = "Support Bot"
type = "conversational"            # or "task"
model = "gpt-4o"
system_prompt = "You are a helpful customer support agent for Acme Corp."
channels = ["whatsapp", "web"]
temperature = 0.7
max_tokens = 4096
# knowledge_base_ids = ["kb_..."]

# [[tools]]
# name = "lookup_order"
# description = "Look up order details by order ID"
# parameters = { type = "object", properties = { order_id = { type = "string" } }, required = ["order_id"] }

# [guardrails]
# output_checks = ["no_pii", "no_profanity", "brand_voice"]
"#;
