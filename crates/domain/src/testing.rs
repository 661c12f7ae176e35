//! Fixtures for the tests of every layer: a fixed "now", agents, a list with one of
//! each badge, a thread with every kind of message, a suggestion. Built only for
//! tests (`cfg(test)`) and for crates that enable the `testing` feature.

use std::sync::Arc;

use jiff::{Timestamp, ToSpan as _};

use crate::{
    Agent, AgentId, AgentRole, AiState, Author, AuthorKind, CallInfo, Channel, Contact, ContactId, Conversation,
    ConversationId, Delivery, Direction, LastMessage, Message, MessageId, MessageKind, NextAction, Priority, Status,
    Suggestion, SuggestionId, SuggestionStatus,
};

/// The fixed "now" of every fixture: Wednesday 25 November 2026, 10:00 UTC.
pub fn now() -> Timestamp {
    Timestamp::from_second(1_795_600_800).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub fn agent(id: &str, name: &str) -> Agent {
    Agent {
        id: AgentId::from(id),
        name: name.into(),
        email: format!("{}@acme.test", name.split(' ').next().unwrap_or(name).to_lowercase()),
        role: AgentRole::Agent,
        team: Some("support".into()),
    }
}

fn ago(mins: i64) -> Timestamp {
    now() - mins.minutes()
}

/// A plain open conversation; tests adjust the fields they care about.
pub fn conversation(n: usize, name: &str, channel: Channel, preview: &str) -> Conversation {
    let at = ago(i64::try_from(n).unwrap_or(0) * 7 + 2);
    Conversation {
        id: ConversationId::from(format!("cnv_{n:04}").as_str()),
        contact: Contact {
            id: ContactId::from(format!("ctc_{n:04}").as_str()),
            name: name.into(),
            handle: format!("+1555000{n:04}"),
            email: None,
            phone: None,
            company: None,
        },
        channel,
        subject: None,
        status: Status::Open,
        snoozed_until: None,
        assignee: None,
        team: Some("support".into()),
        tags: Vec::new(),
        starred: false,
        unread: false,
        archived: false,
        priority: Priority::Normal,
        last_message: Some(LastMessage { preview: preview.into(), direction: Direction::Inbound, at }),
        waiting_since: Some(at),
        sla_due_at: None,
        ai_state: AiState::Human,
        ai_agent: None,
        has_pending_suggestion: false,
        origin: None,
        message_count: 3,
        created_at: at - 2.hours(),
        updated_at: at,
    }
}

/// A list with one of each badge.
pub fn conversations() -> Vec<Conversation> {
    let dana = agent("agt_dana", "Dana Scully");
    let sam = agent("agt_sam", "Sam Carter");
    let mut v = vec![
        conversation(1, "Maria González", Channel::Whatsapp, "My order #4411 never arrived and I need it by Friday"),
        conversation(2, "Kenji Watanabe", Channel::Email, "請求書の件について"),
        conversation(3, "Ahmed Hassan", Channel::Sms, "Can I change the delivery address?"),
        conversation(4, "Olivia Brown", Channel::Web, "The app crashes when I upload a photo"),
        conversation(5, "Lukas Schmidt", Channel::Voice, "Call about a billing dispute"),
        conversation(6, "Chloé Martin", Channel::Email, "Refund for a damaged item"),
        conversation(7, "Priya Patel", Channel::Web, "Thanks, that worked! 👍"),
    ];
    v[0].unread = true;
    v[0].starred = true;
    v[0].sla_due_at = Some(ago(12));
    v[0].has_pending_suggestion = true;
    v[1].unread = true;
    v[1].subject = Some("Invoice question / 請求書".into());
    v[1].sla_due_at = Some(now() + 8.minutes());
    v[1].assignee = Some(Arc::new(sam));
    v[2].ai_state = AiState::AiLed;
    v[2].ai_agent = Some("Ada (AI)".into());
    v[3].ai_state = AiState::HandoffRequested;
    v[3].ai_agent = Some("Ada (AI)".into());
    v[3].unread = true;
    v[4].assignee = Some(Arc::new(dana.clone()));
    v[4].tags = vec!["billing".into(), "vip".into()];
    v[5].status = Status::Snoozed;
    v[5].snoozed_until = Some(now() + 23.hours());
    v[6].status = Status::Pending;
    v[6].assignee = Some(Arc::new(dana));
    v
}

pub fn message(
    n: usize,
    conversation: &ConversationId,
    kind: MessageKind,
    direction: Direction,
    author: (&str, AuthorKind),
    body: &str,
) -> Message {
    Message {
        id: MessageId::from(format!("msg_{n:04}").as_str()),
        conversation_id: conversation.clone(),
        direction,
        author: Author { kind: author.1, id: None, name: author.0.into() },
        kind,
        body: body.into(),
        attachments: Vec::new(),
        call: None,
        created_at: ago(60 - i64::try_from(n).unwrap_or(0) * 5),
        delivery: Delivery::Sent,
    }
}

/// A thread with an inbound message, a note, a call with its summary, a system
/// event and an outbound reply.
pub fn thread_messages(id: &ConversationId) -> Vec<Message> {
    let mut call = message(3, id, MessageKind::Call, Direction::Inbound, ("Maria González", AuthorKind::Contact), "");
    call.call = Some(CallInfo {
        duration_secs: 252,
        summary: Some("Customer reports order #4411 missing; courier shows it delivered to a neighbour. Wants a resend before Friday.".into()),
        recording_url: None,
    });
    vec![
        message(
            1,
            id,
            MessageKind::Reply,
            Direction::Inbound,
            ("Maria González", AuthorKind::Contact),
            "Hi, my order #4411 never arrived and I need it by Friday. Tracking says delivered but nothing is here.",
        ),
        message(
            2,
            id,
            MessageKind::Note,
            Direction::Outbound,
            ("Sam Carter", AuthorKind::Agent),
            "Courier confirmed a neighbour signed. Check with her before resending.",
        ),
        call,
        message(
            4,
            id,
            MessageKind::Event,
            Direction::Outbound,
            ("system", AuthorKind::System),
            "assigned to Dana Scully",
        ),
        message(
            5,
            id,
            MessageKind::Reply,
            Direction::Outbound,
            ("Dana Scully", AuthorKind::Agent),
            "Sorry about this, Maria. I've asked the courier and will update you within the hour.",
        ),
    ]
}

pub fn suggestion(id: &ConversationId) -> Suggestion {
    Suggestion {
        id: SuggestionId::from("sug_0001"),
        conversation_id: id.clone(),
        body: "Hi Maria, sorry it arrived damaged. I've sent a replacement by express; it will arrive Thursday, and the tracking link is in your email.\n\nBest regards,\n{agent_name}".into(),
        actions: vec![
            NextAction { action: "tag:resend".into(), label: "Tag resend".into() },
            NextAction { action: "snooze:1d".into(), label: "Snooze 1 day".into() },
        ],
        status: SuggestionStatus::Pending,
        engine: "kb".into(),
        sources: vec!["damaged-item".into()],
        created_at: ago(1),
        resolved_at: None,
        confidence: Some(82),
        lang: Some("en".into()),
        before_sending: Some("Ship the replacement by express".into()),
        withheld: None,
    }
}
