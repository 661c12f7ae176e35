//! The Chatwoot adapter against Chatwoot's own `OpenAPI` document
//! (an unedited copy in `tests/prism/chatwoot_application_swagger.json`, with its
//! licence in `tests/prism/NOTICE.md`): Prism mocks the document and validates every request the adapter
//! makes. With `--errors` a request that breaks the document gets a 4xx instead of a
//! mock (so the provider call fails), and at `-v debug` Prism logs each request, its
//! body and every violation; the test reads that log and asserts there are none.
//! Prism's answers are static examples built from the document's schemas, so they
//! also show that the adapter reads what the document promises.
//!
//! Prism is pinned in `tests/prism` (`package.json` + `package-lock.json`); install it
//! with `npm ci --prefix tests/prism`, which `.ci/run` does. Without Node.js or
//! without that install the test fails and says what to install.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use frontdesk_domain::{Change, ConversationId, Op, Priority, ReplyKind};
use frontdesk_provider::{Applied, ListQuery, Provider, Towards};
use frontdesk_provider_chatwoot::ChatwootProvider;
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The document as `SOURCE.md` records it (chatwoot/chatwoot at 199f6d0f, unedited).
const DOCUMENT_SHA256: &str = "ef3a7223455189b56fec045645698fde0d7e0a01078269cf7be012b46a671a66";
/// A hang guard, not a performance bound: Prism parses a 300 KB document with Node,
/// which takes seconds on a loaded 2-core machine and must never take this long.
const STARTUP_LIMIT: Duration = Duration::from_secs(180);
/// How long to wait for Prism's log to catch up with the requests already answered.
const LOG_LIMIT: Duration = Duration::from_secs(60);
const ACCOUNT: u64 = 1;
const INSTALL: &str = "install Node.js (>= 18.20) and npm, then run `npm ci --prefix tests/prism` \
                       (`.ci/run` does it)";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The document, checked to be the recorded copy.
fn document() -> PathBuf {
    let path = repo().join("tests/prism/chatwoot_application_swagger.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!("Chatwoot's OpenAPI document is needed at {}: {e}", path.display());
    });
    let digest = format!("{:x}", Sha256::digest(&bytes));
    assert_eq!(digest, DOCUMENT_SHA256, "{} is not the copy tests/prism/NOTICE.md records", path.display());
    path
}

/// A port nobody listens on right now: bound, read, released, handed to Prism. Another
/// process can take it in between; `Prism::start` then tries a new one.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    listener.local_addr().expect("the bound address").port()
}

/// One Prism mock server, killed on drop. Its output (stdout and stderr) is kept line
/// by line.
struct Prism {
    child: Child,
    url: String,
    log: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
}

enum Startup {
    Ready,
    Exited(ExitStatus),
}

impl Prism {
    async fn start() -> Self {
        let document = document();
        let dir = repo().join("tests/prism");
        let cli = dir.join("node_modules/.bin/prism");
        assert!(cli.exists(), "Prism is not installed ({} is missing): {INSTALL}", cli.display());
        let attempts = 5;
        for attempt in 1..=attempts {
            let port = free_port();
            let spawned = Command::new("node")
                .arg(&cli)
                .args(["mock", "--errors", "--verboseLevel", "debug", "--host", "127.0.0.1", "--port"])
                .arg(port.to_string())
                .arg(&document)
                .current_dir(&dir)
                .env("FORCE_COLOR", "0")
                .env("NO_COLOR", "1")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn();
            let mut child = match spawned {
                Ok(child) => child,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    panic!("Node.js is not installed (`node` is not on PATH): {INSTALL}")
                }
                Err(e) => panic!("Prism did not start (node {}): {e}", cli.display()),
            };
            let log = Arc::new(Mutex::new(Vec::new()));
            let readers = [child.stdout.take().map(pump(&log)), child.stderr.take().map(pump(&log))]
                .into_iter()
                .flatten()
                .collect();
            let mut prism = Self { child, url: format!("http://127.0.0.1:{port}"), log, readers };
            match prism.ready(port).await {
                Startup::Ready => return prism,
                Startup::Exited(status) => {
                    // Its pipes close as it exits: read them to the end.
                    for reader in prism.readers.drain(..) {
                        reader.join().expect("a log reader ends");
                    }
                    let lines = prism.lines();
                    let taken = lines.iter().any(|l| l.contains("EADDRINUSE"));
                    assert!(
                        taken && attempt < attempts,
                        "Prism exited ({status}) before listening:\n{}",
                        tail(&lines, 40)
                    );
                }
            }
        }
        unreachable!("the last attempt either returns or panics")
    }

    /// Waits for "Prism is listening on …:port", or for Prism to give up.
    async fn ready(&mut self, port: u16) -> Startup {
        let listening = format!("Prism is listening on http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            if self.lines().iter().any(|l| l.contains(&listening)) {
                return Startup::Ready;
            }
            if let Some(status) = self.child.try_wait().expect("Prism's state") {
                return Startup::Exited(status);
            }
            assert!(
                started.elapsed() < STARTUP_LIMIT,
                "Prism did not listen within {}s:\n{}",
                STARTUP_LIMIT.as_secs(),
                tail(&self.lines(), 40)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn lines(&self) -> Vec<String> {
        self.log.lock().expect("the log lock").clone()
    }

    /// What Prism saw, up to now. Prism writes a request's log lines as it answers it
    /// (the last one just after), and they reach this process a little later: so a
    /// marker request goes last, and the log is read once the marker's own last line is
    /// in. Lines of concurrent requests (`views` asks its counts together) can
    /// interleave; a problem is then filed under a neighbour, but still reported.
    async fn exchanges(&self) -> Vec<Exchange> {
        let marker = format!("/frontdesk-log-marker/{}", uuid::Uuid::new_v4().simple());
        let answer = reqwest::get(format!("{}{marker}", self.url)).await.expect("Prism answers the marker");
        assert_eq!(answer.status(), reqwest::StatusCode::NOT_FOUND, "the marker matches no path of the document");
        let started = Instant::now();
        loop {
            let lines = self.lines();
            let done = lines.iter().any(|l| l.contains(&marker) && l.contains("Request terminated"));
            if done {
                let end = lines.iter().position(|l| l.contains(&marker)).expect("the marker is in the log");
                return parse(&lines[..end]);
            }
            assert!(
                started.elapsed() < LOG_LIMIT,
                "Prism's log did not show the marker request within {}s:\n{}",
                LOG_LIMIT.as_secs(),
                tail(&lines, 40)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        // Already gone when it exited by itself; nothing else to do then.
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

/// A thread that appends what `from` writes to `log`, a line at a time.
fn pump<R: Read + Send + 'static>(log: &Arc<Mutex<Vec<String>>>) -> impl FnOnce(R) -> JoinHandle<()> {
    let log = Arc::clone(log);
    move |from| {
        std::thread::spawn(move || {
            for line in BufReader::new(from).lines() {
                let Ok(line) = line else { break };
                log.lock().expect("the log lock").push(strip_ansi(&line));
            }
        })
    }
}

/// Drops colour escapes, in case a terminal setting overrides `NO_COLOR`.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters… final byte in @..~
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn tail(lines: &[String], n: usize) -> String {
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// One request as Prism logged it.
#[derive(Debug)]
struct Exchange {
    method: String,
    path: String,
    body: Option<Value>,
    /// Violations and refusals, Prism's own words.
    problems: Vec<String>,
}

impl Exchange {
    fn is(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path == path
    }
}

/// Reads Prism's debug log: `[HTTP SERVER] post /path … Request received` opens a
/// request; `< Body: {…}` is its body; validator warnings and errors, `Violation:` lines
/// and `Request terminated with error` are its problems.
fn parse(lines: &[String]) -> Vec<Exchange> {
    let mut out: Vec<Exchange> = Vec::new();
    for line in lines {
        if let Some(rest) = line.split_once("[HTTP SERVER] ").map(|(_, r)| r)
            && line.trim_end().ends_with("Request received")
        {
            let mut words = rest.split_whitespace();
            let (Some(method), Some(path)) = (words.next(), words.next()) else { continue };
            out.push(Exchange { method: method.to_owned(), path: path.to_owned(), body: None, problems: Vec::new() });
            continue;
        }
        let Some(current) = out.last_mut() else { continue };
        if let Some((_, body)) = line.split_once("< Body: ") {
            current.body = Some(serde_json::from_str(body.trim()).unwrap_or_else(|_| Value::String(body.to_owned())));
        } else if line.contains("Violation:")
            || line.contains("did not pass the validation")
            || line.contains("Request terminated with error")
            || (line.contains("[VALIDATOR]") && (line.contains(" error ") || line.contains(" warning ")))
        {
            current.problems.push(line.clone());
        }
    }
    out
}

/// Every problem Prism logged, by request, or an empty string.
fn violations(exchanges: &[Exchange]) -> String {
    exchanges
        .iter()
        .filter(|x| !x.problems.is_empty())
        .map(|x| {
            let body = x.body.as_ref().map(|b| format!(" {b}")).unwrap_or_default();
            format!("{} {}{body}\n    {}", x.method.to_uppercase(), x.path, x.problems.join("\n    "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn provider(prism: &Prism) -> ChatwootProvider {
    ChatwootProvider::new("chatwoot", &prism.url, ACCOUNT, SecretString::from("prism-token".to_owned()))
        .expect("the provider builds")
}

/// Records each provider call that failed, so one run reports all of them.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check<T, E: std::fmt::Display>(&mut self, step: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.0.push(format!("{step}: {e}"))).ok()
    }
}

/// Asserts Prism saw no violation and every provider call succeeded, naming both.
fn assert_conforms(exchanges: &[Exchange], failures: &Failures) {
    let violations = violations(exchanges);
    assert!(
        violations.is_empty() && failures.0.is_empty(),
        "requests that break Chatwoot's OpenAPI document (Prism):\n{violations}\n\nprovider calls that failed:\n{}",
        failures.0.join("\n")
    );
}

fn assert_saw(exchanges: &[Exchange], method: &str, path: &str) {
    assert!(
        exchanges.iter().any(|x| x.is(method, path)),
        "Prism never saw {method} {path}; it saw:\n{}",
        exchanges.iter().map(|x| format!("{} {}", x.method, x.path)).collect::<Vec<_>>().join("\n")
    );
}

fn bodies<'a>(exchanges: &'a [Exchange], method: &str, path: &str) -> Vec<&'a Value> {
    exchanges.iter().filter(|x| x.is(method, path)).filter_map(|x| x.body.as_ref()).collect()
}

/// The walk: list, read a thread, reply, assign, close, reopen.
#[tokio::test]
async fn the_chatwoot_adapter_conforms_to_chatwoots_openapi_document() {
    let prism = Prism::start().await;
    let chatwoot = provider(&prism);
    let mut failures = Failures::default();

    let page = failures.check("list", chatwoot.list(ListQuery::default()).await);
    let first = page.as_ref().and_then(|p| p.items.first());
    assert!(page.is_none() || first.is_some(), "the list of the document's example is empty");
    // The document's example conversation has id 0; any number does for a path.
    let id = first.map_or_else(|| ConversationId::from("1"), |c| c.id.clone());

    let thread = failures.check("thread", chatwoot.thread(id.clone(), 50).await);
    assert!(thread.is_none_or(|t| !t.is_empty()), "the thread of the document's example is empty");

    let reply = "Thanks, looking into it now.";
    let op = Op::Send {
        conversation: id.clone(),
        kind: ReplyKind::Reply,
        body: reply.to_owned(),
        suggestion: None,
        attachments: Vec::new(),
    };
    let applied = failures.check("send a reply", chatwoot.apply(op, "key-send".into()).await);
    assert!(applied.is_none_or(|a| matches!(a, Applied::Message(_))), "a reply answers with the message");

    let changes = [
        ("assign", Change::Assign { agent_id: Some("1".into()), team: None }),
        ("close", Change::Close),
        ("reopen", Change::Reopen),
    ];
    for (step, change) in changes {
        let op = Op::Change { conversation: id.clone(), change };
        let applied = failures.check(step, chatwoot.apply(op, format!("key-{step}")).await);
        assert!(applied.is_none_or(|a| matches!(a, Applied::Conversation(_))), "{step} answers with the conversation");
    }

    let exchanges = prism.exchanges().await;
    assert_conforms(&exchanges, &failures);

    // What was asked, by the document's paths (the log could not hide a request).
    let account = format!("/api/v1/accounts/{ACCOUNT}");
    let conversation = format!("{account}/conversations/{id}");
    assert_saw(&exchanges, "get", &format!("{account}/conversations"));
    assert_saw(&exchanges, "get", &format!("{conversation}/messages"));
    assert_eq!(
        bodies(&exchanges, "post", &format!("{conversation}/messages")),
        [&json!({ "content": reply, "message_type": "outgoing", "private": false })]
    );
    assert_eq!(bodies(&exchanges, "post", &format!("{conversation}/assignments")), [&json!({ "assignee_id": 1 })]);
    assert_eq!(
        bodies(&exchanges, "post", &format!("{conversation}/toggle_status")),
        [&json!({ "status": "resolved" }), &json!({ "status": "open" })],
        "Close is Chatwoot's resolved, Reopen its open"
    );
}

/// The adapter's other requests: who am I, the agents, the views and their counts, a
/// label view and a search, a note, pending, priority, labels, teams, and a bulk close.
#[tokio::test]
async fn the_chatwoot_adapters_other_requests_conform_too() {
    let prism = Prism::start().await;
    let chatwoot = provider(&prism);
    let mut failures = Failures::default();
    let id = ConversationId::from("7");

    failures.check("me", chatwoot.me().await);
    failures.check("agents", chatwoot.agents().await);
    // The list teaches the adapter the labels it offers as views.
    failures.check("list", chatwoot.list(ListQuery::default()).await);
    let views = failures.check("views", chatwoot.views().await).unwrap_or_default();
    assert!(!views.is_empty(), "no views at all: {:?}", failures.0);
    let label = views.iter().find(|v| v.view.id.as_str().starts_with("label:"));
    let Some(label) = label else { panic!("the example conversation's label is not offered as a view: {views:?}") };
    let query = ListQuery { view: Some(label.view.id.clone()), ..ListQuery::default() };
    failures.check("list a label view", chatwoot.list(query).await);
    let mut search = ListQuery::default();
    search.filter.q = Some("refund".into());
    failures.check("search", chatwoot.list(search.clone()).await);
    // `G`: the view's count, then the page it names; on a search, the same.
    failures
        .check("the end of the list", chatwoot.list(ListQuery { towards: Towards::Up, ..ListQuery::default() }).await);
    failures.check("the end of a search", chatwoot.list(ListQuery { towards: Towards::Up, ..search }).await);
    let note = Op::Send {
        conversation: id.clone(),
        kind: ReplyKind::Note,
        body: "internal".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    failures.check("send a note", chatwoot.apply(note, "key-note".into()).await);
    let changes = [
        ("pending", Change::Pending),
        ("priority", Change::SetPriority { priority: Priority::High }),
        ("no priority", Change::SetPriority { priority: Priority::Normal }),
        ("add a label", Change::AddTags { tags: vec!["vip".into()] }),
        ("assign a team by number", Change::Assign { agent_id: None, team: Some("2".into()) }),
        // The document's example team is named "string".
        ("assign a team by name", Change::Assign { agent_id: None, team: Some("String".into()) }),
    ];
    for (step, change) in changes {
        failures.check(step, chatwoot.apply(Op::Change { conversation: id.clone(), change }, step.into()).await);
    }
    let bulk = Op::Bulk { conversations: vec![id.clone(), ConversationId::from("8")], change: Change::Close };
    if let Some(Applied::Bulk(results)) = failures.check("bulk close", chatwoot.apply(bulk, "key-bulk".into()).await) {
        for (id, result) in results {
            failures.check(&format!("bulk close of {id}"), result);
        }
    }

    let exchanges = prism.exchanges().await;
    assert_conforms(&exchanges, &failures);
    let account = format!("/api/v1/accounts/{ACCOUNT}");
    assert_saw(&exchanges, "get", "/api/v1/profile");
    assert_saw(&exchanges, "get", &format!("{account}/agents"));
    assert_saw(&exchanges, "get", &format!("{account}/conversations/meta"));
    assert_saw(&exchanges, "get", &format!("{account}/teams"));
    assert_eq!(
        bodies(&exchanges, "post", &format!("{account}/conversations/7/toggle_priority")),
        [&json!({ "priority": "high" }), &json!({ "priority": "none" })]
    );
    assert_eq!(
        bodies(&exchanges, "post", &format!("{account}/conversations/7/labels")),
        [&json!({ "labels": ["string", "vip"] })],
        "the labels read back (the example's \"string\") and the new one"
    );
}

/// One change through the adapter, checked by Prism.
async fn assert_change_conforms(change: Change) {
    let prism = Prism::start().await;
    let chatwoot = provider(&prism);
    let mut failures = Failures::default();
    let op = Op::Change { conversation: ConversationId::from("7"), change };
    failures.check("change", chatwoot.apply(op, "key-change".into()).await);
    assert_conforms(&prism.exchanges().await, &failures);
}

/// The document types `assignee_id` as a number, not nullable: the adapter sends 0,
/// which Chatwoot's controller takes as "no one" (it unassigns for any id that is
/// no user's).
#[tokio::test]
async fn unassigning_conforms() {
    assert_change_conforms(Change::Unassign).await;
}

/// The one known departure: the document's `toggle_status` takes only open,
/// resolved and pending, but snoozing needs `snoozed` with `snoozed_until`, which
/// Chatwoot's controller accepts and the issue asks for. Pinned here: the snooze
/// request breaks the document in that one way and no other.
#[tokio::test]
async fn snoozing_departs_from_the_document_only_in_the_status_it_sends() {
    let prism = Prism::start().await;
    let chatwoot = provider(&prism);
    let until = jiff::Timestamp::from_second(1_795_600_800).expect("a time");
    let op = Op::Change { conversation: ConversationId::from("7"), change: Change::Snooze { until } };
    let answer = chatwoot.apply(op, "key-snooze".into()).await;
    assert!(answer.is_err(), "Prism (--errors) refuses the undocumented status");
    let exchanges = prism.exchanges().await;
    let snooze = exchanges.iter().find(|x| x.is("post", "/api/v1/accounts/1/conversations/7/toggle_status"));
    let snooze = snooze.expect("the snooze request");
    assert_eq!(
        snooze.body.as_ref(),
        Some(&json!({ "status": "snoozed", "snoozed_until": 1_795_600_800 })),
        "unix seconds, as Chatwoot takes them"
    );
    // Prism's own errors (its summary warning line aside).
    let errors: Vec<&String> =
        snooze.problems.iter().filter(|p| p.contains("[VALIDATOR]") && p.contains("error")).collect();
    assert!(!errors.is_empty(), "the departure is still there (else this test can go): {:?}", snooze.problems);
    for p in errors {
        assert!(p.contains("status must be equal to one of the allowed values"), "another violation: {p}");
    }
}
