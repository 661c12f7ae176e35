//! What the verbs print: a plain table for people (no colour, every stranger's text
//! passed through the sanitiser again, so nothing from a customer can move the
//! cursor), or the domain types' JSON for scripts: one document (`--json`) or one
//! object a line (`--jsonl`).

use std::fmt::Write as _;
use std::io::{self, Write};

use jiff::Timestamp;
use serde::Serialize;

use frontdesk_domain::text::sanitize_line;
use frontdesk_domain::{Conversation, Message, Suggestion, ViewWithCount};

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Jsonl,
}

/// Writes `items` as the format asks: a JSON array, one object a line, or rows.
pub fn list<T: Serialize>(
    out: &mut dyn Write,
    format: Format,
    items: &[T],
    row: impl Fn(&T) -> Vec<String>,
    head: &[&str],
) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, items)?;
            writeln!(out)
        }
        Format::Jsonl => {
            for item in items {
                serde_json::to_writer(&mut *out, item)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Table => table(out, head, &items.iter().map(row).collect::<Vec<_>>()),
    }
}

/// Writes one value as JSON (either JSON format) or as `text`.
pub fn one<T: Serialize>(
    out: &mut dyn Write,
    format: Format,
    item: &T,
    text: impl FnOnce() -> String,
) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, item)?;
            writeln!(out)
        }
        Format::Jsonl => {
            serde_json::to_writer(&mut *out, item)?;
            writeln!(out)
        }
        Format::Table => writeln!(out, "{}", text()),
    }
}

/// Columns padded to their widest cell (by characters), two spaces apart.
pub fn table(out: &mut dyn Write, head: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| if i == last { (*c).to_owned() } else { format!("{c:<w$}", w = widths[i]) })
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(head.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()).trim_end())?;
    }
    Ok(())
}

/// A stranger's text for one cell: sanitised, on one line, cut to `max` characters.
pub fn cell(s: &str, max: usize) -> String {
    let s = sanitize_line(s);
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A time as scripts and people both read it: RFC 3339 in UTC, to the second; "-"
/// for a time the vendor never gave (never 1970).
pub fn when(t: Timestamp) -> String {
    frontdesk_domain::known_time(t).map_or_else(|| "-".to_owned(), |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

pub const CONVERSATION_HEAD: [&str; 6] = ["ID", "STATUS", "FLAGS", "CONTACT", "SUBJECT / LAST MESSAGE", "UPDATED"];

pub fn conversation_row(c: &Conversation) -> Vec<String> {
    let mut flags = String::new();
    if c.unread {
        flags.push('U');
    }
    if c.starred {
        flags.push('*');
    }
    if c.has_pending_suggestion {
        flags.push('S');
    }
    let about = c.subject.clone().or_else(|| c.last_message.as_ref().map(|m| m.preview.clone())).unwrap_or_default();
    vec![
        c.id.to_string(),
        c.status.as_str().to_owned(),
        flags,
        cell(&c.contact.name, 24),
        cell(&about, 60),
        when(c.updated_at),
    ]
}

/// The conversation and its thread, for people.
pub fn thread_text(c: &Conversation, messages: &[Message]) -> String {
    let mut out = format!(
        "{}  {}  {}  {}\n{}\n",
        c.id,
        c.channel.as_str(),
        c.status.as_str(),
        cell(&c.contact.name, 60),
        cell(c.subject.as_deref().unwrap_or("(no subject)"), 120)
    );
    if let Some(a) = &c.assignee {
        let _ = writeln!(out, "assigned to {}", cell(&a.name, 60));
    }
    if !c.tags.is_empty() {
        let _ = writeln!(out, "tags: {}", cell(&c.tags.join(", "), 120));
    }
    for m in messages {
        let _ = writeln!(out, "\n--- {} · {} · {}", cell(&m.author.name, 60), m.kind.as_str(), when(m.created_at));
        for line in frontdesk_domain::text::sanitize(&m.body).lines() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.trim_end().to_owned()
}

pub const VIEW_HEAD: [&str; 3] = ["ID", "NAME", "COUNT"];

pub fn view_row(v: &ViewWithCount) -> Vec<String> {
    vec![v.view.id.to_string(), cell(&v.view.name, 40), v.count.to_string()]
}

pub fn suggestion_text(s: &Suggestion) -> String {
    if let Some(why) = &s.withheld {
        return format!("{}  no draft: {}", s.id, sanitize_line(why));
    }
    let mut out = format!("{}  {}", s.id, s.engine);
    if let Some(c) = s.confidence {
        let _ = write!(out, ", {c}% sure");
    }
    if !s.sources.is_empty() {
        let _ = write!(out, ", from {}", cell(&s.sources.join(", "), 80));
    }
    if let Some(need) = &s.before_sending {
        let _ = write!(out, "\nbefore sending: {}", sanitize_line(need));
    }
    out.push_str("\n\n");
    out.push_str(&frontdesk_domain::text::sanitize(&s.body));
    out
}

pub fn message_text(m: &Message) -> String {
    format!("{}  {} by {} at {}", m.id, m.kind.as_str(), cell(&m.author.name, 60), when(m.created_at))
}
