//! The copilot's suggestion (send as is, edit, dismiss, ask for a new one) and the
//! AI-to-human handoff. All optimistic, all put back if the server refuses.

use super::compose::{open_with, sending_message};
use super::{info, ticket, unavailable};
use crate::domain::{AiState, Op, ReplyKind, Suggestion};
use crate::sync::SyncCommand;
use crate::tui::effect::Effect;
use crate::tui::state::{Draft, Inflight, State};

/// The pending suggestion of the conversation commands act on.
fn pending(state: &State) -> Option<Suggestion> {
    let target = state.target()?.id.clone();
    state.thread.as_ref().filter(|t| t.id == target).and_then(|t| t.suggestion.clone())
}

fn none_pending(state: &mut State) -> Vec<Effect> {
    if !state.caps.copilot {
        return unavailable(state, "this account has no copilot");
    }
    let ask = state.settings.keymap.hint(crate::tui::command::Command::AskSuggestion);
    unavailable(state, &format!("no suggestion for this conversation ({ask} asks for one)"))
}

pub fn send(state: &mut State) -> Vec<Effect> {
    let Some(s) = pending(state) else { return none_pending(state) };
    let message = sending_message(state, &s.conversation_id, ReplyKind::Reply, s.body.clone());
    let local = message.id.clone();
    if let Some(t) = &mut state.thread {
        t.suggestion = None;
        t.sending.push(message);
        t.scroll = 0;
    }
    let t = ticket(state);
    let draft = Draft {
        kind: ReplyKind::Reply,
        lines: s.body.lines().map(str::to_owned).collect(),
        suggestion: Some(s.id.clone()),
    };
    state.inflight.insert(
        t,
        Inflight {
            label: "suggestion sent".into(),
            before: Vec::new(),
            message: Some((s.conversation_id.clone(), local, draft)),
            suggestion: Some(s.clone()),
        },
    );
    vec![Effect::Sync(SyncCommand::Apply { ticket: t, op: Op::SendSuggestion { suggestion: s.id } })]
}

pub fn dismiss(state: &mut State) -> Vec<Effect> {
    let Some(s) = pending(state) else { return none_pending(state) };
    if let Some(t) = &mut state.thread {
        t.suggestion = None;
    }
    let t = ticket(state);
    state.inflight.insert(
        t,
        Inflight {
            label: "suggestion dismissed".into(),
            before: Vec::new(),
            message: None,
            suggestion: Some(s.clone()),
        },
    );
    info(state, "suggestion dismissed");
    vec![Effect::Sync(SyncCommand::Apply { ticket: t, op: Op::DismissSuggestion { suggestion: s.id } })]
}

pub fn ask(state: &mut State) -> Vec<Effect> {
    if !state.caps.copilot {
        return unavailable(state, "this account has no copilot");
    }
    let Some(id) = state.target().map(|c| c.id.clone()) else { return unavailable(state, "no conversation selected") };
    let mut effects = super::nav::open_thread(state, &id, false);
    if let Some(t) = &mut state.thread {
        t.suggesting = true;
    }
    let t = ticket(state);
    state
        .inflight
        .insert(t, Inflight { label: "suggestion asked".into(), before: Vec::new(), message: None, suggestion: None });
    effects.push(Effect::Sync(SyncCommand::Apply { ticket: t, op: Op::RequestSuggestion { conversation: id } }));
    effects
}

pub fn edit(state: &mut State) -> Vec<Effect> {
    let Some(s) = pending(state) else { return none_pending(state) };
    if let Some(t) = &mut state.thread {
        t.suggestion = None;
    }
    // The suggestion stays pending on the server until the edited reply is sent
    // with its id, which records the (draft, sent) pair.
    let mut effects =
        open_with(state, s.conversation_id.clone(), ReplyKind::Reply, Some(s.body.clone()), Some(s.id.clone()));
    if let Some(t) = &mut state.thread {
        t.suggestion = Some(s);
    }
    effects.retain(|e| !matches!(e, Effect::Sync(SyncCommand::Thread { .. })));
    effects
}

fn handoff(state: &mut State, resolve: bool) -> Vec<Effect> {
    if !state.caps.handoff {
        return unavailable(state, "this account has no AI handoff");
    }
    let Some(c) = state.target().cloned() else { return unavailable(state, "no conversation selected") };
    match (resolve, c.ai_state) {
        (_, AiState::Human) => return unavailable(state, "a human already has this conversation"),
        (true, AiState::AiLed) => return unavailable(state, "no handoff was requested; take over instead"),
        _ => {}
    }
    let me = state.me.clone();
    let mut before = Vec::new();
    let edit = |conv: &mut crate::domain::Conversation| {
        conv.ai_state = AiState::Human;
        if !resolve && let Some(me) = &me {
            conv.assignee = Some(me.clone());
        }
    };
    if let Some(i) = state.list.position(&c.id) {
        before.push((i, state.list.items[i].clone()));
        edit(&mut state.list.items[i]);
    } else {
        before.push((usize::MAX, c.clone()));
    }
    if let Some(t) = state.thread.as_mut().filter(|t| t.id == c.id)
        && let Some(conv) = &mut t.conversation
    {
        edit(conv);
    }
    let t = ticket(state);
    let (label, op) = if resolve {
        ("handoff resolved", Op::ResolveHandoff { conversation: c.id })
    } else {
        ("taken over from the AI agent", Op::Handoff { conversation: c.id })
    };
    state.inflight.insert(t, Inflight { label: label.into(), before, message: None, suggestion: None });
    info(state, label);
    vec![Effect::Sync(SyncCommand::Apply { ticket: t, op })]
}

pub fn take_over(state: &mut State) -> Vec<Effect> {
    handoff(state, false)
}

pub fn resolve_handoff(state: &mut State) -> Vec<Effect> {
    handoff(state, true)
}
