//! The inbox from a shell: verbs over the configured accounts (`frontdesk list`,
//! `reply`, `close` …), through the same provider adapters as the terminal client,
//! so a script works alike on every backend. Tables for people, `--json` / `--jsonl`
//! for scripts, exit codes a script can branch on ([`failure::code`]), and every
//! write applied exactly once ([`failure::apply_once`]).

pub mod failure;
pub mod output;
mod verbs;

use clap::{Args, Subcommand};

pub use failure::Failure;
pub use output::Format;
pub use verbs::run;

/// How a verb prints.
#[derive(Args, Clone, Copy, Debug, Default)]
pub struct Printing {
    /// Print one JSON document (the domain types as the API serialises them).
    #[arg(long, conflicts_with = "jsonl")]
    pub json: bool,
    /// Print one JSON object a line (lists and watch).
    #[arg(long)]
    pub jsonl: bool,
}

impl Printing {
    #[must_use]
    pub fn format(self) -> Format {
        match (self.json, self.jsonl) {
            (true, _) => Format::Json,
            (_, true) => Format::Jsonl,
            _ => Format::Table,
        }
    }
}

/// Makes a write safe to retry: the same key never applies it twice.
#[derive(Args, Clone, Debug, Default)]
pub struct Once {
    /// The idempotency key; one is made up and printed to standard error otherwise.
    /// Run again with the same key after a timeout: the write is not doubled.
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
}

/// The verbs. Ids are the backend's conversation ids, as list prints them.
#[derive(Subcommand, Clone, Debug)]
pub enum Verb {
    /// Conversations of a view, newest activity first.
    List {
        /// The view, by id or name (frontdesk views lists them); all by default.
        #[arg(long)]
        view: Option<String>,
        /// Full-text search, where the account has it.
        #[arg(long)]
        query: Option<String>,
        /// Only these statuses (open, pending, snoozed, closed); repeat or separate with commas.
        #[arg(long, value_delimiter = ',')]
        status: Vec<String>,
        /// Only conversations with any of these tags; repeat or separate with commas.
        #[arg(long, value_delimiter = ',')]
        tag: Vec<String>,
        /// me, none, or an agent by name, email or id.
        #[arg(long)]
        assignee: Option<String>,
        /// At most this many (default 50).
        #[arg(long, conflicts_with = "all")]
        limit: Option<u32>,
        /// Every page, following the cursor to the end.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        print: Printing,
    },
    /// A conversation and its thread, oldest message first.
    Show {
        id: String,
        /// The newest this many messages (default 50).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        print: Printing,
    },
    /// Send a reply (or an internal note): --body TEXT, or the body on standard input with -.
    Reply {
        id: String,
        /// The text; - (or none) reads it from standard input.
        #[arg(long)]
        body: Option<String>,
        /// An internal note instead of a reply.
        #[arg(long)]
        note: bool,
        /// Close the conversation after sending.
        #[arg(long, conflicts_with = "snooze")]
        close: bool,
        /// Snooze it after sending: 2h, tomorrow, fri 14:00, 2026-12-01.
        #[arg(long, value_name = "WHEN")]
        snooze: Option<String>,
        #[command(flatten)]
        once: Once,
        #[command(flatten)]
        print: Printing,
    },
    /// Close (resolve) conversations.
    Close(Many),
    /// Open closed conversations again.
    Reopen(Many),
    /// Archive conversations.
    Archive(Many),
    /// Star conversations.
    Star(Many),
    /// Take the star off conversations.
    Unstar(Many),
    /// Mark conversations read.
    Read(Many),
    /// Mark conversations unread.
    Unread(Many),
    /// Assign a conversation to me or an agent (by name, email or id).
    Assign {
        id: String,
        who: String,
        #[command(flatten)]
        once: Once,
        #[command(flatten)]
        print: Printing,
    },
    /// Take a conversation's assignee off.
    Unassign {
        id: String,
        #[command(flatten)]
        once: Once,
        #[command(flatten)]
        print: Printing,
    },
    /// Add (+tag) and remove (-tag) tags; options go before the id.
    Tag {
        id: String,
        /// +tag adds, -tag removes.
        #[arg(required = true, allow_hyphen_values = true)]
        changes: Vec<String>,
        #[command(flatten)]
        once: Once,
        #[command(flatten)]
        print: Printing,
    },
    /// Snooze a conversation until WHEN: 30m, 2h, tomorrow, fri 14:00, 2026-12-01.
    Snooze {
        id: String,
        when: String,
        #[command(flatten)]
        once: Once,
        #[command(flatten)]
        print: Printing,
    },
    /// Ask the copilot for a draft reply.
    Suggest {
        id: String,
        #[command(flatten)]
        print: Printing,
    },
    /// Send a copilot suggestion as drafted (by the suggestion's id).
    SendSuggestion {
        id: String,
        #[command(flatten)]
        once: Once,
        #[command(flatten)]
        print: Printing,
    },
    /// Dismiss a copilot suggestion.
    DismissSuggestion {
        id: String,
        #[command(flatten)]
        once: Once,
        #[command(flatten)]
        print: Printing,
    },
    /// The views with their counts.
    Views {
        #[command(flatten)]
        print: Printing,
    },
    /// Live events as they happen (the stream, or polling), until interrupted.
    Watch {
        #[command(flatten)]
        print: Printing,
    },
    /// The configured accounts and what each can do (makes no request).
    Accounts {
        #[command(flatten)]
        print: Printing,
    },
}

/// One or many conversations, and how to print the result.
#[derive(Args, Clone, Debug)]
pub struct Many {
    #[arg(required = true)]
    pub ids: Vec<String>,
    #[command(flatten)]
    pub once: Once,
    #[command(flatten)]
    pub print: Printing,
}
