//! The copilot panel under the thread: the pending draft, its next-best actions, and
//! the keys that send, edit, dismiss or replace it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{safe, safe_line, wrap};
use crate::command::Command;
use crate::state::State;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(thread) = &state.thread else { return };
    let (theme, glyphs, keys) = (&state.settings.theme, &state.settings.glyphs, &state.settings.keymap);
    let engine = thread.suggestion.as_ref().map(|s| format!(" ({})", safe_line(&s.engine))).unwrap_or_default();
    let block = crate::ui::framed(state)
        .border_style(theme.ai)
        .title(Span::styled(format!(" {} Copilot suggestion{engine} ", glyphs.suggestion), theme.ai))
        .title_bottom(Line::from(vec![
            Span::styled(format!(" {}", keys.hint(Command::SendSuggestion)), theme.key),
            Span::raw(" send  "),
            Span::styled(keys.hint(Command::EditSuggestion), theme.key),
            Span::raw(" edit  "),
            Span::styled(keys.hint(Command::DismissSuggestion), theme.key),
            Span::raw(" dismiss  "),
            Span::styled(keys.hint(Command::AskSuggestion), theme.key),
            Span::raw(" new one "),
        ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    match &thread.suggestion {
        None => lines.push(Line::styled("Asking the copilot for a draft…", theme.dim)),
        Some(s) => {
            let actions: Vec<String> = s.actions.iter().map(|a| safe_line(&a.label).into_owned()).collect();
            let room = usize::from(inner.height).saturating_sub(usize::from(!actions.is_empty()));
            let body = wrap(&safe(&s.body), width);
            let cut = body.len() > room;
            for (i, l) in body.into_iter().take(room).enumerate() {
                let l = if cut && i + 1 == room { format!("{l}{}", glyphs.ellipsis) } else { l };
                lines.push(Line::raw(l));
            }
            if !actions.is_empty() {
                lines.push(Line::from(vec![
                    Span::styled("Next: ", theme.ai),
                    Span::styled(actions.join(&format!(" {} ", glyphs.dot)), theme.dim),
                ]));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
