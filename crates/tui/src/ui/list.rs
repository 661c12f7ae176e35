//! The conversation list. Only the rows on screen are built, so a list of 100,000
//! costs the same to draw as one of 20.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::text::{ago, fit, safe_line, span, truncate, when};
use super::{Areas, border};
use crate::state::{Connection, Focus, ListFailure, State};
use frontdesk_domain::{AiState, Conversation, Status};

/// Seconds before an SLA deadline when a row starts to warn.
pub const SLA_SOON_SECS: i64 = 30 * 60;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let focused = state.focus == Focus::List;
    let list = &state.list;
    let view = state.view().map_or("All", |v| v.name.as_str());
    let mut title = format!(" {} ", safe_line(view));
    if let Some(q) = &list.search {
        title = format!(" Search: {} ", safe_line(q));
    }
    if list.loaded {
        // The sidebar's number (one count for both); loaded rows say only how far
        // the pages go, so they speak for a search alone.
        let count = state.view_count(state.active_view).filter(|_| list.search.is_none());
        let more = if list.next_cursor.is_some() { "+" } else { "" };
        let _ = match (count, list.visible.is_some()) {
            (Some(n), true) => write!(title, "{} of {n} ", list.len()),
            (Some(n), false) => write!(title, "{n} "),
            // Rows let go above and more below (a long way down a search): "…N+".
            (None, _) if list.prev_cursor.is_some() && list.next_cursor.is_some() => {
                write!(title, "…{}+ ", list.len())
            }
            // Read from the end: how many of the last are here, not a total.
            (None, _) if list.prev_cursor.is_some() => write!(title, "last {} ", list.len()),
            (None, _) => write!(title, "{}{more} ", list.len()),
        };
    }
    let mut block =
        crate::ui::framed(state).border_style(border(state, focused)).title(Span::styled(title, theme.title));
    if !list.marked.is_empty() {
        block = block
            .title(Line::styled(format!(" {} marked ", list.marked.len()), theme.marked).alignment(Alignment::Right));
    } else if let Some(f) = &list.filter {
        block = block.title(Line::styled(format!(" /{} ", safe_line(f)), theme.key).alignment(Alignment::Right));
    }
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(p) = &state.prompt {
        let scope = if p.server { "whole inbox" } else { "this list" };
        let text = safe_line(&p.text).into_owned();
        let room = usize::from(inner.width).saturating_sub(text.width() + 2);
        let hint = truncate(&format!("  {scope} · Tab switches · Enter keeps · Esc clears"), room, "");
        let line = Line::from(vec![
            Span::styled("/", theme.key),
            Span::raw(text),
            Span::styled(state.settings.glyphs.cursor, theme.key),
            Span::styled(hint, theme.dim),
        ]);
        frame.render_widget(Paragraph::new(line), Rect { height: 1, ..inner });
        inner.y += 1;
        inner.height = inner.height.saturating_sub(1);
    }
    if list.is_empty() {
        let (msg, style) = empty(state, view);
        // Centred on its (wrapped) lines; the reason is never cut, only wrapped.
        let lines = msg.width() / usize::from(inner.width.max(1)) + 1;
        let above = u16::try_from(lines / 2).unwrap_or(0);
        let y = (inner.y + inner.height / 2).saturating_sub(above).max(inner.y);
        let height = inner.height.saturating_sub(y - inner.y);
        frame.render_widget(
            Paragraph::new(Line::styled(msg, style)).alignment(Alignment::Center).wrap(Wrap { trim: true }),
            Rect { y, height, ..inner },
        );
        return;
    }
    let rows = usize::from(inner.height);
    let width = usize::from(inner.width);
    let end = (list.offset + rows).min(list.len());
    let mut lines = Vec::with_capacity(rows);
    for row in list.offset..end {
        let Some(c) = list.row(row) else { break };
        lines.push(row_line(state, c, row == list.selected, width));
    }
    if list.loading && list.loaded && lines.len() < rows {
        lines.push(Line::styled("  loading more…", theme.dim));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// What an empty list says: why it is empty when it is not the inbox's doing (a
/// refused key, a server that cannot be reached or answered wrongly), in full;
/// "all caught up" only for a list the server really sent empty.
fn empty(state: &State, view: &str) -> (String, ratatui::style::Style) {
    let (theme, list) = (&state.settings.theme, &state.list);
    let retry = match state.connection {
        Connection::Reconnecting { at, .. } if at > state.now => {
            format!(" — retrying in {} s", at.as_second() - state.now.as_second())
        }
        Connection::Reconnecting { .. } => " — trying again now".to_owned(),
        _ => " — Ctrl-R tries again".to_owned(),
    };
    let refused = match (&list.failed, state.connection) {
        (Some(ListFailure::KeyRefused(why)), _) => Some(why.as_str()),
        (_, Connection::Refused { .. }) if !list.loaded || list.from_cache => {
            Some(state.status.link_error.as_deref().unwrap_or("refused"))
        }
        _ => None,
    };
    if let Some(why) = refused {
        return (
            format!(
                "The server refused the key ({}): check this account's api_key_cmd or api_key_env (Iron: its email and password_cmd) in the config.",
                safe_line(why)
            ),
            theme.error,
        );
    }
    if let Some(ListFailure::Other(why)) = &list.failed {
        return (format!("Could not load {view}: {}{retry}", safe_line(why)), theme.error);
    }
    if !list.loaded || list.from_cache {
        return match &state.status.link_error {
            Some(why) => (format!("Cannot reach the server: {}{retry}", safe_line(why)), theme.error),
            None => ("Loading…".to_owned(), theme.dim),
        };
    }
    // An empty page with more beyond it (a view kept here passes over pages with
    // nothing for it): the next is on its way, and nothing is caught up yet.
    if list.next_cursor.is_some() || list.prev_cursor.is_some() {
        return ("Loading…".to_owned(), theme.dim);
    }
    if list.filter.is_some() || list.search.is_some() {
        return ("Nothing matches.".to_owned(), theme.dim);
    }
    (format!("Nothing in {view}. All caught up."), theme.dim)
}

/// The badges at the right of a row: account (in the unified inbox), SLA, AI,
/// snooze, suggestion.
fn badges(state: &State, c: &Conversation) -> Vec<Span<'static>> {
    let (theme, glyphs, now) = (&state.settings.theme, &state.settings.glyphs, state.now);
    let mut out = Vec::new();
    // A draft written and left: the agent's own unfinished business.
    if state.drafts.contains_key(&c.id) || state.composer.as_ref().is_some_and(|k| k.conversation == c.id) {
        out.push(Span::styled(glyphs.draft.to_owned(), theme.key));
    }
    if let Some(origin) = &c.origin {
        out.push(Span::styled(format!("[{}]", truncate(&safe_line(&origin.account), 12, glyphs.ellipsis)), theme.key));
    }
    if let (Some(due), Status::Open | Status::Pending) = (c.sla_due_at, &c.status) {
        let left = due.as_second() - now.as_second();
        if left <= 0 {
            out.push(Span::styled(format!("{}{}", glyphs.overdue, span(left)), theme.overdue));
        } else if left <= SLA_SOON_SECS {
            out.push(Span::styled(format!("{}{}", glyphs.soon, span(left)), theme.soon));
        }
    }
    match &c.priority {
        frontdesk_domain::Priority::Urgent => out.push(Span::styled("urgent".to_owned(), theme.overdue)),
        frontdesk_domain::Priority::High => out.push(Span::styled("high".to_owned(), theme.soon)),
        // A vendor's own level ("medium"), as it named it.
        frontdesk_domain::Priority::Other(p) => out.push(Span::styled(safe_line(p).into_owned(), theme.dim)),
        frontdesk_domain::Priority::Low | frontdesk_domain::Priority::Normal => {}
    }
    match c.ai_state {
        AiState::AiLed => out.push(Span::styled(glyphs.ai.to_owned(), theme.ai)),
        AiState::HandoffRequested => out.push(Span::styled(format!("{}{}", glyphs.handoff, glyphs.ai), theme.overdue)),
        AiState::Human => {}
    }
    if let Some(seen) = state.presence.get(&c.id).filter(|s| !s.is_empty()) {
        let typing = seen.iter().any(|s| s.state == frontdesk_domain::PresenceState::Typing);
        let mark = match (typing, glyphs.ascii) {
            (true, false) => "✎",
            (true, true) => "t",
            (false, false) => "◎",
            (false, true) => "v",
        };
        out.push(Span::styled(mark.to_owned(), if typing { theme.soon } else { theme.dim }));
    }
    if c.has_pending_suggestion {
        out.push(Span::styled(glyphs.suggestion.to_owned(), theme.ai));
    }
    match (&c.status, c.snoozed_until) {
        (Status::Snoozed, Some(until)) => {
            out.push(Span::styled(format!("{} {}", glyphs.snoozed, when(now, until, &state.settings.tz)), theme.dim));
        }
        (Status::Closed | Status::Pending, _) => out.push(Span::styled(c.status.as_str().to_owned(), theme.dim)),
        // A vendor's own state, as it named it.
        (Status::Other(s), _) => out.push(Span::styled(safe_line(s).into_owned(), theme.dim)),
        (Status::Open | Status::Snoozed, _) => {}
    }
    out
}

fn row_line(state: &State, c: &Conversation, selected: bool, width: usize) -> Line<'static> {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let marked = state.list.marked.contains(&c.id);
    let lead = format!(
        "{}{}{} {} ",
        if marked { glyphs.marked } else { " " },
        if c.unread { glyphs.unread } else { " " },
        if c.starred { glyphs.star } else { " " },
        glyphs.channel(&c.channel),
    );
    let time = c.last_message.as_ref().map_or(c.updated_at, |m| m.at);
    let time = format!(" {:>5}", ago(state.now, time, &state.settings.tz));
    let assignee = c.assignee.as_ref().map(|a| {
        let first = a.name.split_whitespace().next().unwrap_or(&a.name);
        if state.me.as_ref().is_some_and(|me| me.id == a.id) { "me".to_owned() } else { safe_line(first).into_owned() }
    });
    let badges = badges(state, c);
    let badge_width: usize = badges.iter().map(|b| b.content.width() + 1).sum();
    let wide = width >= 70;
    let name_w = if width >= 90 {
        18
    } else if width >= 60 {
        14
    } else {
        10
    };
    let assignee_w = if wide { 9 } else { 0 };
    let fixed = lead.width() + name_w + 1 + badge_width + assignee_w + time.width();
    let middle_w = width.saturating_sub(fixed);

    let base = if c.unread { theme.unread } else { theme.base };
    let row_style = |s: Style| if selected { s.patch(theme.selected) } else { s };
    let ell = glyphs.ellipsis;
    let mut spans = vec![
        Span::styled(lead, row_style(if marked { theme.marked } else { theme.star })),
        Span::styled(fit(&safe_line(&c.contact.name), name_w, ell), row_style(base.add_modifier(Modifier::empty()))),
        Span::styled(" ", row_style(base)),
    ];
    let summary = c
        .subject
        .as_deref()
        .filter(|s| !s.is_empty())
        .or(c.last_message.as_ref().map(|m| m.preview.as_str()))
        .unwrap_or("");
    spans.push(Span::styled(
        fit(&safe_line(summary), middle_w, ell),
        row_style(if c.unread { base } else { theme.dim }),
    ));
    for b in badges {
        spans.push(Span::styled(" ", row_style(blank_before(b.style))));
        spans.push(Span::styled(b.content, row_style(b.style)));
    }
    if wide {
        let a = assignee.map_or_else(String::new, |a| truncate(&a, assignee_w - 1, ell));
        spans.push(Span::styled(format!(" {}", fit(&a, assignee_w - 1, ell)), row_style(theme.dim)));
    }
    spans.push(Span::styled(time, row_style(theme.dim)));
    // Pad the selection bar to the full width.
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    if used < width {
        spans.push(Span::styled(" ".repeat(width - used), row_style(blank_before(theme.dim))));
    }
    Line::from(spans)
}

/// The style for blanks beside a span: its colour and weight, which a blank does
/// not show, so the terminal is sent no change of style between them (a row's
/// bytes are half style changes); never what a blank would show (a background,
/// reversed or underlined).
fn blank_before(s: Style) -> Style {
    Style { bg: None, ..s }.remove_modifier(Modifier::REVERSED | Modifier::UNDERLINED)
}

/// The row under a mouse click, if any.
pub fn row_at(state: &State, areas: &Areas, x: u16, y: u16) -> Option<usize> {
    let r = areas.list?;
    let top = r.y + 1 + u16::from(state.prompt.is_some());
    if x <= r.x || x >= r.x + r.width - 1 || y < top || y >= r.y + r.height - 1 {
        return None;
    }
    let row = state.list.offset + usize::from(y - top);
    (row < state.list.len()).then_some(row)
}
