//! The AI agents console: the agents on the left, and on the right the open
//! agent's configuration, its conversations, or the chat playground, where the
//! answer appears as it streams.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::text::{ago, fit, safe, safe_line, truncate, wrap};
use super::{border, centered};
use crate::command::Command;
use crate::console::{Console, Outcome, Pane, Part, Playground};
use crate::state::State;
use frontdesk_domain::{AgentStatus, AiAgent, Data};

pub fn render(state: &State, c: &Console, frame: &mut Frame, area: Rect) {
    let left_w = if area.width >= 100 { 44 } else { area.width * 2 / 5 };
    let [left, right] = Layout::horizontal([Constraint::Length(left_w), Constraint::Min(20)]).areas(area);
    agents(state, c, frame, left);
    match c.pane {
        Pane::Playground => match &c.playground {
            Some(p) => playground(state, p, frame, right),
            None => detail(state, c, frame, right),
        },
        Pane::Conversations => conversations(state, c, frame, right),
        Pane::Detail => detail(state, c, frame, right),
    }
    if let Some((_, name)) = &c.confirm_delete {
        let rect = centered(area, 56, 5);
        crate::ui::clear_for_overlay(frame, rect);
        let text = vec![
            Line::styled(format!("Delete {}?", safe_line(name)), state.settings.theme.error),
            Line::styled("Its conversations end; this cannot be undone.", state.settings.theme.dim),
            Line::styled("y deletes · any other key keeps it", state.settings.theme.key),
        ];
        let block = crate::ui::framed(state).border_style(state.settings.theme.error);
        frame.render_widget(Paragraph::new(text).block(block), rect);
    }
}

fn status_style(state: &State, s: &AgentStatus) -> Style {
    let t = &state.settings.theme;
    match s {
        AgentStatus::Active => t.info,
        AgentStatus::Paused => t.soon,
        AgentStatus::Error => t.error,
        _ => t.dim,
    }
}

fn agents(state: &State, c: &Console, frame: &mut Frame, area: Rect) {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let filter = c.filter.as_ref().map_or_else(String::new, |f| format!(" · {}", f.as_str()));
    let title = format!(" AI agents{filter} ");
    let block = crate::ui::framed(state)
        .border_style(border(state, c.pane != Pane::Playground))
        .title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    if c.agents.is_empty() {
        let text = if c.loading { "Loading…" } else { "No agents here. n creates one." };
        lines.push(Line::styled(text, theme.dim));
    }
    let rows = usize::from(inner.height);
    let offset = c.selected.saturating_sub(rows.saturating_sub(1));
    for (i, a) in c.agents.iter().enumerate().skip(offset).take(rows) {
        lines.push(agent_row(state, a, i == c.selected, width));
    }
    if c.loading && !c.agents.is_empty() && lines.len() < rows {
        lines.push(Line::styled(format!("  loading more{}", glyphs.ellipsis), theme.dim));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn agent_row(state: &State, a: &AiAgent, selected: bool, width: usize) -> Line<'static> {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let style = |s: Style| if selected { s.patch(theme.selected) } else { s };
    let status = format!(" {:<7}", a.status.as_str());
    let model = format!(" {}", truncate(&a.model, 14, glyphs.ellipsis));
    let name_w = width.saturating_sub(status.len() + model.chars().count() + 1).max(4);
    let mut spans = vec![
        Span::styled(" ", style(theme.base)),
        Span::styled(fit(&safe_line(&a.name), name_w, glyphs.ellipsis), style(theme.base)),
        Span::styled(status, style(status_style(state, &a.status))),
        Span::styled(model, style(theme.dim)),
    ];
    let used: usize = spans.iter().map(|s| unicode_width::UnicodeWidthStr::width(s.content.as_ref())).sum();
    if used < width {
        spans.push(Span::styled(" ".repeat(width - used), style(theme.base)));
    }
    Line::from(spans)
}

fn pane_block(state: &State, title: String, focused: bool) -> Block<'static> {
    crate::ui::framed(state).border_style(border(state, focused)).title(Span::styled(title, state.settings.theme.title))
}

fn field(state: &State, name: &str, value: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<14}"), state.settings.theme.dim),
        Span::styled(safe_line(value).into_owned(), state.settings.theme.base),
    ])
}

fn detail(state: &State, c: &Console, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let Some(a) = c.current() else {
        frame.render_widget(pane_block(state, " Agent ".into(), false), area);
        return;
    };
    let block = pane_block(state, format!(" {} ", safe_line(&a.name)), false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width).max(1);
    let when = |t: Option<jiff::Timestamp>| t.map_or_else(|| "—".to_owned(), |t| ago(state.now, t, &state.settings.tz));
    let count = |n: Option<u32>| n.map_or_else(|| "—".to_owned(), |n| n.to_string());
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<14}", "status"), theme.dim),
            Span::styled(a.status.as_str().to_owned(), status_style(state, &a.status)),
        ]),
        field(state, "type", &a.kind.clone()),
        field(state, "model", &a.model.clone()),
        field(state, "channels", &if a.channels.is_empty() { "—".into() } else { a.channels.join(", ") }),
        field(state, "tools", &count(a.tools)),
        field(state, "active now", &count(a.active_conversations)),
        field(state, "conversations", &count(a.conversations)),
        field(state, "tokens", &a.total_tokens.map_or_else(|| "—".to_owned(), |t| t.to_string())),
        field(state, "last active", &when(a.last_active_at)),
        field(state, "created", &when(a.created_at)),
        Line::raw(""),
    ];
    match c.detail.as_ref().filter(|d| d.agent.id == a.id) {
        None => lines.push(Line::styled("Loading the configuration…", theme.dim)),
        Some(d) => {
            if let Some(prompt) = &d.config.system_prompt {
                lines.push(Line::styled("System prompt", theme.title));
                lines.extend(wrap(&safe(prompt), width).into_iter().map(|l| Line::styled(l, theme.base)));
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled("Configuration", theme.title));
            lines.extend(c.config_text.lines().flat_map(|l| wrap(&safe(l), width)).map(|l| Line::styled(l, theme.dim)));
        }
    }
    frame.render_widget(Paragraph::new(lines).scroll((c.scroll, 0)), inner);
}

fn conversations(state: &State, c: &Console, frame: &mut Frame, area: Rect) {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let name = c.current().map(|a| safe_line(&a.name).into_owned()).unwrap_or_default();
    if let Some((id, messages)) = &c.messages {
        let block = pane_block(state, format!(" {name} · {} ", safe_line(id)), true);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let width = usize::from(inner.width).max(1);
        let mut lines = Vec::new();
        for m in messages {
            let style = if m.role == "user" { theme.contact } else { theme.ai };
            let at = m
                .created_at
                .map(|t| format!(" {} {}", glyphs.dot, ago(state.now, t, &state.settings.tz)))
                .unwrap_or_default();
            lines.push(Line::from(vec![Span::styled(m.role.clone(), style), Span::styled(at, theme.dim)]));
            for t in &m.tools {
                lines.push(tool_line(state, &t.tool, &t.input, t.output.as_ref(), width));
            }
            lines.extend(
                wrap(&m.content, width.saturating_sub(2))
                    .into_iter()
                    .map(|l| Line::styled(format!("  {l}"), theme.base)),
            );
            lines.push(Line::raw(""));
        }
        frame.render_widget(Paragraph::new(lines).scroll((c.scroll, 0)), inner);
        return;
    }
    let block = pane_block(state, format!(" {name} · conversations "), true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    if c.conversations.is_empty() {
        lines.push(Line::styled("No conversations yet.", theme.dim));
    }
    for (i, conv) in c.conversations.iter().enumerate() {
        let style = |s: Style| if i == c.conversation { s.patch(theme.selected) } else { s };
        let when =
            conv.last_message_at.or(conv.started_at).map(|t| ago(state.now, t, &state.settings.tz)).unwrap_or_default();
        let who = conv.contact.clone().unwrap_or_else(|| conv.id.clone());
        let text = format!(
            " {} {} {} {} msgs {when}",
            fit(&safe_line(&who), 20, glyphs.ellipsis),
            glyphs.dot,
            conv.status,
            conv.messages.unwrap_or(0)
        );
        lines.push(Line::styled(fit(&text, width, glyphs.ellipsis), style(theme.base)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A tool call on one line: its name, its input, and what came back.
fn tool_line(state: &State, tool: &str, input: &Data, output: Option<&Data>, width: usize) -> Line<'static> {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let gear = if glyphs.ascii { "*" } else { "⚙" };
    let arrow = if glyphs.ascii { "->" } else { "→" };
    let out = output.map_or_else(|| format!(" {arrow} …"), |o| format!(" {arrow} {}", compact(o)));
    let text = format!("  {gear} {}({}){out}", safe_line(tool), compact(input));
    Line::styled(truncate(&text, width, glyphs.ellipsis), theme.event)
}

fn compact(v: &Data) -> String {
    if v.is_null() { String::new() } else { safe_line(&serde_json::to_string(v).unwrap_or_default()).into_owned() }
}

fn playground(state: &State, p: &Playground, frame: &mut Frame, area: Rect) {
    let (theme, glyphs) = (&state.settings.theme, &state.settings.glyphs);
    let conv = p.conversation.as_deref().map(|c| format!(" · {}", safe_line(c))).unwrap_or_default();
    let block = pane_block(state, format!(" Chat with {}{conv} ", safe_line(&p.name)), true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [transcript, input] = Layout::vertical([Constraint::Min(1), Constraint::Length(3)]).areas(inner);
    let width = usize::from(transcript.width).max(1);
    let mut lines: Vec<Line> = Vec::new();
    if p.turns.is_empty() {
        let send = state.settings.keymap.hint(Command::ChatSend);
        lines.push(Line::styled(format!("Type a message below; {send} sends it. The answer streams in."), theme.dim));
    }
    for t in &p.turns {
        lines.push(Line::styled("you", theme.contact));
        lines.extend(
            wrap(&safe(&t.user), width.saturating_sub(2))
                .into_iter()
                .map(|l| Line::styled(format!("  {l}"), theme.base)),
        );
        lines.push(Line::styled(safe_line(&p.name).into_owned(), theme.ai));
        for part in &t.parts {
            match part {
                Part::Text(text) => {
                    lines.extend(
                        wrap(text, width.saturating_sub(2))
                            .into_iter()
                            .map(|l| Line::styled(format!("  {l}"), theme.base)),
                    );
                }
                Part::Tool { tool, input, output } if p.expanded => {
                    lines.push(tool_line(state, tool, &Data::Null, None, width));
                    for (label, v) in [("input", Some(input)), ("output", output.as_ref())] {
                        let Some(v) = v.filter(|v| !v.is_null()) else { continue };
                        lines.push(Line::styled(format!("    {label}"), theme.dim));
                        let pretty = serde_json::to_string_pretty(v).unwrap_or_default();
                        lines.extend(pretty.lines().map(|l| {
                            Line::styled(
                                truncate(&format!("      {}", safe_line(l)), width, glyphs.ellipsis),
                                theme.event,
                            )
                        }));
                    }
                }
                Part::Tool { tool, input, output } => lines.push(tool_line(state, tool, input, output.as_ref(), width)),
            }
        }
        match &t.outcome {
            None => lines.push(Line::styled(format!("  {}", glyphs.ellipsis), theme.dim)),
            Some(Outcome::Done { tokens_in, tokens_out, latency_ms }) => {
                let tokens = match (tokens_in, tokens_out) {
                    (Some(i), Some(o)) => format!("{i} in / {o} out tokens"),
                    _ => "tokens not reported".to_owned(),
                };
                let latency = latency_ms
                    .map(|ms| format!(" {} {}.{} s", glyphs.dot, ms / 1000, ms % 1000 / 100))
                    .unwrap_or_default();
                lines.push(Line::styled(format!("  {tokens}{latency}"), theme.dim));
            }
            Some(Outcome::Failed(why)) => {
                lines.push(Line::styled(format!("  failed: {}", safe_line(why)), theme.error));
            }
        }
        lines.push(Line::raw(""));
    }
    // The newest at the bottom, as a chat reads.
    let height = usize::from(transcript.height);
    let skip = lines.len().saturating_sub(height);
    frame.render_widget(Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()), transcript);
    let input_block = crate::ui::framed(state).borders(Borders::TOP).border_style(theme.border);
    let inner_input = input_block.inner(input);
    frame.render_widget(input_block, input);
    frame.render_widget(&p.input, inner_input);
}
