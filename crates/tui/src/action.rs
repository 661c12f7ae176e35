//! Everything that can change the state arrives as an [`Action`]: terminal input,
//! the sync engine's answers and live updates, the clock, and the results of
//! effects that ran outside (the external editor).

use crossterm::event::{KeyEvent, MouseEvent};
use jiff::Timestamp;

use super::command::Command;
use frontdesk_domain::ConversationId;
use frontdesk_sync::SyncEvent;

#[derive(Clone, Debug)]
pub enum Action {
    /// A key press.
    Key(KeyEvent),
    /// A click or a wheel turn.
    Mouse(MouseEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// The terminal changed size.
    Resize(u16, u16),
    /// A command from the palette, a binding or a test.
    Command(Command),
    /// From the sync engine.
    Sync(SyncEvent),
    /// The clock reached a scheduled wake-up.
    Clock(Timestamp),
    /// `$EDITOR` returned: the new draft, or why it failed.
    Edited { conversation: ConversationId, result: Result<String, String> },
    /// `$EDITOR` returned an agent's configuration.
    ConfigEdited { agent: Option<String>, result: Result<String, String> },
    /// `$EDITOR` returned the new conversation's form.
    NewConversationEdited(Result<String, String>),
    /// An effect that runs outside could not be done (copying, opening a link).
    EffectFailed(String),
    /// Something the agent should know that is not an error.
    Notice(String),
    /// Text to show whole, to read or select by hand (a link with no browser to
    /// open it, a copy that could not be made).
    ShowText { title: String, text: String },
}
