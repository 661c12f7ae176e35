//! The views sidebar: built-in views, then the server's saved views, with counts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::border;
use super::text::{safe_line, truncate};
use crate::state::{Focus, State};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let focused = state.focus == Focus::Sidebar;
    let block =
        crate::ui::framed(state).border_style(border(state, focused)).title(Span::styled(" Views ", theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    for (i, entry) in state.views.iter().enumerate() {
        if i == frontdesk_domain::BuiltinView::ALL.len() && width > 0 {
            lines.push(Line::styled(state.settings.glyphs.rule.repeat(width), theme.border));
        }
        let number = if i < 9 { format!("{} ", i + 1) } else { "  ".to_owned() };
        // Counted once a row: for the view on screen it walks the loaded list.
        let n = state.view_count(i);
        let count = n.map(|c| c.to_string()).unwrap_or_default();
        let name_room = width.saturating_sub(number.len() + count.width() + 1);
        let name = truncate(&safe_line(&entry.view.name), name_room, state.settings.glyphs.ellipsis);
        let pad = width.saturating_sub(number.len() + name.width() + count.width());
        let mut style = if i == state.active_view { theme.title } else { theme.base };
        if i == state.sidebar_cursor && focused {
            style = theme.selected;
        }
        let count_style =
            if entry.view.id.as_str() == "overdue" && n.unwrap_or(0) > 0 { theme.overdue } else { theme.dim };
        lines.push(Line::from(vec![
            Span::styled(number, theme.dim),
            Span::styled(name, style),
            Span::styled(" ".repeat(pad), style),
            Span::styled(count, if i == state.sidebar_cursor && focused { style } else { count_style }),
        ]));
    }
    // Accounts that cannot be reached, under the views: the others keep working.
    for (account, why) in &state.trouble {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            truncate(
                &format!("{} {} unreachable", state.settings.glyphs.overdue, safe_line(account)),
                width,
                state.settings.glyphs.ellipsis,
            ),
            theme.error,
        ));
        for l in super::text::wrap(&safe_line(why), width.saturating_sub(2).max(1)).into_iter().take(3) {
            lines.push(Line::styled(format!("  {l}"), theme.dim));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
