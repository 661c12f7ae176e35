//! The terminal: raw mode, the alternate screen, mouse and bracketed paste on the
//! way in, and exactly those off again on the way out — on quit, Ctrl-C, SIGTERM,
//! SIGHUP and panic. The panic hook restores first, then prints, then ends the
//! process, so a panic in any task can never leave the app drawing on a broken
//! screen. Suspending around `$EDITOR` uses the same two halves.

use std::io::{self, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;

use crate::wire::Wire;

pub type Term = Terminal<Wire<Out>>;

/// Where frames go: stdout behind a buffer that holds a whole frame, so each goes
/// out in one write (ratatui flushes once a frame). Stdout's own buffer is 1 KiB:
/// a full screen went out in fifteen or more writes, each one waking the terminal
/// (or tmux, or sshd) to read a piece of it.
type Out = io::BufWriter<io::Stdout>;

/// Bigger than a full frame at 300x100 with colours.
const FRAME_BYTES: usize = 256 * 1024;

fn out() -> Out {
    io::BufWriter::with_capacity(FRAME_BYTES, io::stdout())
}

static MOUSE: AtomicBool = AtomicBool::new(false);
static ACTIVE: AtomicBool = AtomicBool::new(false);

pub fn enter(mouse: bool) -> io::Result<Term> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    // Wiped first: a client killed without restoring (kill -9) leaves its cells in
    // the alternate screen, and the first frame skips the cells it draws blank.
    execute!(out, EnterAlternateScreen, EnableBracketedPaste, Clear(ClearType::All))?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
        MOUSE.store(true, Ordering::SeqCst);
    }
    Terminal::new(Wire::new(self::out()))
}

/// Undoes what `enter` did. Safe to call twice.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, DisableBracketedPaste, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        // A panic in any task is fatal: the screen is no longer ours to draw on.
        std::process::exit(101);
    }));
}

/// Gives the terminal back for a child program (`$EDITOR`).
pub fn suspend(term: &mut Term) -> io::Result<()> {
    let mouse = MOUSE.load(Ordering::SeqCst);
    restore();
    MOUSE.store(mouse, Ordering::SeqCst);
    term.show_cursor()
}

/// Takes the terminal back after `suspend`. The screen is wiped and `term` replaced
/// by a fresh one, so the next frame draws everything. (`Terminal::clear` would ask
/// the terminal where its cursor is, which can time out right after a child ran.)
pub fn resume(term: &mut Term) -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen, EnableBracketedPaste, Clear(ClearType::All))?;
    if MOUSE.load(Ordering::SeqCst) {
        execute!(out, EnableMouseCapture)?;
    }
    *term = Terminal::new(Wire::new(self::out()))?;
    Ok(())
}

/// Copies with OSC 52, which the terminal (even over SSH, and tmux with
/// `set-clipboard on`) turns into a clipboard write.
pub fn copy(text: &str) -> io::Result<()> {
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let seq = if std::env::var_os("TMUX").is_some() {
        format!("\x1bPtmux;\x1b\x1b]52;c;{payload}\x07\x1b\\")
    } else {
        format!("\x1b]52;c;{payload}\x07")
    };
    let mut out = io::stdout();
    out.write_all(seq.as_bytes())?;
    out.flush()
}
