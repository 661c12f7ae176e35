//! A conversation: one contact on one channel, its state in the queue, and what the
//! list pane needs to draw a row without loading the thread.

use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Agent, Contact, ConversationId, Direction};
use crate::open_enum::open_enum;

open_enum! {
    /// How the customer reached us.
    pub enum Channel {
        Sms = "sms",
        Whatsapp = "whatsapp",
        Email = "email",
        Web = "web",
        Voice = "voice",
        Api = "api",
    }
}

open_enum! {
    /// Where the conversation stands in the queue. A snoozed one carries its wake time
    /// in [`Conversation::snoozed_until`].
    pub enum Status {
        Open = "open",
        Pending = "pending",
        Snoozed = "snoozed",
        Closed = "closed",
    }
}

open_enum! {
    /// How urgent it is. A vendor's own level (Chatwoot's "medium") is kept as `Other`,
    /// shown and sent back by its name.
    #[derive(Default)]
    pub enum Priority {
        Low = "low",
        #[default]
        Normal = "normal",
        High = "high",
        Urgent = "urgent",
    }
}

/// Who is leading the conversation: an AI agent, an AI agent that asked for a human,
/// or a human.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum AiState {
    AiLed,
    HandoffRequested,
    #[default]
    Human,
}

impl AiState {
    pub const ALL: [Self; 3] = [Self::AiLed, Self::HandoffRequested, Self::Human];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AiLed => "ai_led",
            Self::HandoffRequested => "handoff_requested",
            Self::Human => "human",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The time a row carries when its vendor gave none: not the moment it loaded, which
/// would read as "now". Screens say the time is unknown, and such rows sort oldest.
/// (The native server always has times.)
pub const UNKNOWN_TIME: Timestamp = Timestamp::UNIX_EPOCH;

/// The time, unless it is [`UNKNOWN_TIME`].
#[must_use]
pub fn known_time(t: Timestamp) -> Option<Timestamp> {
    (t != UNKNOWN_TIME).then_some(t)
}

/// `t`, or `at` where the vendor gave none but we know it ourselves: a message we
/// just sent, an event stamped by its stream.
#[must_use]
pub fn known_or(t: Timestamp, at: Timestamp) -> Timestamp {
    known_time(t).unwrap_or(at)
}

/// The last message, as the list row shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LastMessage {
    /// The first line or so of the body, already sanitised.
    pub preview: String,
    pub direction: Direction,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Conversation {
    pub id: ConversationId,
    pub contact: Contact,
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub status: Status,
    /// Set while `status` is `snoozed`: when it reopens by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub snoozed_until: Option<Timestamp>,
    /// Shared, so that a list of many rows can hold each agent once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Agent>)]
    pub assignee: Option<Arc<Agent>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub starred: bool,
    #[serde(default)]
    pub unread: bool,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<LastMessage>,
    /// When the oldest customer message still without a reply arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub waiting_since: Option<Timestamp>,
    /// When the first-response target runs out; none once the customer has an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sla_due_at: Option<Timestamp>,
    #[serde(default)]
    pub ai_state: AiState,
    /// The AI agent leading or last leading it, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_agent: Option<String>,
    /// A copilot suggestion waiting for the agent's decision.
    #[serde(default)]
    pub has_pending_suggestion: bool,
    #[serde(default)]
    pub message_count: u32,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// Where the row comes from when one list holds several accounts (the unified
    /// inbox sets it); empty for a single account's rows. Not part of the native API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(ignore)]
    pub origin: Option<Origin>,
}

/// A conversation's account and its id there, for a list that spans accounts: the
/// client badges the row and builds the account's own links from it, and never
/// has to read an account out of an id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub account: String,
    pub id: ConversationId,
}

impl Conversation {
    /// Overdue: the first-response target has passed and the customer still waits.
    #[must_use]
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        matches!(self.status, Status::Open | Status::Pending) && self.sla_due_at.is_some_and(|due| due <= now)
    }
}
