//! The composer: a reply or an internal note (its border says which, in the note
//! colour for notes), and the review line shown before anything is sent.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::command::Command;
use crate::state::{Focus, State};
use frontdesk_domain::ReplyKind;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(composer) = &state.composer else { return };
    let (theme, keys) = (&state.settings.theme, &state.settings.keymap);
    let focused = state.focus == Focus::Composer;
    let (title, style) = match composer.kind {
        ReplyKind::Reply => (" Reply to the customer ", super::border(state, focused)),
        ReplyKind::Note => (" Internal note (the customer does not see it) ", theme.note),
    };
    let from_suggestion = if composer.suggestion.is_some() { " · from the copilot's draft" } else { "" };
    let files = match composer.attachments.as_slice() {
        [] => String::new(),
        all => {
            let names: Vec<String> = all.iter().map(|f| crate::update::attach_name(f)).collect();
            format!(" · with {}", names.join(", "))
        }
    };
    let attach =
        if state.caps.attachments { format!(" · {} attach", keys.hint(Command::Attach)) } else { String::new() };
    let block = crate::ui::framed(state)
        .border_style(style)
        .title(Span::styled(format!("{}{from_suggestion}{files} ", title.trim_end()), style))
        .title_bottom(Line::styled(
            format!(
                " {} send · {} {} · {} $EDITOR · {} canned{attach} · {} leave ",
                keys.hint(Command::SendReview),
                keys.hint(Command::ToggleNote),
                if composer.kind == ReplyKind::Reply { "note" } else { "reply" },
                keys.hint(Command::ExternalEditor),
                keys.hint(Command::Canned),
                keys.hint(Command::CancelCompose),
            ),
            theme.dim,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if !composer.reviewing {
        frame.render_widget(&composer.editor, inner);
        return;
    }
    let edits = edited_draft(state, usize::from(inner.width));
    let tall = u16::try_from(2 + edits.len()).unwrap_or(2);
    let [text, review] = Layout::vertical([Constraint::Min(0), Constraint::Length(tall)]).areas(inner);
    frame.render_widget(&composer.editor, text);
    let arrived = crate::update::compose::arrived(state);
    let mut lines = edits;
    if arrived > 0 {
        let s = if arrived == 1 { "" } else { "s" };
        lines.push(Line::styled(
            format!("{arrived} new message{s} arrived while you typed: read them first?"),
            theme.error,
        ));
    }
    let what = match (composer.kind, composer.attachments.len()) {
        (ReplyKind::Note, _) => "Add note?".to_owned(),
        (ReplyKind::Reply, 0) => "Send?".to_owned(),
        (ReplyKind::Reply, 1) => "Send with 1 file?".to_owned(),
        (ReplyKind::Reply, n) => format!("Send with {n} files?"),
    };
    lines.push(Line::from(vec![
        Span::styled(format!("{what} "), theme.title),
        Span::styled(keys.hint(Command::ConfirmSend), theme.key),
        Span::raw(" send  "),
        Span::styled(keys.hint(Command::SendClose), theme.key),
        Span::raw(" +close  "),
        Span::styled(keys.hint(Command::SendSnooze), theme.key),
        Span::raw(" +snooze  "),
        Span::styled(keys.hint(Command::BackToEdit), theme.key),
        Span::raw(" edit"),
    ]));
    frame.render_widget(Paragraph::new(lines), review);
}

/// The most lines the review gives to what was changed in a copilot draft.
const DIFF_LINES: usize = 3;

/// For a reply that started as a copilot draft and was edited: what changed, as
/// the review shows it before sending (words taken out struck through in the error
/// colour, words put in in the agent colour, unchanged stretches shortened).
fn edited_draft(state: &State, width: usize) -> Vec<Line<'static>> {
    use crate::diff::{Chunk, changed_words};
    let Some(composer) = state.composer.as_ref().filter(|c| !c.edits.is_empty()) else { return Vec::new() };
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let (out, inn) = changed_words(&composer.edits);
    let mut lines = vec![Line::styled(format!("Edited from the copilot's draft: -{out} +{inn} words"), theme.ai)];
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    let mut push = |text: String, style, lines: &mut Vec<Line<'static>>| {
        // Chunks are runs of words: keep them apart where the text had no space.
        let spaced = line.last().is_none_or(|s: &Span<'_>| s.content.ends_with(' '));
        let text = if spaced { text } else { format!(" {text}") };
        for word in text.split_inclusive(char::is_whitespace) {
            let word = crate::ui::text::safe_line(word).into_owned();
            let w = unicode_width::UnicodeWidthStr::width(word.as_str());
            if used + w > width && !line.is_empty() {
                lines.push(Line::from(std::mem::take(&mut line)));
                used = 0;
            }
            used += w;
            line.push(Span::styled(word, style));
        }
    };
    for c in &composer.edits {
        match c {
            Chunk::Same(s) => {
                let words: Vec<&str> = s.split_whitespace().collect();
                let short = if words.len() > 6 {
                    format!("{} {} {} ", words[..2].join(" "), glyphs.ellipsis, words[words.len() - 2..].join(" "))
                } else {
                    s.replace('\n', " ")
                };
                push(short, theme.dim, &mut lines);
            }
            Chunk::Removed(s) => push(s.replace('\n', " "), theme.error.crossed_out(), &mut lines),
            Chunk::Added(s) => push(s.replace('\n', " "), theme.agent.bold(), &mut lines),
        }
    }
    if !line.is_empty() {
        lines.push(Line::from(line));
    }
    lines.truncate(1 + DIFF_LINES);
    lines
}
