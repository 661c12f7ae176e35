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
    let [text, review] = Layout::vertical([Constraint::Min(0), Constraint::Length(2)]).areas(inner);
    frame.render_widget(&composer.editor, text);
    let arrived = crate::update::compose::arrived(state);
    let mut lines = Vec::new();
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
