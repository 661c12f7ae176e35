//! The current conversation. The lit row, the thread on screen and the target of
//! the next key are one conversation, whatever happened in between.
//!
//! Commands move one of two things: the list's selection (`j`, a view switch, a row
//! archived away) or the open thread (`!`, a notification, a find). After every
//! update, [`settle`] makes the other follow: a row the agent moved to is opened
//! where the thread shows, and a conversation opened from elsewhere is lit, put
//! into the list when the view does not hold it. Data changing under the agent (a
//! reload, a poll, an event) never moves either: those paths keep the lit
//! conversation by id ([`keep`]), so the conversation being read stays put.

use super::nav;
use crate::effect::Effect;
use crate::state::{Focus, State};
use crate::ui;
use frontdesk_domain::{Conversation, ConversationId};

/// The lit row's conversation, before an update.
pub fn lit(state: &State) -> Option<ConversationId> {
    state.list.current().map(|c| c.id.clone())
}

/// Whether a thread is on screen: beside the list, or as the page.
pub fn thread_shown(state: &State) -> bool {
    state.thread.is_some() && (state.width >= ui::WIDE || matches!(state.focus, Focus::Thread | Focus::Composer))
}

/// Makes the lit row and the thread on screen one conversation again. `before` is
/// the lit row before the update: if the agent moved it, the thread follows; if not,
/// the row follows the thread.
pub fn settle(state: &mut State, before: Option<&ConversationId>) -> Vec<Effect> {
    if !thread_shown(state) {
        return Vec::new();
    }
    let Some(open) = state.thread.as_ref().map(|t| t.id.clone()) else { return Vec::new() };
    let now = lit(state);
    if now.as_ref() == Some(&open) {
        return Vec::new();
    }
    if now.as_ref() != before {
        return follow(state, now);
    }
    let pinned = state.thread.as_ref().and_then(|t| t.conversation.clone());
    if pinned.is_some_and(|c| light(state, c)) {
        return Vec::new();
    }
    // Nothing to light it with: the thread goes to what is lit instead.
    follow(state, now)
}

/// The thread goes to the lit row, or away with nothing lit.
fn follow(state: &mut State, lit: Option<ConversationId>) -> Vec<Effect> {
    let Some(id) = lit else {
        state.thread = None;
        if matches!(state.focus, Focus::Thread) {
            state.focus = Focus::List;
        }
        return Vec::new();
    };
    // On the thread page, going to the next conversation is opening it.
    let read = state.focus == Focus::Thread;
    nav::open_thread(state, &id, read)
}

/// Lights `c`, putting it into the list where the lit row is when the view does
/// not hold it (it stays there until the list is loaded again). A text filter that
/// would hide it is lifted. Whether it is lit now.
pub fn light(state: &mut State, c: Conversation) -> bool {
    let id = c.id.clone();
    if !state.list.lists(&id) {
        let at = state.list.index(state.list.selected).unwrap_or(0);
        state.list.insert_item(at, c);
    }
    nav::apply_filter(state);
    if !shown(state, &id) && state.list.filter.take().is_some() {
        nav::apply_filter(state);
    }
    nav::select_id(state, &id);
    lit(state).as_ref() == Some(&id)
}

fn shown(state: &State, id: &ConversationId) -> bool {
    (0..state.list.len()).any(|r| state.list.row(r).is_some_and(|c| &c.id == id))
}

/// After the list was replaced by data the agent did not ask for, the lit
/// conversation stays lit, put back where it was if the new list lacks it.
pub fn keep(state: &mut State, was: Option<(usize, Conversation)>) {
    let Some((row, c)) = was else { return };
    if !state.list.lists(&c.id) {
        state.list.insert_item(row, c.clone());
        nav::apply_filter(state);
    }
    nav::select_id(state, &c.id);
}

/// The conversation acted on from the thread page or pane, if that is where the
/// agent is.
pub fn acting_in_thread(state: &State) -> Option<ConversationId> {
    (state.focus == Focus::Thread).then(|| state.thread.as_ref().map(|t| t.id.clone())).flatten()
}

/// Done with `acted` from the thread: on to the next conversation of the view (the
/// previous one at the end). A row the change took off the list has already left
/// the selection on the next one.
pub fn move_on(state: &mut State, acted: Option<ConversationId>) {
    let Some(acted) = acted else { return };
    if lit(state).as_ref() != Some(&acted) {
        return;
    }
    let (row, len) = (state.list.selected, state.list.len());
    if row + 1 < len {
        state.list.selected = row + 1;
    } else if row > 0 {
        state.list.selected = row - 1;
    }
    nav::keep_visible(state);
}

/// `J` / `K` on the thread: the next or previous conversation, without leaving it.
pub fn step(state: &mut State, down: bool) -> Vec<Effect> {
    let (row, len) = (state.list.selected, state.list.len());
    let next = if down { (row + 1 < len).then_some(row + 1) } else { row.checked_sub(1) };
    let Some(next) = next else {
        // Past the loaded rows the view may go on: then they are on their way.
        let more = if down { state.list.next_cursor.is_some() } else { state.list.prev_cursor.is_some() };
        if more {
            let side = if down { "below" } else { "above" };
            super::info(state, format!("the conversations {side} are loading"));
            return nav::maybe_load_more(state);
        }
        let end = if down { "the last" } else { "the first" };
        return super::unavailable(state, &format!("this is {end} conversation of the view"));
    };
    state.list.selected = next;
    nav::keep_visible(state);
    nav::maybe_load_more(state)
}
