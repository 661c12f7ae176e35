//! The client's state: plain data, owned by the loop, changed only by `update()`,
//! read by the pure render functions. Time is a value here (`now`), never read from
//! the clock while drawing.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui_textarea::TextArea;

use super::command::Context;
use super::keymap::{Key, Keymap};
use super::ui::theme::{Glyphs, Theme};
use frontdesk_domain::{
    Agent, Conversation, ConversationId, Message, Op, ReplyKind, Suggestion, SuggestionId, View, ViewId,
};
use frontdesk_provider::Capabilities;

mod list;
pub use list::{ConversationList, Going, ListFailure, Window};

/// A saved canned reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canned {
    pub name: String,
    pub body: String,
}

/// What does not change while the client runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The account's name as the status bar shows it.
    pub account: String,
    /// Every account the config names, for the account picker; "all" (the unified
    /// inbox) among them when there are several.
    pub accounts: Vec<String>,
    /// The web address of a conversation, for copy-link: `{id}` is replaced.
    pub link_template: String,
    /// In the unified inbox, each account's link template by account name.
    pub account_links: Vec<(String, String)>,
    pub theme: Theme,
    pub glyphs: Glyphs,
    pub tz: TimeZone,
    pub canned: Vec<Canned>,
    pub keymap: Arc<Keymap>,
    pub mouse: bool,
    /// Notifications on at all.
    pub notify: bool,
    pub notify_method: super::notifier::Method,
    /// Views whose unassigned conversations notify.
    pub notify_views: Vec<ViewId>,
}

/// Another agent in a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub agent: frontdesk_domain::AgentId,
    pub name: String,
    pub state: frontdesk_domain::PresenceState,
    /// Forgotten after this unless said again.
    pub until: Timestamp,
}

/// Notifications gathering (see `update::notify`).
#[derive(Clone, Debug, Default)]
pub struct Notifications {
    /// Customer messages waiting for their conversation's update, with a preview.
    pub waiting: HashMap<ConversationId, String>,
    pub queue: Vec<super::update::notify::Pending>,
    /// When the queue goes out.
    pub due: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Sidebar,
    List,
    Thread,
    Composer,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ViewEntry {
    pub view: View,
    pub count: Option<u64>,
}

/// The open conversation.
#[derive(Clone, Debug)]
pub struct Thread {
    pub id: ConversationId,
    /// Where the messages before the loaded ones start, if there are any.
    pub older: Option<String>,
    pub loading_older: bool,
    /// The conversation as last seen (the list may have dropped it).
    pub conversation: Option<Conversation>,
    pub messages: Vec<Message>,
    pub loading: bool,
    /// Why the last load failed, while nothing newer came.
    pub failed: Option<String>,
    pub generation: u64,
    /// Lines scrolled up from the newest; 0 shows the end.
    pub scroll: usize,
    /// Long messages shown whole.
    pub unfolded: bool,
    pub suggestion: Option<Suggestion>,
    /// A new suggestion was asked for and has not come yet.
    pub suggesting: bool,
}

/// The composer and its draft.
#[derive(Clone, Debug)]
pub struct Composer {
    pub conversation: ConversationId,
    pub kind: ReplyKind,
    pub editor: TextArea<'static>,
    /// Showing the review line instead of editing.
    pub reviewing: bool,
    /// When the newest message of the loaded thread was written as writing started
    /// (the earliest time for a thread with none); `None` until the thread has
    /// loaded. The review line warns of what others wrote after it.
    pub seen: Option<jiff::Timestamp>,
    /// The suggestion being edited, if it started as one.
    pub suggestion: Option<SuggestionId>,
    /// Files to go with it (absolute paths), where the account takes them.
    pub attachments: Vec<std::path::PathBuf>,
    /// The text it opened with: a composer left as it was writes nothing, so it
    /// never overwrites or deletes a draft kept elsewhere.
    pub opened_with: String,
    /// The copilot's draft as it was put in the editor, when it was: what the
    /// review's "edited from the copilot's draft" compares against. A draft kept
    /// and brought back has none (what it started from is not kept).
    pub drafted: Option<String>,
    /// How the agent changed the copilot's draft, worked out when the review line
    /// opens (the text cannot change while it is shown); empty when unchanged or
    /// not from a draft.
    pub edits: Vec<crate::diff::Chunk>,
}

/// A draft kept when the composer is left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub kind: ReplyKind,
    pub lines: Vec<String>,
    pub suggestion: Option<SuggestionId>,
}

/// What a delete question is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deletion {
    Conversation(ConversationId),
    View(frontdesk_domain::ViewId),
}

/// What a picker is choosing for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickPurpose {
    Palette,
    Assign(Vec<ConversationId>),
    Snooze(Vec<ConversationId>),
    Tags {
        conversation: ConversationId,
        chosen: BTreeSet<String>,
    },
    Canned,
    Account,
    Priority(Vec<ConversationId>),
    /// A call to the conversation's chatbot, typed.
    Bot {
        kind: crate::update::bot::BotKind,
        conversation: ConversationId,
    },
    /// Channel id and contact id, typed.
    Find,
    /// A file for the composer, typed (or one attached, to take off).
    Attach,
    /// A name for the view being saved; `filter` is what it keeps.
    ViewName {
        filter: frontdesk_domain::ViewFilter,
    },
    /// Deploying an AI agent; `channels` are its own, for the default item.
    Deploy {
        agent: String,
        channels: String,
    },
}

/// The value an item stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickValue {
    Command(super::command::Command),
    Agent(Option<frontdesk_domain::AgentId>),
    Until(Timestamp),
    Tag(String),
    Text(String),
    Priority(frontdesk_domain::Priority),
    Team(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickItem {
    pub label: String,
    pub detail: String,
    pub value: PickValue,
}

/// A fuzzy picker: the palette, agents, snooze times, tags, canned replies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    pub title: String,
    pub purpose: PickPurpose,
    pub query: String,
    pub items: Vec<PickItem>,
    /// Indices into `items` matching the query, best first.
    pub matches: Vec<usize>,
    pub cursor: usize,
}

/// The `/` prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub text: String,
    /// Search the whole inbox on the server instead of filtering the list.
    pub server: bool,
}

#[derive(Clone, Debug)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    Picker(Picker),
    /// Quit although the outbox still holds something.
    ConfirmQuit,
    /// Delete a conversation or a saved view for good: `name` says which, for the
    /// question.
    ConfirmDelete {
        target: Deletion,
        name: String,
    },
    /// Throw the composer's draft away.
    ConfirmDiscard,
    /// Text shown whole: `Y` copies it, `Esc` closes.
    Text {
        title: String,
        text: String,
        scroll: usize,
    },
    /// A change to many conversations at once, asked about first.
    ConfirmBulk {
        ids: Vec<ConversationId>,
        change: frontdesk_domain::Change,
        undo: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    /// Streamed.
    Live,
    /// Connected by polling, every so often.
    Polling {
        every: std::time::Duration,
    },
    /// Lost; trying again at `at`. After a few failed attempts in a row it shows as
    /// offline.
    Reconnecting {
        at: Timestamp,
        attempts: u32,
    },
    /// The backend turned the key down; tried again (rarely) at `at`.
    Refused {
        at: Timestamp,
    },
}

impl Connection {
    /// Failed attempts in a row after which the link counts as offline.
    pub const OFFLINE_AFTER: u32 = 3;

    pub fn is_down(self) -> bool {
        matches!(self, Self::Reconnecting { .. } | Self::Refused { .. })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub level: Level,
    /// Info goes away by itself at this time; errors stay until a key is pressed.
    pub until: Option<Timestamp>,
}

/// An action that can still be taken back.
#[derive(Clone, Debug, PartialEq)]
pub struct Undo {
    pub label: String,
    /// The ops that put things back.
    pub ops: Vec<Op>,
    /// The conversations as they were, to show at once.
    pub before: Vec<(usize, Conversation)>,
    pub until: Timestamp,
}

#[derive(Clone, Debug, Default)]
pub struct StatusBar {
    pub flash: Option<Flash>,
    pub undo: Option<Undo>,
    pub last_sync: Option<Timestamp>,
    /// Why the live link is down, while it is (the stream's or the poller's words).
    pub link_error: Option<String>,
}

/// A change sent and not yet answered: enough to put things back if it fails.
#[derive(Clone, Debug, PartialEq)]
pub struct Inflight {
    pub label: String,
    /// Conversations as they were, with their list position.
    pub before: Vec<(usize, Conversation)>,
    /// A message shown as sending, and the draft to restore if it fails.
    pub message: Option<(ConversationId, frontdesk_domain::MessageId, Draft)>,
    /// A suggestion hidden optimistically.
    pub suggestion: Option<Suggestion>,
    /// The outbox could not send it yet: when it tries again, and why.
    pub retry: Option<(Timestamp, String)>,
}

impl Inflight {
    pub fn new(label: impl Into<String>) -> Self {
        Self { label: label.into(), before: Vec::new(), message: None, suggestion: None, retry: None }
    }
}

pub struct State {
    pub now: Timestamp,
    pub width: u16,
    pub height: u16,
    pub settings: Settings,
    pub caps: Capabilities,
    pub me: Option<Agent>,
    pub org: Option<String>,
    pub agents: Vec<Agent>,
    pub views: Vec<ViewEntry>,
    /// The view the list shows.
    pub active_view: usize,
    /// The sidebar's highlighted row.
    pub sidebar_cursor: usize,
    pub list: ConversationList,
    pub thread: Option<Thread>,
    pub composer: Option<Composer>,
    pub drafts: HashMap<ConversationId, Draft>,
    /// The account cannot say whose the key is (its "me" endpoint is missing).
    pub identity_unknown: bool,
    /// Who-am-I and the views are asked and their answer is not here yet: the
    /// stream connecting meanwhile does not ask again.
    pub bootstrapping: bool,
    /// The teams conversations can be assigned to (the assign picker lists them).
    pub teams: Vec<String>,
    /// When the composer's text last changed without being kept yet.
    pub draft_dirty: Option<Timestamp>,
    /// Replies and notes sent from here (or left by an earlier run) that the server
    /// has not confirmed yet, by conversation.
    pub unsent: HashMap<ConversationId, Vec<Message>>,
    /// Why an unsent message was refused, by its local id.
    pub send_errors: HashMap<frontdesk_domain::MessageId, String>,
    /// A new conversation's form, kept until the backend has it.
    pub new_conversation: Option<String>,
    /// The SLA line (overdue count, target), for backends that keep one.
    pub sla: Option<frontdesk_provider::Sla>,
    /// Accounts of the unified inbox that cannot be reached, with why.
    pub trouble: Vec<(String, String)>,
    /// Features the backend turned down, already said.
    pub degraded: std::collections::HashSet<String>,
    /// The AI agents console, when open.
    pub console: Option<super::console::Console>,
    pub focus: Focus,
    pub overlay: Option<Overlay>,
    pub prompt: Option<Prompt>,
    pub status: StatusBar,
    pub connection: Connection,
    pub inflight: HashMap<u64, Inflight>,
    pub next_ticket: u64,
    /// Keys typed so far of a multi-key binding.
    pub chord: Vec<Key>,
    /// Set while waiting for a "most urgent" answer.
    pub seeking_urgent: bool,
    pub notify: Notifications,
    /// Other agents viewing or typing, by conversation.
    pub presence: HashMap<ConversationId, Vec<Seen>>,
    /// What I last said about myself, and when.
    pub presence_sent: Option<(ConversationId, frontdesk_domain::PresenceState, Timestamp)>,
    pub quit: bool,
}

impl State {
    /// A copilot draft as this agent would send it: their first name where the draft
    /// leaves the sender's (the server fills it the same way when it is sent).
    #[must_use]
    pub fn as_sent_by_me(&self, body: &str) -> String {
        match &self.me {
            Some(me) => frontdesk_domain::sign_draft(body, &me.name),
            None => body.to_owned(),
        }
    }

    pub fn new(settings: Settings, caps: Capabilities, now: Timestamp, width: u16, height: u16) -> Self {
        Self {
            now,
            width,
            height,
            settings,
            caps,
            me: None,
            org: None,
            agents: Vec::new(),
            views: frontdesk_domain::BuiltinView::ALL
                .iter()
                .map(|v| ViewEntry { view: v.view(), count: None })
                .collect(),
            active_view: 0,
            sidebar_cursor: 0,
            list: ConversationList::loading(),
            thread: None,
            composer: None,
            drafts: HashMap::new(),
            identity_unknown: false,
            bootstrapping: false,
            teams: Vec::new(),
            draft_dirty: None,
            unsent: HashMap::new(),
            send_errors: HashMap::new(),
            console: None,
            degraded: std::collections::HashSet::new(),
            trouble: Vec::new(),
            sla: None,
            new_conversation: None,
            focus: Focus::List,
            overlay: None,
            prompt: None,
            status: StatusBar::default(),
            connection: Connection::Connecting,
            inflight: HashMap::new(),
            next_ticket: 1,
            chord: Vec::new(),
            seeking_urgent: false,
            notify: Notifications::default(),
            presence: HashMap::new(),
            presence_sent: None,
            quit: false,
        }
    }

    pub fn view(&self) -> Option<&View> {
        self.views.get(self.active_view).map(|v| &v.view)
    }

    pub fn view_id(&self) -> ViewId {
        self.view().map_or_else(|| ViewId::from("all"), |v| v.id.clone())
    }

    /// The keymap context for the current focus.
    pub fn context(&self) -> Context {
        if let Some(c) = &self.console {
            return if c.pane == super::console::Pane::Playground && c.playground.is_some() {
                Context::Playground
            } else {
                Context::Agents
            };
        }
        match self.focus {
            Focus::Composer if self.composer.as_ref().is_some_and(|c| c.reviewing) => Context::Review,
            Focus::Composer => Context::Composer,
            Focus::Thread => Context::Thread,
            Focus::Sidebar | Focus::List => Context::Inbox,
        }
    }

    /// The conversation commands act on: the open thread when it has focus, the
    /// list's selection otherwise.
    pub fn target(&self) -> Option<&Conversation> {
        match self.focus {
            Focus::Thread | Focus::Composer => self
                .thread
                .as_ref()
                .and_then(|t| self.list.items.iter().find(|c| c.id == t.id).or(t.conversation.as_ref())),
            Focus::Sidebar | Focus::List => self.list.current(),
        }
    }

    /// The count of view `i`, as the sidebar and the list's title both say it. For
    /// the view on screen, loaded to its end, it is what the list holds that belongs
    /// to the view (a row kept in place for the agent, or changed here and not yet
    /// reloaded, is not counted); otherwise the server's count.
    pub fn view_count(&self, i: usize) -> Option<u64> {
        let entry = self.views.get(i)?;
        let list = &self.list;
        let whole = list.next_cursor.is_none() && list.prev_cursor.is_none();
        if i != self.active_view || !list.loaded || list.search.is_some() || !whole {
            return entry.count;
        }
        let me = self.me.as_ref().map(|a| &a.id);
        let n =
            list.items.iter().filter(|c| super::update::local::in_view(&entry.view.filter, c, me, self.now)).count();
        Some(u64::try_from(n).unwrap_or(u64::MAX))
    }

    /// Marked conversations, or the target alone.
    pub fn targets(&self) -> Vec<ConversationId> {
        if !self.list.marked.is_empty() && matches!(self.focus, Focus::List | Focus::Sidebar) {
            return self.list.marked.iter().cloned().collect();
        }
        self.target().map(|c| vec![c.id.clone()]).unwrap_or_default()
    }

    /// Replies and notes on their way: the status bar's "sending N", and what
    /// quitting asks about. Read marks, stars and other changes are not sends.
    pub fn pending_sends(&self) -> usize {
        self.inflight.values().filter(|i| i.message.is_some()).count()
    }

    pub fn agent_name(&self, id: &frontdesk_domain::AgentId) -> Option<&str> {
        self.agents.iter().find(|a| &a.id == id).map(|a| a.name.as_str())
    }
}
