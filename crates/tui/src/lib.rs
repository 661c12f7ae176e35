//! The terminal client: the Elm shape. Terminal input, the sync engine's events and
//! the clock become [`Action`]s; [`update::update`] changes the [`State`] and returns
//! [`Effect`]s, which run here and report back as actions; the screen is drawn from
//! the state only when something changed. No tick: idle means asleep.
//!
//! The client knows providers only through the trait and the sync engine: which
//! backend an account is, and its keys, are the binary's wiring (`setup`), handed
//! in as [`Opened`] accounts.

pub mod action;
pub mod command;
pub mod config;
pub mod console;
pub mod diff;
pub mod effect;
pub mod keymap;
pub mod notifier;
pub mod schedule;
pub mod state;
pub mod terminal;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod ui;
pub mod update;
pub mod wire;

use std::time::Duration;

use anyhow::Context as _;
use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt as _;
use futures::future::BoxFuture;
use jiff::Timestamp;
use tokio::sync::mpsc;

pub use action::Action;
pub use effect::Effect;
pub use state::{Settings, State};

use frontdesk_sync::{self as sync, SyncCommand, SyncEvent, SyncHandle};

/// OSC 52 payloads are capped by terminals; more than this is cut.
const COPY_LIMIT: usize = 64 * 1024;

/// The first requests: who am I, the views, the first page of the list.
pub fn init(state: &mut State) -> Vec<Effect> {
    update::first_screen(state)
}

/// An account ready to open: its settings and what its sync engine needs.
pub struct Opened {
    pub settings: Settings,
    pub account: sync::Account,
}

/// Opens an account by name when the agent switches to it.
pub type Opener = Box<dyn FnMut(String) -> BoxFuture<'static, anyhow::Result<Opened>> + Send>;

/// One open account: its screen state and its engine. Accounts switched away from
/// keep running (their outbox keeps sending); their events wait in the channel.
struct Session {
    state: State,
    sync: SyncHandle,
    events: mpsc::UnboundedReceiver<SyncEvent>,
    pending: Vec<Effect>,
}

impl Session {
    fn start(opened: Opened, width: u16, height: u16) -> Self {
        let (sync, events) = sync::spawn(opened.account);
        let mut state = State::new(opened.settings, sync.capabilities().clone(), Timestamp::now(), width, height);
        let pending = init(&mut state);
        Self { state, sync, events, pending }
    }
}

/// How the event loop ended.
enum Exit {
    Quit,
    Switch(String),
}

/// Runs the client until the agent quits or the terminal goes away.
pub async fn run(first: Opened, mut open: Opener) -> anyhow::Result<()> {
    let mut term = terminal::enter(first.settings.mouse).context("cannot set up the terminal")?;
    let size = term.size()?;
    let mut sessions = vec![Session::start(first, size.width, size.height)];
    let mut current = 0;
    let result = loop {
        match event_loop(&mut term, &mut sessions[current]).await {
            Ok(Exit::Quit) => break Ok(()),
            Err(e) => break Err(e),
            Ok(Exit::Switch(name)) => {
                let size = term.size()?;
                if let Some(i) = sessions.iter().position(|s| s.state.settings.account == name) {
                    current = i;
                    let s = &mut sessions[i];
                    s.state.now = Timestamp::now();
                    let effects = update::update(&mut s.state, Action::Resize(size.width, size.height));
                    s.pending.extend(effects);
                    continue;
                }
                match open(name.clone()).await {
                    Ok(opened) => {
                        sessions.push(Session::start(opened, size.width, size.height));
                        current = sessions.len() - 1;
                    }
                    Err(e) => {
                        let s = &mut sessions[current];
                        let text = format!("cannot open {name}: {e:#}");
                        s.pending.extend(update::update(&mut s.state, Action::EffectFailed(text)));
                    }
                }
            }
        }
    };
    terminal::restore();
    // `restore` showed the cursor. Dropping the Terminal would show it again and,
    // on a terminal that hung up (SIGHUP, a dropped SSH session), print the failure
    // to a stderr that is gone: a panic that skips every clean-up after this one.
    std::mem::forget(term);
    // Whatever was queued or typed is on disk before the process goes.
    for s in &sessions {
        if let Some(draft) = s.state.composer.as_ref().and_then(update::compose::stored) {
            s.sync.send(SyncCommand::SaveDraft(draft));
        }
        s.sync.finish().await;
    }
    result
}

async fn event_loop(term: &mut terminal::Term, session: &mut Session) -> anyhow::Result<Exit> {
    let Session { state, sync, events, pending } = session;
    let mut input = EventStream::new();
    let mut term_signal = signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hangup = signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut dirty = true;
    let mut turns: u64 = 0;
    let exit = loop {
        let mut actions = Vec::new();
        let mut switch = None;
        for effect in pending.drain(..) {
            if let Effect::SwitchAccount(name) = effect {
                switch = Some(name);
                continue;
            }
            actions.extend(run_effect(effect, sync, term, &mut input, state.settings.notify_method));
        }
        if let Some(name) = switch {
            break Exit::Switch(name);
        }
        for a in actions {
            state.now = Timestamp::now();
            pending.extend(update::update(state, a));
            dirty = true;
        }
        if !pending.is_empty() {
            continue;
        }
        if state.quit {
            break Exit::Quit;
        }
        if dirty {
            term.draw(|f| ui::render(state, f))?;
            dirty = false;
        }
        let wake = schedule::next_wake(state);
        let sleep = async move {
            match wake {
                Some(t) => {
                    let ms = (t.as_millisecond() - Timestamp::now().as_millisecond()).max(0);
                    tokio::time::sleep(Duration::from_millis(ms.unsigned_abs())).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        turns += 1;
        let action = tokio::select! {
            biased;
            _ = term_signal.recv() => break Exit::Quit,
            _ = hangup.recv() => break Exit::Quit,
            ev = input.next() => match ev {
                Some(Ok(ev)) => {
                    sync.touch();
                    term_action(ev)
                }
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                None => break Exit::Quit,
            },
            Some(ev) = events.recv() => Some(Action::Sync(ev)),
            () = sleep => Some(Action::Clock(Timestamp::now())),
        };
        let mut batch: Vec<Action> = action.into_iter().collect();
        // Take what else is ready before drawing: a burst of events draws once.
        while let Ok(ev) = events.try_recv() {
            batch.push(Action::Sync(ev));
            if batch.len() >= 256 {
                break;
            }
        }
        // (Terminal input is not drained the same way: polling crossterm's stream
        // with a throwaway waker would leave the next key unheard.)
        for a in batch {
            state.now = Timestamp::now();
            pending.extend(update::update(state, a));
            dirty = true;
        }
    };
    tracing::debug!(turns, "client loop ended");
    Ok(exit)
}

fn signal(kind: tokio::signal::unix::SignalKind) -> anyhow::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind).context("cannot listen for signals")
}

fn term_action(ev: TermEvent) -> Option<Action> {
    match ev {
        TermEvent::Key(k) => Some(Action::Key(k)),
        TermEvent::Mouse(m) => Some(Action::Mouse(m)),
        TermEvent::Paste(p) => Some(Action::Paste(p)),
        TermEvent::Resize(w, h) => Some(Action::Resize(w, h)),
        TermEvent::FocusGained | TermEvent::FocusLost => None,
    }
}

fn run_effect(
    effect: Effect,
    sync: &SyncHandle,
    term: &mut terminal::Term,
    input: &mut EventStream,
    notify_method: notifier::Method,
) -> Vec<Action> {
    match effect {
        Effect::Sync(command) => {
            if sync.send(command) {
                Vec::new()
            } else {
                vec![Action::EffectFailed("the sync engine stopped; restart frontdesk".into())]
            }
        }
        Effect::Copy { text, what } => vec![match copy(&text) {
            Ok(Copied::TmuxBuffer) => Action::Notice(format!("copied {what} to the tmux buffer (prefix ] pastes)")),
            Ok(Copied::Osc52) => Action::Notice(format!("sent {what} to the terminal's clipboard (OSC 52)")),
            // Not claimed: shown whole, to select by hand.
            Err(why) => Action::ShowText { title: format!("Could not copy: {why}. Select it by hand"), text },
        }],
        Effect::OpenUrl(url) => {
            // No browser on this side of SSH: the link, whole, where the agent is.
            if std::env::var_os("SSH_CONNECTION").is_some() {
                return vec![Action::ShowText { title: "Open this link in your browser".to_owned(), text: url }];
            }
            match open::that_detached(&url) {
                Ok(()) => vec![Action::Notice(format!("asked the browser to open {url}"))],
                Err(e) => {
                    let why = frontdesk_domain::text::sanitize_line(&e.to_string());
                    vec![Action::ShowText { title: format!("No browser to open it ({why})"), text: url }]
                }
            }
        }
        Effect::Edit { conversation, text } => {
            vec![Action::Edited { conversation, result: edit_file(term, input, &text) }]
        }
        Effect::EditConfig { agent, text } => {
            vec![Action::ConfigEdited { agent, result: edit_file(term, input, &text) }]
        }
        Effect::EditNewConversation { text } => vec![Action::NewConversationEdited(edit_file(term, input, &text))],
        Effect::Notify { title, body } => {
            notifier::deliver(notify_method, title, body);
            Vec::new()
        }
        Effect::Suspend => match suspend(term, input) {
            Ok(()) => {
                let size = term.size().unwrap_or_default();
                vec![Action::Resize(size.width, size.height)]
            }
            Err(e) => vec![Action::EffectFailed(format!("cannot suspend: {e}"))],
        },
        Effect::Quit | Effect::SwitchAccount(_) => Vec::new(),
    }
}

/// Ctrl-Z: the terminal restored, the process stopped as a shell job; back on
/// `fg` (SIGCONT), with the screen taken back and drawn anew. The input reader is
/// replaced, as around `$EDITOR`.
fn suspend(term: &mut terminal::Term, input: &mut EventStream) -> std::io::Result<()> {
    terminal::suspend(term)?;
    *input = EventStream::new();
    // Stops here until the shell continues the job.
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    terminal::resume(term)?;
    *input = EventStream::new();
    Ok(())
}

/// `$EDITOR` on a file, the input reader stopped meanwhile (it must not steal the
/// editor's keys) and started anew after.
fn edit_file(term: &mut terminal::Term, input: &mut EventStream, text: &str) -> Result<String, String> {
    *input = EventStream::new();
    let result = edit_outside(term, text);
    *input = EventStream::new();
    result
}

/// Where a copy went.
enum Copied {
    TmuxBuffer,
    Osc52,
}

/// Inside tmux, into its buffer (`load-buffer -w` also hands it to the outer
/// clipboard where tmux may): tmux's default `set-clipboard external` drops an
/// application's own OSC 52. Outside tmux, OSC 52 to the terminal.
fn copy(text: &str) -> Result<Copied, String> {
    let mut end = text.len().min(COPY_LIMIT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    if std::env::var_os("TMUX").is_some() {
        return tmux_buffer(text).map(|()| Copied::TmuxBuffer);
    }
    terminal::copy(text).map(|()| Copied::Osc52).map_err(|e| format!("the terminal could not be written to: {e}"))
}

/// `tmux load-buffer -w -`, or without `-w` on a tmux older than 3.2.
fn tmux_buffer(text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let run = |args: &[&str]| -> Result<std::process::Output, String> {
        let mut child = std::process::Command::new("tmux")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run tmux: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(text.as_bytes()).map_err(|e| format!("tmux did not take it: {e}"))?;
        }
        child.wait_with_output().map_err(|e| format!("tmux did not answer: {e}"))
    };
    let out = run(&["load-buffer", "-w", "-"])?;
    if out.status.success() {
        return Ok(());
    }
    let again = run(&["load-buffer", "-"])?;
    if again.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&again.stderr);
    Err(format!("tmux load-buffer failed: {}", frontdesk_domain::text::sanitize_line(said.trim())))
}

/// Suspends the screen, runs `$VISUAL`/`$EDITOR` on a temporary file, reads it back.
fn edit_outside(term: &mut terminal::Term, text: &str) -> Result<String, String> {
    let editor = std::env::var("VISUAL").or_else(|_| std::env::var("EDITOR")).unwrap_or_else(|_| "vi".to_owned());
    let file =
        tempfile::Builder::new().prefix("frontdesk-draft-").suffix(".txt").tempfile().map_err(|e| e.to_string())?;
    // A text file ends with a newline; editors expect one.
    let text = if text.is_empty() || text.ends_with('\n') { text.to_owned() } else { format!("{text}\n") };
    std::fs::write(file.path(), text).map_err(|e| e.to_string())?;
    terminal::suspend(term).map_err(|e| e.to_string())?;
    // The editor command may carry arguments ("code --wait").
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or("vi");
    let status =
        tokio::task::block_in_place(|| std::process::Command::new(program).args(parts).arg(file.path()).status());
    terminal::resume(term).map_err(|e| e.to_string())?;
    match status {
        Ok(s) if s.success() => std::fs::read_to_string(file.path()).map_err(|e| e.to_string()),
        Ok(s) => Err(format!("{program} exited with {s}")),
        Err(e) => Err(format!("cannot run {program}: {e}")),
    }
}

#[cfg(test)]
mod tests;
