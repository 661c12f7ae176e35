//! Pure rendering: `render(&State, &mut Frame)` reads the state and draws it. No
//! I/O, no clock, no mutation. [`layout`] is shared with `update`, which uses it to
//! keep the selection and scroll positions on screen. One file per pane or overlay.

mod composer;
mod console;
mod copilot;
mod help;
mod list;
pub use help::lines as help_lines;
pub use list::row_at as list_row_at;
pub use prefix::continuations as prefix_continuations;
mod picker;
mod prefix;
mod sidebar;
mod statusbar;
pub mod text;
pub mod theme;
pub mod thread;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::state::{Focus, Overlay, State};

/// Widths from which the panes stand side by side.
pub const WIDE: u16 = 120;
/// Below this the sidebar folds away (its views stay on `1`–`9`, `[`, `]` and `g`).
pub const MEDIUM: u16 = 80;
const SIDEBAR_WIDTH: u16 = 22;
const SIDEBAR_NARROW: u16 = 18;

/// Where each pane goes; `None` when it is not on screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub sidebar: Option<Rect>,
    pub list: Option<Rect>,
    pub thread: Option<Rect>,
    pub copilot: Option<Rect>,
    pub composer: Option<Rect>,
    pub status: Rect,
}

impl Areas {
    /// Rows of the list that show conversations (inside its border, below the prompt).
    pub fn list_rows(&self, state: &State) -> usize {
        self.list.map_or(0, |r| {
            let prompt = usize::from(state.prompt.is_some());
            usize::from(r.height.saturating_sub(2)).saturating_sub(prompt)
        })
    }
}

/// Whether the thread takes the whole screen (narrow terminals) rather than a column.
pub fn thread_is_page(state: &State) -> bool {
    state.width < WIDE && state.thread.is_some() && matches!(state.focus, Focus::Thread | Focus::Composer)
}

pub fn layout(state: &State, area: Rect) -> Areas {
    let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let mut areas = Areas { status, ..Areas::default() };
    let thread_area = if state.width >= WIDE {
        let [side, list, thread] =
            Layout::horizontal([Constraint::Length(SIDEBAR_WIDTH), Constraint::Percentage(42), Constraint::Min(20)])
                .areas(body);
        areas.sidebar = Some(side);
        areas.list = Some(list);
        Some(thread)
    } else if thread_is_page(state) {
        Some(body)
    } else if state.width >= MEDIUM {
        let [side, list] = Layout::horizontal([Constraint::Length(SIDEBAR_NARROW), Constraint::Min(20)]).areas(body);
        areas.sidebar = Some(side);
        areas.list = Some(list);
        None
    } else if state.focus == Focus::Sidebar {
        areas.sidebar = Some(body);
        None
    } else {
        areas.list = Some(body);
        None
    };
    if let Some(t) = thread_area {
        split_thread(state, t, &mut areas);
    }
    areas
}

fn split_thread(state: &State, area: Rect, areas: &mut Areas) {
    let thread = state.thread.as_ref();
    let composer_open = state.composer.as_ref().is_some_and(|c| thread.is_some_and(|t| t.id == c.conversation));
    let show_copilot =
        !composer_open && thread.is_some_and(|t| t.suggestion.is_some() || t.suggesting) && area.height >= 12;
    let lower = if composer_open {
        (area.height * 2 / 5).clamp(5, 14)
    } else if show_copilot {
        // As tall as the draft needs, up to two fifths of the column.
        let needed = thread
            .and_then(|t| t.suggestion.as_ref())
            .map_or(3, |s| copilot::lines(state, s, usize::from(area.width.saturating_sub(2)), None).len() + 2);
        u16::try_from(needed).unwrap_or(u16::MAX).clamp(4, (area.height * 2 / 5).max(4))
    } else {
        0
    };
    let [upper, bottom] = Layout::vertical([Constraint::Min(3), Constraint::Length(lower)]).areas(area);
    areas.thread = Some(upper);
    if composer_open {
        areas.composer = Some(bottom);
    } else if show_copilot {
        areas.copilot = Some(bottom);
    }
}

pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    let areas = layout(state, area);
    if let Some(c) = &state.console {
        let [body, _] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
        console::render(state, c, frame, body);
    } else {
        inbox(state, frame, &areas);
    }
    statusbar::render(state, frame, areas.status);
    prefix::render(state, frame, area);
    match &state.overlay {
        Some(Overlay::Help { scroll }) => help::render(state, *scroll, frame, area),
        Some(Overlay::Picker(p)) => picker::render(state, p, frame, area),
        Some(Overlay::ConfirmQuit) => picker::confirm_quit(state, frame, area),
        Some(Overlay::ConfirmDelete { name, .. }) => picker::confirm_delete(state, name, frame, area),
        Some(Overlay::ConfirmDiscard) => picker::confirm_discard(state, frame, area),
        Some(Overlay::Text { title, text, scroll }) => picker::show_text(state, (title, text, *scroll), frame, area),
        Some(Overlay::ConfirmBulk { ids, change, .. }) => {
            picker::confirm_bulk(state, &format!("{} {} conversations?", change.verb(), ids.len()), frame, area);
        }
        None => {}
    }
    if state.settings.glyphs.ascii {
        ascii_punctuation(frame.buffer_mut());
    }
}

fn inbox(state: &State, frame: &mut Frame, areas: &Areas) {
    if let Some(r) = areas.sidebar {
        sidebar::render(state, frame, r);
    }
    if let Some(r) = areas.list {
        list::render(state, frame, r);
    }
    if let Some(r) = areas.thread {
        thread::render(state, frame, r);
    }
    if let Some(r) = areas.copilot {
        copilot::render(state, frame, r);
    }
    if let Some(r) = areas.composer {
        composer::render(state, frame, r);
    }
}

/// Clears `rect` for an overlay. A wide character (CJK, emoji) just left of it
/// would reach into its first column and push the overlay's border aside on a real
/// terminal (the buffer thinks the border is there; the terminal draws the
/// character's second half over it), so it is blanked too.
pub fn clear_for_overlay(frame: &mut Frame, rect: Rect) {
    frame.render_widget(ratatui::widgets::Clear, rect);
    let buf = frame.buffer_mut();
    if rect.x == 0 {
        return;
    }
    for y in rect.y..rect.bottom() {
        if let Some(cell) = buf.cell_mut((rect.x - 1, y))
            && unicode_width::UnicodeWidthStr::width(cell.symbol()) > 1
        {
            cell.set_symbol(" ");
        }
    }
}

/// In ASCII mode, the punctuation the interface's own words use, one cell for one
/// cell: a terminal without UTF-8 shows the ellipsis, the dash and the middle dot
/// as garbage. (What people wrote goes through it too, which such a terminal needs
/// as much.)
fn ascii_punctuation(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        let plain = match cell.symbol() {
            "…" => ".",
            "—" | "–" => "-",
            "·" => "|",
            "✎" => "d",
            "’" | "‘" => "'",
            "“" | "”" => "\"",
            _ => continue,
        };
        cell.set_symbol(plain);
    }
}

/// A centred rectangle of at most `w` x `h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// Borders as plain ASCII (`+-|`), for `--ascii` and terminals without UTF-8.
const ASCII_BORDER: ratatui::symbols::border::Set = ratatui::symbols::border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// A bordered block, its lines in the glyphs of the session (ASCII or Unicode).
pub fn framed(state: &State) -> ratatui::widgets::Block<'static> {
    let block = ratatui::widgets::Block::new().borders(ratatui::widgets::Borders::ALL);
    if state.settings.glyphs.ascii { block.border_set(ASCII_BORDER) } else { block }
}

/// A pane's border style by focus.
pub fn border(state: &State, focused: bool) -> ratatui::style::Style {
    if focused { state.settings.theme.border_focus } else { state.settings.theme.border }
}
