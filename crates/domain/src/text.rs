//! Text from strangers, made safe to draw.
//!
//! This module owns the one rule set for turning untrusted text (message bodies,
//! contact names, subjects, anything that came over the network) into text that can
//! go to a terminal, through ratatui or straight to stdout, without the sender being
//! able to drive that terminal: recolour it, move the cursor, set the clipboard
//! (OSC 52), plant a disguised link (OSC 8), retitle the window, or reorder what the
//! agent reads (Trojan Source). Adapters call [`sanitize`] once, before a string
//! becomes a `domain` value; [`contains_escape`] lets tests assert the result.
//!
//! Choices, and why:
//!
//! - Escape sequences are dropped whole (introducer, parameters, payload and
//!   terminator), because dropping only the ESC byte, as ratatui does, leaves
//!   `[0;36m` on screen. Parsing is `vte`'s, the state machine Alacritty runs, so
//!   what counts as "the sequence" matches what a terminal would have swallowed.
//! - The 8-bit C1 forms (U+0080–U+009F, sent as UTF-8) are read as their 7-bit
//!   equivalents (`ESC` + byte − 0x40): U+009B opens a CSI that takes its parameters
//!   with it, U+009C ends a string. `vte` alone would drop the lone U+009B and print
//!   the `31m` after it.
//! - A sequence still open at the end of the input takes the rest of the input with
//!   it, as it would on a terminal; nothing of it is echoed.
//! - `\r\n` and a lone `\r` both become `\n`: a lone `\r` would otherwise let later
//!   text overwrite earlier text on the same line. Other C0 controls (VT, FF, BS, …),
//!   DEL and the remaining C1 controls (NEL included) are dropped, not turned into
//!   spaces or breaks.
//! - Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are
//!   dropped: they reorder whole runs of text. The marks U+200E (LRM), U+200F (RLM)
//!   and U+061C (ALM) are kept: Hebrew and Arabic writers use them legitimately, and
//!   they only settle the direction of neighbouring neutral characters.
//! - ZWJ (U+200D) and ZWNJ (U+200C) are kept: emoji sequences and Indic and Persian
//!   shaping need them. U+200B (zero-width space), U+2060 (word joiner) and U+FEFF
//!   (BOM) are dropped: invisible, meaningless in support text, and handy for hiding
//!   words from search or spoofing names.
//! - Unicode tag characters (U+E0020–U+E007F) are dropped, except right after a black
//!   flag (U+1F3F4), where they spell a subdivision flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿). Elsewhere they are invisible
//!   text that a language model still reads: a way to smuggle instructions to the
//!   copilot past the agent's eyes.
//! - Everything else, CJK, emoji, accents, combining marks, is left byte-identical.
//!   Non-ASCII characters that arrive inside an escape sequence belong to it, as they
//!   do for vte and so for Alacritty.
//!
//! To extend: another invisible character to drop goes in `is_dropped_format`; it
//! goes in [`contains_escape`] too only if a terminal would act on it. Add a named
//! test for the attack and keep the properties at the bottom passing: no active
//! control survives, `sanitize` is idempotent, never lengthens, never invents a
//! character, and leaves plain text alone.

use unicode_segmentation::UnicodeSegmentation;
use vte::{Params, Parser, Perform};

/// Removes terminal escape sequences, control characters and bidi overrides from
/// untrusted text; keeps `\n` and `\t` and every ordinary character.
///
/// The output never contains ESC, C0 controls other than `\n` and `\t`, DEL, C1
/// controls, or bidi embedding/override/isolate characters (so
/// [`contains_escape`] is false for it), is never longer than the input, and
/// `sanitize(&sanitize(s)) == sanitize(s)`. See the module docs for what is kept.
#[must_use]
pub fn sanitize(s: &str) -> String {
    // Almost every string is clean; skip the parser for those.
    if !s.chars().any(needs_work) {
        return s.to_owned();
    }

    let mut sink = Sink { out: String::with_capacity(s.len()), in_dcs: false, in_flag: false };
    let mut parser = Parser::new();
    let mut utf8 = [0u8; 4];
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // The `\n` that follows makes the line break; `\r` on its own becomes one in
            // `Sink::execute`.
            '\r' if chars.peek() == Some(&'\n') => {}
            '\u{80}'..='\u{9f}' => {
                if let Ok(byte) = u8::try_from(c) {
                    parser.advance(&mut sink, &[ESC, byte - 0x40]);
                }
            }
            // vte ends a DCS at a raw 0x9C byte, which is also a UTF-8 continuation byte
            // (U+271C is E2 9C 9C): it would end the string mid-character and show the
            // rest of the payload. The payload is dropped anyway, so vte need not see it.
            _ if sink.in_dcs && !c.is_ascii() => {}
            _ => parser.advance(&mut sink, c.encode_utf8(&mut utf8).as_bytes()),
        }
    }
    sink.out
}

/// Like [`sanitize`], for one-line fields (names, subjects): line breaks, tabs and
/// runs of any Unicode whitespace (NBSP and U+3000 included) become one space, and
/// the ends are trimmed.
#[must_use]
pub fn sanitize_line(s: &str) -> String {
    collapse_whitespace(&sanitize(s))
}

/// A one-line preview of a body for a list row: sanitised, whitespace collapsed as in
/// [`sanitize_line`], and at most `max_chars` characters long, ending in `…` when cut
/// (the `…` counts).
///
/// Cuts fall between grapheme clusters, so an emoji sequence or a letter with its
/// accents is kept whole or dropped whole; the limit still counts `char`s, so a
/// three-`char` emoji uses three. Fitting a terminal column width is the drawing
/// code's job, not this one's.
#[must_use]
pub fn preview(s: &str, max_chars: usize) -> String {
    let line = sanitize_line(s);
    if line.chars().count() <= max_chars {
        return line;
    }
    if max_chars == 0 {
        return String::new();
    }

    let budget = max_chars - 1;
    let mut out = String::with_capacity(line.len().min(max_chars.saturating_mul(4)));
    let mut used = 0;
    for grapheme in line.graphemes(true) {
        let n = grapheme.chars().count();
        if used + n > budget {
            break;
        }
        out.push_str(grapheme);
        used += n;
    }
    // "word …" reads worse than "word…" and the space would waste a character.
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Whether `s` holds anything a terminal could act on: ESC, a C0 control other than
/// `\n` and `\t` (so `\r` counts), DEL, a C1 control (U+0080–U+009F), or a bidi
/// embedding, override or isolate (U+202A–U+202E, U+2066–U+2069).
///
/// Zero-width characters do not count: they are invisible, not active.
#[must_use]
pub fn contains_escape(s: &str) -> bool {
    s.chars().any(|c| is_active_control(c) || is_bidi_control(c))
}

const ESC: u8 = 0x1b;

/// Collects what a terminal would have drawn, minus what must not be drawn.
struct Sink {
    out: String,
    /// Inside a DCS payload, between vte's `hook` and `unhook`.
    in_dcs: bool,
    /// Just after a black flag (U+1F3F4): tag characters here spell a subdivision flag.
    in_flag: bool,
}

impl Perform for Sink {
    fn print(&mut self, c: char) {
        if is_tag(c) {
            // Tags are kept only as part of a flag emoji: anywhere else they are
            // invisible text, a way to hide instructions from people but not from the
            // copilot's language model.
            if self.in_flag {
                self.out.push(c);
                self.in_flag = c != CANCEL_TAG;
            }
            return;
        }
        self.in_flag = c == BLACK_FLAG;
        // vte prints DEL (it only executes C0 and C1), and bidi and zero-width
        // characters are ordinary printables to it.
        if !is_active_control(c) && !is_dropped_format(c) {
            self.out.push(c);
        }
    }

    fn execute(&mut self, byte: u8) {
        // A line break or tab ends a flag: tags after it are not part of the emoji.
        if matches!(byte, b'\n' | b'\r' | b'\t') {
            self.in_flag = false;
        }
        match byte {
            b'\n' | b'\r' => self.out.push('\n'),
            b'\t' => self.out.push('\t'),
            _ => {}
        }
    }

    fn hook(&mut self, _params: &Params, _intermediates: &[u8], _ignore: bool, _action: char) {
        self.in_dcs = true;
    }

    fn unhook(&mut self) {
        self.in_dcs = false;
    }
}

/// Whether [`sanitize`] could change a string holding `c`.
fn needs_work(c: char) -> bool {
    is_active_control(c) || is_dropped_format(c) || is_tag(c)
}

const BLACK_FLAG: char = '\u{1f3f4}';
const CANCEL_TAG: char = '\u{e007f}';

/// Unicode tag characters (U+E0020–U+E007F).
fn is_tag(c: char) -> bool {
    ('\u{e0020}'..=CANCEL_TAG).contains(&c)
}

/// Cc, except the two layout controls text is allowed to keep.
fn is_active_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Printable characters [`sanitize`] drops: bidi controls reorder text, the others hide it.
fn is_dropped_format(c: char) -> bool {
    is_bidi_control(c) || matches!(c, '\u{200b}' | '\u{2060}' | '\u{feff}')
}

fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests;
