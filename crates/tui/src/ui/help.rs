//! The help overlay, generated from the live keymap so it never drifts from what
//! the keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::centered;
use unicode_width::UnicodeWidthStr;

use super::text::{fit, key_names, safe_line, wrap};
use crate::command::{Command, Context};
use crate::state::State;

/// The width of the keys column.
const KEYS: usize = 14;

/// Every line of the overlay at `width` columns: descriptions wrap, never cut.
pub fn lines(state: &State, width: usize) -> Vec<Line<'static>> {
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
            // Only the views there are, by name.
            let doc = match command.view_number() {
                Some(n) => match state.views.get(n - 1) {
                    Some(v) => format!("Go to view {n} ({})", safe_line(&v.view.name)),
                    None => continue,
                },
                None => command.doc().to_owned(),
            };
            out.extend(line(state, command, &keys.join(" "), &doc, width));
        }
        out.push(Line::raw(""));
    }
    // Commands with no key (rare ones, a bot builder's): run from the palette.
    let unbound: Vec<Command> = Command::ALL.iter().copied().filter(|c| keymap.keys_for(*c).is_empty()).collect();
    if !unbound.is_empty() {
        out.push(Line::styled("From the palette (: then the name)".to_owned(), theme.title));
        for c in unbound {
            out.extend(line(state, c, &format!(":{}", c.name()), c.doc(), width));
        }
        out.push(Line::raw(""));
    }
    out.extend(legend(state, width));
    out
}

/// A command, its keys and what it does, wrapped under itself; shown, not hidden,
/// when the account cannot do it, so the keys stay learnable: greyed, with why.
fn line(state: &State, command: Command, keys: &str, doc: &str, width: usize) -> Vec<Line<'static>> {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let keys = key_names(keys, glyphs.ascii);
    // Keys longer than their column get a line of their own.
    let (first, indent) = if keys.width() < KEYS { (fit(&keys, KEYS, ""), true) } else { (keys, false) };
    let (doc, style) = if command.available(&state.caps) {
        (doc.to_owned(), None)
    } else {
        (format!("{doc} (not on this account)"), Some(theme.dim))
    };
    let key_style = style.unwrap_or(theme.key);
    let text_style = style.unwrap_or_default();
    let room = width.saturating_sub(KEYS + 2).max(20);
    let mut out = Vec::new();
    let mut wrapped = wrap(&doc, room).into_iter();
    if indent {
        let head = wrapped.next().unwrap_or_default();
        out.push(Line::from(vec![Span::styled(format!("  {first}"), key_style), Span::styled(head, text_style)]));
    } else {
        out.push(Line::styled(format!("  {first}"), key_style));
    }
    out.extend(wrapped.map(|l| Line::styled(format!("  {}{l}", " ".repeat(KEYS)), text_style)));
    out
}

/// What every mark in the list and the thread means, in this session's glyphs.
fn legend(state: &State, width: usize) -> Vec<Line<'static>> {
    let (theme, g) = (&state.settings.theme, &state.settings.glyphs);
    let channels = frontdesk_domain::Channel::ALL
        .iter()
        .map(|c| format!("{} {}", g.channel(c), c.as_str()))
        .chain([format!(
            "{} another (the thread names it)",
            g.channel(&frontdesk_domain::Channel::Other(String::new()))
        )])
        .collect::<Vec<_>>()
        .join("  ");
    let entries: Vec<(String, String)> = vec![
        (g.unread.to_owned(), "unread".into()),
        (g.star.to_owned(), "starred".into()),
        (g.marked.to_owned(), "marked for a bulk action (x)".into()),
        (format!("{}12m", g.overdue), "the first-reply target was missed 12 minutes ago".into()),
        (format!("{}8m", g.soon), "the first-reply target is 8 minutes away".into()),
        (format!("{} fri", g.snoozed), "snoozed until then".into()),
        (g.ai.to_owned(), "an AI agent is answering".into()),
        (format!("{}{}", g.handoff, g.ai), "the AI agent asks for a person".into()),
        (g.suggestion.to_owned(), "a copilot draft is waiting (y sends, e edits)".into()),
        (g.draft.to_owned(), "a draft of yours is waiting (r brings it back)".into()),
        ("urgent high".into(), "priority".into()),
        ("pending".into(), "waiting on the customer".into()),
        ("[name]".into(), "the account, in the list of all accounts".into()),
        (format!("{} {}", g.inbound, g.outbound), "from the customer, from the team (in the thread)".into()),
    ];
    let mut out = vec![Line::styled("What the marks mean".to_owned(), theme.title)];
    out.extend(wrap(&channels, width.saturating_sub(2)).into_iter().map(|l| Line::raw(format!("  {l}"))));
    let room = width.saturating_sub(KEYS + 2).max(20);
    for (mark, meaning) in entries {
        let mut wrapped = wrap(&meaning, room).into_iter();
        out.push(Line::from(vec![
            Span::styled(format!("  {}", fit(&mark, KEYS, "")), theme.key),
            Span::raw(wrapped.next().unwrap_or_default()),
        ]));
        out.extend(wrapped.map(|l| Line::raw(format!("  {}{l}", " ".repeat(KEYS)))));
    }
    out
}

pub fn render(state: &State, scroll: usize, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let rect = centered(area, 120, area.height.saturating_sub(2));
    crate::ui::clear_for_overlay(frame, rect);
    let block = crate::ui::framed(state)
        .border_style(theme.border_focus)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Line::styled(" j/k scroll · Esc or ? closes · keys come from your config ", theme.dim));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let all = lines(state, usize::from(inner.width));
    let h = usize::from(inner.height);
    let scroll = scroll.min(all.len().saturating_sub(h));
    frame.render_widget(Paragraph::new(all.into_iter().skip(scroll).take(h).collect::<Vec<_>>()), inner);
}
