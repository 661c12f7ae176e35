//! What goes over the wire to the terminal: ratatui's changed cells, written in
//! fewer bytes than ratatui's crossterm backend writes them.
//!
//! - The cursor moves only where it is not already. ratatui moves it before every
//!   cell that is not one column after the last, so each cell after a CJK character
//!   (two columns, the second with no cell of its own) cost a move (`ESC[y;xH`, up
//!   to 8 bytes): a row of Chinese names a move a character. Here the cursor is
//!   followed across characters every terminal draws two columns wide (CJK
//!   ideographs, kana, Hangul, fullwidth forms) or one (as ratatui lays them out).
//!   After anything else (emoji, sequences, whose width terminals disagree on) the
//!   next cell is placed by a move, so a terminal that drew it otherwise is put
//!   right at once.
//! - A short run of unchanged cells between two changed ones on a row is sent again
//!   rather than jumped over, where that is fewer bytes: a page of the list turning
//!   changes most cells but leaves spaces and letters in place here and there. Only
//!   cells this backend drew itself (ASCII, in the pen's own style; a space in any
//!   style that paints it alike) are sent again; after a clear it knows the screen
//!   is blank.
//! - Styles change by the shortest SGR sequence (`sgr.rs`).

mod sgr;

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use unicode_width::UnicodeWidthStr as _;

use sgr::Pen;

pub struct Wire<W: Write> {
    inner: CrosstermBackend<W>,
    /// What the terminal shows, where this backend knows: by row, then column.
    shown: Vec<Vec<Option<Known>>>,
}

/// A cell the terminal shows: one ASCII character and its style.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Known {
    ch: u8,
    pen: Pen,
}

impl Known {
    /// Whether this cell sent again in `pen` looks as it does now: in its own
    /// style; or, a space, in any style that paints the cell's background alike
    /// (its text colour, weight and slant show on no glyph).
    fn looks_same_in(self, pen: Pen) -> bool {
        self.pen == pen || (self.ch == b' ' && sgr::blank_alike(self.pen, pen))
    }
}

impl<W: Write> Wire<W> {
    pub const fn new(writer: W) -> Self {
        Self { inner: CrosstermBackend::new(writer), shown: Vec::new() }
    }

    fn known(&self, x: u16, y: u16) -> Option<Known> {
        *self.shown.get(usize::from(y))?.get(usize::from(x))?
    }

    fn remember(&mut self, x: u16, y: u16, cell: &Cell) {
        let symbol = cell.symbol().as_bytes();
        let (row, x) = (usize::from(y), usize::from(x));
        if self.shown.len() <= row {
            self.shown.resize(row + 1, Vec::new());
        }
        let line = &mut self.shown[row];
        if line.len() < x + 2 {
            line.resize(x + 2, None);
        }
        match symbol {
            [ch] if (0x20..0x7f).contains(ch) => line[x] = Some(Known { ch: *ch, pen: Pen::of(cell) }),
            // Anything else, and the column a wide one may cover: not known.
            _ => {
                line[x] = None;
                line[x + 1] = None;
            }
        }
    }

    /// The cells `from..to` of row `y` as the terminal shows them, when this
    /// backend knows them all and each looks the same sent again in `pen`.
    fn again(&self, y: u16, from: u16, to: u16, pen: Pen) -> Option<Vec<u8>> {
        (from..to).map(|x| self.known(x, y).filter(|k| k.looks_same_in(pen)).map(|k| k.ch)).collect()
    }
}

/// Bytes a move to (x, y) takes: `ESC[` row `;` column `H`.
fn move_bytes(x: u16, y: u16) -> usize {
    4 + digits(y.saturating_add(1)) + digits(x.saturating_add(1))
}

fn digits(n: u16) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// A single character that every terminal draws two columns wide.
fn surely_wide(symbol: &str) -> bool {
    let mut chars = symbol.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else { return false };
    let wide = matches!(u32::from(c),
        0x1100..=0x115F        // Hangul Jamo, leading consonants
        | 0x2E80..=0x303E      // CJK radicals, Kangxi, CJK symbols and punctuation
        | 0x3041..=0x33FF      // kana, Bopomofo, Hangul compatibility Jamo, CJK compatibility
        | 0x3400..=0x4DBF      // CJK extension A
        | 0x4E00..=0x9FFF      // CJK unified ideographs
        | 0xA000..=0xA4CF      // Yi
        | 0xAC00..=0xD7A3      // Hangul syllables
        | 0xF900..=0xFAFF      // CJK compatibility ideographs
        | 0xFE30..=0xFE4F      // CJK compatibility forms
        | 0xFF01..=0xFF60      // fullwidth forms
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x2FFFD    // CJK extensions B and on
        | 0x30000..=0x3FFFD);
    wide && symbol.width() == 2
}

/// A single character one column wide, as ratatui lays it out (unicode-width). East
/// Asian ambiguous ones (`─`, `●`, `…`) count: where a terminal draws those in two
/// columns, ratatui's borders and columns are out of line already, and a move after
/// each line-drawing character would cost a page of borders a move a cell.
fn surely_narrow(symbol: &str) -> bool {
    use unicode_width::UnicodeWidthChar as _;
    let mut chars = symbol.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else { return false };
    c.width() == Some(1)
}

impl<W: Write> Backend for Wire<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        let mut out: Vec<u8> = Vec::with_capacity(cells.len() * 4);
        // As ratatui's: each frame begins with the terminal's default pen and ends
        // by going back to it.
        let mut pen = Pen::RESET;
        // Where the cursor surely is, if anywhere.
        let mut cursor: Option<(u16, u16)> = None;
        for &(x, y, cell) in &cells {
            let filled = match cursor {
                Some((cx, cy)) if cy == y && cx == x => true,
                Some((cx, cy)) if cy == y && cx < x && usize::from(x - cx) < move_bytes(x, y) => {
                    match self.again(y, cx, x, pen) {
                        Some(bytes) => {
                            out.extend_from_slice(&bytes);
                            true
                        }
                        None => false,
                    }
                }
                _ => false,
            };
            if !filled {
                write!(out, "\x1b[{};{}H", u32::from(y) + 1, u32::from(x) + 1)?;
            }
            let want = Pen::of(cell);
            sgr::write(&mut out, pen, want)?;
            pen = want;
            let symbol = cell.symbol();
            out.extend_from_slice(symbol.as_bytes());
            cursor = if surely_narrow(symbol) {
                Some((x.saturating_add(1), y))
            } else if surely_wide(symbol) {
                Some((x.saturating_add(2), y))
            } else {
                None
            };
        }
        for &(x, y, cell) in &cells {
            self.remember(x, y, cell);
        }
        if pen != Pen::RESET {
            out.extend_from_slice(b"\x1b[0m");
        }
        io::Write::write_all(&mut self.inner, &out)
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        // Blank after a whole clear; after a part of one, not known.
        let blank = (clear_type == ClearType::All).then_some(Known { ch: b' ', pen: Pen::RESET });
        for line in &mut self.shown {
            line.fill(blank);
        }
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_characters_every_terminal_draws_wide_count() {
        for wide in ["中", "あ", "カ", "한", "Ａ", "。", "𠀀"] {
            assert!(surely_wide(wide), "{wide}");
        }
        for not in ["a", "é", "😀", "👍🏽", "❤\u{fe0f}", "中文", "", "\u{1f1e8}\u{1f1f3}"] {
            assert!(!surely_wide(not), "{not:?}");
        }
    }

    #[test]
    fn only_characters_every_terminal_draws_narrow_count() {
        for narrow in ["a", " ", "~", "⚙", "✆", "✦", "é", "●", "…", "─", "│"] {
            assert!(surely_narrow(narrow), "{narrow}");
        }
        // Emoji and sequences, whose widths terminals disagree on, are placed by a move.
        for not in ["中", "😀", "❤\u{fe0f}", "ab", "", "\u{301}", "\u{1b}"] {
            assert!(!surely_narrow(not), "{not:?}");
        }
    }

    #[test]
    fn a_move_is_counted_in_the_bytes_it_takes() {
        assert_eq!([0, 9, 10, 99, 100, 65_535].map(digits), [1, 1, 2, 2, 3, 5]);
    }
}
