//! Mutations as data. Every change the client makes is an `Op`: the outbox can
//! persist it before sending, retry it with the same idempotency key, undo can hold
//! its inverse, and a bulk change can go to a vendor's bulk endpoint in one call.
//! Each provider adapter maps an `Op` to its vendor's request.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{AgentId, ConversationId, SuggestionId};

/// One change to a conversation's state (not its thread).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
        until: Timestamp,
    },
    /// `None` unassigns.
    Assign {
        agent_id: Option<AgentId>,
    },
    SetTags {
        tags: Vec<String>,
    },
}

impl Change {
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
            Self::Assign { agent_id: Some(_) } => "assigned",
            Self::Assign { agent_id: None } => "unassigned",
            Self::SetTags { .. } => "tagged",
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
    /// A human takes over from the AI agent.
    Handoff {
        conversation: ConversationId,
    },
    /// The handoff is dealt with; the conversation is plainly human.
    ResolveHandoff {
        conversation: ConversationId,
    },
}
