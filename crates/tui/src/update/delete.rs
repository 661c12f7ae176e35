//! Deleting for good, asked first: a conversation (where the account can) or a
//! saved view. Nothing leaves the screen before the server says it is gone.

use crossterm::event::{KeyCode, KeyEvent};

use super::{error, info, nav, no_target, unavailable};
use crate::effect::Effect;
use crate::state::{Deletion, Focus, Overlay, State};
use frontdesk_domain::{ConversationId, ViewKind};
use frontdesk_provider::ProviderError;
use frontdesk_sync::SyncCommand;

pub fn ask_conversation(state: &mut State) -> Vec<Effect> {
    let Some(c) = state.target() else { return no_target(state) };
    let name = format!("the conversation with {}", c.contact.name);
    state.overlay = Some(Overlay::ConfirmDelete { target: Deletion::Conversation(c.id.clone()), name });
    Vec::new()
}

pub fn ask_view(state: &mut State) -> Vec<Effect> {
    let Some(v) = state.view() else { return unavailable(state, "no view selected") };
    if v.kind == ViewKind::Builtin {
        return unavailable(state, &format!("{} is built in: it cannot be deleted", v.name));
    }
    let name = format!("the view {} (for the whole team)", v.name);
    state.overlay = Some(Overlay::ConfirmDelete { target: Deletion::View(v.id.clone()), name });
    Vec::new()
}

/// `y` deletes; any other key keeps it.
pub fn confirm_key(state: &mut State, ev: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::ConfirmDelete { target, .. }) = state.overlay.take() else { return Vec::new() };
    if ev.code != KeyCode::Char('y') {
        info(state, "kept");
        return Vec::new();
    }
    info(state, "deleting…");
    vec![Effect::Sync(match target {
        Deletion::Conversation(id) => SyncCommand::Delete(id),
        Deletion::View(id) => SyncCommand::DeleteView(id),
    })]
}

/// Gone for good: out of the list and the thread pane, the counts read again.
pub fn conversation_deleted(state: &mut State, id: &ConversationId, result: Result<(), ProviderError>) -> Vec<Effect> {
    if let Err(e) = result {
        error(state, format!("not deleted: {e}"));
        return Vec::new();
    }
    let current = state.list.current().map(|c| c.id.clone());
    if let Some(pos) = state.list.position(id) {
        state.list.remove_item(pos);
        state.list.marked.remove(id);
        nav::apply_filter(state);
        match current.filter(|c| c != id) {
            Some(c) => nav::select_id(state, &c),
            None => state.list.selected = state.list.selected.min(state.list.len().saturating_sub(1)),
        }
    }
    if state.thread.as_ref().is_some_and(|t| t.id == *id) {
        state.thread = None;
        if state.focus == Focus::Thread {
            state.focus = Focus::List;
        }
    }
    info(state, "deleted");
    vec![Effect::Sync(SyncCommand::Views)]
}
