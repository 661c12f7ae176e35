//! The demo's seed data: turns the TOML files under `assets/demo/` into a
//! [`DemoPlan`] (the org, its agents and ~170 conversations with their threads), and
//! feeds the traffic simulator its inbound lines ([`Simulator`]).
//!
//! Pure: the files are compiled in with `include_str!`; nothing here reads the clock,
//! the disk or the database. The demo seeder calls [`plan`] with the current time and
//! writes what it returns. Timestamps are laid out backwards from `now`, so the inbox
//! looks alive whenever the demo starts.
//!
//! How a conversation is made: a *script* (`assets/demo/scripts/*.toml`) is a whole
//! conversation as it would go uninterrupted. [`QUOTAS`](shape::QUOTAS) fixes the mix
//! of the inbox as *shapes* (overdue, just arrived, pending, snoozed, closed, AI-led,
//! handed off …). For each slot the generator takes the least-used script that can
//! stand in that shape, cuts it there, picks a channel the script allows, a contact
//! and agents, fills the placeholders and lays the messages out in time. Every random
//! choice comes from one seeded RNG and none depends on `now`: a seed always gives the
//! same inbox, only shifted in time (which is how [`Simulator::new`] knows the plan's
//! live conversations without being given `now`).
//!
//! The parts: `assets` (the file formats, loading and validation), `render`
//! (placeholders and the address helpers), `shape` (the mix and where scripts are
//! cut), `generator` (the [`plan`] builder), `timeline` (gaps, ages and snoozes),
//! `simulator` ([`Simulator`]) and `tests`.
//!
//! To extend: add scripts, contacts or simulator lines to the TOML files (their
//! format is in `assets/demo/README.md`); loading validates them, and the tests in
//! `tests.rs` check every rule the seeded inbox must honour. To change the mix, edit
//! [`QUOTAS`](shape::QUOTAS).

mod assets;
mod generator;
mod render;
mod shape;
mod simulator;
#[cfg(test)]
mod tests;
mod timeline;

use jiff::Timestamp;

use frontdesk_domain::{AgentRole, AiState, Attachment, CallInfo, Channel, MessageKind, Priority, Status};

use assets::Assets;
use generator::Generator;
pub use simulator::Simulator;

/// Everything the demo seeder writes into a fresh database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoPlan {
    pub org_name: String,
    /// The first admin is the one the demo client signs in as.
    pub agents: Vec<DemoAgent>,
    /// The AI agents' names (chat first, then voice), as message authors use them.
    pub ai_agents: Vec<String>,
    /// Oldest last activity first, so inserting in order gives ids that sort by age.
    pub conversations: Vec<DemoConversation>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoAgent {
    pub name: String,
    pub email: String,
    pub role: AgentRole,
    pub team: Option<String>,
}

/// A customer as seen on one conversation's channel. The same person appears with a
/// different `handle` on different channels (phone for sms/whatsapp/voice, email for
/// email/api, email or a visitor id on web); match people by email or phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoContact {
    pub name: String,
    pub handle: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // the inbox flags, one for one with the domain's Conversation
pub struct DemoConversation {
    pub contact: DemoContact,
    pub channel: Channel,
    pub subject: Option<String>,
    pub status: Status,
    /// Set exactly when `status` is snoozed; always in the future.
    pub snoozed_until: Option<Timestamp>,
    /// One of the plan's agents.
    pub assignee_email: Option<String>,
    pub team: Option<String>,
    pub tags: Vec<String>,
    pub starred: bool,
    pub unread: bool,
    pub archived: bool,
    pub priority: Priority,
    pub ai_state: AiState,
    /// The AI agent that led or leads it, when one took part.
    pub ai_agent: Option<String>,
    /// Seed a pending copilot suggestion (only on open conversations whose last
    /// message is the customer's).
    pub wants_suggestion: bool,
    /// Oldest first, strictly increasing, all before `now`.
    pub messages: Vec<DemoMessage>,
    /// The script it came from (assets/demo/scripts): for logs and tests.
    pub script: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DemoAuthor {
    Contact,
    /// An agent, by email.
    Agent(String),
    /// An AI agent, by name.
    Ai(String),
    System,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoMessage {
    pub at: Timestamp,
    pub author: DemoAuthor,
    pub kind: MessageKind,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub call: Option<CallInfo>,
}

/// A line the traffic simulator sends as a new inbound message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedInbound {
    pub contact: DemoContact,
    pub channel: Channel,
    pub subject: Option<String>,
    pub body: String,
    /// True when the contact already has a live conversation on this channel in the
    /// plan (so the line threads into it); false for someone new.
    pub existing: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A file is not valid TOML or does not have the expected fields.
    #[error("assets/demo/{file}: {message}")]
    Parse { file: &'static str, message: String },
    /// A file parsed but breaks a rule of the demo data (unknown team, a placeholder
    /// that does not exist, an email script without a subject …).
    #[error("assets/demo/{file}: {message}")]
    Invalid { file: &'static str, message: String },
    /// Laying out timestamps left jiff's range (only with a `now` near the end of time).
    #[error("demo timestamps out of range: {0}")]
    Time(#[from] jiff::Error),
}

/// Builds the demo inbox as of `now`. The same seed gives the same conversations,
/// contacts, threads and states; only the timestamps follow `now`.
///
/// # Errors
/// When a file under `assets/demo/` does not parse or breaks a rule (the tests
/// catch both), or when `now` is so close to the end of time that it cannot be
/// shifted.
pub fn plan(now: Timestamp, seed: u64) -> Result<DemoPlan, DemoError> {
    let assets = Assets::load()?;
    Generator::new(&assets, seed).run(now)
}
