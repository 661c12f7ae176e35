//! Text helpers for drawing: relative times, wrapping and truncating by display
//! width (CJK and emoji take two cells), and a last check that nothing with an
//! escape sequence reaches a buffer. All pure.

use std::borrow::Cow;

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use frontdesk_domain::known_time;
use frontdesk_domain::text::{contains_escape, sanitize, sanitize_line};

/// Text as it may be drawn. Adapters sanitise at the door; this is the second lock,
/// cheap when the text is clean (the common case).
pub fn safe(s: &str) -> Cow<'_, str> {
    if contains_escape(s) { Cow::Owned(sanitize(s)) } else { Cow::Borrowed(s) }
}

/// One line of text: no breaks, no escapes.
pub fn safe_line(s: &str) -> Cow<'_, str> {
    if contains_escape(s) || s.contains(['\n', '\r', '\t']) { Cow::Owned(sanitize_line(s)) } else { Cow::Borrowed(s) }
}

/// "now", "5m", "3h", "2d", "Nov 3", "2024-11-03": short, for list rows; "-" for a
/// time the vendor never gave.
pub fn ago(now: Timestamp, t: Timestamp, tz: &TimeZone) -> String {
    if known_time(t).is_none() {
        return "-".to_owned();
    }
    let secs = now.as_second() - t.as_second();
    if secs < 60 {
        return "now".to_owned();
    }
    if secs < 3600 {
        return format!("{}m", secs / 60);
    }
    if secs < 86_400 {
        return format!("{}h", secs / 3600);
    }
    if secs < 7 * 86_400 {
        return format!("{}d", secs / 86_400);
    }
    let (n, t) = (now.to_zoned(tz.clone()), t.to_zoned(tz.clone()));
    if n.year() == t.year() { t.strftime("%b %-d").to_string() } else { t.strftime("%Y-%m-%d").to_string() }
}

/// A time to come, as a person would say it: "14:30", "tomorrow 09:00",
/// "Mon 09:00", "Dec 24 09:00".
pub fn when(now: Timestamp, t: Timestamp, tz: &TimeZone) -> String {
    let (n, z) = (now.to_zoned(tz.clone()), t.to_zoned(tz.clone()));
    let days = (z.date() - n.date()).get_days();
    match days {
        0 => z.strftime("%H:%M").to_string(),
        1 => z.strftime("tomorrow %H:%M").to_string(),
        -1 => z.strftime("yesterday %H:%M").to_string(),
        2..=6 => z.strftime("%a %H:%M").to_string(),
        // Another year says which: "Jan 1 00:00" must not pass for this January.
        _ if z.year() != n.year() => z.strftime("%b %-d %Y %H:%M").to_string(),
        _ => z.strftime("%b %-d %H:%M").to_string(),
    }
}

/// When a message was written: "09:05" today, "yesterday 18:40", "Nov 3 09:05", with
/// the year when it is another year's, and "time unknown" when the vendor gave none.
pub fn stamp(now: Timestamp, t: Timestamp, tz: &TimeZone) -> String {
    if known_time(t).is_none() {
        return "time unknown".to_owned();
    }
    let age = now.as_second() - t.as_second();
    let (n, z) = (now.to_zoned(tz.clone()), t.to_zoned(tz.clone()));
    match age {
        // Past days read as dates, not weekdays: a thread runs back, not forward.
        _ if age > 86_400 && z.year() != n.year() => z.strftime("%b %-d %Y %H:%M").to_string(),
        _ if age > 86_400 => z.strftime("%b %-d %H:%M").to_string(),
        _ => when(now, t, tz),
    }
}

/// A signed distance to a deadline: "12m", "2h", "3d".
pub fn span(secs: i64) -> String {
    let s = secs.unsigned_abs();
    if s < 3600 {
        format!("{}m", s.div_ceil(60).max(1))
    } else if s < 86_400 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86_400)
    }
}

/// The next minute boundary after `now`: when relative times can next change.
pub fn next_minute(now: Timestamp) -> Timestamp {
    let secs = now.as_second();
    Timestamp::from_second(secs - secs.rem_euclid(60) + 60).unwrap_or_else(|_| now + 1.minute())
}

/// Cuts `s` to at most `width` cells, ending in `ellipsis` when cut. Never splits a
/// grapheme, so a wide character that does not fit is dropped whole.
pub fn truncate(s: &str, width: usize, ellipsis: &str) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let room = width.saturating_sub(ellipsis.width());
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = g.width();
        if used + w > room {
            break;
        }
        out.push_str(g);
        used += w;
    }
    if width >= ellipsis.width() {
        out.push_str(ellipsis);
    }
    out
}

/// Pads or cuts to exactly `width` cells.
pub fn fit(s: &str, width: usize, ellipsis: &str) -> String {
    let mut out = truncate(s, width, ellipsis);
    let w = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// Key names as shown: the arrows spelled out where the glyphs must be ASCII.
pub fn key_names(keys: &str, ascii: bool) -> String {
    if !ascii {
        return keys.to_owned();
    }
    keys.replace('↑', "Up").replace('↓', "Down").replace('←', "Left").replace('→', "Right")
}

/// Wraps text to `width` cells: at spaces when it can, inside a word when a word is
/// longer than a line, never inside a grapheme. Keeps blank lines.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let para = para.trim_end_matches('\r');
        if para.is_empty() {
            out.push(String::new());
            continue;
        }
        let mut line = String::new();
        let mut used = 0;
        for word in para.split_word_bounds() {
            let w = word.width();
            if used + w <= width {
                line.push_str(word);
                used += w;
                continue;
            }
            if word.trim().is_empty() {
                // A space at the break: the line ends here.
                out.push(std::mem::take(&mut line));
                used = 0;
                continue;
            }
            if used > 0 && w <= width {
                out.push(std::mem::take(&mut line).trim_end().to_owned());
                line.push_str(word);
                used = w;
                continue;
            }
            for g in word.graphemes(true) {
                let gw = g.width();
                if used + gw > width && used > 0 {
                    out.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push_str(g);
                used += gw;
            }
        }
        out.push(line.trim_end().to_owned());
    }
    out
}

/// A size as people read it: "312 B", "14 KB", "2.5 MB".
pub fn bytes(n: u64) -> String {
    #[allow(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let f = n as f64;
    match n {
        n if n >= 1024 * 1024 => format!("{:.1} MB", f / 1024.0 / 1024.0),
        n if n >= 1024 => format!("{:.0} KB", (f / 1024.0).ceil()),
        n => format!("{n} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_in_another_year_says_its_year() {
        let tz = TimeZone::UTC;
        let now: Timestamp = "2026-12-06T10:00:00Z".parse().expect("now");
        let at = |s: &str| when(now, s.parse().expect("time"), &tz);
        assert_eq!(at("1970-01-01T00:00:00Z"), "Jan 1 1970 00:00");
        assert_eq!(at("2026-03-02T09:15:00Z"), "Mar 2 09:15");
        assert_eq!(at("2026-12-05T09:15:00Z"), "yesterday 09:15");
        assert_eq!(at("2026-12-06T09:15:00Z"), "09:15");
    }

    /// A message's time in the thread: a past day as a date, with the year when it is
    /// another year's; a time the vendor never gave is said to be unknown, in the list too.
    #[test]
    fn a_message_time_says_its_year_and_an_unknown_one_says_so() {
        let tz = TimeZone::UTC;
        let now = ts("2026-12-06T10:00:00Z");
        assert_eq!(stamp(now, ts("2025-12-01T09:15:00Z"), &tz), "Dec 1 2025 09:15");
        assert_eq!(stamp(now, ts("2026-12-01T09:15:00Z"), &tz), "Dec 1 09:15");
        assert_eq!(stamp(now, ts("2026-12-06T09:15:00Z"), &tz), "09:15");
        assert_eq!(stamp(now, frontdesk_domain::UNKNOWN_TIME, &tz), "time unknown");
        assert_eq!(ago(now, frontdesk_domain::UNKNOWN_TIME, &tz), "-");
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn ago_is_short() {
        let now = ts("2026-11-25T10:00:00Z");
        let tz = TimeZone::UTC;
        assert_eq!(ago(now, ts("2026-11-25T09:59:30Z"), &tz), "now");
        assert_eq!(ago(now, ts("2026-11-25T09:55:00Z"), &tz), "5m");
        assert_eq!(ago(now, ts("2026-11-25T07:00:00Z"), &tz), "3h");
        assert_eq!(ago(now, ts("2026-11-23T10:00:00Z"), &tz), "2d");
        assert_eq!(ago(now, ts("2026-11-03T10:00:00Z"), &tz), "Nov 3");
        assert_eq!(ago(now, ts("2025-11-03T10:00:00Z"), &tz), "2025-11-03");
        // A clock slightly behind the server is not "in the future".
        assert_eq!(ago(now, ts("2026-11-25T10:00:20Z"), &tz), "now");
    }

    #[test]
    fn when_names_the_day() {
        let now = ts("2026-11-25T10:00:00Z"); // a Wednesday
        let tz = TimeZone::UTC;
        assert_eq!(when(now, ts("2026-11-25T14:30:00Z"), &tz), "14:30");
        assert_eq!(when(now, ts("2026-11-26T09:00:00Z"), &tz), "tomorrow 09:00");
        assert_eq!(when(now, ts("2026-11-30T09:00:00Z"), &tz), "Mon 09:00");
        assert_eq!(when(now, ts("2026-12-24T09:00:00Z"), &tz), "Dec 24 09:00");
    }

    #[test]
    fn next_minute_is_the_boundary() {
        assert_eq!(next_minute(ts("2026-11-25T10:00:00Z")), ts("2026-11-25T10:01:00Z"));
        assert_eq!(next_minute(ts("2026-11-25T10:00:59.5Z")), ts("2026-11-25T10:01:00Z"));
    }

    #[test]
    fn truncate_counts_cells_not_bytes() {
        assert_eq!(truncate("hello world", 8, "…"), "hello w…");
        assert_eq!(truncate("日本語のテキスト", 7, "…"), "日本語…");
        assert_eq!(truncate("short", 10, "…"), "short");
        assert_eq!(fit("日本", 5, "…"), "日本 ");
        assert_eq!(truncate("👩‍👩‍👧 family", 3, "…"), "👩‍👩‍👧…");
    }

    #[test]
    fn wrap_by_width_keeps_everything() {
        assert_eq!(wrap("the quick brown fox", 10), vec!["the quick", "brown fox"]);
        assert_eq!(wrap("日本語のテキストです", 6), vec!["日本語", "のテキ", "ストで", "す"]);
        assert_eq!(wrap("a\n\nb", 5), vec!["a", "", "b"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        for line in wrap("emoji 👍🏽 and ZWJ 👩‍👩‍👧 sequences wrap whole", 7) {
            assert!(line.width() <= 7, "{line:?}");
        }
    }

    #[test]
    fn safe_strips_what_adapters_missed() {
        assert_eq!(safe("plain"), "plain");
        assert_eq!(safe("\u{1b}[31mred"), "red");
        assert_eq!(safe_line("two\nlines"), "two lines");
    }
}
