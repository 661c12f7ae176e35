//! Recognising a reply that already went out, for backends that honour no
//! idempotency key: before a retry posts again, the adapter reads the thread and
//! asks here whether the reply is in it (see [`super::Provider::already_applied`]
//! and `sync::outbox`).

use jiff::Timestamp;

use frontdesk_domain::text::sanitize;
use frontdesk_domain::{ConversationId, Message, MessageKind, Op, ReplyKind};

/// The conversation and body of a reply to the customer; `None` for any other op
/// (notes and suggestions have no such check on these backends).
pub fn reply_of(op: &Op) -> Option<(ConversationId, String)> {
    match op {
        Op::Send { conversation, kind: ReplyKind::Reply, body, .. } => Some((conversation.clone(), body.clone())),
        _ => None,
    }
}

/// The first reply in `thread` (oldest first) that is this one: written by us
/// (`ours` says who that is), the same body once trimmed, and stamped at or after
/// `since`. An identical reply from before `since` was an earlier one, not this.
pub fn sent_in(thread: Vec<Message>, body: &str, since: Timestamp, ours: impl Fn(&Message) -> bool) -> Option<Message> {
    // Threads are read sanitised: the body is compared as it would read back.
    let body = sanitize(body);
    let body = body.trim();
    thread
        .into_iter()
        .filter(|m| m.kind == MessageKind::Reply && m.created_at >= since)
        .find(|m| ours(m) && m.body.trim() == body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_domain::{Author, AuthorKind, Delivery, Direction, MessageId};

    fn msg(id: &str, kind: AuthorKind, body: &str, at: &str) -> Message {
        Message {
            id: MessageId::from(id),
            conversation_id: ConversationId::from("c"),
            direction: Direction::Outbound,
            author: Author { kind, id: None, name: String::new() },
            kind: MessageKind::Reply,
            body: body.to_owned(),
            attachments: Vec::new(),
            call: None,
            created_at: at.parse().expect("a time"),
            delivery: Delivery::Sent,
        }
    }

    #[test]
    fn only_our_own_identical_reply_from_since_on_counts() {
        let since: Timestamp = "2026-02-26T10:00:00Z".parse().expect("a time");
        let agent = |m: &Message| m.author.kind == AuthorKind::Agent;
        let thread = vec![
            msg("old", AuthorKind::Agent, "Thanks!", "2026-02-26T09:59:59Z"),
            msg("theirs", AuthorKind::Contact, "Thanks!", "2026-02-26T10:00:01Z"),
            msg("other", AuthorKind::Agent, "Thanks! Bye", "2026-02-26T10:00:02Z"),
            msg("mine", AuthorKind::Agent, "  Thanks!\n", "2026-02-26T10:00:03Z"),
            msg("again", AuthorKind::Agent, "Thanks!", "2026-02-26T10:00:04Z"),
        ];
        let found = sent_in(thread.clone(), " Thanks! ", since, agent).map(|m| m.id.to_string());
        assert_eq!(found.as_deref(), Some("mine"), "the first match, trimmed");
        assert_eq!(sent_in(thread[..3].to_vec(), "Thanks!", since, agent), None, "older or not ours: none");
        let at_since = vec![msg("edge", AuthorKind::Agent, "Thanks!", "2026-02-26T10:00:00Z")];
        assert!(sent_in(at_since, "Thanks!", since, agent).is_some(), "at `since` counts");
    }
}
