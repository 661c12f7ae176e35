//! The copilot's suggestion (send as is, edit, dismiss, ask for a new one) and the
//! AI-to-human handoff (take over, hand back). All optimistic, all put back if the server refuses.

use super::compose::{open_with, show_sending};
use super::{info, no_target, ticket, triage, unavailable};
use crate::effect::Effect;
use crate::state::{Inflight, State};
use frontdesk_domain::{AiState, Change, Op, ReplyKind, Suggestion};
use frontdesk_sync::SyncCommand;

/// The pending suggestion of the conversation commands act on.
fn pending(state: &State) -> Option<Suggestion> {
    let target = state.target()?.id.clone();
    state.thread.as_ref().filter(|t| t.id == target).and_then(|t| t.suggestion.clone())
}

fn none_pending(state: &mut State) -> Vec<Effect> {
    let ask = state.settings.keymap.hint(crate::command::Command::AskSuggestion);
    unavailable(state, &format!("no suggestion for this conversation ({ask} asks for one)"))
}

/// The pending suggestion when it has a draft; otherwise the flash saying why not.
fn pending_draft(state: &mut State) -> Result<Suggestion, Vec<Effect>> {
    let Some(s) = pending(state) else { return Err(none_pending(state)) };
    if s.has_draft() {
        return Ok(s);
    }
    let ask = state.settings.keymap.hint(crate::command::Command::AskSuggestion);
    let why = s.withheld.as_deref().unwrap_or("the draft is empty");
    Err(unavailable(state, &format!("no draft to send: {why} ({ask} asks again)")))
}

pub fn send(state: &mut State) -> Vec<Effect> {
    let s = match pending_draft(state) {
        Ok(s) => s,
        Err(effects) => return effects,
    };
    // What the panel showed is what goes out: signed with my name, as the server does.
    let body = state.as_sent_by_me(&s.body);
    let sending = show_sending(state, &s.conversation_id, ReplyKind::Reply, &body, Some(s.id.clone()), &[]);
    if let Some(t) = &mut state.thread {
        t.suggestion = None;
    }
    let t = ticket(state);
    state.inflight.insert(t, Inflight { label: "suggestion sent".into(), suggestion: Some(s.clone()), ..sending });
    vec![Effect::Sync(SyncCommand::Apply { ticket: t, op: Op::SendSuggestion { suggestion: s.id } })]
}

pub fn dismiss(state: &mut State) -> Vec<Effect> {
    let Some(s) = pending(state) else { return none_pending(state) };
    if let Some(t) = &mut state.thread {
        t.suggestion = None;
    }
    let t = ticket(state);
    state.inflight.insert(t, Inflight { suggestion: Some(s.clone()), ..Inflight::new("suggestion dismissed") });
    info(state, "suggestion dismissed");
    vec![Effect::Sync(SyncCommand::Apply { ticket: t, op: Op::DismissSuggestion { suggestion: s.id } })]
}

pub fn ask(state: &mut State) -> Vec<Effect> {
    let Some(id) = state.target().map(|c| c.id.clone()) else { return no_target(state) };
    let mut effects = super::nav::open_thread(state, &id, false);
    if let Some(t) = &mut state.thread {
        t.suggesting = true;
    }
    let t = ticket(state);
    state.inflight.insert(t, Inflight::new("suggestion asked"));
    effects.push(Effect::Sync(SyncCommand::Apply { ticket: t, op: Op::RequestSuggestion { conversation: id } }));
    effects
}

pub fn edit(state: &mut State) -> Vec<Effect> {
    let s = match pending_draft(state) {
        Ok(s) => s,
        Err(effects) => return effects,
    };
    // The suggestion stays pending (the composer hides its panel) until the edited
    // reply is sent with its id, which records the (draft, sent) pair; leaving the
    // composer brings the panel back. The composer holds what would be sent: the
    // editing agent's name where the draft leaves the sender's.
    let body = state.as_sent_by_me(&s.body);
    open_with(state, s.conversation_id, ReplyKind::Reply, Some(body), Some(s.id))
}

/// Take over (the AI pauses; the conversation is mine if nobody held it) or hand
/// back (the AI agent leads again), as the server does it.
fn handoff(state: &mut State, hand_back: bool) -> Vec<Effect> {
    let Some(c) = state.target().cloned() else { return no_target(state) };
    let change = match (hand_back, c.ai_state, c.ai_agent.is_some()) {
        (false, AiState::Human, _) => return unavailable(state, "a human already has this conversation"),
        (false, _, _) => Change::Handoff { reason: None },
        (true, AiState::AiLed, _) => return unavailable(state, "the AI agent already leads this conversation"),
        (true, _, false) => return unavailable(state, "no AI agent to hand this conversation back to"),
        (true, _, true) => Change::ResolveHandoff,
    };
    let label = change.label();
    let effects = triage::change(state, &[c.id], &change, false);
    info(state, label);
    effects
}

pub fn take_over(state: &mut State) -> Vec<Effect> {
    handoff(state, false)
}

pub fn resolve_handoff(state: &mut State) -> Vec<Effect> {
    handoff(state, true)
}
