//! When to notify, as iamb and the web inboxes do it: a new customer message in a
//! conversation that is mine, or unassigned in a view the agent watches. Never for
//! the agent's own actions (only inbound customer messages count), never for the
//! conversation on screen, and what arrives together is said once.
//!
//! An inbound message arrives before its conversation's update; the rules need the
//! conversation (assignee, view membership), so the message waits for it.

use jiff::{Timestamp, ToSpan as _};

use super::local::in_view;
use crate::effect::Effect;
use crate::state::{Focus, State};
use crate::ui;
use frontdesk_domain::{AuthorKind, Conversation, Direction, Message, MessageKind};

/// How long notifications gather before they are shown as one.
pub const COALESCE_MS: i64 = 1500;

/// One notification waiting to be shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub contact: String,
    pub preview: String,
}

/// A customer message arrived: remember it until its conversation is known.
pub fn message(state: &mut State, m: &Message) {
    if !state.settings.notify
        || m.direction != Direction::Inbound
        || m.author.kind != AuthorKind::Contact
        || m.kind == MessageKind::Event
    {
        return;
    }
    state.notify.waiting.insert(m.conversation_id.clone(), frontdesk_domain::text::preview(&m.body, 120));
}

/// Whether the conversation is on screen now.
fn on_screen(state: &State, c: &Conversation) -> bool {
    state.thread.as_ref().is_some_and(|t| t.id == c.id)
        && (state.width >= ui::WIDE || matches!(state.focus, Focus::Thread | Focus::Composer))
}

/// The conversation of a waiting message is known: decide.
pub fn conversation(state: &mut State, c: &Conversation) {
    let Some(preview) = state.notify.waiting.remove(&c.id) else { return };
    if on_screen(state, c) {
        return;
    }
    let me = state.me.as_ref().map(|a| &a.id);
    let mine = c.assignee.as_ref().is_some_and(|a| Some(&a.id) == me);
    let watched = c.assignee.is_none()
        && state
            .views
            .iter()
            .filter(|v| state.settings.notify_views.contains(&v.view.id))
            .any(|v| in_view(&v.view.filter, c, me, state.now));
    if !(mine || watched) {
        return;
    }
    if state.notify.due.is_none() {
        state.notify.due = state.now.checked_add(COALESCE_MS.milliseconds()).ok();
    }
    state.notify.queue.retain(|p| p.contact != c.contact.name);
    state.notify.queue.push(Pending { contact: c.contact.name.clone(), preview });
}

/// When the gathered notifications go out.
pub fn due(state: &State) -> Option<Timestamp> {
    state.notify.due
}

/// Shows what has gathered, as one notification.
pub fn flush_if_due(state: &mut State) -> Vec<Effect> {
    if state.notify.due.is_none_or(|d| d > state.now) {
        return Vec::new();
    }
    state.notify.due = None;
    state.notify.waiting.clear();
    let queue = std::mem::take(&mut state.notify.queue);
    match queue.as_slice() {
        [] => Vec::new(),
        [one] => vec![Effect::Notify { title: one.contact.clone(), body: one.preview.clone() }],
        many => {
            let names: Vec<&str> = many.iter().map(|p| p.contact.as_str()).collect();
            let body = match names.as_slice() {
                [a, b] => format!("{a} and {b}"),
                [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
                _ => String::new(),
            };
            vec![Effect::Notify { title: format!("{} new messages", many.len()), body }]
        }
    }
}
