//! Every named command the client knows, with its one-line doc and default keys.
//! This is the single table the keymap, the help overlay, the `:` palette and the
//! status-bar hints are generated from. To add a command: add a line to the table
//! below, then handle it in `update/`.

/// Where a key binding applies. `Inbox` and `Thread` also see `Global` bindings; the
/// composer and the review line see only their own, so typing never triggers a
/// command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Inbox,
    Thread,
    Composer,
    Review,
    /// The AI agents console.
    Agents,
    /// Typing to an agent in the playground.
    Playground,
}

impl Context {
    pub const ALL: [Self; 7] =
        [Self::Global, Self::Inbox, Self::Thread, Self::Composer, Self::Review, Self::Agents, Self::Playground];

    pub fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Inbox => "inbox",
            Self::Thread => "thread",
            Self::Composer => "composer",
            Self::Review => "review",
            Self::Agents => "agents",
            Self::Playground => "playground",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Global => "Everywhere",
            Self::Inbox => "Views and list",
            Self::Thread => "Thread",
            Self::Composer => "Composer",
            Self::Review => "Review line (before sending)",
            Self::Agents => "AI agents console",
            Self::Playground => "Chat playground",
        }
    }
}

macro_rules! commands {
    ($($variant:ident, $name:literal, $ctx:ident, [$($key:literal),*], $doc:literal;)*) => {
        /// A named command: what a key, the palette or a mouse click asks for.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command {
            $(#[doc = $doc] $variant,)*
        }

        impl Command {
    /// The view a `view-N` command goes to, counted from 1.
    #[must_use]
    pub fn view_number(self) -> Option<usize> {
        let n = match self {
            Self::View1 => 1,
            Self::View2 => 2,
            Self::View3 => 3,
            Self::View4 => 4,
            Self::View5 => 5,
            Self::View6 => 6,
            Self::View7 => 7,
            Self::View8 => 8,
            Self::View9 => 9,
            _ => return None,
        };
        Some(n)
    }
            pub const ALL: &'static [Command] = &[$(Self::$variant,)*];

            /// The kebab-case name used in the config and the palette.
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// One line for the help overlay and the palette.
            pub fn doc(self) -> &'static str {
                match self { $(Self::$variant => $doc,)* }
            }

            /// The context the default keys live in.
            pub fn context(self) -> Context {
                match self { $(Self::$variant => Context::$ctx,)* }
            }

            /// The default keys, in the keymap's notation.
            pub fn default_keys(self) -> &'static [&'static str] {
                match self { $(Self::$variant => &[$($key),*],)* }
            }

            pub fn parse(name: &str) -> Option<Self> {
                match name { $($name => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

commands! {
    Quit, "quit", Global, ["q"], "Quit (asks first while the outbox still holds something)";
    Suspend, "suspend", Global, ["<C-z>"], "Suspend to the shell; fg brings it back (the draft is kept)";
    Help, "help", Global, ["?"], "Show the keys";
    Palette, "palette", Global, [":", "<C-k>"], "Run a command by name";
    SwitchAccount, "switch-account", Global, ["@"], "Switch account, or to all accounts in one list";
    AgentsConsole, "agents", Global, ["g A"], "The AI agents console (list, deploy, pause, chat)";
    AgentsClose, "agents-close", Agents, ["q"], "Back to the inbox";
    AgentsBack, "agents-back", Agents, ["<Esc>"], "Back: close the messages, or the console";
    AgentDown, "agent-down", Agents, ["j", "<Down>"], "Next agent (or conversation)";
    AgentUp, "agent-up", Agents, ["k", "<Up>"], "Previous agent (or conversation)";
    AgentOpen, "agent-open", Agents, ["<Enter>"], "Show the agent's configuration (or open the conversation)";
    AgentFilter, "agent-filter", Agents, ["f"], "Filter by status: all, draft, active, paused, error";
    AgentDeploy, "agent-deploy", Agents, ["d"], "Deploy (its channels, or typed: whatsapp,voice number=num_…)";
    AgentPause, "agent-pause", Agents, ["p"], "Pause the agent";
    AgentResume, "agent-resume", Agents, ["r"], "Resume the agent";
    AgentDelete, "agent-delete", Agents, ["x"], "Delete the agent (asks first)";
    AgentNew, "agent-new", Agents, ["n"], "Create an agent from a file in $EDITOR";
    AgentEdit, "agent-edit", Agents, ["e"], "Edit the agent's configuration in $EDITOR";
    AgentChat, "agent-chat", Agents, ["c"], "Chat with the agent (playground)";
    AgentConversations, "agent-conversations", Agents, ["v"], "The agent's conversations";
    AgentsRefresh, "agents-refresh", Agents, ["<C-r>"], "Reload the agents";
    ChatSend, "chat-send", Playground, ["<Enter>"], "Send to the agent";
    ChatLeave, "chat-leave", Playground, ["<Esc>"], "Leave the playground";
    ChatTools, "chat-tools", Playground, ["<Tab>"], "Show tool calls whole, or one line each";
    ChatNew, "chat-new", Playground, ["<C-n>"], "Start a new conversation with the agent";
    NextPane, "next-pane", Global, ["<Tab>"], "Focus the next pane";
    PrevPane, "prev-pane", Global, ["<S-Tab>"], "Focus the previous pane";
    Down, "down", Global, ["j", "<Down>"], "Next conversation (or scroll down)";
    Up, "up", Global, ["k", "<Up>"], "Previous conversation (or scroll up)";
    First, "first", Global, ["g g", "<Home>"], "First conversation (or top of the thread)";
    Last, "last", Global, ["G", "<End>"], "Last conversation (or newest message)";
    PageDown, "page-down", Global, ["<C-d>", "<PageDown>"], "Half a page down";
    PageUp, "page-up", Global, ["<C-u>", "<PageUp>"], "Half a page up";
    Open, "open", Global, ["<Enter>"], "Open the conversation or view";
    Back, "back", Global, ["<Esc>"], "Back: leave the thread, clear the filter or the marks";
    NextUnread, "next-unread", Inbox, ["J"], "Next unread conversation";
    NextConversation, "next-conversation", Thread, ["J"], "Next conversation of the view, staying in the thread";
    PrevConversation, "prev-conversation", Thread, ["K"], "Previous conversation of the view, staying in the thread";
    MostUrgent, "most-urgent", Global, ["!"], "The most urgent conversation across views (SLA breached, at risk, oldest waiting)";
    View1, "view-1", Global, ["1"], "Go to view 1";
    View2, "view-2", Global, ["2"], "Go to view 2";
    View3, "view-3", Global, ["3"], "Go to view 3";
    View4, "view-4", Global, ["4"], "Go to view 4";
    View5, "view-5", Global, ["5"], "Go to view 5";
    View6, "view-6", Global, ["6"], "Go to view 6";
    View7, "view-7", Global, ["7"], "Go to view 7";
    View8, "view-8", Global, ["8"], "Go to view 8";
    View9, "view-9", Global, ["9"], "Go to view 9";
    GoUnread, "go-unread", Global, ["g u"], "Go to Unread";
    GoStarred, "go-starred", Global, ["g s"], "Go to Starred";
    GoMine, "go-mine", Global, ["g m"], "Go to Mine";
    GoAll, "go-all", Global, ["g a"], "Go to All";
    GoOverdue, "go-overdue", Global, ["g o"], "Go to Overdue";
    NextView, "next-view", Global, ["]"], "Next view";
    PrevView, "prev-view", Global, ["["], "Previous view";
    Search, "search", Global, ["/"], "Filter the list; Tab in the prompt searches the whole inbox";
    Refresh, "refresh", Global, ["<C-r>"], "Reload views, list and thread now";
    Reply, "reply", Global, ["r"], "Reply to the customer";
    Note, "note", Global, ["n"], "Write an internal note";
    CloseNext, "close-next", Global, ["e"], "Close and go to the next conversation";
    Close, "close", Global, ["E", "S c"], "Close and stay";
    Reopen, "reopen", Global, ["S o"], "Set open (reopen)";
    SetPending, "pending", Global, ["S p"], "Set pending (waiting on the customer)";
    Star, "star", Global, ["s"], "Star or unstar";
    ToggleRead, "toggle-read", Global, ["U"], "Mark read or unread";
    Undo, "undo", Global, ["u"], "Undo the last archive, close, snooze, assign or bulk action";
    Assign, "assign", Global, ["a"], "Assign to an agent (picker)";
    AssignMe, "assign-me", Global, ["m"], "Assign to me";
    Unassign, "unassign", Global, ["A"], "Unassign";
    Tags, "tags", Global, ["t"], "Tags (picker; type a new one to create it)";
    Snooze, "snooze", Global, ["z"], "Snooze (presets or a typed date/time)";
    SnoozeTomorrow, "snooze-tomorrow", Global, ["Z"], "Snooze until tomorrow 09:00";
    Archive, "archive", Global, ["X"], "Archive";
    Priority, "priority", Global, ["P"], "Set the priority (picker: urgent, high, normal, low)";
    NewConversation, "new-conversation", Global, ["N"], "Open a new conversation (a form in $EDITOR), where the account can";
    SaveView, "save-view", Global, [], "Save what the list shows (its view and search) as a view for the team";
    DeleteView, "delete-view", Global, [], "Delete the saved view you are on (asks first; built-in ones stay)";
    DeleteConversation, "delete-conversation", Global, [], "Delete the conversation for good (asks first), where the account can";
    FindConversation, "find-conversation", Global, [], "Find a conversation by its channel id and the contact's id on it (a chatbot's)";
    BotMessage, "bot-message", Global, [], "Hand the chatbot a message as from the customer, and show its answer";
    BotEvent, "bot-event", Global, [], "Send the chatbot a channel event (a user seeing a message, say)";
    BotCustomEvent, "bot-custom-event", Global, [], "Trigger one of the chatbot's custom events, by name";
    BotStep, "bot-step", Global, [], "Run a step of the chatbot's flows: flow=… step=… event=… payload={…}";
    TakeOver, "take-over", Global, ["T"], "Take over from the AI agent";
    ResolveHandoff, "resolve-handoff", Global, ["H"], "Resolve the handoff: hand the conversation back to the AI agent";
    SendSuggestion, "send-suggestion", Global, ["y"], "Send the copilot's suggestion as it is";
    DismissSuggestion, "dismiss-suggestion", Global, ["x"], "Dismiss the copilot's suggestion";
    AskSuggestion, "ask-suggestion", Global, ["c"], "Ask the copilot for a new suggestion";
    CopyLink, "copy-link", Global, ["Y"], "Copy the conversation's link (the tmux buffer, or the terminal's clipboard)";
    OpenLink, "open-link", Global, ["o"], "Open the first link in the thread";
    Mark, "mark", Inbox, ["<Space>"], "Mark or unmark for a bulk action";
    MarkRange, "mark-range", Inbox, ["V"], "Mark from the last mark to here";
    MarkAll, "mark-all", Inbox, ["*"], "Mark every conversation in the view (again: none)";
    EditSuggestion, "edit-suggestion", Thread, ["<Enter>"], "Edit the suggestion in the composer";
    ToggleFold, "toggle-fold", Thread, ["f"], "Expand or fold long messages";
    CopyMessage, "copy-message", Thread, ["C"], "Copy the newest message (the tmux buffer, or the terminal's clipboard)";
    RetrySend, "retry-send", Thread, ["R"], "Send the message that failed again, as it is";
    DiscardSend, "discard-send", Thread, ["D"], "Discard the message that failed (and its draft)";
    SendReview, "send", Composer, ["<C-s>"], "Send (through the review line)";
    ExternalEditor, "editor", Composer, ["<C-e>"], "Edit the draft in $EDITOR";
    ToggleNote, "toggle-note", Composer, ["<C-t>"], "Switch between reply and internal note";
    Canned, "canned", Composer, ["<C-p>"], "Insert a canned reply";
    Attach, "attach", Composer, ["<C-o>"], "Attach a file (type its path), or take one off";
    CancelCompose, "cancel", Composer, ["<Esc>"], "Leave the composer (the draft is kept)";
    DiscardDraft, "discard-draft", Composer, ["<C-x>"], "Throw the draft away (asks first)";
    ConfirmSend, "confirm-send", Review, ["y", "<Enter>"], "Send";
    SendClose, "send-close", Review, ["c"], "Send and close";
    SendSnooze, "send-snooze", Review, ["z"], "Send and snooze until tomorrow 09:00";
    BackToEdit, "back-to-edit", Review, ["<Esc>"], "Back to editing";
}

impl Command {
    /// Whether the account can do what the command asks (its key says why when not).
    pub fn available(self, caps: &frontdesk_provider::Capabilities) -> bool {
        self.needs().is_none_or(|(can, _)| can(caps))
    }

    /// What the account lacks, said when the key is pressed.
    pub fn unavailable_why(self) -> &'static str {
        self.needs().map_or("", |(_, why)| why)
    }

    /// The capability a command depends on, and how its absence is worded.
    #[allow(clippy::type_complexity)]
    fn needs(self) -> Option<(fn(&frontdesk_provider::Capabilities) -> bool, &'static str)> {
        use frontdesk_provider::Capabilities as C;
        Some(match self {
            Self::Note | Self::ToggleNote => (|c: &C| c.notes, "this account has no internal notes"),
            Self::Snooze | Self::SnoozeTomorrow | Self::SendSnooze => (|c: &C| c.snooze, "this account cannot snooze"),
            Self::Tags => (|c: &C| c.tags, "this account has no tags"),
            Self::TakeOver | Self::ResolveHandoff => (|c: &C| c.handoff, "this account has no AI handoff"),
            Self::SendSuggestion | Self::DismissSuggestion | Self::AskSuggestion | Self::EditSuggestion => {
                (|c: &C| c.copilot, "this account has no copilot")
            }
            Self::MostUrgent => (|c: &C| c.urgency_sort, "this account cannot rank by urgency"),
            Self::NewConversation => (|c: &C| c.create, "this account cannot open conversations from here"),
            Self::DeleteConversation => (|c: &C| c.delete, "this account cannot delete conversations"),
            Self::SaveView | Self::DeleteView => (|c: &C| c.edit_views, "this account cannot save or delete views"),
            Self::FindConversation | Self::BotMessage | Self::BotEvent | Self::BotCustomEvent | Self::BotStep => {
                (|c: &C| c.bot, "this account has no chatbot to call")
            }
            Self::Close | Self::CloseNext | Self::SendClose => {
                (|c: &C| c.close, "this account cannot close conversations (archive, where it can)")
            }
            Self::Reopen => (|c: &C| c.reopen, "this account cannot reopen conversations"),
            Self::SetPending => (|c: &C| c.pending, "this account cannot set conversations pending"),
            Self::Assign | Self::AssignMe | Self::Unassign => (|c: &C| c.assign, "this account cannot assign"),
            Self::Priority => (|c: &C| c.priority, "this account has no priorities"),
            Self::Attach => (|c: &C| c.attachments, "this account cannot send files"),
            Self::Archive => (|c: &C| c.archive, "this account cannot archive (close, where it can)"),
            _ => return None,
        })
    }
}
