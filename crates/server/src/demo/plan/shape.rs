//! The mix of the seeded inbox: the [`Shape`]s a conversation can take, how many of
//! each ([`QUOTAS`]) and of each channel, and where a script is cut to take a shape
//! ([`cuts`]).
//!
//! To change the mix, edit the constants here; to add a shape, add its variant and
//! its rule in [`cuts`], then its age in the timeline's `end_age`.

use frontdesk_domain::{AiState, Channel, Status};

use super::assets::{Script, ScriptMessage, Speaker};

/// Where a conversation stands when the demo starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Shape {
    /// The AI asked for a human; nobody has picked it up yet.
    Handoff,
    /// The AI is answering.
    AiLed,
    /// Open, only the customer has written, 2–30 hours ago: past a 1-hour target.
    Overdue,
    /// Open, the customer wrote last, under 30 minutes ago.
    Fresh,
    /// Open, the customer wrote last, 35–110 minutes ago.
    Waiting,
    /// Open, an agent answered last.
    Replied,
    /// Waiting on the customer.
    Pending,
    Snoozed,
    Closed,
}

impl Shape {
    pub(super) fn status(self) -> Status {
        match self {
            Self::Pending => Status::Pending,
            Self::Snoozed => Status::Snoozed,
            Self::Closed => Status::Closed,
            _ => Status::Open,
        }
    }
}

/// The mix of the seeded inbox, in the order it is filled: the shapes few scripts can
/// take go first, so they get those scripts. 174 conversations.
pub(super) const QUOTAS: [(Shape, usize); 9] = [
    (Shape::Handoff, 8),
    (Shape::AiLed, 8),
    (Shape::Overdue, 18),
    (Shape::Fresh, 18),
    (Shape::Waiting, 10),
    (Shape::Replied, 8),
    (Shape::Snoozed, 14),
    (Shape::Pending, 24),
    (Shape::Closed, 66),
];

/// Snoozed conversations whose snooze ends within minutes, so the demo shows one wake.
pub(super) const WAKING_SOON: usize = 4;
/// Open, customer-last conversations that get a pending copilot suggestion, per shape.
pub(super) const SUGGESTIONS: [(Shape, usize); 3] = [(Shape::Overdue, 6), (Shape::Fresh, 6), (Shape::Waiting, 2)];
/// How the channels should be shared out, roughly (email leads, as in most inboxes).
pub(super) const CHANNEL_SHARE: [(Channel, f64); 6] = [
    (Channel::Email, 0.30),
    (Channel::Web, 0.18),
    (Channel::Whatsapp, 0.16),
    (Channel::Sms, 0.12),
    (Channel::Voice, 0.12),
    (Channel::Api, 0.12),
];

/// Where a script is cut, and who leads it at that point.
#[derive(Clone, Copy, Debug)]
pub(super) struct Cut {
    pub(super) end: usize,
    pub(super) ai_state: AiState,
    pub(super) ai_seen: bool,
}

/// The places a script can be cut to take a shape.
pub(super) fn cuts(script: &Script, shape: Shape) -> Vec<Cut> {
    let msgs = &script.message;
    let mut out = Vec::new();
    let mut answered = false;
    let mut ai_seen = false;
    let mut handed_off = false;
    let mut human_after_ai = false;
    for (i, m) in msgs.iter().enumerate() {
        match m.from {
            Speaker::Agent | Speaker::Agent2 if m.is_spoken() => {
                answered = true;
                human_after_ai = ai_seen;
            }
            Speaker::Ai => {
                answered = true;
                ai_seen = true;
                handed_off |= m.handoff;
            }
            _ => {}
        }
        let ai_state = match (ai_seen, human_after_ai, handed_off) {
            (false, _, _) | (true, true, _) => AiState::Human,
            (true, false, true) => AiState::HandoffRequested,
            (true, false, false) => AiState::AiLed,
        };
        let next_from = msgs.get(i + 1).map(|n| n.from);
        let customer_last = m.from == Speaker::Contact && next_from != Some(Speaker::Contact);
        // An AI script before the AI spoke would be a chat the AI ignored: not believable.
        let human_led = ai_state == AiState::Human && (script.ai.is_none() || ai_seen);
        let fits = match shape {
            Shape::Overdue => customer_last && !answered && script.ai.is_none() && !script.long,
            Shape::Fresh | Shape::Waiting => customer_last && human_led,
            Shape::Replied | Shape::Pending | Shape::Snoozed | Shape::Closed => m.is_agent_answer() && human_led,
            Shape::AiLed => m.from == Speaker::Ai && ai_state == AiState::AiLed,
            // The AI's handoff line and the system lines logged with it; a later one
            // ("… joined") already belongs to the human's part.
            Shape::Handoff => {
                let logged_with = |p: &ScriptMessage| p.from == Speaker::System && p.after.is_none();
                ai_state == AiState::HandoffRequested
                    && !msgs.get(i + 1).is_some_and(logged_with)
                    && msgs[..=i].iter().rev().take_while(|p| !p.handoff).all(logged_with)
            }
        };
        if fits {
            out.push(Cut { end: i + 1, ai_state, ai_seen });
        }
    }
    match shape {
        // Closed keeps the whole story; the others stop before the wrap-up line.
        Shape::Closed => out.split_off(out.len().saturating_sub(1)),
        Shape::Replied | Shape::Pending | Shape::Snoozed if out.len() > 1 => {
            out.pop();
            out
        }
        _ => out,
    }
}
