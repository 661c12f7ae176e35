//! The real binary in a real terminal (tmux), against the real server: start, open a
//! conversation, star it, send the pending suggestion, reply through the review line,
//! snooze another; then the server's state is checked through its API. And the
//! terminal comes back sane after SIGTERM. `.ci/run` installs tmux.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::TestServer;

/// A test's own tmux server: its own socket (tests run side by side, and a server
/// shared by all of them ends with its last session, under a `new-session` of
/// another test that is connecting at that moment), and `-f /dev/null` so its
/// options are tmux's defaults (`set-clipboard external`, `allow-passthrough off`),
/// whatever the machine's `~/.tmux.conf` says.
fn tmux_on(socket: &str) -> Command {
    let mut c = Command::new("tmux");
    c.args(["-L", socket, "-f", "/dev/null"]);
    c
}

pub(super) struct Tmux {
    socket: String,
    pub(super) session: String,
}

impl Tmux {
    pub(super) fn start(width: u16, height: u16, command: &str) -> Self {
        let found = Command::new("tmux").arg("-V").output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "tmux is needed for this test: apt-get install tmux (.ci/run does)"
        );
        let id = uuid::Uuid::now_v7().simple().to_string();
        let (socket, session) = (format!("frontdesk-e2e-{id}"), format!("fd{id}"));
        let status = tmux_on(&socket)
            .args(["new-session", "-d", "-s", &session, "-x", &width.to_string(), "-y", &height.to_string(), command])
            .status()
            .expect("tmux runs");
        assert!(status.success());
        Self { socket, session }
    }

    /// A tmux command to this test's server.
    pub(super) fn command(&self) -> Command {
        tmux_on(&self.socket)
    }

    pub(super) fn screen(&self) -> String {
        let out = self.command().args(["capture-pane", "-p", "-t", &self.session]).output().expect("capture");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(super) fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        assert!(self.command().args(args).status().expect("send-keys").success());
    }

    pub(super) fn type_text(&self, text: &str) {
        assert!(
            self.command().args(["send-keys", "-t", &self.session, "-l", text]).status().expect("send-keys").success()
        );
    }

    pub(super) fn wait_for(&self, what: &str) {
        self.wait_until(&format!("{what:?} on screen"), |screen| screen.contains(what));
    }

    /// Waits until the screen satisfies `check`, and returns that screen: for a
    /// step that must have landed (a view switched, not just its old rows still
    /// showing) before the next key, and for what a test then reads off the screen.
    /// A capture may catch a frame half drawn, so what is asserted belongs in
    /// `check`, not in a second capture.
    pub(super) fn wait_until(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "never {what}:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // The session's programs get their hangup, and the test's server goes with
        // it, socket and all (tmux leaves the file behind).
        let socket = self.command().args(["display", "-p", "#{socket_path}"]).output();
        let _ = self.command().args(["kill-server"]).status();
        if let Ok(out) = socket {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if path.ends_with(&self.socket) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Polls the API until `check` holds (the client works asynchronously).
async fn until(s: &TestServer, path: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let (_, v) = s.get(path).await;
        if check(&v) {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{what}: never true; last {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(super) fn client_command(s: &TestServer, dir: &Path, after: &str) -> String {
    let config = dir.join("client.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"e2e\"\nprovider = \"native\"\nurl = \"{}\"\napi_key_env = \"FD_E2E_KEY\"\n",
            s.url
        ),
    )
    .expect("config");
    format!(
        "env FD_E2E_KEY={} XDG_STATE_HOME={} XDG_CACHE_HOME={} LANG=C.UTF-8 TERM=xterm-256color {} --config {}; {after}",
        s.key,
        dir.display(),
        dir.display(),
        env!("CARGO_BIN_EXE_frontdesk"),
        config.display()
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_works_the_inbox_in_a_terminal() {
    let s = TestServer::start().await;
    let later = s.inbound_on("email", "ana@example.com", "Please call me back tomorrow", None).await;
    let later = later["conversation"]["id"].as_str().expect("id").to_owned();
    let first =
        s.inbound_on("email", "maya@example.com", "I was charged twice for order #55123, refund please", None).await;
    let first = first["conversation"]["id"].as_str().expect("id").to_owned();
    let (_, sug) = s.post(&format!("/v1/conversations/{first}/copilot/suggest"), json!({})).await;
    let dir = tempfile::tempdir().expect("dir");
    let t = Tmux::start(120, 40, &client_command(&s, dir.path(), "sleep 30"));
    t.wait_for("Customer maya@example.com");
    t.wait_for("Copilot suggestion");

    // Open the newest, star it.
    t.send(&["Enter"]);
    t.send(&["s"]);
    until(&s, &format!("/v1/conversations/{first}"), "starred", |c| c["starred"] == true).await;

    // Send the pending suggestion as it is.
    t.send(&["y"]);
    let thread = format!("/v1/conversations/{first}/messages");
    // Sent under the sender's name (Ada), which the draft left to the sender.
    let body = sug["body"].as_str().expect("body").replace("{agent_name}", "Ada");
    until(&s, &thread, "the suggestion was sent", |m| {
        m["items"].as_array().is_some_and(|items| items.iter().any(|x| x["body"] == body.as_str()))
    })
    .await;

    // A reply through the composer and the review line.
    t.send(&["r"]);
    t.wait_for("Reply to the customer");
    t.type_text("Refund issued, sorry!");
    t.send(&["C-s"]);
    t.wait_for("Send?");
    t.send(&["y"]);
    until(&s, &thread, "the reply arrived", |m| {
        m["items"].as_array().is_some_and(|items| items.iter().any(|x| x["body"] == "Refund issued, sorry!"))
    })
    .await;

    // Back to the list, the other conversation, snooze it for an hour.
    t.send(&["Escape"]);
    t.send(&["j"]);
    t.send(&["z"]);
    t.wait_for("Snooze until");
    t.send(&["Enter"]);
    let c = until(&s, &format!("/v1/conversations/{later}"), "snoozed", |c| c["status"] == "snoozed").await;
    let until_at: jiff::Timestamp = c["snoozed_until"].as_str().expect("until").parse().expect("time");
    let hour = until_at.as_second() - jiff::Timestamp::now().as_second();
    assert!((3000..=3700).contains(&hour), "about an hour: {hour}s");
    t.send(&["q"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_restores_the_terminal() {
    let s = TestServer::start().await;
    s.conversation("+15552001").await;
    let dir = tempfile::tempdir().expect("dir");
    let stty = dir.path().join("stty.txt");
    let t = Tmux::start(
        100,
        30,
        &client_command(&s, dir.path(), &format!("stty -a > {}; echo RESTORED; sleep 30", stty.display())),
    );
    t.wait_for("I need help with my order");
    let shell = t.command().args(["display", "-p", "-t", &t.session, "#{pane_pid}"]).output().expect("pane pid");
    let shell = String::from_utf8_lossy(&shell.stdout).trim().to_owned();
    let pid = Command::new("pgrep").args(["-P", &shell]).output().expect("pgrep");
    let pid = String::from_utf8_lossy(&pid.stdout).lines().next().unwrap_or_default().trim().to_owned();
    assert!(!pid.is_empty(), "the client is running");
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    t.wait_for("RESTORED");
    let modes = std::fs::read_to_string(&stty).expect("stty output");
    assert!(modes.contains(" icanon") && modes.contains(" echo"), "cooked mode is back: {modes}");
    assert!(!t.screen().contains("Views"), "the alternate screen is gone");
}

/// After a `kill -9` the terminal is left in the alternate screen with whatever was
/// drawn there; a client started in the same pane must not let any of it show through
/// the blank cells of its own first frame.
#[tokio::test(flavor = "multi_thread")]
async fn a_restart_in_a_dirty_pane_shows_nothing_stale() {
    let s = TestServer::start().await;
    s.conversation("+15552001").await;
    let dir = tempfile::tempdir().expect("dir");
    // The shell fills the alternate screen with junk, as a killed client leaves it.
    let junk = "X".repeat(80);
    let dirty =
        format!("printf '\\033[?1049h'; for i in $(seq 40); do printf 'STALE-%03d EXIT=137 {junk}\\n' $i; done; ");
    // Monochrome: no theme background to paint over every cell and hide the fault.
    let t = Tmux::start(100, 30, &format!("{dirty}NO_COLOR=1 {}", client_command(&s, dir.path(), "sleep 30")));
    t.wait_for("I need help with my order");
    t.wait_for("live");
    let screen = t.screen();
    // Any piece of it: the borders cut the words.
    let stale = ["TALE", "EXIT=", "XXXX"].iter().any(|w| screen.contains(w));
    assert!(!stale, "stale text shows through:\n{screen}");
}

/// A dropped SSH session (SIGHUP to the pane) cleans up as `q` does: the demo's
/// temporary data goes with it.
#[tokio::test(flavor = "multi_thread")]
async fn a_hangup_cleans_up_as_quitting_does() {
    let dir = tempfile::tempdir().expect("dir");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let command = format!(
        "env TMPDIR={} XDG_STATE_HOME={} XDG_CACHE_HOME={} XDG_CONFIG_HOME={} LANG=C.UTF-8 TERM=xterm-256color {} demo --quiet",
        tmp.display(),
        dir.path().display(),
        dir.path().display(),
        dir.path().display(),
        env!("CARGO_BIN_EXE_frontdesk"),
    );
    let t = Tmux::start(120, 40, &command);
    t.wait_for("Unread");
    let made = || std::fs::read_dir(&tmp).map_or(0, Iterator::count);
    assert_eq!(made(), 1, "the demo keeps its data in a temporary directory");
    drop(t); // kill-server: SIGHUP to everything in the pane
    let start = Instant::now();
    while made() > 0 {
        assert!(start.elapsed() < Duration::from_secs(20), "the demo's temporary data is left behind");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Ctrl-Z gives the terminal back to the shell as any job does; `fg` brings the
/// screen back whole, still working.
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_z_suspends_and_fg_brings_it_back() {
    let s = TestServer::start().await;
    s.conversation("+15552002").await;
    let dir = tempfile::tempdir().expect("dir");
    // A shell with job control, as the agent has.
    let t = Tmux::start(100, 30, "env PS1='jobs$ ' bash --norc --noprofile -i");
    t.wait_for("jobs$");
    let command = client_command(&s, dir.path(), "true");
    t.type_text(&command);
    t.send(&["Enter"]);
    t.wait_for("I need help with my order");
    t.send(&["C-z"]);
    t.wait_for("Stopped");
    let stopped = t.screen();
    assert!(!stopped.contains("Views"), "the shell has the terminal back:\n{stopped}");
    t.type_text("fg");
    t.send(&["Enter"]);
    t.wait_for("I need help with my order");
    t.wait_for("Views");
    // It answers keys again.
    t.send(&["?"]);
    t.wait_for("Show the keys");
}

/// Inside tmux a copy goes to tmux's buffer (tmux's defaults drop an application's
/// own OSC 52), and the status bar says where it went.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_inside_tmux_lands_in_the_tmux_buffer() {
    let s = TestServer::start().await;
    s.inbound("+15552003", "Parcel 7731-XK never came, can you check?").await;
    let dir = tempfile::tempdir().expect("dir");
    let t = Tmux::start(120, 40, &client_command(&s, dir.path(), "sleep 30"));
    t.wait_for("Parcel 7731-XK");
    t.send(&["Enter"]);
    // The thread itself, not only its row: copied is what the thread shows.
    t.wait_for("◀ Customer +15552003");
    t.send(&["C"]);
    t.wait_for("to the tmux buffer");
    let buffer = t.command().args(["show-buffer"]).output().expect("show-buffer");
    let buffer = String::from_utf8_lossy(&buffer.stdout);
    assert!(buffer.contains("Parcel 7731-XK never came"), "the tmux buffer holds {buffer:?}");
}

/// Inside tmux with its defaults (no passthrough), a notification is tmux's own:
/// its message line and a bell, which lights the window's bell flag.
#[tokio::test(flavor = "multi_thread")]
async fn a_notification_inside_tmux_rings_tmuxs_bell() {
    let s = TestServer::start().await;
    s.inbound("+15552010", "First one").await;
    let dir = tempfile::tempdir().expect("dir");
    let t = Tmux::start(100, 30, &client_command(&s, dir.path(), "sleep 30"));
    t.wait_for("First one");
    let flag = || {
        let out =
            t.command().args(["display", "-p", "-t", &t.session, "#{window_bell_flag}"]).output().expect("display");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(flag(), "0");
    // A new customer, unassigned, in the watched Unread view, not on screen.
    s.inbound("+15552011", "Second one, please help").await;
    t.wait_for("Second one");
    let start = Instant::now();
    while flag() != "1" {
        assert!(start.elapsed() < Duration::from_secs(20), "no bell in tmux:\n{}", t.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Two accounts on two servers: switch with `@`, the second one polled; then both in
/// one list, each row with its account's badge, and a star on a row reaching only
/// its own server.
#[tokio::test(flavor = "multi_thread")]
async fn two_accounts_switch_and_merge_into_one_inbox() {
    let east = TestServer::start().await;
    let west = TestServer::start().await;
    east.inbound_on("email", "eve@east.example", "East needs a refund", None).await;
    let w = west.inbound_on("email", "wes@west.example", "West lost a parcel", None).await;
    let w = w["conversation"]["id"].as_str().expect("id").to_owned();
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("client.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"east\"\nprovider = \"native\"\nurl = \"{}\"\napi_key_env = \"FD_EAST\"\n\n\
             [[accounts]]\nname = \"west\"\nprovider = \"native\"\nurl = \"{}\"\napi_key_env = \"FD_WEST\"\n\
             updates = \"poll\"\npoll_secs = 2\n",
            east.url, west.url
        ),
    )
    .expect("config");
    let command = format!(
        "env FD_EAST={} FD_WEST={} XDG_STATE_HOME={d} XDG_CACHE_HOME={d} LANG=C.UTF-8 TERM=xterm-256color {} \
         --config {}; sleep 30",
        east.key,
        west.key,
        env!("CARGO_BIN_EXE_frontdesk"),
        config.display(),
        d = dir.path().display(),
    );
    let t = Tmux::start(140, 40, &command);
    t.wait_for("East needs a refund");
    t.wait_for("live");

    t.send(&["@"]);
    t.wait_for("Switch to");
    t.type_text("west");
    t.send(&["Enter"]);
    t.wait_until("west's list alone, polled", |s| {
        s.contains("West lost a parcel") && s.contains("polling 2s") && !s.contains("East needs a refund")
    });

    // A customer writes on west: the poller brings it.
    west.inbound_on("sms", "+15550001111", "Polled message arrives", None).await;
    t.wait_for("Polled message arrives");

    t.send(&["@"]);
    t.wait_for("All accounts, one list");
    t.type_text("All");
    t.send(&["Enter"]);
    t.wait_for("East needs a refund");
    // Star the west conversation from the merged list: only west hears of it.
    let screen = t.wait_until("both accounts' rows, badged", |s| {
        ["East needs a refund", "West lost a parcel", "[east]", "[west]"].iter().all(|w| s.contains(w))
    });
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains("[east]") || l.contains("[west]")).collect();
    let west_row = rows.iter().position(|l| l.contains("West lost a parcel")).expect("west row");
    t.send(&["g", "g"]);
    for _ in 0..west_row {
        t.send(&["j"]);
    }
    t.send(&["s"]);
    until(&west, &format!("/v1/conversations/{w}"), "starred on west", |c| c["starred"] == true).await;
    let (_, east_list) = east.get("/v1/conversations?view=starred").await;
    assert_eq!(east_list["items"].as_array().map(Vec::len), Some(0), "east untouched: {east_list}");
    t.send(&["q"]);
}

/// An Orbit account served by a mock: a reply into a closed `WhatsApp` window is
/// refused for good, the thread says why and what to do, and the text is kept.
#[tokio::test(flavor = "multi_thread")]
async fn orbit_whatsapp_window_closed_keeps_the_draft() {
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let orbit = MockServer::start().await;
    let meta = json!({ "request_id": "req_1", "timestamp": "2026-11-25T10:00:00Z" });
    let conversation = json!({
        "id": "conv_wa1", "channel": "whatsapp", "status": "open", "unread": true,
        "contact": { "id": "cnt_1", "name": "Jane Doe", "phone": "+14155550123" },
        "last_message": { "body": "Is my order on its way?", "direction": "inbound",
                          "created_at": "2026-11-24T09:00:00Z" },
        "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-24T09:00:00Z"
    });
    let ok = |data: Value| ResponseTemplate::new(200).set_body_json(json!({ "data": data, "meta": meta }));
    let mount = |m: Mock| m.mount(&orbit);
    mount(Mock::given(method("GET")).and(path("/api/v1/me")).respond_with(ok(json!({
        "user": { "id": "usr_1", "name": "Ana Agent", "email": "ana@example.com" },
        "tenant": { "name": "Acme" }
    }))))
    .await;
    mount(Mock::given(method("GET")).and(path("/api/v1/conversations")).respond_with(ok(json!([conversation])))).await;
    mount(
        Mock::given(method("GET")).and(path("/api/v1/conversations/conv_wa1")).respond_with(ok(conversation.clone())),
    )
    .await;
    mount(Mock::given(method("GET")).and(path("/api/v1/conversations/conv_wa1/messages")).respond_with(ok(json!([{
        "id": "msg_1", "direction": "inbound", "body": "Is my order on its way?",
        "sender": { "type": "contact", "name": "Jane Doe" }, "created_at": "2026-11-24T09:00:00Z"
    }]))))
    .await;
    let refused = ResponseTemplate::new(403).set_body_json(json!({
        "error": { "code": "FORBIDDEN", "message": "session required", "status": 403 }, "meta": meta
    }));
    mount(Mock::given(path_regex("^/api/v1/inbox/.*")).respond_with(refused)).await;
    mount(Mock::given(method("GET")).and(path("/api/v1/events/stream")).respond_with(ResponseTemplate::new(404))).await;
    mount(Mock::given(method("POST")).and(path("/api/v1/conversations/conv_wa1/reply")).respond_with(
        ResponseTemplate::new(422).set_body_json(json!({
            "error": { "code": "WHATSAPP_OUTSIDE_24H_WINDOW",
                       "message": "The 24-hour customer care window has closed", "status": 422 },
            "meta": meta
        })),
    ))
    .await;

    let dir = tempfile::tempdir().expect("dir");
    let command = orbit_command(&orbit.uri(), dir.path());
    let t = Tmux::start(140, 40, &command);
    t.wait_for("Jane Doe");
    // The stream is refused: the client polls, and says so.
    t.wait_for("polling");
    t.send(&["Enter"]);
    t.wait_for("Is my order on its way?");
    t.send(&["r"]);
    t.wait_for("Reply to the customer");
    t.type_text("Your parcel left today");
    t.send(&["C-s"]);
    t.wait_for("Send?");
    t.send(&["y"]);
    t.wait_for("24-hour window is closed");
    t.wait_for("not sent");
    // The text waits in the draft: the composer open again, holding it (the thread
    // shows it too, as the message not sent).
    t.send(&["r"]);
    t.wait_until("the composer holding the draft", |s| {
        s.contains("Reply to the customer") && s.matches("Your parcel left today").count() >= 2
    });
    let sent: Vec<_> = orbit
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().ends_with("/reply"))
        .collect();
    assert_eq!(sent.len(), 1, "a permanent refusal is not retried");
    assert!(sent[0].headers.get("idempotency-key").is_some());
    assert_eq!(sent[0].headers.get("x-api-key").and_then(|v| v.to_str().ok()), Some("dv_test_sk_e2e"));
    t.send(&["Escape"]);
    t.send(&["Escape"]);
    t.send(&["q"]);
}

/// The AI agents console on a mocked Orbit account, through the real binary: the
/// agents listed, one opened, a chat whose streamed answer and tool call show.
#[tokio::test(flavor = "multi_thread")]
async fn orbit_agents_console_and_playground() {
    use wiremock::matchers::{body_partial_json, method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let orbit = MockServer::start().await;
    let meta = json!({ "request_id": "req_1", "timestamp": "2026-11-25T10:00:00Z" });
    let ok = |data: Value| ResponseTemplate::new(200).set_body_json(json!({ "data": data, "meta": meta }));
    let agent = json!({
        "id": "agt_abc123", "name": "Support Bot", "type": "conversational", "model": "gpt-4o",
        "status": "active", "channels": ["whatsapp", "web"], "tools_count": 1,
        "system_prompt": "You are a helpful customer support agent for Acme Corp.",
        "created_at": "2026-03-08T12:00:00Z"
    });
    for m in [
        Mock::given(method("GET")).and(path("/api/v1/me")).respond_with(ok(json!({ "user": { "id": "usr_1", "name": "Ana" } }))),
        Mock::given(method("GET")).and(path("/api/v1/conversations")).respond_with(ok(json!([]))),
        Mock::given(method("GET")).and(path("/api/v1/agents")).respond_with(ok(json!([agent.clone()]))),
        Mock::given(method("GET")).and(path("/api/v1/agents/agt_abc123")).respond_with(ok(agent.clone())),
        Mock::given(path_regex("^/api/v1/(inbox|events)/.*")).respond_with(ResponseTemplate::new(404)),
        Mock::given(method("POST"))
            .and(path("/api/v1/agents/agt_abc123/chat"))
            .and(body_partial_json(json!({ "message": "Where is ORD-12345?", "stream": true })))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                "event: chunk\ndata: {\"content\": \"Hi Jane! I found your \"}\n\n\
                 event: chunk\ndata: {\"content\": \"order ORD-12345. \"}\n\n\
                 event: tool_call\ndata: {\"tool\": \"lookup_order\", \"input\": {\"order_id\": \"ORD-12345\"}}\n\n\
                 event: tool_result\ndata: {\"tool\": \"lookup_order\", \"output\": {\"status\": \"shipped\"}}\n\n\
                 event: chunk\ndata: {\"content\": \"It was shipped yesterday.\"}\n\n\
                 event: done\ndata: {\"conversation_id\": \"conv_abc123\", \"tokens_used\": {\"input\": 245, \"output\": 62}}\n\n",
                "text/event-stream",
            )),
    ] {
        m.mount(&orbit).await;
    }
    let dir = tempfile::tempdir().expect("dir");
    let command = orbit_command(&orbit.uri(), dir.path());
    let t = Tmux::start(140, 40, &command);
    t.wait_for("polling");
    t.send(&["g", "A"]);
    t.wait_for("AI agents");
    t.wait_for("Support Bot");
    t.wait_for("You are a helpful customer support agent");
    t.send(&["c"]);
    t.wait_for("Chat with Support Bot");
    t.type_text("Where is ORD-12345?");
    t.send(&["Enter"]);
    t.wait_for("It was shipped yesterday.");
    t.wait_for("lookup_order");
    t.wait_for("245 in / 62 out tokens");
    t.wait_for("conv_abc123");
    t.send(&["Escape"]);
    t.send(&["q"]);
    t.wait_for("Nothing in");
    t.send(&["q"]);
}

/// The client on one Orbit account at `uri` (a mock), its files in `dir`.
fn orbit_command(uri: &str, dir: &Path) -> String {
    let config = dir.join("client.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"orbit\"\nprovider = \"orbit\"\nurl = \"{uri}/api/v1\"\napi_key_env = \"FD_ORBIT\"\n"
        ),
    )
    .expect("config");
    format!(
        "env FD_ORBIT=dv_test_sk_e2e XDG_STATE_HOME={d} XDG_CACHE_HOME={d} LANG=C.UTF-8 TERM=xterm-256color {} \
         --config {}; sleep 30",
        env!("CARGO_BIN_EXE_frontdesk"),
        config.display(),
        d = dir.display(),
    )
}

/// Issue 19, case 2, through the real binary: archiving from the thread page goes on
/// to the next conversation, so two `X` archive two customers, never one twice; `J`
/// moves on without leaving the thread, and `s` then stars what the page shows.
#[tokio::test(flavor = "multi_thread")]
async fn acting_in_a_thread_goes_on_to_the_next_conversation() {
    let s = TestServer::start().await;
    let mut ids = Vec::new();
    for (who, text) in [
        ("d@example.com", "Fourth: my invoice is wrong"),
        ("c@example.com", "Third: the app logs me out"),
        ("b@example.com", "Second: where is my parcel"),
        ("a@example.com", "First: please cancel my order"),
    ] {
        let c = s.inbound_on("email", who, text, None).await;
        ids.push(c["conversation"]["id"].as_str().expect("id").to_owned());
    }
    ids.reverse(); // newest first, as the list shows them
    let dir = tempfile::tempdir().expect("dir");
    let t = Tmux::start(100, 30, &client_command(&s, dir.path(), "sleep 30"));
    t.wait_for("First: please cancel");

    t.send(&["Enter"]);
    t.wait_for("Customer a@example.com");
    t.send(&["X"]);
    t.wait_for("Customer b@example.com");
    t.send(&["X"]);
    t.wait_for("Customer c@example.com");
    for id in &ids[..2] {
        until(&s, &format!("/v1/conversations/{id}"), "archived", |c| c["archived"] == true).await;
    }
    t.send(&["J"]);
    t.wait_for("Customer d@example.com");
    t.send(&["s"]);
    until(&s, &format!("/v1/conversations/{}", ids[3]), "starred", |c| c["starred"] == true).await;
    let (_, third) = s.get(&format!("/v1/conversations/{}", ids[2])).await;
    assert_eq!((third["archived"].clone(), third["starred"].clone()), (json!(false), json!(false)));
    t.send(&["q"]);
}
