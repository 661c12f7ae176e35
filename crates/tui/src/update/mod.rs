//! `update(&mut State, Action) -> Vec<Effect>`: the only place state changes. It is
//! synchronous and never waits; what must happen outside comes back as effects.
//! One file per area: keys, navigation, triage (changes with rollback and undo),
//! the composer, the copilot, pickers, and what the sync engine reports.

mod attach;
pub use attach::name as attach_name;
pub mod bot;
pub mod compose;
mod console;
mod copilot;
mod create;
mod current;
mod delete;
mod keys;
pub mod local;
mod nav;
pub mod notify;
mod pickers;
mod presence;
mod sync;
mod triage;
mod unsent;
mod views;

use jiff::{Timestamp, ToSpan as _};
use ratatui::layout::Rect;

use super::action::Action;
use super::command::Command;
use super::effect::Effect;
use super::state::{Flash, Level, State};
use super::ui;

/// How long an info message stays.
const INFO_SECS: i64 = 4;

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let lit = current::lit(state);
    let mut effects = dispatch(state, action);
    // One conversation under the eye, whatever the action did.
    effects.extend(current::settle(state, lit.as_ref()));
    effects
}

fn dispatch(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => keys::key(state, key),
        Action::Mouse(m) => nav::mouse(state, m),
        Action::Paste(text) => keys::paste(state, &text),
        Action::Resize(w, h) => {
            state.width = w;
            state.height = h;
            nav::keep_visible(state);
            Vec::new()
        }
        Action::Command(c) => command(state, c),
        Action::Sync(event) => sync::event(state, event),
        Action::Clock(now) => {
            clock(state, now);
            let mut effects = compose::save_if_due(state);
            effects.extend(notify::flush_if_due(state));
            effects.extend(presence::tick(state));
            effects
        }
        Action::Edited { conversation, result } => compose::edited(state, &conversation, result),
        Action::ConfigEdited { agent, result } => console::edited(state, agent, result),
        Action::NewConversationEdited(result) => create::edited(state, result),
        Action::EffectFailed(why) => {
            error(state, why);
            Vec::new()
        }
        Action::Notice(text) => {
            info(state, text);
            Vec::new()
        }
        Action::ShowText { title, text } => {
            state.overlay = Some(crate::state::Overlay::Text { title, text, scroll: 0 });
            Vec::new()
        }
    }
}

/// Runs one named command.
#[allow(clippy::too_many_lines)] // One arm per command: a dispatch table, not logic.
pub fn command(state: &mut State, c: Command) -> Vec<Effect> {
    use Command as C;
    // Said when the key is pressed, before anything is changed on screen.
    if !c.available(&state.caps) {
        return unavailable(state, c.unavailable_why());
    }
    match c {
        C::Quit => nav::quit(state),
        C::Suspend => {
            // The draft is on disk before the process stops: a stopped job may be
            // killed rather than brought back.
            let draft = state.composer.as_ref().and_then(compose::stored);
            let mut effects: Vec<Effect> =
                draft.map(|d| Effect::Sync(frontdesk_sync::SyncCommand::SaveDraft(d))).into_iter().collect();
            effects.push(Effect::Suspend);
            effects
        }
        C::Help => {
            state.overlay = Some(super::state::Overlay::Help { scroll: 0 });
            Vec::new()
        }
        C::Palette => pickers::open_palette(state),
        C::NextPane | C::PrevPane => nav::cycle_pane(state, c == C::NextPane),
        C::Down | C::Up | C::First | C::Last | C::PageDown | C::PageUp => nav::movement(state, c),
        C::Open => nav::open(state),
        C::Back => nav::back(state),
        C::NextUnread => nav::next_unread(state),
        C::NextConversation => current::step(state, true),
        C::PrevConversation => current::step(state, false),
        C::MostUrgent => nav::most_urgent(state),
        C::View1 | C::View2 | C::View3 | C::View4 | C::View5 | C::View6 | C::View7 | C::View8 | C::View9 => {
            let n = Command::ALL.iter().position(|x| *x == c).unwrap_or(0)
                - Command::ALL.iter().position(|x| *x == C::View1).unwrap_or(0);
            nav::go_view(state, n)
        }
        C::GoUnread | C::GoStarred | C::GoMine | C::GoAll | C::GoOverdue => {
            let id = match c {
                C::GoUnread => "unread",
                C::GoStarred => "starred",
                C::GoMine => "mine",
                C::GoOverdue => "overdue",
                _ => "all",
            };
            match state.views.iter().position(|v| v.view.id.as_str() == id) {
                Some(i) => nav::go_view(state, i),
                None => unavailable(state, "this account has no such view"),
            }
        }
        C::NextView | C::PrevView => {
            let n = state.views.len().max(1);
            let i = if c == C::NextView { (state.active_view + 1) % n } else { (state.active_view + n - 1) % n };
            nav::go_view(state, i)
        }
        C::Search => nav::search(state),
        C::Refresh => nav::refresh(state),
        C::Reply => compose::open(state, frontdesk_domain::ReplyKind::Reply),
        C::Note => compose::open(state, frontdesk_domain::ReplyKind::Note),
        C::CloseNext => triage::close(state, true),
        C::Close => triage::close(state, false),
        C::Reopen => triage::simple(state, &frontdesk_domain::Change::Reopen),
        C::SetPending => triage::simple(state, &frontdesk_domain::Change::Pending),
        C::Star => triage::star(state),
        C::ToggleRead => triage::toggle_read(state),
        C::Undo => triage::undo(state),
        C::Assign => pickers::open_assign(state),
        C::AssignMe => triage::assign_me(state),
        C::Unassign => triage::simple(state, &frontdesk_domain::Change::Unassign),
        C::Tags => pickers::open_tags(state),
        C::DeleteConversation => delete::ask_conversation(state),
        C::SaveView => views::open_save(state),
        C::DeleteView => delete::ask_view(state),
        C::FindConversation => bot::open_find(state),
        C::BotMessage => bot::open(state, bot::BotKind::Message),
        C::BotEvent => bot::open(state, bot::BotKind::Event),
        C::BotCustomEvent => bot::open(state, bot::BotKind::CustomEvent),
        C::BotStep => bot::open(state, bot::BotKind::Step),
        C::Attach => attach::open(state),
        C::Snooze => pickers::open_snooze(state),
        C::SnoozeTomorrow => {
            let until = local::tomorrow_morning(state.now, &state.settings.tz);
            triage::snooze(state, until)
        }
        C::Archive => triage::simple(state, &frontdesk_domain::Change::Archive),
        C::Priority => pickers::open_priority(state),
        C::NewConversation => create::open(state),
        C::TakeOver => copilot::take_over(state),
        C::ResolveHandoff => copilot::resolve_handoff(state),
        C::SendSuggestion => copilot::send(state),
        C::DismissSuggestion => copilot::dismiss(state),
        C::AskSuggestion => copilot::ask(state),
        C::EditSuggestion => copilot::edit(state),
        C::CopyLink => nav::copy_link(state),
        C::OpenLink => nav::open_link(state),
        C::CopyMessage => nav::copy_message(state),
        C::RetrySend => unsent::retry(state),
        C::DiscardSend => unsent::discard(state),
        C::SwitchAccount => pickers::open_accounts(state),
        C::AgentsConsole => console::open(state),
        C::AgentsClose
        | C::AgentsBack
        | C::AgentDown
        | C::AgentUp
        | C::AgentOpen
        | C::AgentFilter
        | C::AgentDeploy
        | C::AgentPause
        | C::AgentResume
        | C::AgentDelete
        | C::AgentNew
        | C::AgentEdit
        | C::AgentChat
        | C::AgentConversations
        | C::AgentsRefresh
        | C::ChatSend
        | C::ChatLeave
        | C::ChatTools
        | C::ChatNew => console::command(state, c),
        C::Mark => nav::mark(state),
        C::MarkRange => nav::mark_range(state),
        C::MarkAll => nav::mark_all(state),
        C::ToggleFold => {
            if let Some(t) = &mut state.thread {
                t.unfolded = !t.unfolded;
            }
            Vec::new()
        }
        C::SendReview => compose::review(state),
        C::ExternalEditor => compose::external_editor(state),
        C::ToggleNote => compose::toggle_kind(state),
        C::Canned => pickers::open_canned(state),
        C::CancelCompose => compose::leave(state),
        C::DiscardDraft => {
            if state.composer.is_some() {
                state.overlay = Some(crate::state::Overlay::ConfirmDiscard);
            }
            Vec::new()
        }
        C::ConfirmSend => compose::send(state, compose::After::Nothing),
        C::SendClose => compose::send(state, compose::After::Close),
        C::SendSnooze => compose::send(state, compose::After::Snooze),
        C::BackToEdit => {
            if let Some(c) = &mut state.composer {
                c.reviewing = false;
            }
            Vec::new()
        }
    }
}

fn clock(state: &mut State, now: Timestamp) {
    state.now = now;
    if state.status.flash.as_ref().is_some_and(|f| f.until.is_some_and(|u| u <= now)) {
        state.status.flash = None;
    }
    if state.status.undo.as_ref().is_some_and(|u| u.until <= now) {
        state.status.undo = None;
    }
}

pub(crate) fn info(state: &mut State, text: impl Into<String>) {
    let until = state.now.checked_add(INFO_SECS.seconds()).ok();
    state.status.flash = Some(Flash { text: text.into(), level: Level::Info, until });
}

pub(crate) fn error(state: &mut State, text: impl Into<String>) {
    state.status.flash = Some(Flash { text: text.into(), level: Level::Error, until: None });
}

/// The command cannot run here: say why instead of doing nothing.
pub(crate) fn unavailable(state: &mut State, why: &str) -> Vec<Effect> {
    info(state, why.to_owned());
    Vec::new()
}

/// A key that needs a conversation, with none lit: while a view's first page is
/// on its way there is nothing to act on yet, and saying so is truer than "none".
pub(crate) fn no_target(state: &mut State) -> Vec<Effect> {
    let why = if state.list.loading && state.list.is_empty() {
        "the list is still loading: nothing is selected yet"
    } else {
        "no conversation selected"
    };
    unavailable(state, why)
}

pub(crate) fn ticket(state: &mut State) -> u64 {
    let t = state.next_ticket;
    state.next_ticket += 1;
    t
}

/// When presence next changes by itself (for the schedule).
pub fn presence_change(state: &State) -> Option<jiff::Timestamp> {
    presence::next_change(state)
}

pub(crate) fn areas(state: &State) -> ui::Areas {
    ui::layout(state, Rect::new(0, 0, state.width, state.height))
}

/// The first list request.
pub fn nav_reload(state: &mut State) -> Effect {
    nav::reload_list(state)
}

/// What the first screen asks for (used by `tui::init`): who-am-I and the views,
/// and the list.
pub fn first_screen(state: &mut State) -> Vec<Effect> {
    vec![nav::bootstrap(state), nav::reload_list(state)]
}
