//! What the backend sends (`wire.rs`), read back by a small VT reader that knows
//! nothing of ratatui: the screen, characters and their styles, is the one
//! ratatui's own crossterm backend draws, in fewer bytes.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Wrap};

use crate::wire::Wire;

/// What reaches the terminal, kept where the test can read it.
#[derive(Clone, Default)]
struct Tap(Rc<RefCell<Vec<u8>>>);

impl Write for Tap {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A backend as on a terminal of `size`, without asking a tty (there is none
/// here): where the cursor is, and how big the screen is.
struct NoTty<B> {
    inner: B,
    size: ratatui::layout::Size,
}

impl<B: Backend> Backend for NoTty<B> {
    type Error = B::Error;

    fn draw<'a, I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>>(&mut self, c: I) -> Result<(), B::Error> {
        self.inner.draw(c)
    }
    fn hide_cursor(&mut self) -> Result<(), B::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), B::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, B::Error> {
        Ok(ratatui::layout::Position::ORIGIN)
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(&mut self, p: P) -> Result<(), B::Error> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), B::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ratatui::backend::ClearType) -> Result<(), B::Error> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> Result<ratatui::layout::Size, B::Error> {
        Ok(self.size)
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, B::Error> {
        Ok(ratatui::backend::WindowSize { columns_rows: self.size, pixels: self.size })
    }
    fn flush(&mut self) -> Result<(), B::Error> {
        self.inner.flush()
    }
}

/// The bytes a backend sends for `frames` drawn one after another, full screen,
/// with a clear (as a resize does) before the frame numbered `clear_before`, if any.
fn sent<B: Backend>(
    make: impl FnOnce(Tap) -> B,
    area: Rect,
    frames: &[Text<'static>],
    clear_before: Option<usize>,
) -> Vec<u8>
where
    B::Error: std::fmt::Debug,
{
    let tap = Tap::default();
    let backend = NoTty { inner: make(tap.clone()), size: area.as_size() };
    let mut term = Terminal::new(backend).expect("terminal");
    for (i, text) in frames.iter().enumerate() {
        if clear_before == Some(i) {
            term.clear().expect("clear");
        }
        term.draw(|f| {
            // The last row is ASCII, as the app's status bar is: ratatui-core 0.1.2's
            // diff indexes past the end of the screen after a wide character in its
            // last two cells.
            let [body, status] = ratatui::layout::Layout::vertical([
                ratatui::layout::Constraint::Fill(1),
                ratatui::layout::Constraint::Length(1),
            ])
            .areas(f.area());
            f.render_widget(Paragraph::new(text.clone()).wrap(Wrap { trim: false }), body);
            f.render_widget(Paragraph::new(format!("frame {i}")), status);
        })
        .expect("draw");
    }
    tap.0.borrow().clone()
}

/// A terminal cell as read back: the character and the SGR state it was printed in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Pen {
    fg: Vec<u16>,
    bg: Vec<u16>,
    underline: Vec<u16>,
    attrs: std::collections::BTreeSet<u16>,
}

impl Pen {
    /// Applies one SGR sequence's parameters.
    fn apply(&mut self, params: &str) {
        let n: Vec<u16> = params.split(';').map(|p| p.parse().unwrap_or(0)).collect();
        let mut i = 0;
        while i < n.len() {
            let extended = |i: usize| -> (Vec<u16>, usize) {
                match n.get(i + 1) {
                    Some(5) => (n[i + 1..(i + 3).min(n.len())].to_vec(), 3),
                    Some(2) => (n[i + 1..(i + 5).min(n.len())].to_vec(), 5),
                    _ => (Vec::new(), 1),
                }
            };
            match n[i] {
                0 => *self = Self::default(),
                38 | 48 | 58 => {
                    let (color, used) = extended(i);
                    match n[i] {
                        38 => self.fg = color,
                        48 => self.bg = color,
                        _ => self.underline = color,
                    }
                    i += used;
                    continue;
                }
                39 => self.fg.clear(),
                49 => self.bg.clear(),
                59 => self.underline.clear(),
                // The palette's first 16 by their own codes are its entries 0-15.
                c @ 30..=37 => self.fg = vec![5, c - 30],
                c @ 90..=97 => self.fg = vec![5, c - 90 + 8],
                c @ 40..=47 => self.bg = vec![5, c - 40],
                c @ 100..=107 => self.bg = vec![5, c - 100 + 8],
                22 => {
                    self.attrs.remove(&1);
                    self.attrs.remove(&2);
                }
                c @ 23..=29 => {
                    self.attrs.remove(&(c - 20));
                }
                c => {
                    self.attrs.insert(c);
                }
            }
            i += 1;
        }
    }
}

/// What a terminal shows after `bytes`: cursor moves (`ESC[y;xH`), SGR, every other
/// CSI skipped; each character lands at the cursor in the current pen, and the
/// cursor moves on by its width.
fn screen(bytes: &[u8], width: usize, height: usize) -> Vec<Vec<(String, Pen)>> {
    let text = String::from_utf8_lossy(bytes);
    let mut grid = vec![vec![(String::from(" "), Pen::default()); width]; height];
    let (mut x, mut y) = (0usize, 0usize);
    let mut pen = Pen::default();
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
            match end {
                'H' => {
                    let mut n = params.split(';').map(|v| v.parse::<usize>().unwrap_or(1));
                    y = n.next().unwrap_or(1).saturating_sub(1);
                    x = n.next().unwrap_or(1).saturating_sub(1);
                }
                'm' => pen.apply(&params),
                'J' if params == "2" => {
                    grid = vec![vec![(String::from(" "), Pen::default()); width]; height];
                }
                _ => {}
            }
            continue;
        }
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w == 0 {
            continue;
        }
        if let Some(row) = grid.get_mut(y) {
            if let Some(cell) = row.get_mut(x) {
                *cell = (c.to_string(), pen.clone());
            }
            if w == 2
                && let Some(cell) = row.get_mut(x + 1)
            {
                *cell = (String::new(), pen.clone());
            }
        }
        x += w;
    }
    grid
}

/// The screen as it looks: a space's text colour, weight and slant show on no
/// glyph, so only what paints its cell is kept (background; reverse video,
/// underline and strike-through with their colours).
fn looks(grid: Vec<Vec<(String, Pen)>>) -> Vec<Vec<(String, Pen)>> {
    grid.into_iter()
        .map(|row| {
            row.into_iter()
                .map(|(ch, mut pen)| {
                    if ch == " " {
                        pen.attrs.retain(|a| matches!(a, 4 | 7 | 9));
                        if pen.attrs.is_empty() {
                            pen.fg.clear();
                            pen.underline.clear();
                        }
                    }
                    (ch, pen)
                })
                .collect()
        })
        .collect()
}

fn moves(bytes: &[u8]) -> usize {
    String::from_utf8_lossy(bytes).matches('H').count()
}

fn plain(text: &str) -> Text<'static> {
    Text::raw(text.to_owned())
}

#[test]
fn cjk_text_goes_without_a_cursor_move_per_character() {
    let area = Rect::new(0, 0, 60, 4);
    let frames = [plain(""), plain("客户王小明：我的订单还没有到，请帮我查一下物流。\nこんにちは、注文の件です。")];
    let wire = sent(Wire::new, area, &frames, None);
    let ratatui = sent(CrosstermBackend::new, area, &frames, None);
    assert!(moves(&wire) <= 6, "a move a line, not a character: {}", String::from_utf8_lossy(&wire));
    assert!(moves(&ratatui) > 30, "ratatui's own: a move after each wide character");
    assert!(wire.len() * 2 < ratatui.len(), "{} against {}", wire.len(), ratatui.len());
    assert_eq!(screen(&wire, 60, 4), screen(&ratatui, 60, 4));
}

#[test]
fn a_few_unchanged_cells_between_changes_are_sent_again_rather_than_jumped() {
    let area = Rect::new(0, 0, 40, 2);
    // The first frame fills the row, so the next one's spaces are cells drawn.
    let frames = [plain(&"x".repeat(40)), plain("Emily Chen   12h  open"), plain("Emma Chan    13h  shut")];
    let wire = sent(Wire::new, area, &frames, None);
    let ratatui = sent(CrosstermBackend::new, area, &frames, None);
    assert_eq!(screen(&wire, 40, 2), screen(&ratatui, 40, 2));
    assert!(moves(&wire) < moves(&ratatui), "{:?}", String::from_utf8_lossy(&wire));
    assert!(wire.len() < ratatui.len());
}

#[test]
fn after_a_clear_what_was_shown_before_is_not_sent_again() {
    let area = Rect::new(0, 0, 20, 2);
    // Cleared (a resize), the screen is blank: the gap in "a  b" stays blank, not
    // the "x" the row held before.
    let frames = [plain("xxxxxxxxxxxxxxxxxxxx"), plain("a  b")];
    let wire = sent(Wire::new, area, &frames, Some(1));
    let ratatui = sent(CrosstermBackend::new, area, &frames, Some(1));
    assert_eq!(screen(&wire, 20, 2), screen(&ratatui, 20, 2));
    assert_eq!(screen(&wire, 20, 2)[0][1].0, " ");
}

/// The styles a cell may have: a few, so that neighbours often share one.
fn styles() -> [Style; 7] {
    [
        Style::default(),
        Style::default().fg(Color::Yellow),
        Style::default().fg(Color::Indexed(244)).bg(Color::Indexed(24)).add_modifier(Modifier::BOLD),
        Style::default().fg(Color::Rgb(1, 2, 3)).add_modifier(Modifier::REVERSED),
        Style::default().fg(Color::LightRed).bg(Color::Blue).add_modifier(Modifier::DIM | Modifier::ITALIC),
        Style::default().fg(Color::DarkGray).add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        Style::default().add_modifier(Modifier::BOLD | Modifier::DIM),
    ]
}

/// A cell: its symbol and which of `styles()`.
type Mark = (&'static str, usize);
type Grid = Vec<Vec<Mark>>;
/// A frame's changes: row, column, and the new cell.
type Edits = Vec<Vec<(usize, usize, Mark)>>;

fn text_of(grid: &Grid) -> Text<'static> {
    let styles = styles();
    Text::from(
        grid.iter()
            .map(|row| Line::from(row.iter().map(|(s, st)| Span::styled(*s, styles[*st])).collect::<Vec<_>>()))
            .collect::<Vec<_>>(),
    )
}

/// A screen of cells, then frames that each change a few of them (a character, a
/// style): most cells stay, so runs of unchanged cells lie between the changed ones,
/// as when a list's selection moves.
fn frames() -> impl Strategy<Value = Vec<Text<'static>>> {
    let symbols = vec!["a", "b", " ", "x", "中", "あ", "😀", "é", "Ａ"];
    let cell = (prop::sample::select(symbols), 0..7_usize);
    let grid = prop::collection::vec(prop::collection::vec(cell.clone(), 14), 5);
    let edit = (0..5_usize, 0..14_usize, cell);
    let edits = prop::collection::vec(prop::collection::vec(edit, 0..8), 1..6);
    (grid, edits).prop_map(|(mut grid, edits): (Grid, Edits)| {
        let mut out = vec![text_of(&grid)];
        for step in edits {
            for (row, col, cell) in step {
                grid[row][col] = cell;
            }
            out.push(text_of(&grid));
        }
        out
    })
}

proptest! {
    /// Whatever the frames hold, and a clear among them, the terminal ends up
    /// showing what ratatui's own backend shows, cell for cell and style for style,
    /// in no more bytes.
    #[test]
    fn the_screen_is_the_one_ratatuis_own_backend_draws(
        frames in frames(),
        clear in prop::option::of(0..6_usize),
    ) {
        let area = Rect::new(0, 0, 17, 6);
        let wire = sent(Wire::new, area, &frames, clear);
        let ratatui = sent(CrosstermBackend::new, area, &frames, clear);
        prop_assert_eq!(looks(screen(&wire, 17, 6)), looks(screen(&ratatui, 17, 6)));
        prop_assert!(wire.len() <= ratatui.len());
    }
}
