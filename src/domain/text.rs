//! Text from strangers, made safe to draw. (Being written; see sanitize.)

/// Removes terminal control sequences and bidi overrides; keeps `\n` and `\t`.
#[must_use]
pub fn sanitize(s: &str) -> String {
    s.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect()
}

/// Like [`sanitize`], for one-line fields (names, subjects): line breaks become spaces.
#[must_use]
pub fn sanitize_line(s: &str) -> String {
    sanitize(s).replace(['\n', '\t'], " ")
}

/// The first `max_chars` characters of the body as one line, for list previews.
#[must_use]
pub fn preview(s: &str, max_chars: usize) -> String {
    let line = sanitize_line(s);
    let words: Vec<&str> = line.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() <= max_chars {
        joined
    } else {
        let mut out: String = joined.chars().take(max_chars.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
