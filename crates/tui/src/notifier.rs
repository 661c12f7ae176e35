//! Delivering a notification: a desktop one through notify-rust when a session bus
//! is there, otherwise the terminal's own (OSC 9, OSC 777, or the bell), which
//! reaches the agent's terminal even through SSH and tmux. The text was sanitised
//! where it entered; here it is also kept short and free of the separators the
//! escape sequences use.

use std::io::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Desktop,
    Osc9,
    Osc777,
    Bell,
    /// tmux's own message line and a bell (which lights the window's bell flag).
    Tmux,
    Off,
}

impl Method {
    /// `auto` means desktop when there is a session bus to talk to (not on a jump
    /// host), and the terminal's OSC 9 otherwise.
    pub fn choose(setting: &str, has_session_bus: bool) -> Self {
        match setting {
            "desktop" => Self::Desktop,
            "osc9" => Self::Osc9,
            "osc777" => Self::Osc777,
            "bell" => Self::Bell,
            "tmux" => Self::Tmux,
            "off" => Self::Off,
            _ if has_session_bus => Self::Desktop,
            _ => Self::Osc9,
        }
    }
}

/// What goes inside an OSC payload: one line, no BEL/ESC, no `;` (777's separator),
/// at most `max` characters.
fn payload(s: &str, max: usize) -> String {
    frontdesk_domain::text::sanitize_line(s).replace(';', ",").chars().take(max).collect()
}

/// The bytes for the terminal methods; `None` for desktop and off. Inside tmux the
/// sequence is wrapped so tmux passes it to the outer terminal.
pub fn terminal_sequence(method: Method, title: &str, body: &str, in_tmux: bool) -> Option<String> {
    let seq = match method {
        Method::Osc9 => format!("\x1b]9;{}: {}\x07", payload(title, 80), payload(body, 200)),
        Method::Osc777 => format!("\x1b]777;notify;{};{}\x07", payload(title, 80), payload(body, 200)),
        Method::Bell => "\x07".to_owned(),
        Method::Desktop | Method::Tmux | Method::Off => return None,
    };
    if in_tmux && method != Method::Bell {
        return Some(format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b")));
    }
    Some(seq)
}

/// Shows it. Desktop notifications go on a task (the bus can be slow); a failure
/// falls back to the terminal's OSC 9.
pub fn deliver(method: Method, title: String, body: String) {
    let in_tmux = std::env::var_os("TMUX").is_some();
    if method == Method::Desktop {
        tokio::spawn(async move {
            let shown =
                notify_rust::Notification::new().appname("frontdesk").summary(&title).body(&body).show_async().await;
            if let Err(e) = shown {
                tracing::info!(error = %e, "desktop notification failed; using the terminal");
                write(terminal_sequence(Method::Osc9, &title, &body, in_tmux));
            }
        });
        return;
    }
    match route(method, in_tmux, in_tmux && passthrough_allowed()) {
        Method::Tmux => tmux_message(&title, &body),
        method => write(terminal_sequence(method, &title, &body, in_tmux)),
    }
}

/// How a notification goes out: inside tmux an OSC sequence reaches the outer
/// terminal only through passthrough, which tmux (3.3 on) drops unless
/// `allow-passthrough` is on; without it, tmux's own message and a bell.
pub fn route(method: Method, in_tmux: bool, passthrough: bool) -> Method {
    match method {
        Method::Osc9 | Method::Osc777 if in_tmux && !passthrough => Method::Tmux,
        Method::Tmux if !in_tmux => Method::Bell,
        other => other,
    }
}

/// Whether this pane's tmux passes escape sequences through (`allow-passthrough`
/// on, or `all`).
fn passthrough_allowed() -> bool {
    std::process::Command::new("tmux")
        .args(["show-options", "-pqv", "allow-passthrough"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .is_some_and(|v| v == "on" || v == "all")
        || std::process::Command::new("tmux")
            .args(["show-options", "-gqv", "allow-passthrough"])
            .output()
            .ok()
            .is_some_and(|o| matches!(String::from_utf8_lossy(&o.stdout).trim(), "on" | "all"))
}

/// tmux's message line (`display-message`) and a bell in the pane.
fn tmux_message(title: &str, body: &str) {
    // `display-message` expands `#` formats: doubled, it is shown as it is.
    let text = format!("{}: {}", payload(title, 80), payload(body, 200)).replace('#', "##");
    match std::process::Command::new("tmux").args(["display-message", "-d", "5000", &text]).status() {
        Ok(s) if s.success() => {}
        Ok(s) => tracing::warn!(status = %s, "tmux display-message failed"),
        Err(e) => tracing::warn!(error = %e, "cannot run tmux for a notification"),
    }
    write(Some("\x07".to_owned()));
}

fn write(seq: Option<String>) {
    if let Some(seq) = seq {
        let mut out = std::io::stdout();
        if let Err(e) = out.write_all(seq.as_bytes()).and_then(|()| out.flush()) {
            tracing::warn!(error = %e, "cannot write a notification to the terminal");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_tmux_without_passthrough_a_notification_is_tmuxs_own() {
        // tmux's defaults (allow-passthrough off): OSC would be dropped.
        assert_eq!(route(Method::Osc9, true, false), Method::Tmux);
        assert_eq!(route(Method::Osc777, true, false), Method::Tmux);
        // Passthrough allowed: the terminal's own, wrapped.
        assert_eq!(route(Method::Osc9, true, true), Method::Osc9);
        // Outside tmux nothing changes; `tmux` asked for outside tmux is a bell.
        assert_eq!(route(Method::Osc9, false, false), Method::Osc9);
        assert_eq!(route(Method::Tmux, false, false), Method::Bell);
        assert_eq!(route(Method::Desktop, true, false), Method::Desktop);
        assert_eq!(Method::choose("tmux", false), Method::Tmux);
    }

    #[test]
    fn auto_picks_by_session_bus() {
        assert_eq!(Method::choose("auto", true), Method::Desktop);
        assert_eq!(Method::choose("auto", false), Method::Osc9);
        assert_eq!(Method::choose("bell", true), Method::Bell);
    }

    #[test]
    fn sequences_are_well_formed_and_carry_no_stray_escapes() {
        let hostile = "Eve\u{1b}]52;c;AAAA\u{7}; rm -rf";
        assert_eq!(
            terminal_sequence(Method::Osc9, "Maria", "Where is it?", false).as_deref(),
            Some("\x1b]9;Maria: Where is it?\x07")
        );
        let s = terminal_sequence(Method::Osc777, hostile, "hi", false).expect("osc 777");
        assert_eq!(s, "\x1b]777;notify;Eve, rm -rf;hi\x07");
        let t = terminal_sequence(Method::Osc9, "a", "b", true).expect("tmux");
        assert_eq!(t, "\x1bPtmux;\x1b\x1b]9;a: b\x07\x1b\\");
        assert_eq!(terminal_sequence(Method::Desktop, "a", "b", false), None);
    }
}
