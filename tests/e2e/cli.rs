//! The command line as a person meets it: help without stray markup and with each
//! flag only where it applies, errors said once and naming their file, and no
//! colour codes written where no terminal reads them.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn frontdesk(args: &[&str], home: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .args(args)
        .env("XDG_CONFIG_HOME", home)
        .env("XDG_STATE_HOME", home)
        .env_remove("FRONTDESK_CONFIG")
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn help_has_no_stray_markup_and_flags_only_where_they_apply() {
    let home = tempfile::tempdir().expect("dir");
    let pages = [
        "",
        "serve",
        "demo",
        "admin",
        "admin create-org",
        "admin create-agent",
        "admin create-key",
        "admin revoke-key",
        "admin export-training-pairs",
        "admin copilot-report",
        "admin copilot-eval",
        "list",
        "show",
        "reply",
        "close",
        "assign",
        "tag",
        "snooze",
        "suggest",
        "watch",
        "accounts",
        "completions",
    ];
    for page in pages {
        let mut args: Vec<&str> = page.split_whitespace().collect();
        args.push("--help");
        let help = text(&frontdesk(&args, home.path()));
        assert!(!help.contains('`'), "`frontdesk {page} --help` shows backticks:\n{help}");
        let ascii = help.contains("--ascii");
        let wants_ascii = page.is_empty() || page == "demo";
        assert_eq!(ascii, wants_ascii, "--ascii on `frontdesk {page}`:\n{help}");
    }
    let demo = text(&frontdesk(&["demo", "--help"], home.path()));
    let bind = demo.lines().find(|l| l.contains("--bind")).expect("--bind");
    assert_eq!(bind.matches("default").count(), 1, "the default said once: {bind}");
}

#[test]
fn a_missing_config_is_said_once_and_no_account_names_the_file() {
    let home = tempfile::tempdir().expect("dir");
    let missing = home.path().join("nope.toml");
    let out = frontdesk(&["--config", missing.to_str().expect("utf-8")], home.path());
    assert!(!out.status.success());
    let said = text(&out);
    assert_eq!(said.matches("No such file").count(), 1, "{said}");
    assert!(said.contains("nope.toml"), "{said}");

    let empty = home.path().join("empty.toml");
    std::fs::write(&empty, "[ui]\n").expect("a config without accounts");
    let said = text(&frontdesk(&["--config", empty.to_str().expect("utf-8")], home.path()));
    assert!(said.contains(&format!("no account in {}", empty.display())), "{said}");
    let said = text(&frontdesk(&[], home.path()));
    assert!(said.contains("does not exist") && said.contains("config.toml"), "{said}");
}

#[test]
fn serve_writes_no_colour_codes_into_a_file() {
    let home = tempfile::tempdir().expect("dir");
    let log = home.path().join("serve.log");
    let db = format!("sqlite://{}", home.path().join("s.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database", &db])
        .env("XDG_CONFIG_HOME", home.path())
        .env_remove("FRONTDESK_CONFIG")
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("serve starts");
    let start = Instant::now();
    let written = loop {
        let written = std::fs::read_to_string(&log).unwrap_or_default();
        if written.contains("serving") || start.elapsed() > Duration::from_secs(20) {
            break written;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(written.contains("serving"), "{written}");
    assert!(!written.contains('\u{1b}'), "colour codes in a file:\n{written:?}");
}

/// Issue 22: the copilot's evaluation runs from the binary, with no database, and
/// prints the figures the README quotes.
#[test]
fn the_copilot_evaluation_prints_its_figures() {
    let home = tempfile::tempdir().expect("dir");
    let out = frontdesk(&["admin", "copilot-eval"], home.path());
    let text = text(&out);
    assert!(out.status.success(), "{text}");
    for line in ["engine kb: 54 cases", "right: ", "false claims: 0", "wrong language: 0", "other languages: 9 of 9"] {
        assert!(text.contains(line), "{line:?} missing:\n{text}");
    }
}
