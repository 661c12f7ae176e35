//! Events: every change a client must see, as the server's event stream carries them.
//! State-changing events are persisted and carry a strictly increasing id (resume with
//! `Last-Event-ID`); derived or ephemeral ones (counts, presence) carry none.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AgentId, Conversation, ConversationId, Message, Suggestion, ViewCount};

/// One event on the stream. The SSE `event:` field is the kind's name, `data:` this.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Persisted events only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum EventKind {
    MessageCreated(Box<Message>),
    ConversationUpdated(Box<Conversation>),
    SuggestionCreated(Box<Suggestion>),
    SuggestionResolved(Box<Suggestion>),
    /// Counts of every view, after a change.
    ViewCountsChanged(Vec<ViewCount>),
    Presence(Presence),
    /// The client's `Last-Event-ID` is older than what the server keeps: reload.
    Resync,
}

impl EventKind {
    /// The SSE event name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::MessageCreated(_) => "message_created",
            Self::ConversationUpdated(_) => "conversation_updated",
            Self::SuggestionCreated(_) => "suggestion_created",
            Self::SuggestionResolved(_) => "suggestion_resolved",
            Self::ViewCountsChanged(_) => "view_counts_changed",
            Self::Presence(_) => "presence",
            Self::Resync => "resync",
        }
    }

    /// The conversation the event is about, if one.
    #[must_use]
    pub fn conversation_id(&self) -> Option<&ConversationId> {
        match self {
            Self::MessageCreated(m) => Some(&m.conversation_id),
            Self::ConversationUpdated(c) => Some(&c.id),
            Self::SuggestionCreated(s) | Self::SuggestionResolved(s) => Some(&s.conversation_id),
            Self::Presence(p) => Some(&p.conversation_id),
            Self::ViewCountsChanged(_) | Self::Resync => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    Viewing,
    Typing,
    Left,
}

/// Who is looking at or typing in a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Presence {
    pub conversation_id: ConversationId,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub state: PresenceState,
}

/// The event stream's response header stating the server's keep-alive interval in
/// seconds, so that a client knows how long a silence means a stalled link.
pub const KEEP_ALIVE_HEADER: &str = "frontdesk-keep-alive";
