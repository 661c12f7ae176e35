//! Moving around: selection and scrolling, panes, views, opening and leaving a
//! thread, the `/` prompt, marks, the mouse, links and quitting.

use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};

use super::{areas, error, info, no_target, triage, unavailable};
use crate::command::Command;
use crate::effect::Effect;
use crate::state::{ConversationList, Focus, Going, Prompt, State, Thread};
use crate::ui;
use frontdesk_domain::{Change, ConversationId, MessageKind, ViewFilter};
use frontdesk_provider::{ListQuery, Towards};
use frontdesk_sync::{Place, SyncCommand};

/// Conversations asked for per page.
pub const PAGE: u32 = 100;
/// Load the next page when the selection comes this close to the end.
const PREFETCH: usize = 30;
/// Rows a mouse wheel step moves.
const WHEEL: usize = 3;

pub fn quit(state: &mut State) -> Vec<Effect> {
    if state.pending_sends() > 0 {
        state.overlay = Some(crate::state::Overlay::ConfirmQuit);
        return Vec::new();
    }
    state.quit = true;
    vec![Effect::Quit]
}

/// Keeps the list selection on screen.
/// Rows of the page just left that stay on screen when the list turns a page.
const PAGE_CONTEXT: usize = 2;

/// Keeps the selection on screen. A step off the edge turns the page (the lit row
/// near the top, two rows of the page before above it) rather than scrolling by a
/// line: a line's scroll rewrites every row of the list, a page's once per page, so
/// over SSH a move writes the two rows that changed. A jump (G, a search) puts the
/// selection at the edge it came to.
pub fn keep_visible(state: &mut State) {
    let rows = areas(state).list_rows(state).max(1);
    let list = &mut state.list;
    list.selected = list.selected.min(list.len().saturating_sub(1));
    let context = PAGE_CONTEXT.min(rows.saturating_sub(1) / 2);
    if list.selected + 1 == list.offset {
        list.offset = (list.selected + 1 + context).saturating_sub(rows);
    } else if list.selected < list.offset {
        list.offset = list.selected;
    } else if list.selected == list.offset + rows {
        list.offset = list.selected.saturating_sub(context);
    } else if list.selected > list.offset + rows {
        list.offset = list.selected + 1 - rows;
    }
    list.offset = list.offset.min(list.len().saturating_sub(rows));
}

/// Asks for the first page of the active view (or search).
pub fn reload_list(state: &mut State) -> Effect {
    state.list.generation += 1;
    state.list.going = None;
    state.list.loading = true;
    let query = list_query(state, None, Towards::Down);
    Effect::Sync(SyncCommand::List { generation: state.list.generation, query, at: Place::Replace })
}

fn list_query(state: &State, cursor: Option<String>, towards: Towards) -> ListQuery {
    let (view, filter) = match &state.list.search {
        Some(q) => (Some("all".into()), ViewFilter { q: Some(q.clone()), ..ViewFilter::default() }),
        None => (Some(state.view_id()), ViewFilter::default()),
    };
    ListQuery { view, filter, cursor, towards, limit: PAGE, ..ListQuery::default() }
}

/// The next page, when the selection nears the end of what is loaded; the page
/// above, when it nears the top of rows read from the view's end.
pub fn maybe_load_more(state: &mut State) -> Vec<Effect> {
    let list = &state.list;
    if list.loading {
        return Vec::new();
    }
    let (cursor, towards, at) = match (&list.next_cursor, &list.prev_cursor) {
        (Some(next), _) if list.selected + PREFETCH >= list.len() => (next.clone(), Towards::Down, Place::Below),
        (_, Some(prev)) if list.selected < PREFETCH => (prev.clone(), Towards::Up, Place::Above),
        _ => return Vec::new(),
    };
    state.list.loading = true;
    let query = list_query(state, Some(cursor), towards);
    vec![Effect::Sync(SyncCommand::List { generation: state.list.generation, query, at })]
}

/// `G` where the backend gives a view's last page: asked for at once, in place of
/// the rows loaded (the pages between are never read). The lit row, and the thread
/// with it, stay until the page is here: nothing between is opened for nothing.
fn jump_to_end(state: &mut State) -> Effect {
    state.list.generation += 1;
    state.list.going = Some(Going::End);
    state.list.loading = true;
    let query = list_query(state, None, Towards::Up);
    Effect::Sync(SyncCommand::List { generation: state.list.generation, query, at: Place::Replace })
}

/// Loads `id`'s thread into the thread pane. `read` marks it read (an explicit open).
pub fn open_thread(state: &mut State, id: &ConversationId, read: bool) -> Vec<Effect> {
    let same = state.thread.as_ref().is_some_and(|t| &t.id == id);
    // Most often the lit row: found without walking the list (on the way to the
    // end with `G`, this runs for every page).
    let conversation = state
        .list
        .current()
        .filter(|c| &c.id == id)
        .or_else(|| state.list.items.iter().find(|c| &c.id == id))
        .cloned()
        .or_else(|| state.thread.as_ref().filter(|t| &t.id == id).and_then(|t| t.conversation.clone()));
    let generation = state.thread.as_ref().map_or(0, |t| t.generation) + 1;
    let mut effects = Vec::new();
    if !same {
        let previous = state.thread.as_ref().map(|t| t.id.clone());
        effects.extend(super::presence::opened(state, previous, id));
        state.thread = Some(Thread {
            id: id.clone(),
            conversation: conversation.clone(),
            messages: Vec::new(),
            loading: true,
            failed: None,
            generation,
            scroll: 0,
            unfolded: false,
            suggestion: None,
            suggesting: false,
            older: None,
            loading_older: false,
        });
        effects.push(Effect::Sync(SyncCommand::Thread { generation, id: id.clone() }));
    }
    if read && conversation.is_some_and(|c| c.unread) {
        effects.extend(triage::quiet_change(state, id, &Change::Read));
    }
    effects
}

/// In the wide layout the thread pane follows the selection.
pub(crate) fn follow_selection(state: &mut State) -> Vec<Effect> {
    if state.width < ui::WIDE || state.focus != Focus::List {
        return Vec::new();
    }
    match state.list.current().map(|c| c.id.clone()) {
        Some(id) => open_thread(state, &id, false),
        None => Vec::new(),
    }
}

pub fn movement(state: &mut State, c: Command) -> Vec<Effect> {
    match state.focus {
        Focus::Sidebar => {
            let n = state.views.len();
            let cur = &mut state.sidebar_cursor;
            *cur = match c {
                Command::Down => (*cur + 1).min(n.saturating_sub(1)),
                Command::Up => cur.saturating_sub(1),
                Command::First | Command::PageUp => 0,
                _ => n.saturating_sub(1),
            };
            Vec::new()
        }
        Focus::Thread | Focus::Composer => {
            let Some(width) = areas(state).thread.map(|r| usize::from(r.width.saturating_sub(2))) else {
                return Vec::new();
            };
            let height = areas(state).thread.map_or(1, |r| usize::from(r.height.saturating_sub(2)));
            let Some(t) = &state.thread else { return Vec::new() };
            let total = ui::thread::lines(state, t, width).len();
            let max = total.saturating_sub(height.saturating_sub(3));
            let half = (height / 2).max(1);
            let mut effects = Vec::new();
            if let Some(t) = &mut state.thread {
                t.scroll = match c {
                    Command::Down => t.scroll.saturating_sub(1),
                    Command::Up => (t.scroll + 1).min(max),
                    Command::PageDown => t.scroll.saturating_sub(half),
                    Command::PageUp => (t.scroll + half).min(max),
                    Command::First => max,
                    _ => 0,
                };
                // At the top with more above: load them (once at a time).
                if t.scroll >= max
                    && !t.loading_older
                    && let Some(cursor) = t.older.clone()
                {
                    t.loading_older = true;
                    effects.push(Effect::Sync(SyncCommand::Older {
                        generation: t.generation,
                        id: t.id.clone(),
                        cursor,
                    }));
                }
            }
            effects
        }
        Focus::List => {
            // `G` goes to the end of the view: its last page asked for where the
            // backend can, else the pages still to come loaded one after another,
            // the selection following; any other move stops it. `g g` over rows
            // read from the end asks for the view's first page.
            let list = &state.list;
            let was = list.going;
            state.list.going = match c {
                Command::Last if list.next_cursor.is_some() && state.caps.list_upward => Some(Going::End),
                Command::Last if list.next_cursor.is_some() => Some(Going::Down),
                Command::First if list.prev_cursor.is_some() => Some(Going::Top),
                _ => None,
            };
            match state.list.going {
                Some(Going::End) => return vec![jump_to_end(state)],
                Some(Going::Top) => {
                    let effect = reload_list(state);
                    state.list.going = Some(Going::Top);
                    return vec![effect];
                }
                Some(Going::Down) | None => {}
            }
            // A move while the end or the top is on its way calls it off: its page,
            // when it comes, would take the rows from under the move.
            if matches!(was, Some(Going::End | Going::Top)) {
                state.list.generation += 1;
                state.list.loading = false;
            }
            let rows = areas(state).list_rows(state).max(1);
            let len = state.list.len();
            let sel = &mut state.list.selected;
            *sel = match c {
                Command::Down => (*sel + 1).min(len.saturating_sub(1)),
                Command::Up => sel.saturating_sub(1),
                Command::PageDown => (*sel + rows / 2).min(len.saturating_sub(1)),
                Command::PageUp => sel.saturating_sub(rows / 2),
                Command::First => 0,
                _ => len.saturating_sub(1),
            };
            keep_visible(state);
            let mut effects = maybe_load_more(state);
            if state.list.going.is_none() {
                effects.extend(follow_selection(state));
            }
            effects
        }
    }
}

/// Puts the selection back on conversation `id` if it is shown.
pub fn select_id(state: &mut State, id: &ConversationId) {
    if let Some(row) = (0..state.list.len()).find(|&r| state.list.row(r).is_some_and(|c| &c.id == id)) {
        state.list.selected = row;
        keep_visible(state);
    }
}

pub fn select(state: &mut State, row: usize) -> Vec<Effect> {
    state.list.selected = row;
    keep_visible(state);
    let mut effects = maybe_load_more(state);
    effects.extend(follow_selection(state));
    effects
}

pub fn open(state: &mut State) -> Vec<Effect> {
    match state.focus {
        Focus::Sidebar => {
            let i = state.sidebar_cursor;
            let effects = go_view(state, i);
            state.focus = Focus::List;
            effects
        }
        Focus::List => {
            let Some(id) = state.list.current().map(|c| c.id.clone()) else {
                return no_target(state);
            };
            let effects = open_thread(state, &id, true);
            state.focus = Focus::Thread;
            effects
        }
        Focus::Thread | Focus::Composer => Vec::new(),
    }
}

pub fn back(state: &mut State) -> Vec<Effect> {
    if matches!(state.focus, Focus::Thread) {
        state.focus = Focus::List;
        keep_visible(state);
        return Vec::new();
    }
    if state.focus == Focus::Sidebar {
        state.focus = Focus::List;
        return Vec::new();
    }
    if !state.list.marked.is_empty() {
        state.list.marked.clear();
        return Vec::new();
    }
    if state.list.filter.take().is_some() {
        apply_filter(state);
        return Vec::new();
    }
    if state.list.search.take().is_some() {
        state.list.selected = 0;
        return vec![reload_list(state)];
    }
    Vec::new()
}

pub fn cycle_pane(state: &mut State, forward: bool) -> Vec<Effect> {
    let mut order = vec![Focus::Sidebar, Focus::List];
    if state.thread.is_some() {
        order.push(Focus::Thread);
    }
    // The composer takes keys only where it is drawn: under its own thread.
    if state.composer.as_ref().is_some_and(|c| state.thread.as_ref().is_some_and(|t| t.id == c.conversation)) {
        order.push(Focus::Composer);
    }
    let i = order.iter().position(|f| *f == state.focus).unwrap_or(1);
    let n = order.len();
    state.focus = order[if forward { (i + 1) % n } else { (i + n - 1) % n }];
    if state.focus == Focus::Sidebar {
        state.sidebar_cursor = state.active_view;
    }
    Vec::new()
}

pub fn go_view(state: &mut State, i: usize) -> Vec<Effect> {
    if i >= state.views.len() {
        return unavailable(state, &format!("there is no view {}", i + 1));
    }
    state.active_view = i;
    state.sidebar_cursor = i;
    state.list = ConversationList::starting(state.list.generation);
    if state.focus != Focus::Composer {
        state.focus = Focus::List;
    }
    vec![reload_list(state)]
}

pub fn next_unread(state: &mut State) -> Vec<Effect> {
    let len = state.list.len();
    let start = state.list.selected + 1;
    match (start..len).chain(0..start).find(|&r| state.list.row(r).is_some_and(|c| c.unread)) {
        Some(row) => select(state, row),
        None => unavailable(state, "no unread conversation in this list"),
    }
}

pub fn most_urgent(state: &mut State) -> Vec<Effect> {
    state.seeking_urgent = true;
    info(state, "finding the most urgent conversation…");
    vec![Effect::Sync(SyncCommand::Urgent)]
}

/// Who-am-I, the team and the views, asked once until answered.
pub fn bootstrap(state: &mut State) -> Effect {
    state.bootstrapping = true;
    Effect::Sync(SyncCommand::Bootstrap)
}

pub fn refresh(state: &mut State) -> Vec<Effect> {
    let mut effects = vec![bootstrap(state), reload_list(state)];
    if let Some(t) = &mut state.thread {
        t.generation += 1;
        effects.push(Effect::Sync(SyncCommand::Thread { generation: t.generation, id: t.id.clone() }));
    }
    info(state, "refreshing…");
    effects
}

pub fn search(state: &mut State) -> Vec<Effect> {
    let text = state.list.filter.clone().unwrap_or_default();
    state.prompt = Some(Prompt { text, server: false });
    if state.focus != Focus::List && state.width < ui::WIDE {
        state.focus = Focus::List;
    }
    Vec::new()
}

/// Recomputes which loaded rows pass the local filter, keeping the selection on the
/// same conversation when it still shows.
pub fn apply_filter(state: &mut State) {
    let current = state.list.current().map(|c| c.id.clone());
    let filter = state.prompt.as_ref().filter(|p| !p.server).map(|p| p.text.clone()).or(state.list.filter.clone());
    state.list.visible = filter.filter(|f| !f.trim().is_empty()).map(|f| {
        let needle = f.to_lowercase();
        state
            .list
            .items
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.contact.name.to_lowercase().contains(&needle)
                    || c.subject.as_deref().is_some_and(|s| s.to_lowercase().contains(&needle))
                    || c.last_message.as_ref().is_some_and(|m| m.preview.to_lowercase().contains(&needle))
                    || c.tags.iter().any(|t| t.to_lowercase().contains(&needle))
            })
            .map(|(i, _)| i)
            .collect()
    });
    // Rows appended below leave the lit one where it was: no need to look for it.
    let still = current.is_some() && state.list.row(state.list.selected).map(|c| &c.id) == current.as_ref();
    if !still {
        state.list.selected = current
            .and_then(|id| (0..state.list.len()).find(|&r| state.list.row(r).is_some_and(|c| c.id == id)))
            .unwrap_or(0);
    }
    keep_visible(state);
}

pub fn prompt_key(state: &mut State, ev: KeyEvent) -> Vec<Effect> {
    let Some(p) = &mut state.prompt else { return Vec::new() };
    match ev.code {
        KeyCode::Esc => {
            state.prompt = None;
            state.list.filter = None;
            apply_filter(state);
        }
        KeyCode::Enter => {
            let Some(p) = state.prompt.take() else { return Vec::new() };
            let text = p.text.trim().to_owned();
            if p.server && !text.is_empty() {
                if !state.caps.search {
                    return unavailable(state, "this account has no server search");
                }
                state.list.filter = None;
                state.list.visible = None;
                state.list.search = Some(text);
                state.list.selected = 0;
                state.list.offset = 0;
                return vec![reload_list(state)];
            }
            state.list.filter = (!text.is_empty()).then_some(text);
            apply_filter(state);
        }
        KeyCode::Tab => {
            p.server = !p.server;
            apply_filter(state);
        }
        KeyCode::Backspace => {
            p.text.pop();
            apply_filter(state);
        }
        KeyCode::Char(c) if !ev.modifiers.contains(crossterm::event::KeyModifiers::CONTROL) => {
            p.text.push(c);
            apply_filter(state);
        }
        _ => {}
    }
    Vec::new()
}

pub fn mark(state: &mut State) -> Vec<Effect> {
    let Some(id) = state.list.current().map(|c| c.id.clone()) else { return Vec::new() };
    if !state.list.marked.remove(&id) {
        state.list.marked.insert(id);
    }
    state.list.anchor = Some(state.list.selected);
    movement(state, Command::Down)
}

pub fn mark_range(state: &mut State) -> Vec<Effect> {
    let Some(anchor) = state.list.anchor else { return mark(state) };
    let (a, b) = (anchor.min(state.list.selected), anchor.max(state.list.selected));
    for r in a..=b {
        if let Some(c) = state.list.row(r) {
            let id = c.id.clone();
            state.list.marked.insert(id);
        }
    }
    Vec::new()
}

pub fn mark_all(state: &mut State) -> Vec<Effect> {
    let all: Vec<ConversationId> =
        (0..state.list.len()).filter_map(|r| state.list.row(r).map(|c| c.id.clone())).collect();
    if !all.is_empty() && all.iter().all(|id| state.list.marked.contains(id)) {
        state.list.marked.clear();
    } else {
        state.list.marked.extend(all);
        if state.list.next_cursor.is_some() {
            info(state, "marked what is loaded; scroll to load more");
        }
    }
    Vec::new()
}

pub fn mouse(state: &mut State, m: MouseEvent) -> Vec<Effect> {
    if !state.settings.mouse || state.overlay.is_some() {
        return Vec::new();
    }
    let a = areas(state);
    let inside = |r: Option<ratatui::layout::Rect>| r.is_some_and(|r| r.contains((m.column, m.row).into()));
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(row) = ui::list_row_at(state, &a, m.column, m.row) {
                state.focus = Focus::List;
                return select(state, row);
            }
            if let Some(r) = a.sidebar.filter(|r| r.contains((m.column, m.row).into())) {
                let mut i = usize::from(m.row.saturating_sub(r.y + 1));
                let builtins = frontdesk_domain::BuiltinView::ALL.len();
                if i == builtins {
                    return Vec::new(); // the rule between built-in and saved views
                }
                if i > builtins {
                    i -= 1;
                }
                return go_view(state, i);
            }
            if inside(a.thread) {
                state.focus = Focus::Thread;
            }
            Vec::new()
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let down = m.kind == MouseEventKind::ScrollDown;
            let command = if down { Command::Down } else { Command::Up };
            let focus = state.focus;
            state.focus = if inside(a.thread) { Focus::Thread } else { Focus::List };
            let mut effects = Vec::new();
            for _ in 0..WHEEL {
                effects.extend(movement(state, command));
            }
            state.focus = focus;
            effects
        }
        _ => Vec::new(),
    }
}

pub fn copy_link(state: &mut State) -> Vec<Effect> {
    let Some(c) = state.target() else { return no_target(state) };
    // In the unified inbox the account's own template takes the account's own id.
    let own = c.origin.as_ref().and_then(|o| {
        state
            .settings
            .account_links
            .iter()
            .find(|(a, _)| *a == o.account)
            .map(|(_, t)| t.replace("{id}", o.id.as_str()))
    });
    let link = own.unwrap_or_else(|| state.settings.link_template.replace("{id}", c.id.as_str()));
    vec![Effect::Copy { what: format!("the link {link}"), text: link }]
}

pub fn copy_message(state: &mut State) -> Vec<Effect> {
    let Some(m) = state.thread.as_ref().and_then(|t| t.messages.iter().rev().find(|m| m.kind != MessageKind::Event))
    else {
        return unavailable(state, "no message to copy");
    };
    vec![Effect::Copy { text: m.body.clone(), what: "the newest message".to_owned() }]
}

/// The first web link in the thread, newest message first.
pub fn open_link(state: &mut State) -> Vec<Effect> {
    let Some(t) = &state.thread else { return unavailable(state, "open a conversation first") };
    let url = t.messages.iter().rev().filter(|m| m.kind != MessageKind::Event).find_map(|m| {
        m.body
            .split_whitespace()
            .find(|w| w.starts_with("https://") || w.starts_with("http://"))
            .map(|w| w.trim_end_matches(['.', ',', ')', '>', '"', '\'', ';', '!']).to_owned())
    });
    if let Some(url) = url {
        return vec![Effect::OpenUrl(url)];
    }
    error(state, "no link in this thread");
    Vec::new()
}
