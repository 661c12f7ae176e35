//! What the server hands its storage to write, and the records it gets back: the
//! same for every engine.

use jiff::Timestamp;

use crate::error::{ApiError, ApiResult};
use frontdesk_domain::text::sanitize_line;
use frontdesk_domain::{
    AgentId, Attachment, Author, CallInfo, Channel, Conversation, ConversationId, Message, MessageKind, NextAction,
    OrgId, SuggestionId, ViewFilter,
};

/// A customer message arriving from a channel.
#[derive(Clone, Debug)]
pub struct Inbound {
    pub channel: Channel,
    pub handle: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub provider_message_id: Option<String>,
    pub received_at: Option<Timestamp>,
    /// An AI agent leads the conversation this opens (AI-agent channels).
    pub ai_agent: Option<String>,
}

impl Inbound {
    /// A plain text message from `handle` on `channel`: nothing else said of it.
    #[must_use]
    pub fn text(channel: Channel, handle: &str, body: &str) -> Self {
        Self {
            channel,
            handle: handle.to_owned(),
            name: None,
            email: None,
            phone: None,
            subject: None,
            body: body.to_owned(),
            attachments: Vec::new(),
            provider_message_id: None,
            received_at: None,
            ai_agent: None,
        }
    }

    /// Refuses what cannot be stored, naming the field.
    pub fn validate(&self) -> ApiResult<()> {
        if sanitize_line(&self.handle).is_empty() {
            return Err(ApiError::invalid("contact.handle", "contact.handle must not be empty"));
        }
        if self.body.trim().is_empty() && self.attachments.is_empty() {
            return Err(ApiError::invalid("body", "body must not be empty"));
        }
        if self.provider_message_id.as_ref().is_some_and(|id| id.is_empty() || id.len() > 255) {
            return Err(ApiError::invalid("provider_message_id", "provider_message_id must be 1 to 255 characters"));
        }
        Ok(())
    }
}

/// What ingesting one message did.
#[derive(Clone, Debug)]
pub struct Ingested {
    pub message: Message,
    pub conversation: Conversation,
    /// A new conversation was opened for it.
    pub opened: bool,
    /// The provider message id was seen before: nothing was written.
    pub duplicate: bool,
}

/// An agent's message to write.
pub struct Outgoing {
    pub kind: MessageKind,
    pub body: String,
    pub attachments: Vec<Attachment>,
    /// The suggestion this reply sends, when it came from the copilot panel.
    pub suggestion: Option<SuggestionId>,
}

/// The longest preview kept on a conversation row.
pub const PREVIEW_CHARS: usize = 140;

/// A message about to be written.
pub struct NewMessage {
    pub conversation_id: ConversationId,
    pub author: Author,
    pub kind: MessageKind,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub call: Option<CallInfo>,
    pub at: Timestamp,
    pub provider_message_id: Option<String>,
}

/// A drafted suggestion to store.
pub struct NewSuggestion {
    pub body: String,
    pub actions: Vec<NextAction>,
    pub sources: Vec<String>,
    pub engine: String,
    pub confidence: Option<u8>,
    pub lang: Option<String>,
    pub before_sending: Option<String>,
    pub withheld: Option<String>,
}

impl From<crate::copilot::Draft> for NewSuggestion {
    fn from(d: crate::copilot::Draft) -> Self {
        Self {
            body: d.body,
            actions: d.actions,
            sources: d.sources,
            engine: d.engine,
            confidence: Some(d.confidence),
            lang: Some(d.lang),
            before_sending: d.before_sending,
            withheld: d.withheld,
        }
    }
}

/// One exported training pair.
#[derive(Debug, serde::Serialize, sqlx::FromRow)]
pub struct TrainingPair {
    pub org_id: String,
    pub suggestion_id: String,
    pub conversation_id: String,
    pub agent_id: Option<String>,
    pub draft: String,
    pub sent: String,
    pub edited: bool,
    pub created_at: i64,
    /// Characters changed between draft and sent; None for pairs recorded before
    /// it was measured.
    pub edit_distance: Option<i64>,
}

/// What a list request resolved to.
pub struct ListSpec<'a> {
    pub org: &'a OrgId,
    pub me: &'a AgentId,
    pub my_team: Option<&'a str>,
    pub filter: &'a ViewFilter,
    pub updated_since: Option<Timestamp>,
    pub cursor: Option<&'a str>,
    /// The view's last page (its oldest activity) instead of its first; the pages
    /// above it follow from `prev_cursor`.
    pub from_end: bool,
    pub limit: u32,
    pub now: Timestamp,
    /// Most urgent first (SLA breached, then at risk, then oldest unanswered); one
    /// page only, since the order changes as the clock moves.
    pub urgent: bool,
}

/// A stored answer: status and JSON body.
pub struct IdempotencyRecord {
    pub status: u16,
    pub body: String,
}
