//! What goes over the wire to the terminal: ratatui's crossterm backend, told where
//! the terminal's cursor already is after a wide character.
//!
//! ratatui moves the cursor before every changed cell that is not one column after
//! the last one drawn. A CJK character takes two columns and its second has no cell
//! of its own in the diff, so every cell after one cost a cursor move (`ESC[y;xH`,
//! up to 8 bytes): a list row of Chinese or Japanese text sent a move a character,
//! over 400 bytes for a selection move where Latin rows send under 300.
//!
//! Here the second column is handed to the backend as a cell that prints nothing,
//! so the next cell follows on with no move. Only after characters every terminal
//! draws two columns wide (the CJK ideographs, kana, Hangul, fullwidth forms):
//! emoji and the like, whose width terminals disagree on, keep ratatui's move, which
//! puts a terminal that drew one narrower back in its place.
//!
//! And a short run of unchanged cells between two changed ones on a row is sent
//! again rather than jumped over, where that is fewer bytes than the move: a page of
//! the list turning changes most cells but leaves spaces and letters in place here
//! and there, and each was a move. Only cells this backend knows the terminal
//! shows (an ASCII character it drew, in the style the pen already has) are sent
//! again; after a clear it knows the screen is blank.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr as _;

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

/// A cell's style, as the backend sets it before printing.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    fn of(cell: &Cell) -> Self {
        Self { fg: cell.fg, bg: cell.bg, underline: cell.underline_color, modifier: cell.modifier }
    }
}

/// What to draw beside the changed cells, after the `at`th of them.
struct Extra {
    at: usize,
    x: u16,
    y: u16,
    cell: Cell,
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
        let width = usize::from(x) + symbol.len().max(2);
        let row = usize::from(y);
        if self.shown.len() <= row {
            self.shown.resize(row + 1, Vec::new());
        }
        let line = &mut self.shown[row];
        if line.len() < width {
            line.resize(width, None);
        }
        let x = usize::from(x);
        match symbol {
            [ch] if (0x20..0x7f).contains(ch) => line[x] = Some(Known { ch: *ch, pen: Pen::of(cell) }),
            // Anything else, and the column a wide one may cover: not known.
            _ => {
                line[x] = None;
                line[x + 1] = None;
            }
        }
    }

    /// Cells to draw between a cell at `x` (`prev`) and the next changed one at
    /// `next_x` on the same row, so that no cursor move is needed between them.
    fn between(&self, (x, y, prev): (u16, u16, &Cell), next_x: u16, at: usize, out: &mut Vec<Extra>) {
        let wide = surely_wide(prev.symbol());
        let after = if wide {
            x.saturating_add(2)
        } else if surely_narrow(prev.symbol()) {
            x.saturating_add(1)
        } else {
            // Its width is the terminal's to judge: ratatui's move puts it right.
            return;
        };
        if next_x < after {
            return;
        }
        let gap = next_x - after;
        let pen = Pen::of(prev);
        let move_bytes = 4 + digits(y + 1) + digits(next_x + 1);
        let fill: Option<Vec<Known>> = (gap > 0 && usize::from(gap) < move_bytes)
            .then(|| (after..next_x).map(|c| self.known(c, y).filter(|k| k.pen == pen)).collect())
            .flatten();
        if gap > 0 && fill.is_none() {
            return;
        }
        if wide {
            let mut blank = prev.clone();
            blank.set_symbol("");
            out.push(Extra { at, x: x + 1, y, cell: blank });
        }
        for (c, k) in (after..).zip(fill.unwrap_or_default()) {
            let mut cell = prev.clone();
            cell.set_char(char::from(k.ch));
            out.push(Extra { at, x: c, y, cell });
        }
    }
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

/// A single character every terminal draws one column wide: ASCII, or one that is
/// narrow even where East Asian ambiguous characters are drawn wide (so not `●` or `…`,
/// which some terminals draw in two) and is not an emoji by default.
fn surely_narrow(symbol: &str) -> bool {
    use unicode_width::UnicodeWidthChar as _;
    let mut chars = symbol.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else { return false };
    c.is_ascii_graphic() || c == ' ' || (c.width() == Some(1) && c.width_cjk() == Some(1))
}

impl<W: Write> Backend for Wire<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        let mut extra: Vec<Extra> = Vec::new();
        for (i, pair) in cells.windows(2).enumerate() {
            let [prev, (next_x, next_y, _)] = pair else { continue };
            if *next_y == prev.1 {
                self.between(*prev, *next_x, i, &mut extra);
            }
        }
        for (x, y, cell) in &cells {
            self.remember(*x, *y, cell);
        }
        if extra.is_empty() {
            return self.inner.draw(cells.into_iter());
        }
        let mut out: Vec<(u16, u16, &Cell)> = Vec::with_capacity(cells.len() + extra.len());
        let mut pending = extra.iter().peekable();
        for (i, (x, y, cell)) in cells.into_iter().enumerate() {
            out.push((x, y, cell));
            while let Some(e) = pending.next_if(|e| e.at == i) {
                out.push((e.x, e.y, &e.cell));
            }
        }
        self.inner.draw(out.into_iter())
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
        let blank = (clear_type == ClearType::All).then_some(Known {
            ch: b' ',
            pen: Pen { fg: Color::Reset, bg: Color::Reset, underline: Color::Reset, modifier: Modifier::empty() },
        });
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
        for narrow in ["a", " ", "~", "⚙", "✆", "✦", "é"] {
            assert!(surely_narrow(narrow), "{narrow}");
        }
        // ● and … are East Asian ambiguous: two columns in some terminals.
        for not in ["●", "…", "中", "😀", "❤\u{fe0f}", "ab", "", "\u{301}"] {
            assert!(!surely_narrow(not), "{not:?}");
        }
    }

    #[test]
    fn a_move_is_counted_in_the_bytes_it_takes() {
        assert_eq!([0, 9, 10, 99, 100, 65_535].map(digits), [1, 1, 2, 2, 3, 5]);
    }
}
