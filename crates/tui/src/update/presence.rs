//! Presence: who else is viewing or typing in a conversation, so two agents do not
//! answer the same customer. Outgoing: viewing when a thread opens, typing (at most
//! every few seconds) while the composer is used, left when the thread goes, and a
//! viewing refresh each minute a thread stays open. Incoming: kept until it expires
//! (a client that vanished says nothing more).

use jiff::{Timestamp, ToSpan as _};

use crate::effect::Effect;
use crate::state::{Seen, State};
use frontdesk_domain::{ConversationId, Presence, PresenceState};
use frontdesk_sync::SyncCommand;

/// How long another agent counts as typing / viewing after saying so.
const TYPING_SECS: i64 = 8;
const VIEWING_SECS: i64 = 150;
/// How often my own presence is said again while it lasts.
const TYPING_EVERY_SECS: i64 = 4;
pub const VIEWING_EVERY_SECS: i64 = 60;

fn say(state: &mut State, conversation: &ConversationId, what: PresenceState) -> Vec<Effect> {
    if !state.caps.presence {
        return Vec::new();
    }
    state.presence_sent = (what != PresenceState::Left).then(|| (conversation.clone(), what, state.now));
    vec![Effect::Sync(SyncCommand::Presence { conversation: conversation.clone(), state: what })]
}

/// A thread opened (and maybe another closed).
pub fn opened(state: &mut State, previous: Option<ConversationId>, now: &ConversationId) -> Vec<Effect> {
    let mut effects = Vec::new();
    if let Some(prev) = previous.filter(|p| p != now) {
        effects.extend(say(state, &prev, PresenceState::Left));
    }
    effects.extend(say(state, now, PresenceState::Viewing));
    effects
}

/// A key went into the composer.
pub fn typed(state: &mut State, conversation: &ConversationId) -> Vec<Effect> {
    let recent = state.presence_sent.as_ref().is_some_and(|(c, s, at)| {
        c == conversation && *s == PresenceState::Typing && state.now.as_second() - at.as_second() < TYPING_EVERY_SECS
    });
    if recent { Vec::new() } else { say(state, conversation, PresenceState::Typing) }
}

/// The composer closed (sent or left): back to viewing.
pub fn stopped_typing(state: &mut State, conversation: &ConversationId) -> Vec<Effect> {
    say(state, conversation, PresenceState::Viewing)
}

/// The clock ticked: forget what expired, refresh my viewing.
pub fn tick(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    for seen in state.presence.values_mut() {
        seen.retain(|s| s.until > now);
    }
    state.presence.retain(|_, v| !v.is_empty());
    let refresh = state.presence_sent.as_ref().is_some_and(|(_, s, at)| {
        *s == PresenceState::Viewing && now.as_second() - at.as_second() >= VIEWING_EVERY_SECS
    });
    match (refresh, state.thread.as_ref().map(|t| t.id.clone())) {
        (true, Some(id)) => say(state, &id, PresenceState::Viewing),
        _ => Vec::new(),
    }
}

/// When presence next changes by itself.
pub fn next_change(state: &State) -> Option<Timestamp> {
    let expiry = state.presence.values().flatten().map(|s| s.until).min();
    let refresh = state
        .presence_sent
        .as_ref()
        .filter(|(_, s, _)| *s == PresenceState::Viewing)
        .and_then(|(_, _, at)| at.checked_add(VIEWING_EVERY_SECS.seconds()).ok());
    match (expiry, refresh) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Another agent said where they are. Until the client knows who "me" is, nothing
/// is shown: it could be the agent's own presence, said back.
pub fn received(state: &mut State, p: Presence) {
    if state.me.as_ref().is_none_or(|me| me.id == p.agent_id) {
        return;
    }
    let list = state.presence.entry(p.conversation_id.clone()).or_default();
    list.retain(|s| s.agent != p.agent_id);
    let secs = match p.state {
        PresenceState::Left => {
            if list.is_empty() {
                state.presence.remove(&p.conversation_id);
            }
            return;
        }
        PresenceState::Typing => TYPING_SECS,
        PresenceState::Viewing => VIEWING_SECS,
    };
    let until = state.now.checked_add(secs.seconds()).unwrap_or(state.now);
    list.push(Seen { agent: p.agent_id, name: p.agent_name, state: p.state, until });
}
