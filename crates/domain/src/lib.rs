//! The unified inbox model every part of frontdesk speaks: the server stores it, the
//! native API serialises it as is, and each provider adapter maps its vendor's JSON
//! into it. No I/O here. Timestamps are `jiff::Timestamp`, serialised as RFC 3339 UTC.
//!
//! To extend: add the field here with a serde default so older payloads still parse,
//! then teach the server's db layer and each adapter to fill it.

mod ai_agent;
mod clean;
mod contact;
mod conversation;
mod event;
mod ids;
mod message;
mod new_conversation;
mod op;
mod open_enum;
mod page;
mod suggestion;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod text;
mod view;

pub use ai_agent::{
    AgentConfig, AgentConversation, AgentMessage, AgentStatus, AiAgent, AiAgentDetail, ChatEvent, Data, Deployment,
    Settings, ToolUse,
};
pub use clean::Clean;
pub use contact::{Agent, AgentRole, Contact};
pub use conversation::{
    AiState, Channel, Conversation, LastMessage, Origin, Priority, Status, UNKNOWN_TIME, known_or, known_time,
};
pub use event::{Event, EventKind, KEEP_ALIVE_HEADER, Presence, PresenceState};
pub use ids::{AgentId, ContactId, ConversationId, MessageId, OrgId, SuggestionId, ViewId};
pub use message::{Attachment, Author, AuthorKind, CallInfo, Delivery, Direction, Message, MessageKind};
pub use new_conversation::NewConversation;
pub use op::{Change, Op, ReplyKind};
pub use open_enum::refusing_unknown;
pub use page::Page;
pub use suggestion::{
    NextAction, SENDER_PLACEHOLDER, Suggestion, SuggestionStatus, UNKNOWN_SENDER, first_name, sign_draft,
};
pub use view::{AssigneeFilter, BuiltinView, View, ViewCount, ViewFilter, ViewKind, ViewWithCount};
