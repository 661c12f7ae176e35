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

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use unicode_width::UnicodeWidthStr as _;

pub struct Wire<W: Write> {
    inner: CrosstermBackend<W>,
}

impl<W: Write> Wire<W> {
    pub const fn new(writer: W) -> Self {
        Self { inner: CrosstermBackend::new(writer) }
    }
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

impl<W: Write> Backend for Wire<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        // The second column of each wide character the next cell follows on from:
        // the character's own style, so no style change is sent for it either.
        let mut blanks: Vec<(usize, Cell)> = Vec::new();
        for (i, pair) in cells.windows(2).enumerate() {
            let [(x, y, cell), (next_x, next_y, _)] = pair else { continue };
            if *next_y == *y && u32::from(*next_x) == u32::from(*x) + 2 && surely_wide(cell.symbol()) {
                let mut blank = (*cell).clone();
                blank.set_symbol("");
                blanks.push((i, blank));
            }
        }
        if blanks.is_empty() {
            return self.inner.draw(cells.into_iter());
        }
        let mut out: Vec<(u16, u16, &Cell)> = Vec::with_capacity(cells.len() + blanks.len());
        let mut pending = blanks.iter().peekable();
        for (i, (x, y, cell)) in cells.into_iter().enumerate() {
            out.push((x, y, cell));
            if let Some((_, blank)) = pending.next_if(|(at, _)| *at == i) {
                out.push((x + 1, y, blank));
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
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
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
    use proptest::prelude::*;
    use ratatui::Terminal;
    use ratatui::layout::Rect;
    use ratatui::widgets::{Paragraph, Wrap};

    #[test]
    fn only_characters_every_terminal_draws_wide_count() {
        for wide in ["中", "あ", "カ", "한", "Ａ", "。", "𠀀"] {
            assert!(surely_wide(wide), "{wide}");
        }
        for not in ["a", "é", "😀", "👍🏽", "❤\u{fe0f}", "中文", "", "\u{1f1e8}\u{1f1f3}"] {
            assert!(!surely_wide(not), "{not:?}");
        }
    }

    /// What reaches the terminal, kept where the test can read it.
    #[derive(Clone, Default)]
    struct Tap(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Tap {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// The bytes a backend sends for `frames` drawn one after another.
    fn sent<B: Backend>(make: impl FnOnce(Tap) -> B, area: Rect, frames: &[String]) -> Vec<u8>
    where
        B::Error: std::fmt::Debug,
    {
        let tap = Tap::default();
        let viewport = ratatui::Viewport::Fixed(area);
        let mut term =
            Terminal::with_options(make(tap.clone()), ratatui::TerminalOptions { viewport }).expect("terminal");
        for text in frames {
            term.draw(|f| f.render_widget(Paragraph::new(text.as_str()).wrap(Wrap { trim: false }), f.area()))
                .expect("draw");
        }
        tap.0.borrow().clone()
    }

    /// What a terminal shows after `bytes`: a small VT reader that knows cursor
    /// moves (`ESC[y;xH`), skips every other CSI sequence, and puts each character
    /// at the cursor, which then moves on by the character's width.
    fn screen(bytes: &[u8], width: usize, height: usize) -> Vec<String> {
        let text = String::from_utf8_lossy(bytes);
        let mut grid = vec![vec![String::from(" "); width]; height];
        let (mut x, mut y) = (0usize, 0usize);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' && chars.peek() == Some(&'[') {
                chars.next();
                let mut params = String::new();
                let mut end = ' ';
                for p in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&p) {
                        end = p;
                        break;
                    }
                    params.push(p);
                }
                if end == 'H' {
                    let mut n = params.split(';').map(|v| v.parse::<usize>().unwrap_or(1));
                    y = n.next().unwrap_or(1).saturating_sub(1);
                    x = n.next().unwrap_or(1).saturating_sub(1);
                }
                continue;
            }
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if w == 0 {
                continue;
            }
            if let Some(row) = grid.get_mut(y) {
                if let Some(cell) = row.get_mut(x) {
                    *cell = c.to_string();
                }
                if w == 2
                    && let Some(cell) = row.get_mut(x + 1)
                {
                    *cell = String::new();
                }
            }
            x += w;
        }
        grid.into_iter().map(|r| r.concat()).collect()
    }

    fn moves(bytes: &[u8]) -> usize {
        String::from_utf8_lossy(bytes).matches('H').count()
    }

    #[test]
    fn cjk_text_goes_without_a_cursor_move_per_character() {
        let area = Rect::new(0, 0, 60, 3);
        let frames = vec![
            String::new(),
            "客户王小明：我的订单还没有到，请帮我查一下物流。\nこんにちは、注文の件です。".to_owned(),
        ];
        let wire = sent(Wire::new, area, &frames);
        let plain = sent(CrosstermBackend::new, area, &frames);
        assert!(moves(&wire) <= 4, "a move a line, not a character: {}", String::from_utf8_lossy(&wire));
        assert!(moves(&plain) > 30, "ratatui's own: a move after each wide character");
        assert!(wire.len() * 2 < plain.len(), "{} against {}", wire.len(), plain.len());
        assert_eq!(screen(&wire, 60, 3), screen(&plain, 60, 3));
    }

    fn text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec!["a", "b", " ", "中", "文", "あ", "한", "😀", "é", "Ａ", "\n", "。"]);
        prop::collection::vec(pieces, 0..80).prop_map(|v| v.concat())
    }

    proptest! {
        /// Whatever the frames hold, the terminal ends up showing what it shows
        /// with ratatui's own backend.
        #[test]
        fn the_screen_is_the_one_ratatuis_own_backend_draws(frames in prop::collection::vec(text(), 1..5)) {
            let area = Rect::new(0, 0, 17, 5);
            let wire = sent(Wire::new, area, &frames);
            let plain = sent(CrosstermBackend::new, area, &frames);
            prop_assert_eq!(screen(&wire, 17, 5), screen(&plain, 17, 5));
            prop_assert!(wire.len() <= plain.len());
        }
    }
}
