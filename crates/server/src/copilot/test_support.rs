//! What the copilot's tests build threads from: the embedded knowledge base and
//! small conversations with Maria (the customer) and Ana (the agent asking).

use super::{ContextMessage, KnowledgeBase, SuggestContext};
use frontdesk_domain::{AuthorKind, Channel, MessageKind};

pub fn kb() -> KnowledgeBase {
    KnowledgeBase::embedded().expect("the embedded knowledge base must be valid")
}

pub fn msg(author: AuthorKind, body: &str) -> ContextMessage {
    ContextMessage { author, kind: MessageKind::Reply, body: body.to_owned() }
}

pub fn ctx(channel: Channel, messages: Vec<ContextMessage>) -> SuggestContext {
    SuggestContext {
        contact_name: "Maria Lopez".into(),
        agent_name: "Ana Silva".into(),
        channel,
        subject: None,
        messages,
    }
}

/// One question from the customer, nothing else.
pub fn ask(channel: Channel, question: &str) -> SuggestContext {
    ctx(channel, vec![msg(AuthorKind::Contact, question)])
}
