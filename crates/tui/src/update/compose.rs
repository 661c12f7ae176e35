//! The composer: opening it on a conversation (with its kept draft), switching
//! between reply and note, the review line, sending (optimistically, with the draft
//! restored if the send fails), `$EDITOR`, and leaving with the draft kept.

use jiff::Timestamp;
use ratatui_textarea::{TextArea, WrapMode};

use super::{error, info, nav, no_target, ticket, triage, unavailable};
use crate::effect::Effect;
use crate::state::{Composer, Draft, Focus, Inflight, State};
use frontdesk_domain::{
    Author, AuthorKind, Change, ConversationId, Delivery, Direction, Message, MessageId, MessageKind, Op, ReplyKind,
    SuggestionId,
};
use frontdesk_sync::SyncCommand;
use frontdesk_sync::store::StoredDraft;

/// What happens to the conversation after sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    Nothing,
    Close,
    Snooze,
}

pub fn editor(lines: Vec<String>, kind: ReplyKind) -> TextArea<'static> {
    let mut e = TextArea::new(if lines.is_empty() { vec![String::new()] } else { lines });
    e.set_wrap_mode(WrapMode::WordOrGlyph);
    e.set_cursor_line_style(ratatui::style::Style::new());
    e.set_placeholder_text(match kind {
        ReplyKind::Reply => "Write your reply…",
        ReplyKind::Note => "Write a note for the team…",
    });
    e.move_cursor(ratatui_textarea::CursorMove::Bottom);
    e.move_cursor(ratatui_textarea::CursorMove::End);
    e
}

/// Opens the composer on the target conversation (opening its thread first).
pub fn open(state: &mut State, kind: ReplyKind) -> Vec<Effect> {
    if kind == ReplyKind::Note && !state.caps.notes {
        return unavailable(state, "this account has no internal notes");
    }
    let Some(id) = state.target().map(|c| c.id.clone()) else {
        return no_target(state);
    };
    open_with(state, id, kind, None, None)
}

/// Opens the composer with `text` (a suggestion being edited) or the kept draft.
pub fn open_with(
    state: &mut State,
    id: ConversationId,
    kind: ReplyKind,
    text: Option<String>,
    suggestion: Option<SuggestionId>,
) -> Vec<Effect> {
    let effects = nav::open_thread(state, &id, true);
    match state.composer.take() {
        Some(c) if c.conversation != id => keep_draft(state, c),
        Some(mut c) => {
            // Already open here: switch kind, keep the text (or take the new one).
            c.kind = kind;
            c.reviewing = false;
            if let Some(t) = text {
                c.editor = editor(t.lines().map(str::to_owned).collect(), kind);
                c.drafted = suggestion.is_some().then(|| t.clone());
                c.opened_with = t;
                c.suggestion = suggestion;
            }
            state.composer = Some(c);
            state.focus = Focus::Composer;
            return effects;
        }
        None => {}
    }
    let draft = state.drafts.remove(&id);
    let (lines, suggestion, drafted) = match (text, draft) {
        (Some(t), _) => (t.lines().map(str::to_owned).collect(), suggestion.clone(), suggestion.map(|_| t)),
        (None, Some(d)) => (d.lines, d.suggestion, None),
        (None, None) => (Vec::new(), None, None),
    };
    let seen = state.thread.as_ref().filter(|t| t.id == id).and_then(seen_in);
    let opened_with = lines.join("\n");
    state.composer = Some(Composer {
        opened_with,
        drafted,
        conversation: id,
        kind,
        editor: editor(lines, kind),
        reviewing: false,
        seen,
        suggestion,
        attachments: Vec::new(),
        edits: Vec::new(),
    });
    state.focus = Focus::Composer;
    effects
}

fn keep_draft(state: &mut State, c: Composer) {
    let text = c.editor.lines().join("\n");
    if text.trim().is_empty() {
        return;
    }
    state.drafts.insert(c.conversation, Draft { kind: c.kind, lines: c.editor.into_lines(), suggestion: c.suggestion });
}

pub fn leave(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    if let Some(c) = state.composer.take() {
        state.draft_dirty = None;
        let id = c.conversation.clone();
        // Left as it opened: nothing to write, and nothing to delete.
        let untouched = c.editor.lines().join("\n") == c.opened_with;
        match stored(&c) {
            Some(_) if untouched => info(state, "draft kept: r or n brings it back"),
            None if untouched => {}
            Some(d) => {
                effects.push(Effect::Sync(SyncCommand::SaveDraft(d)));
                info(state, "draft kept: r or n brings it back");
            }
            None => effects.push(Effect::Sync(SyncCommand::DeleteDraft(id))),
        }
        keep_draft(state, c);
    }
    state.focus = if state.thread.is_some() { Focus::Thread } else { Focus::List };
    if let Some(t) = state.thread.as_ref().map(|t| t.id.clone()) {
        effects.extend(super::presence::stopped_typing(state, &t));
    }
    effects
}

/// Throws the composer's draft away, here and in the store.
pub fn discard(state: &mut State) -> Vec<Effect> {
    let Some(c) = state.composer.take() else { return Vec::new() };
    state.draft_dirty = None;
    state.drafts.remove(&c.conversation);
    state.focus = if state.thread.is_some() { Focus::Thread } else { Focus::List };
    info(state, "draft thrown away");
    let mut effects = vec![Effect::Sync(SyncCommand::DeleteDraft(c.conversation.clone()))];
    effects.extend(super::presence::stopped_typing(state, &c.conversation));
    effects
}

/// The composer's text as the store keeps it; `None` when there is nothing to keep.
pub fn stored(c: &Composer) -> Option<StoredDraft> {
    let body = c.editor.lines().join("\n");
    (!body.trim().is_empty()).then(|| StoredDraft {
        conversation: c.conversation.clone(),
        kind: c.kind,
        body,
        suggestion: c.suggestion.clone(),
    })
}

/// The draft is kept a second after the typing stops (and on leaving, and at exit).
pub const DRAFT_DEBOUNCE_MS: i64 = 1000;

/// Keeps the draft if it has been still long enough.
pub fn save_if_due(state: &mut State) -> Vec<Effect> {
    let Some(dirty) = state.draft_dirty else { return Vec::new() };
    if state.now.as_millisecond() - dirty.as_millisecond() < DRAFT_DEBOUNCE_MS {
        return Vec::new();
    }
    state.draft_dirty = None;
    state.composer.as_ref().and_then(stored).map(|d| Effect::Sync(SyncCommand::SaveDraft(d))).into_iter().collect()
}

pub fn toggle_kind(state: &mut State) -> Vec<Effect> {
    if let Some(c) = &mut state.composer {
        c.kind = match c.kind {
            ReplyKind::Reply => ReplyKind::Note,
            ReplyKind::Note => ReplyKind::Reply,
        };
        c.editor.set_placeholder_text(match c.kind {
            ReplyKind::Reply => "Write your reply…",
            ReplyKind::Note => "Write a note for the team…",
        });
    }
    Vec::new()
}

pub fn review(state: &mut State) -> Vec<Effect> {
    let Some(c) = &mut state.composer else { return Vec::new() };
    if c.editor.lines().iter().all(|l| l.trim().is_empty()) {
        return unavailable(state, "nothing to send yet");
    }
    c.reviewing = true;
    let now = c.editor.lines().join("\n");
    c.edits = match &c.drafted {
        Some(drafted) if now.trim() != drafted.trim() => crate::diff::words(drafted, &now),
        _ => Vec::new(),
    };
    Vec::new()
}

pub fn external_editor(state: &mut State) -> Vec<Effect> {
    let Some(c) = &state.composer else { return Vec::new() };
    vec![Effect::Edit { conversation: c.conversation.clone(), text: c.editor.lines().join("\n") }]
}

pub fn edited(state: &mut State, conversation: &ConversationId, result: Result<String, String>) -> Vec<Effect> {
    match result {
        Ok(text) => {
            let text = frontdesk_domain::text::sanitize(&text);
            let text = text.trim_end_matches('\n');
            match &mut state.composer {
                Some(c) if &c.conversation == conversation => {
                    c.editor = editor(text.lines().map(str::to_owned).collect(), c.kind);
                }
                _ => {
                    let kind = state.drafts.get(conversation).map_or(ReplyKind::Reply, |d| d.kind);
                    state.drafts.insert(
                        conversation.clone(),
                        Draft { kind, lines: text.lines().map(str::to_owned).collect(), suggestion: None },
                    );
                }
            }
        }
        Err(why) => error(state, format!("$EDITOR failed: {why}; the draft is unchanged")),
    }
    Vec::new()
}

/// A message shown in the thread while it is being sent.
pub fn sending_message(state: &State, conversation: &ConversationId, kind: ReplyKind, body: String) -> Message {
    let me = state.me.as_ref();
    Message {
        id: MessageId::generate(),
        conversation_id: conversation.clone(),
        direction: Direction::Outbound,
        author: Author {
            kind: AuthorKind::Agent,
            id: me.map(|a| a.id.to_string()),
            name: me.map_or_else(|| "me".to_owned(), |a| a.name.clone()),
        },
        kind: match kind {
            ReplyKind::Reply => MessageKind::Reply,
            ReplyKind::Note => MessageKind::Note,
        },
        body,
        attachments: Vec::new(),
        call: None,
        created_at: state.now,
        delivery: Delivery::Queued,
    }
}

pub fn send(state: &mut State, after: After) -> Vec<Effect> {
    let Some(c) = state.composer.take() else { return Vec::new() };
    let body = c.editor.lines().join("\n").trim_end().to_owned();
    // Files alone are a message; nothing at all is not.
    if body.trim().is_empty() && c.attachments.is_empty() {
        state.composer = Some(c);
        return unavailable(state, "nothing to send yet");
    }
    let inflight = show_sending(state, &c.conversation, c.kind, &body, c.suggestion.clone(), &c.attachments);
    if let Some(t) = state.thread.as_mut().filter(|t| t.id == c.conversation)
        && c.suggestion.is_some()
    {
        t.suggestion = None;
    }
    let t = ticket(state);
    state.inflight.insert(t, inflight);
    state.draft_dirty = None;
    state.focus = Focus::Thread;
    let op = Op::Send {
        conversation: c.conversation.clone(),
        kind: c.kind,
        body,
        suggestion: c.suggestion,
        attachments: c.attachments,
    };
    let mut effects = vec![
        Effect::Sync(SyncCommand::Apply { ticket: t, op }),
        Effect::Sync(SyncCommand::DeleteDraft(c.conversation.clone())),
    ];
    let ids = [c.conversation];
    match after {
        After::Nothing => {}
        After::Close => effects.extend(triage::change(state, &ids, &Change::Close, true)),
        After::Snooze => {
            let until: Timestamp = super::local::tomorrow_morning(state.now, &state.settings.tz);
            effects.extend(triage::change(state, &ids, &Change::Snooze { until }, true));
        }
    }
    effects.extend(super::presence::stopped_typing(state, &ids[0]));
    effects
}

/// Shows a reply or note as being sent in its conversation (at the end of the
/// thread, which scrolls to it) and returns the in-flight entry that takes it off
/// again when the server answers, or gives the text back if it refuses. Used for the
/// composer, the copilot's draft, and what an earlier run left in the outbox.
pub fn show_sending(
    state: &mut State,
    conversation: &ConversationId,
    kind: ReplyKind,
    body: &str,
    suggestion: Option<SuggestionId>,
    files: &[std::path::PathBuf],
) -> Inflight {
    let mut message = sending_message(state, conversation, kind, body.to_owned());
    // Shown with the message while it goes; the path is kept for sending it again.
    message.attachments = files.iter().map(|f| super::attach::shown(f)).collect();
    let local = message.id.clone();
    state.unsent.entry(conversation.clone()).or_default().push(message);
    if let Some(t) = state.thread.as_mut().filter(|t| &t.id == conversation) {
        t.scroll = 0;
    }
    let draft = Draft { kind, lines: body.lines().map(str::to_owned).collect(), suggestion };
    let label = if kind == ReplyKind::Note { "note added" } else { "reply sent" };
    Inflight { message: Some((conversation.clone(), local, draft)), ..Inflight::new(label) }
}

/// What the agent has seen of a thread: its newest message's time, once loaded.
pub fn seen_in(t: &crate::state::Thread) -> Option<jiff::Timestamp> {
    (!t.loading).then(|| t.messages.iter().map(|m| m.created_at).max().unwrap_or(jiff::Timestamp::MIN))
}

/// Messages others wrote in the composer's thread since writing started.
pub fn arrived(state: &State) -> usize {
    let (Some(c), Some(t)) = (&state.composer, &state.thread) else { return 0 };
    let Some(seen) = c.seen.filter(|_| t.id == c.conversation) else { return 0 };
    let me = state.me.as_ref().map(|a| a.id.as_str());
    t.messages
        .iter()
        .filter(|m| m.created_at > seen && m.kind != frontdesk_domain::MessageKind::Event)
        .filter(|m| me.is_none() || m.author.id.as_deref() != me)
        .count()
}
