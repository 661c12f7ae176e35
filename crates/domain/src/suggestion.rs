//! Copilot suggestions: a drafted reply and the next-best actions, waiting for an
//! agent to send, edit or dismiss them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ConversationId, SuggestionId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionStatus {
    Pending,
    /// Sent as drafted.
    Sent,
    /// The agent sent something else while it was pending.
    Edited,
    Dismissed,
    /// A newer suggestion replaced it.
    Superseded,
}

impl SuggestionStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Edited => "edited",
            Self::Dismissed => "dismissed",
            Self::Superseded => "superseded",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Edited, Self::Dismissed, Self::Superseded]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Something the agent might do next, offered beside the draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NextAction {
    /// A machine name: `close`, `snooze`, `tag:refund`, `assign:billing`, `handoff` …
    pub action: String,
    /// What the agent reads.
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Suggestion {
    pub id: SuggestionId,
    pub conversation_id: ConversationId,
    pub body: String,
    #[serde(default)]
    pub actions: Vec<NextAction>,
    pub status: SuggestionStatus,
    /// Which engine drafted it: `kb` (embedded knowledge base) or `llm`.
    pub engine: String,
    /// The knowledge-base answers it drew on.
    #[serde(default)]
    pub sources: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<Timestamp>,
    /// 0–100: how likely the draft answers the customer's last message. None from
    /// copilots that do not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
    /// The language the draft is written in (ISO 639-1), the customer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// What the agent must do before the draft is true ("Cancel the order in the
    /// warehouse system"): the draft says it was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_sending: Option<String>,
    /// Why the copilot has no draft ("no confident suggestion …", "no article in
    /// Japanese"); the body is empty and there is nothing to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld: Option<String>,
}

impl Suggestion {
    /// Whether there is a draft to send or edit.
    #[must_use]
    pub fn has_draft(&self) -> bool {
        self.withheld.is_none() && !self.body.trim().is_empty()
    }
}

/// The placeholder a draft holds for its sender's name, filled when it is sent.
pub const SENDER_PLACEHOLDER: &str = "{agent_name}";

/// Who signs when the sender's name is not a name.
pub const UNKNOWN_SENDER: &str = "The support team";

/// The first word of a person's name, if it looks like a name: letters, with the
/// apostrophes, dashes and dots names carry. A phone number, an email address or a
/// visitor id gives `None`, so a reply never opens with "Hi +447700900123".
#[must_use]
pub fn first_name(full: &str) -> Option<String> {
    let word = full.split_whitespace().next()?;
    let word = word.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '"' | '(' | ')'));
    let name_like = word.chars().any(char::is_alphabetic)
        && word.chars().all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.'));
    name_like.then(|| word.to_owned())
}

/// A draft as `sender` sends it: the sender's placeholder becomes their first name
/// (the team's when theirs is not a name). The server does this when the draft is
/// sent, and the client to show it, so what is shown is what goes out.
#[must_use]
pub fn sign_draft(body: &str, sender: &str) -> String {
    let name = first_name(sender).unwrap_or_else(|| UNKNOWN_SENDER.to_owned());
    body.replace(SENDER_PLACEHOLDER, &name)
}

#[cfg(test)]
mod signing {
    use super::*;

    /// The client shows a draft with this and the server sends it with this: one rule.
    #[test]
    fn a_draft_is_signed_by_its_senders_first_name_or_the_team() {
        let draft = "Thanks!\n\nBest regards,\n{agent_name}";
        assert_eq!(sign_draft(draft, "Ana Lima"), "Thanks!\n\nBest regards,\nAna");
        assert_eq!(sign_draft(draft, "+44 7700 900123"), "Thanks!\n\nBest regards,\nThe support team");
        assert_eq!(sign_draft("no placeholder {order_id}", "Ana"), "no placeholder {order_id}");
    }
}
