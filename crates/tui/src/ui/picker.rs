//! The fuzzy picker overlay (palette, agents, snooze times, tags, canned replies)
//! and the quit confirmation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::centered;
use super::text::{safe_line, truncate};
use crate::state::{PickPurpose, PickValue, Picker, State};

pub fn render(state: &State, picker: &Picker, frame: &mut Frame, area: Rect) {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let height = u16::try_from(picker.items.len())
        .unwrap_or(u16::MAX)
        .saturating_add(4)
        .clamp(6, area.height.saturating_sub(2).max(6));
    let rect = centered(area, 64, height);
    crate::ui::clear_for_overlay(frame, rect);
    let hint = match picker.purpose {
        PickPurpose::Tags { .. } => " Space toggles · Enter applies · Esc cancels ",
        _ => " Enter chooses · Esc cancels ",
    };
    let block = crate::ui::framed(state)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {} ", picker.title), theme.title))
        .title_bottom(Line::styled(hint, theme.dim));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = usize::from(inner.width);
    let mut lines = vec![Line::from(vec![
        Span::styled("> ", theme.key),
        Span::raw(safe_line(&picker.query).into_owned()),
        Span::styled(state.settings.glyphs.cursor, theme.key),
    ])];
    let rows = usize::from(inner.height).saturating_sub(1);
    let start = picker.cursor.saturating_sub(rows.saturating_sub(1));
    if picker.matches.is_empty() {
        lines.push(Line::styled("  no match", theme.dim));
    }
    for (pos, &i) in picker.matches.iter().enumerate().skip(start).take(rows) {
        let item = &picker.items[i];
        let check = match (&picker.purpose, &item.value) {
            (PickPurpose::Tags { chosen, .. }, PickValue::Tag(t)) => {
                if chosen.contains(t) {
                    "[x] "
                } else {
                    "[ ] "
                }
            }
            _ => "",
        };
        let detail = safe_line(&item.detail);
        let label_room = width.saturating_sub(detail.width() + 3 + check.len());
        let label = truncate(&safe_line(&item.label), label_room, glyphs.ellipsis);
        let pad = width.saturating_sub(2 + check.len() + label.width() + detail.width());
        let style = if pos == picker.cursor { theme.selected } else { theme.base };
        lines.push(Line::from(vec![
            Span::styled(format!("  {check}{label}"), style),
            Span::styled(" ".repeat(pad), style),
            Span::styled(detail.into_owned(), if pos == picker.cursor { style } else { theme.dim }),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn confirm_delete(state: &State, name: &str, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let rect = centered(area, 56, 5);
    crate::ui::clear_for_overlay(frame, rect);
    let block =
        crate::ui::framed(state).border_style(theme.error).title(Span::styled(" Delete for good? ", theme.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let text = vec![
        Line::raw(format!("Delete {name}?")),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" delete for good   "),
            Span::styled("any other key", theme.key),
            Span::raw(" keep it"),
        ]),
    ];
    frame.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }), inner);
}

pub fn confirm_quit(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let rect = centered(area, 56, 5);
    crate::ui::clear_for_overlay(frame, rect);
    let block = crate::ui::framed(state).border_style(theme.error).title(Span::styled(" Quit? ", theme.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let n = state.pending_sends();
    // The outbox has them on disk: nothing is lost, but the agent should know they
    // wait for the next start.
    let said = match (n, state.composer.is_some()) {
        (0, true) => "The draft is kept; it comes back with r.".to_owned(),
        (n, true) => format!("The draft is kept; {n} message(s) not yet confirmed, sent on the next start."),
        (n, false) => format!("{n} message(s) not yet confirmed; sent on the next start."),
    };
    let text = vec![
        Line::raw(said),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" quit anyway   "),
            Span::styled("any other key", theme.key),
            Span::raw(" stay"),
        ]),
    ];
    frame.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }), inner);
}

/// "Archive 46 conversations?" before a change to many at once.
pub fn confirm_bulk(state: &State, question: &str, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let rect = centered(area, 56, 5);
    crate::ui::clear_for_overlay(frame, rect);
    let block = crate::ui::framed(state).border_style(theme.error).title(Span::styled(" So many? ", theme.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let text = vec![
        Line::raw(question.to_owned()),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" go ahead   "),
            Span::styled("any other key", theme.key),
            Span::raw(" leave them as they are"),
        ]),
    ];
    frame.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }), inner);
}

/// "Throw the draft away?" before a draft goes for good.
pub fn confirm_discard(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let rect = centered(area, 56, 5);
    crate::ui::clear_for_overlay(frame, rect);
    let block = crate::ui::framed(state).border_style(theme.error).title(Span::styled(" Discard? ", theme.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let text = vec![
        Line::raw("Throw this draft away?"),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" throw it away   "),
            Span::styled("any other key", theme.key),
            Span::raw(" keep writing"),
        ]),
    ];
    frame.render_widget(Paragraph::new(text), inner);
}

/// Text shown whole, wrapped, to read or select by hand; `Y` copies it.
pub fn show_text(state: &State, (title, text, scroll): (&str, &str, usize), frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let rect = centered(area, 100, area.height.saturating_sub(4).min(20));
    crate::ui::clear_for_overlay(frame, rect);
    let block = crate::ui::framed(state)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {} ", crate::ui::text::safe_line(title)), theme.title))
        .title_bottom(Line::styled(" Y copies · Esc closes ", theme.dim));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let lines: Vec<Line> = crate::ui::text::wrap(&crate::ui::text::safe(text), usize::from(inner.width))
        .into_iter()
        .skip(scroll)
        .map(Line::raw)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
