//! The help overlay, generated from the live keymap so it never drifts from what
//! the keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::centered;
use super::text::{fit, key_names};
use crate::command::{Command, Context};
use crate::state::State;

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
        let mut seen: Vec<(crate::command::Command, Vec<String>)> = Vec::new();
        for (keys, command) in bindings {
            match seen.iter_mut().find(|(c, _)| *c == command) {
                Some((_, k)) => k.push(keys),
                None => seen.push((command, vec![keys])),
            }
        }
        seen.sort_by_key(|(c, _)| *c);
        for (command, keys) in seen {
            out.push(line(state, command, &keys.join(" "), 14));
        }
        out.push(Line::raw(""));
    }
    // Commands with no key (rare ones, a bot builder's): run from the palette.
    let unbound: Vec<Command> = Command::ALL.iter().copied().filter(|c| keymap.keys_for(*c).is_empty()).collect();
    if !unbound.is_empty() {
        out.push(Line::styled("From the palette (: then the name)".to_owned(), theme.title));
        out.extend(unbound.into_iter().map(|c| line(state, c, &format!(":{} ", c.name()), 22)));
    }
    out
}

/// A command and its keys; shown, not hidden, when the account cannot do it, so
/// the keys stay learnable: greyed, with the reason.
fn line(state: &State, command: Command, keys: &str, width: usize) -> Line<'static> {
    let theme = &state.settings.theme;
    let keys =
        format!("  {}", fit(&key_names(keys, state.settings.glyphs.ascii), width, state.settings.glyphs.ellipsis));
    Line::from(if command.available(&state.caps) {
        vec![Span::styled(keys, theme.key), Span::raw(command.doc().to_owned())]
    } else {
        vec![Span::styled(keys, theme.dim), Span::styled(format!("{} (not on this account)", command.doc()), theme.dim)]
    })
}

pub fn render(state: &State, scroll: usize, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let rect = centered(area, 90, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let block = crate::ui::framed(state)
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
