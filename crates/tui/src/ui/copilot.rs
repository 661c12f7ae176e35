//! The copilot panel under the thread: the pending draft as it would be sent (the
//! sender's name in place of its placeholder), how sure the copilot is and which
//! articles it drew on, what must be done before it is true, its next-best
//! actions, and the keys that send, edit, dismiss or replace it. When the copilot
//! held a draft back, the panel says why and offers only to ask again.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{safe, safe_line, wrap};
use crate::command::Command;
use crate::state::State;
use frontdesk_domain::Suggestion;

/// The panel's lines for a suggestion, at a width: the body cut to `room` lines
/// (None: whole), then what must be done first, then sources and next actions.
pub fn lines<'a>(state: &State, s: &'a Suggestion, width: usize, room: Option<usize>) -> Vec<Line<'a>> {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let mut tail = Vec::new();
    if let Some(need) = &s.before_sending {
        tail.extend(
            wrap(&format!("Before sending: {}", safe_line(need)), width)
                .into_iter()
                .map(|l| Line::styled(l, theme.overdue)),
        );
    }
    let actions: Vec<String> = s.actions.iter().map(|a| safe_line(&a.label).into_owned()).collect();
    let mut about = Vec::new();
    if !s.sources.is_empty() {
        let sources: Vec<String> = s.sources.iter().map(|id| safe_line(id).into_owned()).collect();
        about.push(Span::styled("From ", theme.ai));
        about.push(Span::styled(sources.join(", "), theme.dim));
    }
    if !actions.is_empty() {
        if !about.is_empty() {
            about.push(Span::styled(format!(" {} ", glyphs.dot), theme.dim));
        }
        about.push(Span::styled("Next: ", theme.ai));
        about.push(Span::styled(actions.join(&format!(" {} ", glyphs.dot)), theme.dim));
    }
    if !about.is_empty() {
        tail.push(Line::from(about));
    }
    let body = if let Some(why) = &s.withheld {
        let ask = state.settings.keymap.hint(Command::AskSuggestion);
        let mut l = wrap(&format!("No draft: {}.", safe_line(why)), width);
        l.push(format!("{ask} asks again once there is more to go on."));
        return l.into_iter().map(|l| Line::styled(l, theme.dim)).collect();
    } else {
        wrap(&safe(&state.as_sent_by_me(&s.body)), width)
    };
    let room = room.map_or(body.len(), |r| r.saturating_sub(tail.len()).max(1));
    let cut = body.len() > room;
    let mut out: Vec<Line<'a>> = body
        .into_iter()
        .take(room)
        .enumerate()
        .map(|(i, l)| Line::raw(if cut && i + 1 == room { format!("{l}{}", glyphs.ellipsis) } else { l }))
        .collect();
    out.extend(tail);
    out
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(thread) = &state.thread else { return };
    let (theme, glyphs, keys) = (&state.settings.theme, &state.settings.glyphs, &state.settings.keymap);
    let about = thread.suggestion.as_ref().map(|s| {
        let mut parts = vec![safe_line(&s.engine).into_owned()];
        if let Some(c) = s.confidence.filter(|_| s.withheld.is_none()) {
            parts.push(format!("{c}% sure"));
        }
        if let Some(lang) = s.lang.as_deref().filter(|l| *l != "en") {
            parts.push(safe_line(lang).into_owned());
        }
        format!(" ({})", parts.join(", "))
    });
    let key = |c: Command, what: &'static str| [Span::styled(keys.hint(c), theme.key), Span::raw(what)];
    let drafted = thread.suggestion.as_ref().is_none_or(Suggestion::has_draft);
    let mut hints = vec![Span::raw(" ")];
    if drafted {
        hints.extend(key(Command::SendSuggestion, " send  "));
        hints.extend(key(Command::EditSuggestion, " edit  "));
        hints.extend(key(Command::DismissSuggestion, " dismiss  "));
        hints.extend(key(Command::AskSuggestion, " new one "));
    } else {
        hints.extend(key(Command::AskSuggestion, " ask again  "));
        hints.extend(key(Command::DismissSuggestion, " dismiss "));
    }
    let block = crate::ui::framed(state)
        .border_style(theme.ai)
        .title(Span::styled(
            format!(" {} Copilot suggestion{} ", glyphs.suggestion, about.unwrap_or_default()),
            theme.ai,
        ))
        .title_bottom(Line::from(hints));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let content = match &thread.suggestion {
        None => vec![Line::styled("Asking the copilot for a draft…", theme.dim)],
        Some(s) => lines(state, s, usize::from(inner.width), Some(usize::from(inner.height))),
    };
    frame.render_widget(Paragraph::new(content), inner);
}
