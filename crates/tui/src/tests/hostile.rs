//! Text from strangers never reaches the terminal raw: bodies, names and subjects
//! full of escape sequences render with no escape byte in what goes to the terminal.

use ratatui::Terminal;

use crate::testing::with_thread;

const HOSTILE: &[&str] = &[
    "\u{1b}[2J\u{1b}[31mred alert\u{1b}[0m",                      // CSI
    "\u{1b}]52;c;cm0gLXJmIH4vKg==\u{7}clipboard",                 // OSC 52 (clipboard write)
    "\u{1b}]8;;https://evil.test\u{1b}\\click\u{1b}]8;;\u{1b}\\", // OSC 8 hyperlink
    "\u{1b}P+q544e\u{1b}\\dcs",                                   // DCS
    "\u{9b}31mC1 CSI \u{9d}0;title\u{9c}",                        // C1 controls
    "abc\u{202e}txt.exe\u{2066}isolate\u{2069}",                  // bidi overrides and isolates
    "zero\u{200b}width\u{200d}join\u{feff}bom",                   // zero-width characters
    "bell\u{7} backspace\u{8} null\u{0} del\u{7f}",
];

/// Draws through the backend the app draws with into a byte buffer: exactly what a
/// terminal would receive.
fn terminal_bytes(state: &crate::State) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let backend = crate::wire::Wire::new(&mut out);
        let mut term = Terminal::with_options(
            backend,
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, state.width, state.height)),
            },
        )
        .expect("terminal");
        term.draw(|f| crate::ui::render(state, f)).expect("draw");
    }
    out
}

/// The bytes with every escape sequence ratatui itself writes (CSI for colour and
/// cursor moves) removed: whatever escape byte is left came from the text.
fn strip_own_sequences(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters, then one final byte in @..~.
            for p in chars.by_ref() {
                if ('@'..='~').contains(&p) {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[test]
fn hostile_text_renders_without_escape_bytes() {
    for &text in HOSTILE {
        let mut s = with_thread(120, 40);
        // Straight into the state, past the adapters: the renderer must hold on its own.
        s.list.items[0].contact.name = format!("Eve {text}");
        s.list.items[0].subject = Some(format!("Subject {text}"));
        if let Some(t) = &mut s.thread {
            t.messages[0].body = format!("Body {text}");
            t.messages[0].author.name = format!("Eve {text}");
            if let Some(sug) = &mut t.suggestion {
                sug.body = format!("Draft {text}");
            }
            t.conversation = Some(s.list.items[0].clone());
        }
        let raw = terminal_bytes(&s);
        let visible = strip_own_sequences(&raw);
        for bad in [
            '\u{1b}', '\u{7}', '\u{9b}', '\u{9c}', '\u{9d}', '\u{90}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{8}',
            '\u{0}', '\u{7f}',
        ] {
            assert!(!visible.contains(bad), "{text:?} let {bad:?} through");
        }
        assert!(visible.contains("Body"), "the rest of the text still shows");
    }
}
