//! The shortest SGR sequence from one pen to the next: only what changed, in one
//! sequence (`ESC[22;38;5;244m`), and the palette's first 16 colours by their own
//! codes (`31`, `90`). crossterm sends a colour pair whenever either changes and
//! each attribute in a sequence of its own: `ESC[22mESC[38;5;244;49m`.

use std::io::{self, Write};

use ratatui::style::{Color, Modifier};

/// A cell's style, as the terminal holds it while printing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pen {
    pub fg: Color,
    pub bg: Color,
    pub underline: Color,
    pub modifier: Modifier,
}

impl Pen {
    /// What a terminal has after `ESC[0m`.
    pub const RESET: Self =
        Self { fg: Color::Reset, bg: Color::Reset, underline: Color::Reset, modifier: Modifier::empty() };

    pub fn of(cell: &ratatui::buffer::Cell) -> Self {
        Self { fg: cell.fg, bg: cell.bg, underline: cell.underline_color, modifier: cell.modifier }
    }
}

/// Whether a space looks the same in `a` as in `b`: the same background, and the
/// same of what paints more than the background (reverse video, which paints it in
/// the text colour; underline and strike-through, drawn in the text or underline
/// colour). Text colour, weight, slant and blinking show on no glyph.
pub(super) fn blank_alike(a: Pen, b: Pen) -> bool {
    let painted = Modifier::REVERSED | Modifier::UNDERLINED | Modifier::CROSSED_OUT;
    let (pa, pb) = (a.modifier & painted, b.modifier & painted);
    if pa != pb {
        return false;
    }
    if pa.is_empty() { a.bg == b.bg } else { a.fg == b.fg && a.bg == b.bg && a.underline == b.underline }
}

/// Writes what takes the terminal from `from` to `to` (nothing when they are equal).
pub(super) fn write(out: &mut impl Write, from: Pen, to: Pen) -> io::Result<()> {
    if from == to {
        return Ok(());
    }
    let mut params: Vec<u8> = Vec::with_capacity(32);
    let mut push = |p: &[u8]| {
        if !params.is_empty() {
            params.push(b';');
        }
        params.extend_from_slice(p);
    };
    let removed = from.modifier - to.modifier;
    let added = to.modifier - from.modifier;
    // Bold and dim end together (22): whichever stays is put back.
    let intensity = removed.intersects(Modifier::BOLD | Modifier::DIM);
    if intensity {
        push(b"22");
    }
    for (flag, off) in [
        (Modifier::ITALIC, b"23"),
        (Modifier::UNDERLINED, b"24"),
        (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK, b"25"),
        (Modifier::REVERSED, b"27"),
        (Modifier::HIDDEN, b"28"),
        (Modifier::CROSSED_OUT, b"29"),
    ] {
        if removed.intersects(flag) {
            push(off);
        }
    }
    let blink = removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK);
    for (flag, code) in [
        (Modifier::BOLD, b"1"),
        (Modifier::DIM, b"2"),
        (Modifier::ITALIC, b"3"),
        (Modifier::UNDERLINED, b"4"),
        (Modifier::SLOW_BLINK, b"5"),
        (Modifier::RAPID_BLINK, b"6"),
        (Modifier::REVERSED, b"7"),
        (Modifier::HIDDEN, b"8"),
        (Modifier::CROSSED_OUT, b"9"),
    ] {
        // What a shared reset (22 for bold and dim, 25 for the blinks) took off
        // and should stay on comes back.
        let shared = (intensity && (Modifier::BOLD | Modifier::DIM).contains(flag))
            || (blink && (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK).contains(flag));
        if added.contains(flag) || (shared && to.modifier.contains(flag)) {
            push(code);
        }
    }
    if to.fg != from.fg {
        push(&colour(to.fg, Layer::Fg));
    }
    if to.bg != from.bg {
        push(&colour(to.bg, Layer::Bg));
    }
    if to.underline != from.underline {
        push(&colour(to.underline, Layer::Underline));
    }
    if params.is_empty() {
        return Ok(());
    }
    out.write_all(b"\x1b[")?;
    out.write_all(&params)?;
    out.write_all(b"m")
}

#[derive(Clone, Copy)]
enum Layer {
    Fg,
    Bg,
    Underline,
}

/// One colour's parameters for `layer`.
fn colour(c: Color, layer: Layer) -> Vec<u8> {
    // The palette's first 16 as crossterm maps ratatui's names onto them.
    let named = match c {
        Color::Black => Some(0),
        Color::Red => Some(1),
        Color::Green => Some(2),
        Color::Yellow => Some(3),
        Color::Blue => Some(4),
        Color::Magenta => Some(5),
        Color::Cyan => Some(6),
        Color::Gray => Some(7),
        Color::DarkGray => Some(8),
        Color::LightRed => Some(9),
        Color::LightGreen => Some(10),
        Color::LightYellow => Some(11),
        Color::LightBlue => Some(12),
        Color::LightMagenta => Some(13),
        Color::LightCyan => Some(14),
        Color::White => Some(15),
        _ => None,
    };
    let (base, reset) = match layer {
        Layer::Fg => (38_u16, 39_u16),
        Layer::Bg => (48, 49),
        Layer::Underline => (58, 59),
    };
    let text = match (c, named, layer) {
        (Color::Reset, _, _) => reset.to_string(),
        // 30-37 and 90-97 (40-47, 100-107): the same palette entries, shorter.
        (_, Some(n @ 0..=7), Layer::Fg | Layer::Bg) => (base - 8 + n).to_string(),
        (_, Some(n), Layer::Fg | Layer::Bg) => (base + 52 + n - 8).to_string(),
        (_, Some(n), Layer::Underline) => format!("{base};5;{n}"),
        (Color::Indexed(i), _, _) => format!("{base};5;{i}"),
        (Color::Rgb(r, g, b), _, _) => format!("{base};2;{r};{g};{b}"),
        _ => reset.to_string(),
    };
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sgr(from: Pen, to: Pen) -> String {
        let mut out = Vec::new();
        write(&mut out, from, to).expect("write");
        String::from_utf8(out).expect("ascii")
    }

    fn pen(fg: Color, bg: Color, modifier: Modifier) -> Pen {
        Pen { fg, bg, underline: Color::Reset, modifier }
    }

    #[test]
    fn only_what_changed_in_one_sequence() {
        let plain = Pen::RESET;
        let grey = pen(Color::Indexed(244), Color::Reset, Modifier::empty());
        let bold_white = pen(Color::Indexed(231), Color::Reset, Modifier::BOLD);
        assert_eq!(sgr(plain, plain), "");
        assert_eq!(sgr(plain, grey), "\x1b[38;5;244m");
        assert_eq!(sgr(grey, bold_white), "\x1b[1;38;5;231m");
        assert_eq!(sgr(bold_white, grey), "\x1b[22;38;5;244m");
        assert_eq!(sgr(plain, pen(Color::Red, Color::DarkGray, Modifier::empty())), "\x1b[31;100m");
        assert_eq!(sgr(plain, pen(Color::LightCyan, Color::Blue, Modifier::empty())), "\x1b[96;44m");
        assert_eq!(sgr(plain, pen(Color::Rgb(1, 2, 3), Color::Reset, Modifier::REVERSED)), "\x1b[7;38;2;1;2;3m");
        assert_eq!(sgr(pen(Color::Reset, Color::Indexed(24), Modifier::REVERSED), plain), "\x1b[27;49m");
    }

    #[test]
    fn a_space_looks_the_same_whatever_its_text_colour_but_not_its_background() {
        let grey = pen(Color::Indexed(244), Color::Reset, Modifier::BOLD);
        assert!(blank_alike(grey, Pen::RESET));
        assert!(!blank_alike(grey, pen(Color::Indexed(244), Color::Indexed(24), Modifier::BOLD)));
        let reversed = pen(Color::Indexed(244), Color::Reset, Modifier::REVERSED);
        assert!(!blank_alike(reversed, pen(Color::Indexed(231), Color::Reset, Modifier::REVERSED)));
        assert!(!blank_alike(reversed, grey));
        let underlined = pen(Color::Red, Color::Reset, Modifier::UNDERLINED);
        assert!(!blank_alike(underlined, pen(Color::Blue, Color::Reset, Modifier::UNDERLINED)));
    }

    #[test]
    fn bold_and_dim_end_together_and_whichever_stays_comes_back() {
        let both = pen(Color::Reset, Color::Reset, Modifier::BOLD | Modifier::DIM);
        assert_eq!(sgr(both, pen(Color::Reset, Color::Reset, Modifier::DIM)), "\x1b[22;2m");
        assert_eq!(sgr(both, pen(Color::Reset, Color::Reset, Modifier::BOLD | Modifier::ITALIC)), "\x1b[22;1;3m");
    }
}
