//! Sends the server refused for good (a validation error, a closed messaging
//! window): the message stays in the thread marked as not sent, with the reason,
//! and its text goes back into the draft. From there the agent edits it (`r`),
//! sends it again as it is (`R`), or lets it go (`D`).

use super::{error, info, ticket, unavailable};
use crate::effect::Effect;
use crate::state::{Composer, Draft, State};
use frontdesk_domain::{ConversationId, Delivery, MessageId, MessageKind, Op, ReplyKind};
use frontdesk_sync::SyncCommand;

pub fn remove_unsent(state: &mut State, conversation: &ConversationId, local: &MessageId) {
    if let Some(list) = state.unsent.get_mut(conversation) {
        list.retain(|m| &m.id != local);
        if list.is_empty() {
            state.unsent.remove(conversation);
        }
    }
    state.send_errors.remove(local);
}

/// A send failed for good: the message stays, marked, and the text is back in the
/// draft.
pub fn send_failed(state: &mut State, conversation: &ConversationId, local: &MessageId, draft: Draft, why: &str) {
    if let Some(m) = state.unsent.get_mut(conversation).and_then(|l| l.iter_mut().find(|m| &m.id == local)) {
        m.delivery = Delivery::Failed;
        state.send_errors.insert(local.clone(), why.to_owned());
    }
    match &mut state.composer {
        Some(c) if &c.conversation == conversation => {
            // The agent is already writing again here: keep both texts.
            let mut lines = draft.lines;
            lines.push(String::new());
            lines.extend(c.editor.lines().iter().cloned());
            c.editor = super::compose::editor(lines, c.kind);
        }
        _ => {
            state.drafts.insert(conversation.clone(), draft);
        }
    }
    let keys = &state.settings.keymap;
    let (edit, retry, discard) = (
        keys.hint(crate::command::Command::Reply),
        keys.hint(crate::command::Command::RetrySend),
        keys.hint(crate::command::Command::DiscardSend),
    );
    error(state, format!("not sent: {why}. The text is in the draft: {edit} edit, {retry} retry, {discard} discard."));
}

/// The open thread's newest message that failed to send.
fn newest_failed(state: &State) -> Option<(ConversationId, MessageId, ReplyKind, String, Vec<std::path::PathBuf>)> {
    let thread = state.thread.as_ref()?;
    let m = state.unsent.get(&thread.id)?.iter().rev().find(|m| m.delivery == Delivery::Failed)?;
    let kind = if m.kind == MessageKind::Note { ReplyKind::Note } else { ReplyKind::Reply };
    let files = m.attachments.iter().filter_map(super::attach::path_of).collect();
    Some((thread.id.clone(), m.id.clone(), kind, m.body.clone(), files))
}

/// The draft held the failed text and nothing else: it goes with it.
fn forget_draft(state: &mut State, conversation: &ConversationId, body: &str) -> Vec<Effect> {
    let same = |lines: &[String]| lines.join("\n").trim() == body.trim();
    if state.drafts.get(conversation).is_some_and(|d| same(&d.lines)) {
        state.drafts.remove(conversation);
        return vec![Effect::Sync(SyncCommand::DeleteDraft(conversation.clone()))];
    }
    if state.composer.as_ref().is_some_and(|c: &Composer| &c.conversation == conversation && same(c.editor.lines())) {
        state.composer = None;
        state.draft_dirty = None;
        return vec![Effect::Sync(SyncCommand::DeleteDraft(conversation.clone()))];
    }
    Vec::new()
}

/// Sends the failed message again as it is, as a new outbox entry (the refused one
/// is settled; its key would only bring back the same refusal).
pub fn retry(state: &mut State) -> Vec<Effect> {
    let Some((conversation, local, kind, body, attachments)) = newest_failed(state) else {
        return unavailable(state, "nothing here failed to send");
    };
    remove_unsent(state, &conversation, &local);
    let mut effects = forget_draft(state, &conversation, &body);
    let inflight = super::compose::show_sending(state, &conversation, kind, &body, None, &attachments);
    let t = ticket(state);
    state.inflight.insert(t, inflight);
    info(state, "sending again");
    effects.push(Effect::Sync(SyncCommand::Apply {
        ticket: t,
        op: Op::Send { conversation, kind, body, suggestion: None, attachments },
    }));
    effects
}

/// Lets the failed message go, and the draft that holds only its text.
pub fn discard(state: &mut State) -> Vec<Effect> {
    let Some((conversation, local, _, body, _)) = newest_failed(state) else {
        return unavailable(state, "nothing here failed to send");
    };
    remove_unsent(state, &conversation, &local);
    info(state, "discarded");
    forget_draft(state, &conversation, &body)
}
