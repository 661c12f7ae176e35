//! The help overlay, generated from the live keymap so it never drifts from what
//! the keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use super::text::fit;
use crate::tui::command::Context;
use crate::tui::state::State;

/// Every line of the overlay; `update` bounds scrolling with its length.
pub fn lines(state: &State) -> Vec<Line<'static>> {
    let (theme, keymap) = (&state.settings.theme, &state.settings.keymap);
    let mut out = Vec::new();
    for ctx in Context::ALL {
        let bindings = keymap.bindings(ctx);
        if bindings.is_empty() {
            continue;
        }
        out.push(Line::styled(ctx.title().to_owned(), theme.title));
        // One line per command, its keys together.
        let mut seen: Vec<(crate::tui::command::Command, Vec<String>)> = Vec::new();
        for (keys, command) in bindings {
            match seen.iter_mut().find(|(c, _)| *c == command) {
                Some((_, k)) => k.push(keys),
                None => seen.push((command, vec![keys])),
            }
        }
        seen.sort_by_key(|(c, _)| *c);
        for (command, keys) in seen {
            // Shown, not hidden, so the keys stay learnable; greyed with the reason.
            let line = if command.available(&state.caps) {
                vec![
                    Span::styled(format!("  {}", fit(&keys.join(" "), 14, "…")), theme.key),
                    Span::raw(command.doc().to_owned()),
                ]
            } else {
                vec![
                    Span::styled(format!("  {}", fit(&keys.join(" "), 14, "…")), theme.dim),
                    Span::styled(format!("{} (not on this account)", command.doc()), theme.dim),
                ]
            };
            out.push(Line::from(line));
        }
        out.push(Line::raw(""));
    }
    out
}

pub fn render(state: &State, scroll: usize, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let rect = centered(area, 90, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Line::styled(" j/k scroll · Esc or ? closes · keys come from your config ", theme.dim));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let all = lines(state);
    let h = usize::from(inner.height);
    let scroll = scroll.min(all.len().saturating_sub(h));
    frame.render_widget(Paragraph::new(all.into_iter().skip(scroll).take(h).collect::<Vec<_>>()), inner);
}
