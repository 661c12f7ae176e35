//! The verbs from a shell (issue 16): the real binary against the real server on
//! loopback, as a script runs it: JSON on standard output, one line on standard
//! error and a stable exit code when something fails, writes exactly once.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::TestServer;

pub(crate) struct Shell {
    dir: tempfile::TempDir,
    config: PathBuf,
    key: String,
}

impl Shell {
    pub(crate) fn new(s: &TestServer) -> Self {
        Self::with_key(s, &s.key)
    }

    fn with_key(s: &TestServer, key: &str) -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[[accounts]]\nname = \"team\"\nprovider = \"native\"\nurl = \"{}\"\napi_key_env = \"FD_SCRIPT_KEY\"\n",
                s.url
            ),
        )
        .expect("config");
        Self { dir, config, key: key.to_owned() }
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_frontdesk"));
        c.arg("--config")
            .arg(&self.config)
            .args(args)
            .env("FD_SCRIPT_KEY", &self.key)
            .env("XDG_STATE_HOME", self.dir.path())
            .env("XDG_CACHE_HOME", self.dir.path())
            .env_remove("FRONTDESK_CONFIG");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).stdin(Stdio::null()).output().expect("the binary runs")
    }

    fn stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
        child.wait_with_output().expect("output")
    }

    /// Runs a verb that must succeed and prints JSON.
    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {}", text(&out)))
    }
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn ids(v: &Value) -> Vec<&str> {
    v.as_array().expect("a list").iter().filter_map(|c| c["id"].as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_show_and_views_print_the_domain_json() {
    let s = TestServer::start().await;
    let first = s.conversation("+15559800001").await;
    let second = s.inbound_on("email", "kim@example.com", "Refund for order #77, please", None).await;
    let second = second["conversation"]["id"].as_str().expect("id").to_owned();
    let sh = Shell::new(&s);

    let all = sh.json(&["list", "--json"]);
    assert_eq!(ids(&all), [second.as_str(), first.as_str()], "newest activity first");
    // Field names are the API's: a script can rely on them.
    for field in ["id", "contact", "channel", "status", "unread", "starred", "tags", "updated_at"] {
        assert!(all[0].get(field).is_some(), "{field} in {}", all[0]);
    }
    assert_eq!(ids(&sh.json(&["list", "--json", "--limit", "1"])), [second.as_str()]);
    assert_eq!(ids(&sh.json(&["list", "--json", "--query", "refund"])), [second.as_str()]);
    assert_eq!(ids(&sh.json(&["list", "--json", "--view", "Unread"])).len(), 2, "a view by name");

    // --jsonl: one object a line.
    let out = sh.run(&["list", "--jsonl"]);
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 2);

    let shown = sh.json(&["show", &second, "--json"]);
    assert_eq!(shown["conversation"]["id"], second.as_str());
    assert_eq!(shown["messages"][0]["body"], "Refund for order #77, please");

    let views = sh.json(&["views", "--json"]);
    let unread = views.as_array().expect("views").iter().find(|v| v["id"] == "unread").expect("unread view");
    assert_eq!(unread["count"], 2);

    // The table: a header and a row each, no escape bytes.
    let table = sh.run(&["list"]);
    let table = String::from_utf8(table.stdout).expect("utf8");
    assert!(table.starts_with("ID  "), "{table}");
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(!table.contains('\u{1b}'));
}

#[tokio::test(flavor = "multi_thread")]
async fn reply_from_stdin_then_close_and_the_same_key_never_sends_twice() {
    let s = TestServer::start().await;
    let id = s.conversation("+15559800002").await;
    let sh = Shell::new(&s);
    let out =
        sh.stdin(&["reply", &id, "--body", "-", "--close", "--idempotency-key", "k-1", "--json"], "On its way.\n");
    assert!(out.status.success(), "{}", text(&out));
    let sent: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(sent["body"], "On its way.\n");
    // The script timed out and runs again with the same key: nothing is doubled.
    let again = sh.run(&["reply", &id, "--body", "On its way.\n", "--close", "--idempotency-key", "k-1", "--json"]);
    assert!(again.status.success(), "{}", text(&again));
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(c["message_count"], 2, "one reply, not two");
    assert_eq!(c["status"], "closed");

    // Without a key one is made up and said, so the script can use it on a retry.
    let out = sh.run(&["reply", &id, "--note", "--body", "checked with the courier"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("idempotency key: "), "{}", text(&out));
    // No body and nothing piped in: a usage error, nothing sent.
    let out = sh.run(&["reply", &id, "--body", "   "]);
    assert_eq!(code(&out), Some(2), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_state_verbs_change_one_or_many() {
    let s = TestServer::start().await;
    let a = s.conversation("+15559800003").await;
    let b = s.conversation("+15559800004").await;
    let sh = Shell::new(&s);
    let starred = sh.json(&["star", &a, &b, "--json"]);
    assert_eq!(ids(&starred).len(), 2);
    assert!(starred.as_array().expect("list").iter().all(|c| c["starred"] == true));
    for (verb, field, want) in [
        (vec!["read", a.as_str()], "unread", Value::Bool(false)),
        (vec!["unread", a.as_str()], "unread", Value::Bool(true)),
        (vec!["unstar", a.as_str()], "starred", Value::Bool(false)),
        (vec!["close", a.as_str()], "status", Value::from("closed")),
        (vec!["reopen", a.as_str()], "status", Value::from("open")),
        (vec!["archive", a.as_str()], "archived", Value::Bool(true)),
        (vec!["assign", b.as_str(), "me"], "assignee", Value::Null),
        (vec!["snooze", b.as_str(), "2h"], "status", Value::from("snoozed")),
    ] {
        let mut args = verb.clone();
        args.push("--json");
        let got = sh.json(&args);
        if field == "assignee" {
            assert_eq!(got[0]["assignee"]["name"], "Ada Admin", "{verb:?}");
        } else {
            assert_eq!(got[0][field], want, "{verb:?}");
        }
    }
    let assigned = sh.json(&["assign", &b, "bo", "--json"]);
    assert_eq!(assigned[0]["assignee"]["name"], "Bo Agent", "an agent by part of the name");
    let unassigned = sh.json(&["unassign", &b, "--json"]);
    assert!(unassigned[0]["assignee"].is_null());
    let tagged = sh.json(&["tag", "--json", &b, "+vip", "+billing"]);
    assert_eq!(tagged[0]["tags"], serde_json::json!(["vip", "billing"]));
    assert_eq!(ids(&sh.json(&["list", "--json", "--tag", "vip"])), [b.as_str()], "listed by tag");
    let tagged = sh.json(&["tag", "--json", &b, "-vip"]);
    assert_eq!(tagged[0]["tags"], serde_json::json!(["billing"]));
    // An option after the tags would be read as a tag: said, nothing changed.
    let out = sh.run(&["tag", &b, "+x", "--json"]);
    assert_eq!(code(&out), Some(2), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_copilot_from_a_shell() {
    let s = TestServer::start().await;
    let id = s.question("+15559800005").await;
    let sh = Shell::new(&s);
    let sug = sh.json(&["suggest", &id, "--json"]);
    assert!(sug["confidence"].as_u64().is_some_and(|c| c >= 50), "{sug}");
    let sent = sh.json(&["send-suggestion", sug["id"].as_str().expect("id"), "--json"]);
    assert_eq!(sent["kind"], "reply");
    // Sent already: a conflict, exit 6.
    let out = sh.run(&["dismiss-suggestion", sug["id"].as_str().expect("id")]);
    assert_eq!(code(&out), Some(6), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_have_their_exit_codes_and_one_line() {
    let s = TestServer::start().await;
    let id = s.conversation("+15559800006").await;
    let sh = Shell::new(&s);
    let cases: [(&[&str], i32, &str); 4] = [
        (&["show", "cnv_nope"], 4, "not found"),
        (&["snooze", &id, "yesterday-ish"], 2, "cannot read"),
        (&["list", "--view", "Nope"], 4, "no view \"Nope\""),
        (&["tag", &id, "vip"], 2, "+tag"),
    ];
    for (args, want, says) in cases {
        let out = sh.run(args);
        assert_eq!(code(&out), Some(want), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
    let refused = Shell::with_key(&s, "fd_not_a_real_key_000000000000");
    let out = refused.run(&["list"]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    assert!(!text(&out).contains("fd_not_a_real_key"), "the key is never printed");
    // Nothing listens there: temporary, exit 75, after a few tries.
    let gone = Shell::new(&s);
    std::fs::write(
        &gone.config,
        "[[accounts]]\nname = \"gone\"\nprovider = \"native\"\nurl = \"http://127.0.0.1:9\"\napi_key_env = \"FD_SCRIPT_KEY\"\n",
    )
    .expect("config");
    let out = gone.run(&["views"]);
    assert_eq!(code(&out), Some(75), "{}", text(&out));
}

#[test]
fn accounts_completions_and_the_man_page() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[accounts]]\nname = \"team\"\nprovider = \"native\"\nurl = \"http://127.0.0.1:9\"\napi_key_env = \"FD_SCRIPT_KEY\"\n",
    )
    .expect("config");
    let run = |args: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("FD_SCRIPT_KEY", "fd_test_key_for_accounts")
            .env("XDG_STATE_HOME", dir.path())
            .output()
            .expect("runs")
    };
    let out = run(&["accounts", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let accounts: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(accounts[0]["name"], "team");
    assert!(accounts[0]["can"].as_str().is_some_and(|c| c.contains("copilot") && c.contains("bulk")), "{accounts}");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success() && out.stdout.len() > 1000, "{shell}: {}", text(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("send-suggestion"), "{shell}");
    }
    let man = run(&["man"]);
    assert!(man.status.success());
    assert!(String::from_utf8_lossy(&man.stdout).starts_with(".ie"), "roff");
}

/// The main verbs against a vendor (Chatwoot, from the contract fixtures built from
/// its API document): the same commands, the same JSON, through its adapter.
#[tokio::test(flavor = "multi_thread")]
async fn the_same_verbs_work_on_a_vendor_account() {
    use crate::chatwoot::{ACCOUNT, KEY, T0, acct, conv, conv_path, list_body, messages_body, msg, ok, toggled};
    use wiremock::matchers::{body_partial_json, method, path};
    use wiremock::{Mock, MockServer};

    let server = MockServer::start().await;
    let rows = [conv(11, "open", &["billing"], T0), conv(12, "open", &[], T0 - 60)];
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&rows)))
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path(conv_path(11, ""))).respond_with(ok(&rows[0])).mount(&server).await;
    let thread = [msg(1100, 11, 0, false, "Where is my refund?", T0)];
    Mock::given(method("GET"))
        .and(path(conv_path(11, "/messages")))
        .respond_with(ok(&messages_body(&thread)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(conv_path(11, "/messages")))
        .and(body_partial_json(serde_json::json!({ "content": "Refunded today.", "private": false })))
        .respond_with(ok(&msg(1101, 11, 1, false, "Refunded today.", T0 + 60)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(conv_path(11, "/toggle_status")))
        .and(body_partial_json(serde_json::json!({ "status": "resolved" })))
        .respond_with(toggled(11, Some("resolved")))
        .expect(1)
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"cw\"\nprovider = \"chatwoot\"\nurl = \"{}\"\naccount_id = {ACCOUNT}\napi_key_env = \"FD_SCRIPT_KEY\"\n",
            server.uri()
        ),
    )
    .expect("config");
    let sh = Shell { dir, config, key: KEY.to_owned() };

    let listed = sh.json(&["list", "--json"]);
    assert_eq!(ids(&listed).len(), 2, "{listed}");
    let first = listed[0]["id"].as_str().expect("id").to_owned();
    assert!(first.ends_with("11"), "{first}");
    let shown = sh.json(&["show", &first, "--json"]);
    assert_eq!(shown["messages"][0]["body"], "Where is my refund?");
    let sent = sh.json(&["reply", &first, "--body", "Refunded today.", "--close", "--json"]);
    assert_eq!(sent["body"], "Refunded today.");
    // Snoozing to a time that is not one: usage, and nothing sent to the vendor.
    let out = sh.run(&["snooze", &first, "someday"]);
    assert_eq!(code(&out), Some(2));
    server.verify().await;
}

/// `watch --jsonl`: one event a line as it happens, until interrupted.
#[tokio::test(flavor = "multi_thread")]
async fn watch_prints_events_as_json_lines() {
    use std::io::BufRead as _;
    let s = TestServer::start().await;
    let sh = Shell::new(&s);
    let mut child = sh
        .command(&["watch", "--jsonl"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Events only count once the stream is up: keep writing until one is seen.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = None;
    while seen.is_none() && std::time::Instant::now() < deadline {
        s.inbound("+15559800099", "Is anyone there?").await;
        if let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(500)) {
            seen = Some(line);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let line = seen.expect("an event line within 20 s");
    let event: Value = serde_json::from_str(&line).expect("a JSON line");
    assert!(event["type"].is_string() && event["at"].is_string(), "{event}");
}
