//! The thread: a header, then messages oldest to newest, wrapped by display width.
//! Inbound and outbound are told apart by side marker and colour, notes by their
//! own style, calls show their AI summary, system events are one quiet line. Long
//! messages are folded until `f`.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::border;
use super::text::{safe, safe_line, stamp, when, wrap};
use crate::command::Command;
use crate::state::{Focus, State, Thread};
use frontdesk_domain::{AiState, AuthorKind, Conversation, Delivery, Direction, Message, MessageKind, PresenceState};

/// Wrapped lines a message shows while folded.
pub const FOLD_LINES: usize = 12;
/// Bytes of a body wrapped while folded: a 10 MB message costs no more than this.
const FOLD_BYTES: usize = 8 * 1024;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let focused = matches!(state.focus, Focus::Thread);
    let Some(thread) = &state.thread else {
        let block = crate::ui::framed(state).border_style(border(state, false));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let hint = format!("{} opens the selected conversation", state.settings.keymap.hint(Command::Open));
        frame.render_widget(
            Paragraph::new(Line::styled(hint, theme.dim)).alignment(Alignment::Center),
            Rect { y: inner.y + inner.height / 2, height: 1.min(inner.height), ..inner },
        );
        return;
    };
    let conversation = conversation(state, thread);
    let title = conversation.map_or_else(String::new, |c| {
        let name = safe_line(&c.contact.name);
        match c.subject.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => format!(" {name} — {} ", safe_line(s)),
            None => format!(" {name} "),
        }
    });
    let block = crate::ui::framed(state).border_style(border(state, focused)).title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let width = usize::from(inner.width);
    let mut header = header_lines(state, conversation, width);
    let header_h = header.len().min(usize::from(inner.height) / 2);
    header.truncate(header_h);
    let body_h = usize::from(inner.height) - header_h;
    let lines = lines(state, thread, width);
    let scroll = thread.scroll.min(lines.len().saturating_sub(body_h));
    let start = lines.len().saturating_sub(body_h + scroll);
    let mut shown: Vec<Line> = header;
    shown.extend(lines.into_iter().skip(start).take(body_h));
    if thread.messages.is_empty() {
        match &thread.failed {
            // In full, wrapped: the reason is the point.
            Some(why) if !thread.loading => shown.extend(
                wrap(&format!("Could not load the thread: {} — Ctrl-R tries again", safe_line(why)), width)
                    .into_iter()
                    .map(|l| Line::styled(l, theme.error)),
            ),
            _ if thread.loading => shown.push(Line::styled("Loading the thread…", theme.dim)),
            _ => {}
        }
    }
    frame.render_widget(Paragraph::new(shown), inner);
    if scroll > 0 {
        let more = Line::styled(format!(" {} {scroll} more lines (G: newest) ", state.settings.glyphs.down), theme.key)
            .alignment(Alignment::Right);
        frame.render_widget(Paragraph::new(more), Rect { y: area.y + area.height - 1, height: 1, ..area });
    }
}

pub fn conversation<'a>(state: &'a State, thread: &'a Thread) -> Option<&'a Conversation> {
    state.list.items.iter().find(|c| c.id == thread.id).or(thread.conversation.as_ref())
}

/// Status, assignee, tags and the AI state, above the messages.
fn header_lines(state: &State, c: Option<&Conversation>, width: usize) -> Vec<Line<'static>> {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let Some(c) = c else { return Vec::new() };
    let mut parts = vec![
        Span::styled(format!("{} {}", glyphs.channel(&c.channel), c.channel.as_str()), theme.dim),
        Span::styled(format!(" {} {}", glyphs.dot, c.status.as_str()), theme.dim),
    ];
    if let (Some(until), frontdesk_domain::Status::Snoozed) = (c.snoozed_until, &c.status) {
        parts.push(Span::styled(format!(" until {}", when(state.now, until, &state.settings.tz)), theme.dim));
    }
    let assignee = c.assignee.as_ref().map_or_else(|| "unassigned".to_owned(), |a| safe_line(&a.name).into_owned());
    parts.push(Span::styled(format!(" {} {assignee}", glyphs.dot), theme.dim));
    if !c.tags.is_empty() {
        let tags: Vec<String> = c.tags.iter().map(|t| format!("#{}", safe_line(t))).collect();
        parts.push(Span::styled(format!(" {} {}", glyphs.dot, tags.join(" ")), theme.dim));
    }
    let mut out = vec![Line::from(parts)];
    let keys = &state.settings.keymap;
    match c.ai_state {
        AiState::AiLed => out.push(Line::styled(
            format!(
                "{} {} is handling this conversation {} {} take over",
                glyphs.ai,
                c.ai_agent.as_deref().map_or("The AI agent".into(), safe_line),
                glyphs.dot,
                keys.hint(Command::TakeOver)
            ),
            theme.ai,
        )),
        AiState::HandoffRequested => out.push(Line::styled(
            format!(
                "{} The AI agent asks for a human {} {} take over {} {} hand back",
                glyphs.handoff,
                glyphs.dot,
                keys.hint(Command::TakeOver),
                glyphs.dot,
                keys.hint(Command::ResolveHandoff)
            ),
            theme.overdue,
        )),
        AiState::Human => {
            if let Some(ai) = &c.ai_agent {
                out.push(Line::styled(
                    format!(
                        "{} A human has this; {} is paused {} {} hands back",
                        glyphs.handoff,
                        safe_line(ai),
                        glyphs.dot,
                        keys.hint(Command::ResolveHandoff)
                    ),
                    theme.dim,
                ));
            }
        }
    }
    // Two agents must not answer the same customer: say who else is here.
    if let Some(seen) = state.presence.get(&c.id).filter(|s| !s.is_empty()) {
        let typing: Vec<&str> =
            seen.iter().filter(|s| s.state == PresenceState::Typing).map(|s| s.name.as_str()).collect();
        let viewing: Vec<&str> =
            seen.iter().filter(|s| s.state == PresenceState::Viewing).map(|s| s.name.as_str()).collect();
        if !typing.is_empty() {
            out.push(Line::styled(
                format!("✎ {} {} typing…", safe_line(&typing.join(", ")), if typing.len() == 1 { "is" } else { "are" }),
                theme.soon,
            ));
        }
        if !viewing.is_empty() {
            out.push(Line::styled(format!("{} {} also here", glyphs.dot, safe_line(&viewing.join(", "))), theme.dim));
        }
    }
    out.push(Line::styled(glyphs.rule.repeat(width), theme.border));
    out
}

/// Every line of the thread at `width`, oldest first. `update` uses the count to
/// bound scrolling.
pub fn lines(state: &State, thread: &Thread, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if thread.loading_older {
        out.push(Line::styled(
            format!("  loading older messages{}", state.settings.glyphs.ellipsis),
            state.settings.theme.dim,
        ));
    } else if thread.older.is_some() {
        out.push(Line::styled("  older messages above: scroll up to load them", state.settings.theme.dim));
    }
    for m in thread.messages.iter().chain(state.unsent.get(&thread.id).into_iter().flatten()) {
        message_lines(state, thread, m, width, &mut out);
    }
    out
}

fn message_lines(state: &State, thread: &Thread, m: &Message, width: usize, out: &mut Vec<Line<'static>>) {
    let (theme, glyphs, tz) = (&state.settings.theme, &state.settings.glyphs, &state.settings.tz);
    let at = stamp(state.now, m.created_at, tz);
    let author = safe_line(&m.author.name).into_owned();
    if m.kind == MessageKind::Event {
        out.push(Line::styled(format!("  {} {} {} {at}", glyphs.dot, safe_line(&m.body), glyphs.dot), theme.event));
        return;
    }
    let (marker, name_style, body_style): (&str, Style, Style) = match (m.kind, m.direction) {
        (MessageKind::Note, _) => ("✎", theme.note, theme.note),
        (_, Direction::Inbound) => (glyphs.inbound, theme.contact, theme.base),
        (_, Direction::Outbound) if m.author.kind == AuthorKind::Ai => (glyphs.outbound, theme.ai, theme.base),
        (_, Direction::Outbound) => (glyphs.outbound, theme.agent, theme.base),
    };
    let marker = if glyphs.ascii && m.kind == MessageKind::Note { "#" } else { marker };
    let mut head = vec![Span::styled(format!("{marker} {author}"), name_style)];
    let kind = match m.kind {
        MessageKind::Note => " internal note",
        MessageKind::Call => " call",
        _ => "",
    };
    head.push(Span::styled(format!("{kind} {} {at}", glyphs.dot), theme.dim));
    head.extend(delivery(state, thread, m));
    out.push(Line::from(head));
    let indent = "  ";
    let inner_w = width.saturating_sub(indent.len()).max(1);
    if let Some(call) = &m.call {
        let mins = call.duration_secs / 60;
        let secs = call.duration_secs % 60;
        out.push(Line::styled(format!("{indent}duration {mins}m{secs:02}s"), theme.dim));
        if let Some(summary) = &call.summary {
            out.push(Line::styled(format!("{indent}{} summary", glyphs.ai), theme.ai));
            for l in wrap(&safe(summary), inner_w) {
                out.push(Line::styled(format!("{indent}{l}"), theme.ai));
            }
        }
    }
    let body = safe(&m.body);
    if body.trim().is_empty() && (m.call.is_some() || !m.attachments.is_empty()) {
        for a in &m.attachments {
            out.push(Line::styled(
                format!("{indent}[{}] {}", safe_line(&a.content_type), safe_line(&a.name)),
                theme.dim,
            ));
        }
        out.push(Line::raw(""));
        return;
    }
    let folded = !thread.unfolded;
    let (text, cut_bytes) = if folded && body.len() > FOLD_BYTES {
        let mut end = FOLD_BYTES;
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        (&body[..end], body.len() - end)
    } else {
        (&body[..], 0)
    };
    let wrapped = wrap(text.trim_end(), inner_w);
    let total = wrapped.len();
    // Folding away a line or two saves nothing: fold only what is really long.
    let keep = if folded && total > FOLD_LINES + 3 { FOLD_LINES } else { total };
    // What the kept lines show, counted as the body has it (a wrap takes the space
    // or newline it breaks at).
    let shown: usize = wrapped.iter().take(keep).map(|l| l.len() + 1).sum();
    for l in wrapped.into_iter().take(keep) {
        out.push(Line::styled(format!("{indent}{l}"), body_style));
    }
    if keep < total || cut_bytes > 0 {
        let more = if cut_bytes > 0 {
            // All that is hidden, not only what was not wrapped.
            let hidden = body.trim_end().len().saturating_sub(shown);
            format!("{} more", super::text::bytes(u64::try_from(hidden).unwrap_or(u64::MAX)))
        } else {
            format!("{} more lines", total - keep)
        };
        out.push(Line::styled(
            format!("{indent}{} {more} ({} expands)", glyphs.ellipsis, state.settings.keymap.hint(Command::ToggleFold)),
            theme.key,
        ));
    }
    for a in &m.attachments {
        out.push(Line::styled(format!("{indent}[{}] {}", safe_line(&a.content_type), safe_line(&a.name)), theme.dim));
    }
    out.push(Line::raw(""));
}

/// How far a message of mine has got: sending, queued for a retry, refused (with
/// what the agent can do), or not delivered.
fn delivery(state: &State, thread: &Thread, m: &Message) -> Vec<Span<'static>> {
    let theme = &state.settings.theme;
    let mut head = Vec::new();
    let is_sending = state.unsent.get(&thread.id).is_some_and(|u| u.iter().any(|s| s.id == m.id));
    let retry = state
        .inflight
        .values()
        .find(|i| i.message.as_ref().is_some_and(|(_, id, _)| *id == m.id))
        .and_then(|i| i.retry.as_ref());
    match (is_sending, m.delivery) {
        (true, Delivery::Failed) => {
            let why = state.send_errors.get(&m.id).map_or("refused", String::as_str);
            let keys = &state.settings.keymap;
            let hint = format!(
                " {} retry {} discard {} edit",
                keys.hint(Command::RetrySend),
                keys.hint(Command::DiscardSend),
                keys.hint(Command::Reply)
            );
            head.push(Span::styled(format!(" not sent: {}", safe_line(why)), theme.error));
            head.push(Span::styled(hint, theme.dim));
        }
        (true, _) if retry.is_some() => {
            let (at, why) = retry.map_or((state.now, ""), |(a, w)| (*a, w.as_str()));
            let secs = (at.as_second() - state.now.as_second()).max(0);
            head.push(Span::styled(format!(" queued · retry in {secs}s ({})", safe_line(why)), theme.soon));
        }
        (true, _) => head.push(Span::styled(" sending…", theme.soon)),
        (false, Delivery::Failed) => head.push(Span::styled(" not delivered", theme.error)),
        (false, Delivery::Queued) => head.push(Span::styled(" queued", theme.dim)),
        _ => {}
    }
    head
}
