//! AI agents, as a vendor's agents console shows them: what they are, where they
//! are deployed, how a chat with one goes, and the conversations they have had.
//! A configuration is a plain document of settings: each vendor's is its own, the
//! agent edits it whole, and only its adapter knows the vendor's JSON.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where an agent stands. Vendors add states; an unknown one is kept as said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentStatus {
    Draft,
    Active,
    Paused,
    Error,
    Archived,
    Other(String),
}

impl AgentStatus {
    /// The ones a filter cycles through.
    pub const FILTERS: [Self; 4] = [Self::Draft, Self::Active, Self::Paused, Self::Error];

    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "draft" => Self::Draft,
            "active" | "deployed" | "live" => Self::Active,
            "paused" => Self::Paused,
            "error" | "failed" => Self::Error,
            "archived" => Self::Archived,
            other => Self::Other(other.to_owned()),
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Error => "error",
            Self::Archived => "archived",
            Self::Other(s) => s,
        }
    }
}

/// One agent, as a list row shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct AiAgent {
    pub id: String,
    pub name: String,
    /// conversational, task, voice, router…
    pub kind: String,
    pub model: String,
    pub status: AgentStatus,
    pub channels: Vec<String>,
    pub tools: Option<u32>,
    pub active_conversations: Option<u32>,
    pub conversations: Option<u32>,
    pub total_tokens: Option<u64>,
    pub last_active_at: Option<Timestamp>,
    pub created_at: Option<Timestamp>,
}

/// An agent with its whole configuration (prompt, tools, guardrails…).
#[derive(Clone, Debug, PartialEq)]
pub struct AiAgentDetail {
    pub agent: AiAgent,
    pub config: AgentConfig,
}

/// What an agent's configuration says, as the agent edits it: its system prompt, and
/// the vendor's other settings as a plain document (what a TOML or JSON file can
/// hold). The adapter maps it from and to the vendor's JSON, and leaves out what the
/// vendor sets itself (ids, counters, times).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    #[serde(flatten)]
    pub settings: Settings,
}

/// Named values, in name order: an agent's settings, a new conversation's metadata.
pub type Settings = BTreeMap<String, Data>;

/// A value of a free-form document (a setting, a tool's input or output, metadata),
/// typed here so that a vendor's JSON stays in its adapter. Serialises as the JSON
/// (or TOML) it reads like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Data {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    Text(String),
    List(Vec<Data>),
    Table(Settings),
}

impl Data {
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(t) => Some(t),
            _ => None,
        }
    }

    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }
}

/// Where a deploy put the agent.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    pub status: AgentStatus,
    pub channels: Vec<String>,
    pub number: Option<String>,
    pub at: Option<Timestamp>,
}

/// One piece of a chat turn, as it streams.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatEvent {
    /// More of the reply's text.
    Chunk(String),
    ToolCall {
        tool: String,
        input: Data,
    },
    ToolResult {
        tool: String,
        output: Data,
    },
    /// The turn is over.
    Done {
        conversation: Option<String>,
        tokens_in: Option<u64>,
        tokens_out: Option<u64>,
        latency_ms: Option<u64>,
    },
    /// The turn failed (an error event, or the stream dropped before `done`).
    Failed(String),
}

/// A conversation an agent had.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentConversation {
    pub id: String,
    pub status: String,
    pub contact: Option<String>,
    pub messages: Option<u32>,
    pub started_at: Option<Timestamp>,
    pub last_message_at: Option<Timestamp>,
}

/// A tool the agent used in a message.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolUse {
    pub tool: String,
    pub input: Data,
    pub output: Option<Data>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AgentMessage {
    pub id: String,
    /// user, assistant, system, tool.
    pub role: String,
    pub content: String,
    pub tools: Vec<ToolUse>,
    pub created_at: Option<Timestamp>,
}
