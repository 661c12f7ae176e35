//! Changes to conversations: applied to the screen at once, sent as an `Op`, and
//! put back if the server refuses. Archive, close, snooze, assign and bulk changes
//! leave an undo offer in the status bar for a few seconds.

use jiff::{Timestamp, ToSpan as _};

use super::local::{apply_change, in_view, inverse, moves_out};
use super::{current, error, nav, no_target, ticket, unavailable};
use crate::effect::Effect;
use crate::state::{Focus, Inflight, Overlay, State, Undo};
use frontdesk_domain::{Change, Conversation, ConversationId, Op};
use frontdesk_provider::{Applied, ProviderError};
use frontdesk_sync::SyncCommand;

/// How long the undo offer stays.
pub const UNDO_SECS: i64 = 8;

/// Applies `change` to `ids` on screen and returns what it replaced (with list
/// positions; `usize::MAX` for a conversation only in the thread pane).
fn apply_locally(state: &mut State, ids: &[ConversationId], change: &Change) -> Vec<(usize, Conversation)> {
    let now = state.now;
    let me = state.me.as_ref().map(|a| a.id.clone());
    let mut before = Vec::new();
    for id in ids {
        if let Some(i) = state.list.position(id) {
            before.push((i, state.list.items[i].clone()));
            apply_change(&mut state.list.items[i], change, &state.agents, me.as_ref(), now);
        } else if let Some(c) = state.thread.as_ref().and_then(|t| t.conversation.clone()).filter(|c| &c.id == id) {
            before.push((usize::MAX, c));
        }
        if let Some(t) = state.thread.as_mut().filter(|t| &t.id == id)
            && let Some(c) = &mut t.conversation
        {
            apply_change(c, change, &state.agents, me.as_ref(), now);
        }
    }
    if moves_out(change) {
        drop_left_view(state, ids);
    }
    before
}

/// Takes conversations that no longer belong to the view off the list; the
/// selection stays at the same row, which is now the next conversation.
fn drop_left_view(state: &mut State, ids: &[ConversationId]) {
    let Some(filter) = state.view().map(|v| v.filter.clone()) else { return };
    if state.list.search.is_some() {
        return;
    }
    let me = state.me.as_ref().map(|a| a.id.clone());
    let now = state.now;
    // The open thread keeps its conversation even when the list drops it.
    if let Some(t) = &mut state.thread
        && let Some(c) = state.list.items.iter().find(|c| c.id == t.id)
    {
        t.conversation = Some(c.clone());
    }
    let selected_row = state.list.selected;
    state.list.retain_items(|c| !ids.contains(&c.id) || in_view(&filter, c, me.as_ref(), now));
    for id in ids {
        state.list.marked.remove(id);
    }
    nav::apply_filter(state);
    state.list.selected = selected_row.min(state.list.len().saturating_sub(1));
    nav::keep_visible(state);
}

/// Puts conversations back as they were: replaced where still listed, reinserted
/// at their old position where the change took them off.
pub fn restore(state: &mut State, before: &[(usize, Conversation)]) {
    let current = state.list.current().map(|c| c.id.clone());
    let mut sorted: Vec<_> = before.to_vec();
    sorted.sort_by_key(|(i, _)| *i);
    for (i, c) in sorted {
        if let Some(t) = state.thread.as_mut().filter(|t| t.id == c.id) {
            t.conversation = Some(c.clone());
        }
        if i == usize::MAX {
            continue;
        }
        if let Some(p) = state.list.position(&c.id) {
            state.list.items[p] = c;
        } else {
            state.list.insert_item(i, c);
        }
    }
    nav::apply_filter(state);
    if let Some(id) = current
        && let Some(row) = (0..state.list.len()).find(|&r| state.list.row(r).is_some_and(|c| c.id == id))
    {
        state.list.selected = row;
    }
    nav::keep_visible(state);
}

/// Sends a change to `ids` optimistically. `undo` leaves an offer to take it back.
pub fn change(state: &mut State, ids: &[ConversationId], change: &Change, undo: bool) -> Vec<Effect> {
    if ids.is_empty() {
        return no_target(state);
    }
    // Many at once is asked first: an 8-second undo is too little for a slip of `*`.
    if ids.len() > CONFIRM_OVER {
        state.overlay = Some(Overlay::ConfirmBulk { ids: ids.to_vec(), change: change.clone(), undo });
        return Vec::new();
    }
    apply(state, ids, change, undo)
}

/// More conversations than this at once, and the change is asked about first.
pub const CONFIRM_OVER: usize = 20;

/// The answer to "archive 46 conversations?": `y` goes ahead, anything else keeps
/// them as they are (and marked).
pub fn confirm_bulk(state: &mut State, yes: bool) -> Vec<Effect> {
    let Some(Overlay::ConfirmBulk { ids, change, undo }) = state.overlay.take() else { return Vec::new() };
    if !yes {
        super::info(state, format!("{} not done", change.label()));
        return Vec::new();
    }
    apply(state, &ids, &change, undo)
}

fn apply(state: &mut State, ids: &[ConversationId], change: &Change, undo: bool) -> Vec<Effect> {
    let before = apply_locally(state, ids, change);
    let n = ids.len();
    let label = if n == 1 { change.label().to_owned() } else { format!("{} {n} conversations", change.label()) };
    let op = if n == 1 {
        Op::Change { conversation: ids[0].clone(), change: change.clone() }
    } else {
        Op::Bulk { conversations: ids.to_vec(), change: change.clone() }
    };
    let t = ticket(state);
    // Undo is offered only where the account can do the inverse (Bancroft cannot
    // reopen): an undo that would be refused leaves the screen unlike the server.
    let inverse = inverse_ops(change, &before);
    if undo && inverse.iter().all(|op| state.caps.check(op).is_ok()) {
        state.status.undo = Some(Undo {
            label: label.clone(),
            ops: inverse,
            before: before.clone(),
            until: state.now.checked_add(UNDO_SECS.seconds()).unwrap_or(state.now),
        });
        state.status.flash = None;
    }
    state.list.marked.retain(|id| !ids.contains(id));
    state.inflight.insert(t, Inflight { before, ..Inflight::new(label) });
    vec![Effect::Sync(SyncCommand::Apply { ticket: t, op })]
}

/// A change the agent does not need to hear about (marking read on open).
pub fn quiet_change(state: &mut State, id: &ConversationId, c: &Change) -> Vec<Effect> {
    change(state, std::slice::from_ref(id), c, false)
}

/// The ops that undo `change`, grouped so conversations needing the same inverse
/// go in one bulk request.
fn inverse_ops(change: &Change, before: &[(usize, Conversation)]) -> Vec<Op> {
    let mut groups: Vec<(Change, Vec<ConversationId>)> = Vec::new();
    for (_, c) in before {
        let inv = inverse(change, c);
        match groups.iter_mut().find(|(g, _)| *g == inv) {
            Some((_, ids)) => ids.push(c.id.clone()),
            None => groups.push((inv, vec![c.id.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(change, ids)| {
            if ids.len() == 1 {
                Op::Change { conversation: ids[0].clone(), change }
            } else {
                Op::Bulk { conversations: ids, change }
            }
        })
        .collect()
}

pub fn simple(state: &mut State, c: &Change) -> Vec<Effect> {
    let acted = moves_on(c).then(|| current::acting_in_thread(state)).flatten();
    let ids = state.targets();
    let undo = !matches!(c, Change::Reopen | Change::Pending);
    let effects = change(state, &ids, c, undo || matches!(c, Change::Pending));
    current::move_on(state, acted);
    effects
}

/// Changes that finish with a conversation, so that from the thread the agent goes
/// on to the next one (archive, snooze, assign, unassign, pending).
pub fn moves_on(c: &Change) -> bool {
    matches!(c, Change::Archive | Change::Snooze { .. } | Change::Assign { .. } | Change::Unassign | Change::Pending)
}

pub fn star(state: &mut State) -> Vec<Effect> {
    let Some(target) = state.target() else { return no_target(state) };
    let c = if target.starred { Change::Unstar } else { Change::Star };
    let ids = state.targets();
    let effects = change(state, &ids, &c, false);
    if !state.caps.star {
        // Said, not hidden: the star lives on this machine only.
        super::info(state, format!("{} on this machine only (this account keeps no stars)", c.label()));
    }
    effects
}

pub fn toggle_read(state: &mut State) -> Vec<Effect> {
    let Some(target) = state.target() else { return no_target(state) };
    let c = if target.unread { Change::Read } else { Change::Unread };
    let ids = state.targets();
    let effects = change(state, &ids, &c, false);
    if !state.caps.read {
        super::info(state, format!("{} on this machine only (this account keeps no read marks)", c.label()));
    }
    effects
}

pub fn assign_me(state: &mut State) -> Vec<Effect> {
    let Some(me) = state.me.as_ref().map(|a| a.id.clone()) else {
        if state.identity_unknown {
            return unavailable(state, "this account does not say whose the key is: assign by name with a");
        }
        return unavailable(state, "still signing in; try again in a moment");
    };
    let acted = current::acting_in_thread(state);
    let ids = state.targets();
    let effects = change(state, &ids, &Change::Assign { agent_id: Some(me), team: None }, true);
    current::move_on(state, acted);
    effects
}

pub fn snooze(state: &mut State, until: Timestamp) -> Vec<Effect> {
    let acted = current::acting_in_thread(state);
    let ids = state.targets();
    let effects = change(state, &ids, &Change::Snooze { until }, true);
    current::move_on(state, acted);
    effects
}

/// Close (`e` then moves on to the next conversation).
pub fn close(state: &mut State, advance: bool) -> Vec<Effect> {
    let ids = state.targets();
    let in_thread = matches!(state.focus, Focus::Thread);
    let was = state.list.selected;
    let len_before = state.list.len();
    let mut effects = change(state, &ids, &Change::Close, true);
    if !advance {
        return effects;
    }
    // If the closed conversation stayed in the list, step past it.
    if state.list.len() == len_before && was + 1 < state.list.len() {
        state.list.selected = was + 1;
        nav::keep_visible(state);
    }
    if in_thread || state.width >= crate::ui::WIDE {
        if let Some(next) = state.list.current().map(|c| c.id.clone()) {
            effects.extend(nav::open_thread(state, &next, in_thread));
        } else {
            state.thread = None;
            state.focus = Focus::List;
        }
    }
    effects
}

pub fn undo(state: &mut State) -> Vec<Effect> {
    let Some(u) = state.status.undo.take() else {
        return unavailable(state, "nothing to undo");
    };
    restore(state, &u.before);
    // The agent's eyes go back to what came back.
    if let Some((_, first)) = u.before.iter().min_by_key(|(i, _)| *i)
        && let Some(row) = (0..state.list.len()).find(|&r| state.list.row(r).is_some_and(|c| c.id == first.id))
    {
        state.list.selected = row;
        nav::keep_visible(state);
    }
    let mut effects = Vec::new();
    for op in u.ops {
        let t = ticket(state);
        state.inflight.insert(t, Inflight::new("undo"));
        effects.push(Effect::Sync(SyncCommand::Apply { ticket: t, op }));
    }
    super::info(state, format!("undone: {}", u.label));
    effects
}

/// The server answered a change.
pub fn applied(state: &mut State, inflight: &Inflight, result: Result<Applied, ProviderError>) {
    match result {
        Ok(Applied::Conversation(c)) => accept(state, *c),
        Ok(Applied::Bulk(results)) => {
            let mut failed = Vec::new();
            for (id, outcome) in results {
                match outcome {
                    Ok(c) => accept(state, *c),
                    Err(why) => failed.push((id, why)),
                }
            }
            if !failed.is_empty() {
                let back: Vec<_> =
                    inflight.before.iter().filter(|(_, c)| failed.iter().any(|(id, _)| *id == c.id)).cloned().collect();
                restore(state, &back);
                error(state, format!("{}: {} failed ({})", inflight.label, failed.len(), failed[0].1));
            }
        }
        Ok(_) => {}
        Err(e) => {
            restore(state, &inflight.before);
            if state.status.undo.as_ref().is_some_and(|u| u.before == inflight.before) {
                state.status.undo = None;
            }
            error(state, format!("not {}: {e}", inflight.label));
        }
    }
}

/// The server's version of a conversation replaces ours, where it is still shown.
pub fn accept(state: &mut State, c: Conversation) {
    if let Some(t) = state.thread.as_mut().filter(|t| t.id == c.id) {
        t.conversation = Some(c.clone());
    }
    if let Some(existing) = state.list.get_mut(&c.id) {
        *existing = c;
    }
}
