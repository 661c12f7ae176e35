//! What the client and the engine say to each other: the client's commands, the
//! engine's answers, and where a page of the list goes.

use frontdesk_domain::{
    Agent, Conversation, ConversationId, Message, Op, Page, PresenceState, Suggestion, ViewWithCount,
};
use frontdesk_provider::{Applied, Identity, ListQuery, ProviderError, Update};

use super::agents;
use super::store::StoredDraft;

/// Where a page of the list goes in what is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// In place of every row: a view's first page, or its last (`G`).
    Replace,
    /// Below the rows (from `next_cursor`).
    Below,
    /// Above the rows (from `prev_cursor`), when they were read from the end.
    Above,
}

/// What the client asks of the engine.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncCommand {
    /// Who am I, the team, the views: what the first screen needs.
    Bootstrap,
    /// Reload the views and their counts.
    Views,
    /// A page of the conversation list, and where it goes in what is shown.
    List { generation: u64, query: ListQuery, at: Place },
    /// A conversation's thread and its pending suggestion.
    Thread { generation: u64, id: ConversationId },
    /// The messages before the loaded ones (`cursor` from the thread's answer).
    Older { generation: u64, id: ConversationId, cursor: String },
    /// The most urgent open conversation, across views.
    Urgent,
    /// Apply a change; the answer comes back with the same ticket.
    Apply { ticket: u64, op: Op },
    /// Keep a draft (it survives a crash).
    SaveDraft(StoredDraft),
    /// The draft was sent or emptied.
    DeleteDraft(ConversationId),
    /// Tell the team I am viewing, typing in, or have left a conversation.
    Presence { conversation: ConversationId, state: PresenceState },
    /// Open a new conversation.
    Create(Box<frontdesk_domain::NewConversation>),
    /// The AI agents console.
    Console(agents::AgentsCommand),
    /// A call to the conversation's chatbot (for those who build it).
    Bot { conversation: ConversationId, call: frontdesk_provider::bot::BotCall },
    /// A conversation by its channel's ids.
    Find { channel_id: String, provider_id: String },
    /// Delete a conversation for good (the agent has confirmed).
    Delete(ConversationId),
    /// Save a view for the team.
    SaveView { name: String, filter: frontdesk_domain::ViewFilter },
    /// Delete a saved view (the agent has confirmed).
    DeleteView(frontdesk_domain::ViewId),
}

/// What the engine tells the client.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncEvent {
    Identity(Identity),
    Agents(Vec<Agent>),
    Views(Vec<ViewWithCount>),
    List {
        generation: u64,
        page: Page<Conversation>,
        at: Place,
        /// From the cache, before the server's answer.
        cached: bool,
    },
    Thread {
        generation: u64,
        id: ConversationId,
        messages: Vec<Message>,
        suggestion: Option<Box<Suggestion>>,
        /// Where older messages start, if there are any.
        older: Option<String>,
    },
    /// Messages before the loaded ones, oldest first.
    Older {
        generation: u64,
        id: ConversationId,
        messages: Vec<Message>,
        older: Option<String>,
    },
    Urgent(Option<Box<Conversation>>),
    Applied {
        ticket: u64,
        result: Result<Applied, ProviderError>,
    },
    /// A change could not be sent yet; the outbox tries again after `after`.
    Retrying {
        ticket: u64,
        after: std::time::Duration,
        reason: String,
    },
    /// Changes an earlier run left in the outbox, being sent now.
    Recovered(Vec<(u64, Op)>),
    /// The drafts kept from earlier.
    Drafts(Vec<StoredDraft>),
    /// A thread could not be loaded (after waiting out any 429s).
    ThreadFailed {
        generation: u64,
        id: ConversationId,
        error: ProviderError,
    },
    /// The teams a conversation can be assigned to.
    Teams(Vec<String>),
    /// A read failed; `what` says which, for the status bar.
    Failed {
        what: &'static str,
        error: ProviderError,
    },
    Live(Update),
    /// A conversation opened here, or why it could not be.
    Created(Result<Box<Conversation>, ProviderError>),
    /// The account's SLA line, for backends that keep one apart from the views.
    Sla(Option<frontdesk_provider::Sla>),
    /// Accounts (of the unified inbox) that cannot be reached, with why.
    Trouble(Vec<(String, String)>),
    /// A feature the backend turned down for this account, and why.
    Degraded(String),
    /// The AI agents console's answers.
    Console(Box<agents::AgentsEvent>),
    /// The chatbot's answer to a call.
    Bot {
        conversation: ConversationId,
        /// What was asked (a message handed over shows in the thread with the answer).
        call: frontdesk_provider::bot::BotCall,
        result: Result<frontdesk_provider::bot::BotReply, ProviderError>,
    },
    Found(Result<Option<Box<Conversation>>, ProviderError>),
    Deleted {
        id: ConversationId,
        result: Result<(), ProviderError>,
    },
    ViewSaved(Result<frontdesk_domain::View, ProviderError>),
    ViewDeleted {
        id: frontdesk_domain::ViewId,
        result: Result<(), ProviderError>,
    },
}
