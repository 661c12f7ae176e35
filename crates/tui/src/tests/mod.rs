//! Tests of `update()`: every command, driven by keys through the real keymap, with
//! the effects it asks for and the state it leaves. No terminal, no network.

mod attach;
mod bot;
mod bytes;
mod commands;
mod compose;
mod console;
mod current;
mod hostile;
mod list;
mod list_end;
mod list_window;
mod live;
mod notify;
mod presence;
mod screens;
mod views;
mod wire;

use crate::state::Level;
use crate::update::update;
use crate::{Action, Effect, State};
use frontdesk_domain::{ConversationId, Op};
use frontdesk_provider::{Applied, ProviderError};
use frontdesk_sync::{SyncCommand, SyncEvent};

pub(super) fn ops(effects: &[Effect]) -> Vec<(u64, Op)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Sync(SyncCommand::Apply { ticket, op }) => Some((*ticket, op.clone())),
            _ => None,
        })
        .collect()
}

pub(super) fn only_op(effects: &[Effect]) -> (u64, Op) {
    let all = ops(effects);
    assert_eq!(all.len(), 1, "{effects:?}");
    all[0].clone()
}

pub(super) fn answer(s: &mut State, ticket: u64, result: Result<Applied, ProviderError>) -> Vec<Effect> {
    update(s, Action::Sync(SyncEvent::Applied { ticket, result }))
}

pub(super) fn fail(s: &mut State, ticket: u64) {
    answer(s, ticket, Err(ProviderError::Network("connection refused".into())));
}

pub(super) fn id(s: &State, row: usize) -> ConversationId {
    s.list.row(row).map(|c| c.id.clone()).expect("row")
}

pub(super) fn flash(s: &State) -> (String, Level) {
    s.status.flash.as_ref().map(|f| (f.text.clone(), f.level)).expect("a message in the status bar")
}
