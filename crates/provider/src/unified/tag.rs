//! Ids across accounts: every id the unified inbox hands out is `account/id`, so a
//! row, a message or an op finds its way back to its own account. Each account's
//! own agent becomes "me", so "Mine", "assign to me" and own-message checks work
//! across all of them.

use frontdesk_domain::{
    Agent, AssigneeFilter, Conversation, ConversationId, EventKind, Message, Origin, Suggestion, SuggestionId,
    ViewFilter,
};

/// Between the account's name and the account's own id. Account names may not
/// contain it (the config says so); ids may.
pub const SEPARATOR: char = '/';

/// The agent id standing for "whoever I am in that account".
pub const ME: &str = "me";

/// `account/id`.
pub fn tag(account: &str, id: &str) -> String {
    format!("{account}{SEPARATOR}{id}")
}

/// The account's name and its own id, from a tagged id.
pub fn split(id: &str) -> Option<(&str, &str)> {
    id.split_once(SEPARATOR)
}

/// One account's view of the ids: its name, and who "me" is there.
pub struct Tagger<'a> {
    pub account: &'a str,
    pub me: Option<&'a str>,
}

impl Tagger<'_> {
    fn agent_id(&self, id: &str) -> String {
        if self.me == Some(id) { ME.to_owned() } else { tag(self.account, id) }
    }

    pub fn agent(&self, a: &mut Agent) {
        a.id.0 = self.agent_id(&a.id.0).into();
    }

    pub fn conversation_id(&self, id: &mut ConversationId) {
        id.0 = tag(self.account, &id.0).into();
    }

    pub fn conversation(&self, c: &mut Conversation) {
        c.origin = Some(Origin { account: self.account.to_owned(), id: c.id.clone() });
        self.conversation_id(&mut c.id);
        c.contact.id.0 = tag(self.account, &c.contact.id.0).into();
        if let Some(a) = &mut c.assignee {
            self.agent(std::sync::Arc::make_mut(a));
        }
    }

    pub fn message(&self, m: &mut Message) {
        m.id.0 = tag(self.account, &m.id.0).into();
        self.conversation_id(&mut m.conversation_id);
        if let Some(id) = &mut m.author.id {
            *id = self.agent_id(id);
        }
    }

    pub fn suggestion(&self, s: &mut Suggestion) {
        s.id.0 = tag(self.account, &s.id.0).into();
        self.conversation_id(&mut s.conversation_id);
    }

    pub fn filter(&self, f: &mut ViewFilter) {
        if let Some(AssigneeFilter::Agent(id)) = &mut f.assignee {
            *id = self.agent_id(id);
        }
    }

    /// An event's ids; view counts are summed by the caller.
    pub fn event(&self, kind: &mut EventKind) {
        match kind {
            EventKind::MessageCreated(m) => self.message(m),
            EventKind::ConversationUpdated(c) => self.conversation(c),
            EventKind::SuggestionCreated(s) | EventKind::SuggestionResolved(s) => self.suggestion(s),
            EventKind::Presence(p) => {
                self.conversation_id(&mut p.conversation_id);
                p.agent_id.0 = self.agent_id(&p.agent_id.0).into();
            }
            EventKind::ViewCountsChanged(_) | EventKind::Resync => {}
        }
    }
}

/// The account a conversation belongs to, and its own id there.
pub fn conversation(id: &ConversationId) -> Option<(&str, ConversationId)> {
    split(&id.0).map(|(a, raw)| (a, ConversationId::from(raw)))
}

pub fn suggestion(id: &SuggestionId) -> Option<(&str, SuggestionId)> {
    split(&id.0).map(|(a, raw)| (a, SuggestionId::from(raw)))
}
