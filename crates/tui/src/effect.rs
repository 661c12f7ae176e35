//! What `update()` asks the outside world to do, as data: the loop runs each one
//! and any result comes back as an `Action`. Tests assert on these values.

use frontdesk_domain::ConversationId;
use frontdesk_sync::SyncCommand;

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// A request to the sync engine.
    Sync(SyncCommand),
    /// Put `text` where it can be pasted: the tmux buffer inside tmux, the
    /// terminal's clipboard (OSC 52) otherwise. `what` names it for the answer.
    Copy { text: String, what: String },
    /// Open a link in the browser (or show it, over SSH).
    OpenUrl(String),
    /// Suspend the screen and edit the draft in `$EDITOR`.
    Edit { conversation: ConversationId, text: String },
    /// Tell the agent something arrived (desktop notification or the terminal's).
    Notify { title: String, body: String },
    /// Leave the program.
    Quit,
    /// Give the terminal back and stop (SIGTSTP), as Ctrl-Z does in a shell; `fg`
    /// brings the screen back whole.
    Suspend,
    /// Edit an AI agent's configuration in `$EDITOR` (`agent: None` creates one).
    EditConfig { agent: Option<String>, text: String },
    /// Fill in a new conversation's form in `$EDITOR`.
    EditNewConversation { text: String },
    /// Put this account's inbox on screen (the current one keeps running behind).
    SwitchAccount(String),
}
