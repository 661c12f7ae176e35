//! What a pending key sequence (`g`, `S`) can continue with: a small popup above
//! the status bar listing every continuation, where the bar had room for a few.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::text::{key_names, truncate};
use crate::keymap::{Lookup, display_sequence};
use crate::state::State;

/// The continuations of the pending sequence, if it is one.
pub fn continuations(state: &State) -> Option<Vec<(String, String)>> {
    let (last, before) = state.chord.split_last()?;
    match state.settings.keymap.lookup(state.context(), before, *last) {
        Lookup::Prefix(next) => Some(next.into_iter().map(|(k, doc)| (k.to_string(), doc)).collect()),
        _ => None,
    }
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    if state.overlay.is_some() {
        return;
    }
    let Some(next) = continuations(state) else { return };
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let keys: Vec<String> = next.iter().map(|(k, _)| key_names(k, glyphs.ascii)).collect();
    let key_w = keys.iter().map(|k| k.width()).max().unwrap_or(1);
    let doc_w = next.iter().map(|(_, d)| d.width()).max().unwrap_or(1);
    // Above the status bar, at the right, as wide as it needs within the screen.
    let width = u16::try_from(key_w + doc_w + 6).unwrap_or(u16::MAX).min(area.width.saturating_sub(2));
    let height = u16::try_from(next.len() + 2).unwrap_or(u16::MAX).min(area.height.saturating_sub(2));
    if width < 10 || height < 3 {
        return;
    }
    let rect =
        Rect { x: area.right().saturating_sub(width + 1), y: area.bottom().saturating_sub(height + 1), width, height };
    super::clear_for_overlay(frame, rect);
    let title = format!(" {} {} ", display_sequence(&state.chord), glyphs.ellipsis);
    let block = super::framed(state)
        .border_style(theme.border_focus)
        .title(Span::styled(title, theme.title))
        .title_bottom(Line::styled(" Esc cancels ", theme.dim));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let room = usize::from(inner.width).saturating_sub(key_w + 3);
    let lines: Vec<Line> = keys
        .into_iter()
        .zip(next)
        .map(|(k, (_, doc))| {
            Line::from(vec![
                Span::styled(format!(" {k:<key_w$}  "), theme.key),
                Span::raw(truncate(&doc, room, glyphs.ellipsis)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
