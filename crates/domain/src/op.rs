//! Mutations as data. Every change the client makes is an `Op`: the outbox can
//! persist it before sending, retry it with the same idempotency key, undo can hold
//! its inverse, and a bulk change can go to a vendor's bulk endpoint in one call.
//! Each provider adapter maps an `Op` to its vendor's request.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AgentId, ConversationId, Priority, SuggestionId};

/// One change to a conversation's state (not its thread). The native API takes
/// these as they are (bulk's `action`), so server and client share one definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    Star,
    Unstar,
    Read,
    Unread,
    Archive,
    Unarchive,
    Close,
    Reopen,
    /// Waiting on the customer.
    Pending,
    Snooze {
        #[schema(value_type = String, format = DateTime)]
        until: Timestamp,
    },
    /// Assign to an agent; `agent_id: null` unassigns.
    Assign {
        agent_id: Option<AgentId>,
        #[serde(default)]
        team: Option<String>,
    },
    Unassign,
    /// Replace the tags.
    SetTags {
        tags: Vec<String>,
    },
    AddTags {
        tags: Vec<String>,
    },
    RemoveTags {
        tags: Vec<String>,
    },
    SetPriority {
        priority: Priority,
    },
    /// The AI agent leading the conversation asks for a human.
    RequestHandoff {
        #[serde(default)]
        reason: Option<String>,
    },
    /// A human takes the conversation over from the AI agent, which pauses.
    Handoff {
        #[serde(default)]
        reason: Option<String>,
    },
    /// The human is done: the AI pause ends and the AI agent leads again.
    ResolveHandoff,
}

impl Change {
    /// What the change does, as a request: "Archive", for "Archive 46 conversations?".
    #[must_use]
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Star => "Star",
            Self::Unstar => "Unstar",
            Self::Read => "Mark read",
            Self::Unread => "Mark unread",
            Self::Archive => "Archive",
            Self::Unarchive => "Unarchive",
            Self::Close => "Close",
            Self::Reopen => "Reopen",
            Self::Pending => "Set pending",
            Self::Snooze { .. } => "Snooze",
            Self::Assign { agent_id: Some(_), .. } => "Assign",
            Self::Assign { agent_id: None, .. } | Self::Unassign => "Unassign",
            Self::SetTags { .. } | Self::AddTags { .. } | Self::RemoveTags { .. } => "Tag",
            Self::SetPriority { .. } => "Set the priority of",
            Self::RequestHandoff { .. } => "Request a handoff for",
            Self::Handoff { .. } => "Take over from the AI agent",
            Self::ResolveHandoff => "Hand back to the AI agent",
        }
    }

    /// A short past-tense label for the status bar ("starred", "closed").
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Self::Star => "starred",
            Self::Unstar => "unstarred",
            Self::Read => "marked read",
            Self::Unread => "marked unread",
            Self::Archive => "archived",
            Self::Unarchive => "unarchived",
            Self::Close => "closed",
            Self::Reopen => "reopened",
            Self::Pending => "set pending",
            Self::Snooze { .. } => "snoozed",
            Self::Assign { agent_id: Some(_), .. } => "assigned",
            Self::Assign { agent_id: None, .. } | Self::Unassign => "unassigned",
            Self::SetTags { .. } | Self::AddTags { .. } | Self::RemoveTags { .. } => "tagged",
            Self::SetPriority { .. } => "prioritised",
            Self::RequestHandoff { .. } => "handoff requested",
            Self::Handoff { .. } => "taken over from the AI agent",
            Self::ResolveHandoff => "handed back to the AI agent",
        }
    }
}

/// Whether a message goes to the customer or stays inside the team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    Reply,
    Note,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// A change to one conversation.
    Change {
        conversation: ConversationId,
        change: Change,
    },
    /// The same change to many conversations.
    Bulk {
        conversations: Vec<ConversationId>,
        change: Change,
    },
    /// A reply to the customer or an internal note; `suggestion` when it sends an
    /// edited copilot draft.
    Send {
        conversation: ConversationId,
        kind: ReplyKind,
        body: String,
        suggestion: Option<SuggestionId>,
        /// Files to upload and send with the message (absolute paths, read when it
        /// goes out), for accounts that take them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<std::path::PathBuf>,
    },
    /// Send a copilot suggestion as drafted.
    SendSuggestion {
        suggestion: SuggestionId,
    },
    DismissSuggestion {
        suggestion: SuggestionId,
    },
    /// Ask the copilot for a (new) draft.
    RequestSuggestion {
        conversation: ConversationId,
    },
}
