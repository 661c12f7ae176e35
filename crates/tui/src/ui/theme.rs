//! Colours and glyphs. Three palettes: the default (256 colours), a 16-colour one
//! for old terminals, and monochrome (modifiers only) when `NO_COLOR` is set. Glyphs
//! fall back to ASCII when the locale is not UTF-8 or `--ascii` is given.

use ratatui::style::{Color, Modifier, Style};

use frontdesk_domain::Channel;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Palette {
    Default,
    Ansi16,
    Mono,
}

impl Palette {
    /// `auto` picks from the environment: `NO_COLOR` → mono, a TERM without 256
    /// colours → 16.
    pub fn choose(setting: &str, no_color: bool, term: &str, colorterm: &str) -> Result<Self, String> {
        match setting {
            "16" => Ok(Self::Ansi16),
            "mono" => Ok(Self::Mono),
            "auto" if no_color => Ok(Self::Mono),
            "auto" if !(term.contains("256") || colorterm.contains("truecolor") || colorterm.contains("24bit")) => {
                Ok(Self::Ansi16)
            }
            "default" | "auto" => Ok(Self::Default),
            other => Err(format!("ui.theme: unknown theme '{other}' (auto, default, 16 or mono)")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub palette: Palette,
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selected: Style,
    pub marked: Style,
    pub unread: Style,
    pub error: Style,
    pub info: Style,
    pub key: Style,
    pub contact: Style,
    pub agent: Style,
    pub ai: Style,
    pub note: Style,
    pub event: Style,
    pub overdue: Style,
    pub soon: Style,
    pub star: Style,
    pub badge: Style,
}

impl Theme {
    pub fn new(palette: Palette) -> Self {
        let plain = Style::new();
        let bold = plain.add_modifier(Modifier::BOLD);
        match palette {
            Palette::Mono => Self {
                palette,
                base: plain,
                dim: plain.add_modifier(Modifier::DIM),
                title: bold,
                border: plain,
                border_focus: bold,
                selected: plain.add_modifier(Modifier::REVERSED),
                marked: plain.add_modifier(Modifier::UNDERLINED),
                unread: bold,
                error: bold.add_modifier(Modifier::REVERSED),
                info: bold,
                key: bold,
                contact: bold,
                agent: bold,
                ai: plain.add_modifier(Modifier::ITALIC),
                note: plain.add_modifier(Modifier::ITALIC),
                event: plain.add_modifier(Modifier::DIM),
                overdue: bold.add_modifier(Modifier::REVERSED),
                soon: bold,
                star: bold,
                badge: plain.add_modifier(Modifier::REVERSED),
            },
            Palette::Ansi16 => Self {
                palette,
                base: plain,
                dim: plain.fg(Color::DarkGray),
                title: bold.fg(Color::Cyan),
                border: plain.fg(Color::DarkGray),
                border_focus: plain.fg(Color::Cyan),
                selected: plain.bg(Color::Blue).fg(Color::White),
                marked: plain.fg(Color::Magenta).add_modifier(Modifier::BOLD),
                unread: bold.fg(Color::White),
                error: bold.fg(Color::White).bg(Color::Red),
                info: plain.fg(Color::Green),
                key: bold.fg(Color::Yellow),
                contact: bold.fg(Color::Cyan),
                agent: bold.fg(Color::Green),
                ai: plain.fg(Color::Magenta),
                note: plain.fg(Color::Yellow),
                event: plain.fg(Color::DarkGray),
                overdue: bold.fg(Color::Red),
                soon: plain.fg(Color::Yellow),
                star: plain.fg(Color::Yellow),
                badge: plain.fg(Color::Black).bg(Color::Magenta),
            },
            Palette::Default => Self {
                palette,
                base: plain,
                dim: plain.fg(Color::Indexed(244)),
                title: bold.fg(Color::Indexed(75)),
                border: plain.fg(Color::Indexed(240)),
                border_focus: plain.fg(Color::Indexed(75)),
                selected: plain.bg(Color::Indexed(24)).fg(Color::Indexed(231)),
                marked: plain.fg(Color::Indexed(213)).add_modifier(Modifier::BOLD),
                unread: bold.fg(Color::Indexed(231)),
                error: bold.fg(Color::Indexed(231)).bg(Color::Indexed(160)),
                info: plain.fg(Color::Indexed(114)),
                key: bold.fg(Color::Indexed(221)),
                contact: bold.fg(Color::Indexed(117)),
                agent: bold.fg(Color::Indexed(114)),
                ai: plain.fg(Color::Indexed(177)),
                note: plain.fg(Color::Indexed(222)).bg(Color::Indexed(236)),
                event: plain.fg(Color::Indexed(242)),
                overdue: bold.fg(Color::Indexed(203)),
                soon: plain.fg(Color::Indexed(214)),
                star: plain.fg(Color::Indexed(220)),
                badge: plain.fg(Color::Indexed(16)).bg(Color::Indexed(177)),
            },
        }
    }
}

/// The symbols drawn, in Unicode or ASCII.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Glyphs {
    pub ascii: bool,
    pub star: &'static str,
    pub unread: &'static str,
    pub marked: &'static str,
    pub overdue: &'static str,
    pub soon: &'static str,
    pub snoozed: &'static str,
    pub ai: &'static str,
    pub handoff: &'static str,
    pub suggestion: &'static str,
    pub ellipsis: &'static str,
    pub rule: &'static str,
    pub inbound: &'static str,
    pub outbound: &'static str,
    pub dot: &'static str,
    /// The text cursor of a one-line prompt.
    pub cursor: &'static str,
    /// "more below".
    pub down: &'static str,
    /// A draft waits in this conversation.
    pub draft: &'static str,
}

impl Glyphs {
    pub const UNICODE: Self = Self {
        ascii: false,
        star: "★",
        unread: "●",
        marked: "▌",
        overdue: "‼",
        soon: "◷",
        snoozed: "z",
        ai: "AI",
        handoff: "⇄",
        suggestion: "✦",
        ellipsis: "…",
        rule: "─",
        inbound: "◀",
        outbound: "▶",
        dot: "·",
        cursor: "▏",
        down: "↓",
        draft: "✎",
    };

    pub const ASCII: Self = Self {
        ascii: true,
        star: "*",
        unread: "o",
        marked: ">",
        overdue: "!!",
        soon: "~",
        snoozed: "z",
        ai: "AI",
        handoff: "<>",
        suggestion: "+",
        ellipsis: "...",
        rule: "-",
        inbound: "<",
        outbound: ">",
        dot: "|",
        cursor: "_",
        down: "v",
        draft: "d",
    };

    /// A channel's mark; one this build does not know gets a mark of its own, and the
    /// thread's header names it as the vendor did.
    pub fn channel(&self, c: &Channel) -> &'static str {
        match (self.ascii, c) {
            (false, Channel::Email) => "✉",
            (false, Channel::Sms) => "✆",
            (false, Channel::Whatsapp) => "◉",
            (false, Channel::Web) => "◍",
            (false, Channel::Voice) => "☎",
            (false, Channel::Api) => "⚙",
            (true, Channel::Email) => "E",
            (true, Channel::Sms) => "S",
            (true, Channel::Whatsapp) => "W",
            (true, Channel::Web) => "C",
            (true, Channel::Voice) => "V",
            (true, Channel::Api) => "A",
            (false, Channel::Other(_)) => "◇",
            (true, Channel::Other(_)) => "?",
        }
    }

    /// Whether the locale can show UTF-8.
    pub fn locale_is_utf8(lc_all: &str, lc_ctype: &str, lang: &str) -> bool {
        let effective = [lc_all, lc_ctype, lang].into_iter().find(|v| !v.is_empty()).unwrap_or("");
        let lower = effective.to_ascii_lowercase();
        lower.contains("utf-8") || lower.contains("utf8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_means_mono_and_old_terms_get_16() {
        assert_eq!(Palette::choose("auto", true, "xterm-256color", ""), Ok(Palette::Mono));
        assert_eq!(Palette::choose("auto", false, "xterm-256color", ""), Ok(Palette::Default));
        assert_eq!(Palette::choose("auto", false, "xterm", ""), Ok(Palette::Ansi16));
        assert_eq!(Palette::choose("auto", false, "xterm", "truecolor"), Ok(Palette::Default));
        assert!(Palette::choose("neon", false, "", "").is_err());
    }

    #[test]
    fn locale_decides_the_glyphs() {
        assert!(Glyphs::locale_is_utf8("", "", "en_US.UTF-8"));
        assert!(!Glyphs::locale_is_utf8("C", "", "en_US.UTF-8"));
        assert!(!Glyphs::locale_is_utf8("", "", ""));
    }

    #[test]
    fn every_glyph_is_one_cell_wide_or_ascii() {
        use unicode_width::UnicodeWidthStr;
        for c in Channel::ALL {
            assert_eq!(Glyphs::UNICODE.channel(&c).width(), 1, "{c:?}");
        }
        for g in [Glyphs::UNICODE.star, Glyphs::UNICODE.unread, Glyphs::UNICODE.marked, Glyphs::UNICODE.soon] {
            assert_eq!(g.width(), 1, "{g}");
        }
    }
}
