//! The status bar: account, connection, last sync, what is still being sent, then a
//! message (errors stay until a key is pressed), an undo offer, what a pending key
//! sequence can continue with, or hints for the focused pane from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::text::{ago, safe_line, truncate};
use crate::command::{Command, Context};
use crate::keymap::display_sequence;
use crate::state::{Connection, Level, State};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let mut left = vec![Span::styled(format!(" {} ", safe_line(&state.settings.account)), theme.selected)];
    let (conn, style) = match state.connection {
        Connection::Connecting => ("connecting…".to_owned(), theme.dim),
        Connection::Live => (format!("{} live", glyphs.unread), theme.info),
        Connection::Polling { every } => (format!("{} polling {}", glyphs.unread, every_label(every)), theme.info),
        Connection::Reconnecting { at, attempts } => {
            let secs = at.as_second() - state.now.as_second();
            let offline = attempts >= Connection::OFFLINE_AFTER;
            let style = if offline { theme.error } else { theme.soon };
            // At zero the attempt is under way: no frozen "in 0s" while it waits.
            match (secs > 0, offline) {
                (true, true) => (format!("offline, retry in {secs}s"), style),
                (true, false) => (format!("reconnecting in {secs}s"), style),
                (false, true) => ("offline, trying again…".to_owned(), style),
                (false, false) => ("reconnecting…".to_owned(), style),
            }
        }
        Connection::Refused { .. } => ("key refused".to_owned(), theme.error),
    };
    left.push(Span::styled(format!(" {conn}"), style));
    if let Some(at) = state.status.last_sync {
        left.push(Span::styled(
            format!(" {} synced {}", glyphs.dot, ago(state.now, at, &state.settings.tz)),
            theme.dim,
        ));
    }
    if let Some(sla) = &state.sla {
        let target = sla.target.as_deref().map(|t| format!(" ({})", safe_line(t))).unwrap_or_default();
        let style = if sla.overdue > 0 { theme.overdue } else { theme.dim };
        left.push(Span::styled(format!(" {} {} overdue{target}", glyphs.dot, sla.overdue), style));
    }
    let pending = state.pending_sends();
    let waiting = state.inflight.values().filter_map(|i| i.retry.as_ref().map(|(at, _)| *at)).min();
    match waiting {
        Some(at) => {
            let secs = (at.as_second() - state.now.as_second()).max(0);
            let queued = state.inflight.values().filter(|i| i.retry.is_some()).count();
            left.push(Span::styled(format!(" {} {queued} queued, retry in {secs}s", glyphs.dot), theme.soon));
        }
        None if pending > 0 => left.push(Span::styled(format!(" {} sending {pending}", glyphs.dot), theme.soon)),
        None => {}
    }
    left.push(Span::raw("  "));
    let used: usize = left.iter().map(|s| s.content.width()).sum();
    let room = usize::from(area.width).saturating_sub(used);
    let keys = &state.settings.keymap;
    let right: Vec<Span> = if let Some(flash) = &state.status.flash {
        let style = if flash.level == Level::Error { theme.error } else { theme.info };
        vec![Span::styled(truncate(&safe_line(&flash.text), room, glyphs.ellipsis), style)]
    } else if let Some(undo) = &state.status.undo {
        let secs = (undo.until.as_second() - state.now.as_second()).max(0);
        vec![
            Span::styled(truncate(&undo.label, room.saturating_sub(16), glyphs.ellipsis), theme.info),
            Span::styled(format!(" {} ", keys.hint(Command::Undo)), theme.key),
            Span::styled(format!("undo ({secs}s)"), theme.dim),
        ]
    } else if !state.chord.is_empty() {
        // What can follow is listed in the popup above.
        vec![
            Span::styled(format!("{} {} ", display_sequence(&state.chord), state.settings.glyphs.ellipsis), theme.key),
            Span::styled("Esc cancels", theme.dim),
        ]
    } else {
        hints(state, room)
    };
    left.extend(right);
    frame.render_widget(Paragraph::new(Line::from(left)), area);
}

/// The most useful keys for where the focus is, as many as fit.
fn hints(state: &State, room: usize) -> Vec<Span<'static>> {
    let (theme, keys) = (&state.settings.theme, &state.settings.keymap);
    let wanted: &[(Command, &str)] = match state.context() {
        Context::Composer => {
            &[(Command::SendReview, "send"), (Command::ToggleNote, "note/reply"), (Command::CancelCompose, "leave")]
        }
        Context::Review => &[(Command::ConfirmSend, "send"), (Command::BackToEdit, "edit")],
        Context::Agents => &[
            (Command::AgentOpen, "config"),
            (Command::AgentChat, "chat"),
            (Command::AgentDeploy, "deploy"),
            (Command::AgentPause, "pause"),
            (Command::AgentResume, "resume"),
            (Command::AgentConversations, "conversations"),
            (Command::AgentFilter, "filter"),
            (Command::AgentNew, "new"),
            (Command::AgentEdit, "edit"),
            (Command::AgentDelete, "delete"),
            (Command::AgentsClose, "inbox"),
        ],
        Context::Playground => &[
            (Command::ChatSend, "send"),
            (Command::ChatTools, "tool calls"),
            (Command::ChatNew, "new chat"),
            (Command::ChatLeave, "leave"),
        ],
        Context::Thread => &[
            (Command::Reply, "reply"),
            (Command::Note, "note"),
            (Command::CloseNext, "close"),
            (Command::Snooze, "snooze"),
            (Command::Back, "back"),
            (Command::Help, "help"),
        ],
        Context::Inbox | Context::Global => &[
            (Command::Open, "open"),
            (Command::Reply, "reply"),
            (Command::CloseNext, "close"),
            (Command::AssignMe, "mine"),
            (Command::Snooze, "snooze"),
            (Command::MostUrgent, "urgent"),
            (Command::Search, "search"),
            (Command::Palette, "commands"),
            (Command::Help, "help"),
        ],
    };
    let mut out = Vec::new();
    let hint = |command: Command, label: &str| {
        let key = keys.hint(command);
        let w = key.width() + label.width() + 3;
        (w, [Span::styled(key, theme.key), Span::styled(format!(" {label}  "), theme.dim)])
    };
    // The way to every other key is the last to go: its room is kept first.
    let help = wanted.iter().find(|(c, _)| *c == Command::Help).map(|(c, label)| hint(*c, label));
    let mut used = help.as_ref().map_or(0, |(w, _)| *w);
    // What the account cannot do is left out (the help lists it, greyed, with why).
    for (command, label) in wanted.iter().filter(|(c, _)| c.available(&state.caps) && *c != Command::Help) {
        let (w, spans) = hint(*command, label);
        if used + w > room {
            break;
        }
        used += w;
        out.extend(spans);
    }
    if let Some((w, spans)) = help
        && w <= room
    {
        out.extend(spans);
    }
    out
}

/// "20s", "5m": how often a poller asks.
fn every_label(every: std::time::Duration) -> String {
    let secs = every.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) { format!("{}m", secs / 60) } else { format!("{secs}s") }
}
