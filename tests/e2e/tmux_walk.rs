#![allow(clippy::doc_markdown, reason = "ChatCaptain is a name, not code")]

//! The same walk-through, through the real binary in tmux, for every hosted
//! provider against a wiremock of its vendor: the list shows the conversation,
//! `Enter` opens its thread, a reply goes out through the review line (exactly one
//! POST, with the typed text), `e` closes it (or the screen says the account cannot,
//! and nothing is sent), and a conversation that arrives afterwards shows up by
//! polling, while the one read and closed here does not come back unread.
//!
//! Each vendor is one setup function returning a [`Walk`]: its mock, the command
//! that starts the client on that one account, what the screen should show and
//! where the writes should land. [`walk`] does the rest, the same for all. To add a
//! provider, write its setup from the shapes its contract tests use and add one
//! test that hands it to `walk`.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::tmux::Tmux;

/// What the agent types as the reply, for every provider.
const REPLY: &str = "Refund issued today, sorry for the wait";
/// Who writes in while the client is open (a name short enough to show whole in
/// the list's name column), and what they say.
const NEWCOMER: &str = "Rosa Lin";
const NEWS: &str = "Could you resend my invoice?";
/// What they said just before, which only their thread shows.
const NEWS_BEFORE: &str = "Hello, Rosa from the Elm Street shop";

/// One provider's part of the walk.
struct Walk {
    server: MockServer,
    /// Starts the client on a config naming only this account.
    command: String,
    /// The conversation's contact, as the list shows them.
    contact: &'static str,
    /// A message only the opened thread shows (not the list row's preview).
    thread_only: &'static str,
    /// Where a reply is posted, and the JSON field that carries its text.
    reply_path: String,
    reply_field: &'static str,
    close: Close,
    /// Mounted over the first mocks after the walk: the list now holds a
    /// conversation from [`NEWCOMER`] (freshest, so first), whose thread is
    /// [`NEWS_BEFORE`] then [`NEWS`].
    live: Vec<Mock>,
}

/// What `e` does on this account.
enum Close {
    /// The vendor's close request: a POST to this path with this JSON body.
    Posts { path: String, body: Value },
    /// The account has no close: what the screen says instead.
    Refused(&'static str),
}

fn ok(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

pub(crate) fn get(p: &str, body: &Value) -> Mock {
    Mock::given(method("GET")).and(path(p.to_owned())).respond_with(ok(body))
}

fn post(p: &str, answer: ResponseTemplate) -> Mock {
    Mock::given(method("POST")).and(path(p.to_owned())).respond_with(answer)
}

/// A mock that outranks the first ones (wiremock's default priority is 5).
fn later(m: Mock) -> Mock {
    m.with_priority(1)
}

async fn mount(server: &MockServer, mocks: Vec<Mock>) {
    for m in mocks {
        m.mount(server).await;
    }
}

/// The client on one account (`account`: its TOML lines, without `[[accounts]]`),
/// its files in `dir`, with `vars` in its environment; as `tmux::orbit_command`
/// and `tmux_captain::command` do it. Polled as often as the config allows.
pub(crate) fn command(dir: &Path, account: &str, vars: &str) -> String {
    command_polling(dir, account, vars, 2)
}

/// [`command`] with the account polled every `secs`.
pub(crate) fn command_polling(dir: &Path, account: &str, vars: &str, secs: u64) -> String {
    let config = dir.join("client.toml");
    std::fs::write(&config, format!("[[accounts]]\n{account}poll_secs = {secs}\n")).expect("config");
    format!(
        "env {vars} XDG_STATE_HOME={d} XDG_CACHE_HOME={d} LANG=C.UTF-8 TERM=xterm-256color {} --config {}; sleep 30",
        env!("CARGO_BIN_EXE_frontdesk"),
        config.display(),
        d = dir.display(),
    )
}

fn line(r: &Request) -> String {
    format!("{} {}", r.method, r.url.path())
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("request recording is on")
}

/// The `verb path` requests the mock has had, once there is at least one.
async fn arrived(server: &MockServer, verb: &str, at: &str) -> Vec<Request> {
    let start = Instant::now();
    loop {
        let all = received(server).await;
        let hits: Vec<Request> =
            all.iter().filter(|r| r.method.as_str() == verb && r.url.path() == at).cloned().collect();
        if !hits.is_empty() {
            return hits;
        }
        let seen: Vec<String> = all.iter().map(line).collect();
        assert!(start.elapsed() < Duration::from_secs(20), "{verb} {at} never arrived; the mock had {seen:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn json_body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{} sent a body that is not JSON: {e}", line(r)))
}

/// The walk: list, thread, reply, close, a live arrival. The same keys for all.
/// Narrower than the side-by-side layout (`ui::WIDE`), so the list and a thread
/// are two screens and each step shows on its own.
async fn walk(w: Walk) {
    let t = Tmux::start(110, 32, &w.command);
    // Every hosted account here is polled (Orbit's stream is refused), at the
    // config's interval.
    t.wait_for("polling 2s");
    t.send(&["g", "a"]);
    // The first view lists the contact too: wait for All's title beside it, so
    // Enter lands on All's rows and not on the empty list of a view still loading.
    let list = t.wait_until("All listing the contact", |s| s.contains("┌ All ") && s.contains(w.contact));
    assert!(!list.contains(w.thread_only), "the thread is not open yet:\n{list}");

    t.send(&["Enter"]);
    t.wait_for(w.thread_only);

    t.send(&["r"]);
    t.wait_for("Reply to the customer");
    t.type_text(REPLY);
    t.send(&["C-s"]);
    t.wait_for("Send?");
    t.send(&["y"]);
    let sent = arrived(&w.server, "POST", &w.reply_path).await;
    assert_eq!(sent.len(), 1, "one reply, posted once");
    assert_eq!(json_body(&sent[0])[w.reply_field], REPLY, "the typed text is the reply's {}", w.reply_field);
    t.wait_for(REPLY);

    t.send(&["e"]);
    match &w.close {
        Close::Posts { path, body } => {
            let closed = arrived(&w.server, "POST", path).await;
            assert_eq!(closed.len(), 1, "one close, posted once");
            assert_eq!(&json_body(&closed[0]), body, "the close request's body");
            t.wait_for("closed");
        }
        Close::Refused(words) => {
            t.wait_for(words);
            let closing: Vec<String> = received(&w.server)
                .await
                .iter()
                .filter(|r| {
                    let p = r.url.path();
                    r.method.as_str() == "PATCH"
                        || ["/close", "/resolve/", "/toggle_status", "/archive"].iter().any(|end| p.ends_with(end))
                })
                .map(line)
                .collect();
            assert!(closing.is_empty(), "a refused close sends nothing: {closing:?}");
        }
    }

    mount(&w.server, w.live).await;
    // Back to the list (from the thread, where a refused close stays), where the
    // newcomer shows up; opened from the top, their thread shows what they wrote.
    t.send(&["Escape"]);
    t.wait_for(NEWCOMER);
    t.send(&["g", "g"]);
    t.send(&["Enter"]);
    t.wait_for(NEWS_BEFORE);
    t.wait_for(NEWS);
    // The conversation read and closed here is not news: the poll that saw it
    // change (by our own close) brings none of its old messages back as unread.
    // Looked at after the newcomer's thread, so the whole poll has landed (where
    // All lists only open conversations, the closed one is not there at all).
    t.send(&["Escape"]);
    let list = t.wait_until("the list with the newcomer", |s| s.contains("┌ All ") && s.contains(NEWCOMER));
    let row = list.lines().find(|l| l.contains(w.contact)).unwrap_or_default();
    assert!(!row.contains('●'), "read and closed here, yet unread again:\n{list}");
    let replies = received(&w.server)
        .await
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == w.reply_path)
        .count();
    assert_eq!(replies, 1, "the reply went out once, polls and all");
    t.send(&["q"]);
}

// ---------------------------------------------------------------------------------
// The providers, each from the shapes of its own contract tests
// ---------------------------------------------------------------------------------

/// Chatwoot (`chatwoot.rs`'s fixtures): `/api/v1/accounts/7/…`, the access token.
async fn chatwoot(dir: &Path) -> Walk {
    use crate::chatwoot::{ACCOUNT, KEY, T0, acct, conv, conv_path, list_body, messages_body, msg, toggled};
    let server = MockServer::start().await;
    let first = conv(42, "open", &[], T0);
    let earlier = msg(4101, 42, 0, false, "I paid twice for order 5512", T0 - 120);
    let last = msg(4200, 42, 0, false, "Where is my refund?", T0);
    let mut before = msg(4299, 43, 0, false, NEWS_BEFORE, T0 + 590);
    before["sender"]["name"] = json!(NEWCOMER);
    let mut news = msg(4300, 43, 0, false, NEWS, T0 + 600);
    news["sender"]["name"] = json!(NEWCOMER);
    let mut second = conv(43, "open", &[], T0 + 600);
    second["meta"]["sender"]["name"] = json!(NEWCOMER);
    second["messages"] = json!([news.clone()]);
    second["last_non_activity_message"] = news.clone();
    let profile = json!({ "id": 3, "name": "Ana Álvarez", "available_name": "Ana", "email": "ana@acme.test",
        "role": "agent" });
    let counts = json!({ "meta": { "mine_count": 0, "unassigned_count": 1, "assigned_count": 0, "all_count": 1 } });
    mount(
        &server,
        vec![
            get("/api/v1/profile", &profile),
            get(&acct("/agents"), &json!([])),
            get(&acct("/teams"), &json!([])),
            get(&acct("/conversations/meta"), &counts),
            get(&acct("/conversations"), &list_body(std::slice::from_ref(&first))),
            get(&conv_path(42, ""), &first),
            get(&conv_path(42, "/messages"), &messages_body(&[earlier, last])),
            get(&conv_path(43, ""), &second),
            get(&conv_path(43, "/messages"), &messages_body(&[before, news])),
            post(&conv_path(42, "/messages"), ok(&msg(4201, 42, 1, false, REPLY, T0 + 60))),
            post(&conv_path(42, "/toggle_status"), toggled(42, Some("resolved"))),
        ],
    )
    .await;
    let account = format!(
        "name = \"chatwoot\"\nprovider = \"chatwoot\"\nurl = \"{}\"\naccount_id = {ACCOUNT}\n\
         api_key_env = \"FD_CHATWOOT\"\n",
        server.uri()
    );
    let resolved = conv(42, "resolved", &[], T0 + 30);
    Walk {
        command: command(dir, &account, &format!("FD_CHATWOOT={KEY}")),
        contact: "Jane Doe",
        thread_only: "I paid twice for order 5512",
        reply_path: conv_path(42, "/messages"),
        reply_field: "content",
        close: Close::Posts { path: conv_path(42, "/toggle_status"), body: json!({ "status": "resolved" }) },
        live: vec![later(get(&acct("/conversations"), &list_body(&[second, resolved])))],
        server,
    }
}

/// Bancroft (`helpdesk.rs`'s page shapes): slash-ended paths, `X-API-Key`, a server
/// key (a client key may not resolve).
async fn helpdesk(dir: &Path) -> Walk {
    const LIST: &str = "/api/v1/conversations/";
    const FIRST: &str = "a1b2c3d4-0000-4000-8000-000000000001";
    const SECOND: &str = "a1b2c3d4-0000-4000-8000-000000000002";
    let server = MockServer::start().await;
    let at = |id: &str, rest: &str| format!("{LIST}{id}/{rest}");
    let conversation = |id: &str, n: u32, subject: &str, first: &str, last: &str, email: &str, updated: &str| {
        json!({ "id": id, "number": n, "subject": subject, "status": "open", "priority": "normal",
            "channel": "email", "metadata": {},
            "requester": { "email": email, "first_name": first, "last_name": last },
            "created_at": "2026-02-26T10:00:00Z", "updated_at": updated })
    };
    let envelope = |rows: &[&Value]| json!({ "count": rows.len(), "next": null, "previous": null, "results": rows });
    let message = |id: &str, from: &str, body: &str, when: &str| {
        json!({ "id": id, "sender_email": from, "body": body,
            "message_type": "reply", "created_at": when })
    };
    let first =
        conversation(FIRST, 42, "Help with order #1234", "Jane", "Doe", "customer@example.com", "2026-02-26T10:05:00Z");
    let second = conversation(SECOND, 43, "Invoice copy", "Rosa", "Lin", "rosa@example.com", "2026-02-26T11:00:00Z");
    let mut resolved = first.clone();
    resolved["status"] = json!("closed");
    resolved["updated_at"] = json!("2026-02-26T10:30:00Z");
    let thread = json!({ "count": 2, "results": [
        message("m1-uuid", "customer@example.com", "I need help with my order", "2026-02-26T10:00:00Z"),
        message("m2-uuid", "customer@example.com", "It was due on Monday", "2026-02-26T10:05:00Z"),
    ] });
    let news = json!({ "count": 2, "results": [
        message("m8-uuid", "rosa@example.com", NEWS_BEFORE, "2026-02-26T10:59:00Z"),
        message("m9-uuid", "rosa@example.com", NEWS, "2026-02-26T11:00:00Z"),
    ] });
    let sent = message("m3-uuid", "agent@yourcompany.com", REPLY, "2026-02-26T10:10:00Z");
    mount(
        &server,
        vec![
            get(LIST, &envelope(&[&first])),
            get(&at(FIRST, ""), &first),
            get(&at(FIRST, "messages/"), &thread),
            get(&at(SECOND, ""), &second),
            get(&at(SECOND, "messages/"), &news),
            post(&at(FIRST, "messages/create/"), ResponseTemplate::new(201).set_body_json(sent)),
            post(&at(FIRST, "resolve/"), ok(&resolved)),
        ],
    )
    .await;
    let account = format!(
        "name = \"bancroft\"\nprovider = \"helpdesk\"\nurl = \"{}\"\nagent_email = \"agent@yourcompany.com\"\n\
         api_key_env = \"FD_BANCROFT\"\n",
        server.uri()
    );
    Walk {
        command: command(dir, &account, "FD_BANCROFT=bnc_sv_walk_7f3a91"),
        contact: "Jane Doe",
        thread_only: "I need help with my order",
        reply_path: at(FIRST, "messages/create/"),
        reply_field: "body",
        close: Close::Posts { path: at(FIRST, "resolve/"), body: json!({}) },
        live: vec![later(get(LIST, &envelope(&[&second, &resolved])))],
        server,
    }
}

/// Iron (`crm.rs`'s assumed rows and Supabase's token answer): a session signed in
/// with a password, `views/counts` as the poller's probe. Iron has no close.
async fn crm(dir: &Path) -> Walk {
    use crate::crm::{C1, conv, conv_path, token};
    const C2: &str = "c0000000-0000-4000-8000-000000000002";
    let server = MockServer::start().await;
    let row = |id: &str, contact: Value, last: &str, at: &str| {
        let mut c = conv(id);
        c["contact"] = contact;
        c["status"] = json!("open");
        c["starred"] = json!(false);
        c["unread_count"] = json!(1);
        c["assigned_to"] = Value::Null;
        c["last_message"] = json!({ "body": last, "direction": "inbound", "created_at": at });
        c["updated_at"] = json!(at);
        c
    };
    let first = row(
        C1,
        json!({ "id": "k1", "first_name": "Jane", "last_name": "Doe", "phone": "+15550100" }),
        "Is it still available?",
        "2026-03-01T10:00:00Z",
    );
    let second = row(
        C2,
        json!({ "id": "k2", "first_name": "Rosa", "last_name": "Lin", "phone": "+15550199" }),
        NEWS,
        "2026-03-01T11:00:00Z",
    );
    let activity = |id: &str, actor: &str, body: &str, at: &str| {
        json!({ "id": id, "type": "sms", "direction": "inbound",
            "actor": actor, "body": body, "created_at": at })
    };
    let thread = json!({ "items": [
        activity("a1", "contact:k1", "Hi, is the flat on Elm Street free?", "2026-03-01T09:58:00Z"),
        activity("a2", "contact:k1", "Is it still available?", "2026-03-01T10:00:00Z"),
    ], "next_cursor": null });
    let news = json!({ "items": [
        activity("b0", "contact:k2", NEWS_BEFORE, "2026-03-01T10:59:00Z"),
        activity("b1", "contact:k2", NEWS, "2026-03-01T11:00:00Z"),
    ], "next_cursor": null });
    let views = json!([{ "id": "all", "name": "All" }, { "id": "unread", "name": "Unread" }]);
    let counts =
        |n: u64| json!({ "counts": { "all": { "unread": n, "total": n }, "unread": { "unread": n, "total": n } } });
    let c2_path = format!("/api/v1/conversations/{C2}");
    // Iron keeps read marks itself: once opened (and so read), it answers the first
    // as read, when it is asked for alone and in the list.
    let mut first_read = first.clone();
    first_read["unread_count"] = json!(0);
    let signed_in = token("tok-walk", "refresh-walk", 3600);
    mount(
        &server,
        vec![
            post("/auth/v1/token", ok(&signed_in)),
            get("/api/v1/conversations", &json!({ "items": [first.clone()], "total": 1 })),
            get("/api/v1/conversations/views", &views),
            get("/api/v1/conversations/views/counts", &counts(1)),
            get("/api/v1/conversations/overdue/count", &json!({ "count": 0 })),
            get("/api/v1/conversations/sla", &json!({})),
            get(&conv_path(""), &first_read),
            get(&conv_path("/messages"), &thread),
            get(&c2_path, &second),
            get(&format!("{c2_path}/messages"), &news),
            Mock::given(method("POST"))
                .and(path_regex("^/api/v1/conversations/[^/]+/(read|unread)$"))
                .respond_with(ok(&json!({ "ok": true }))),
            post(
                &conv_path("/messages"),
                ResponseTemplate::new(201).set_body_json(json!({ "id": "a12", "channel": "sms", "status": "queued" })),
            ),
        ],
    )
    .await;
    let uri = server.uri();
    let account = format!(
        "name = \"iron\"\nprovider = \"crm\"\nurl = \"{uri}/api/v1\"\nauth_url = \"{uri}\"\nemail = \"ana@acme.test\"\n\
         password_env = \"FD_IRON_PASSWORD\"\n"
    );
    Walk {
        command: command(dir, &account, "FD_IRON_PASSWORD=correct-horse"),
        contact: "Jane Doe",
        thread_only: "Hi, is the flat on Elm Street free?",
        reply_path: conv_path("/messages"),
        reply_field: "body",
        close: Close::Refused("this account cannot close conversations"),
        live: vec![
            later(get("/api/v1/conversations", &json!({ "items": [second, first_read], "total": 2 }))),
            later(get("/api/v1/conversations/views/counts", &counts(2))),
        ],
        server,
    }
}

/// ChatCaptain (`chatcaptain.rs` and `tmux_captain.rs`): one chatbot's
/// conversations, replies through its inbox. ChatCaptain has no close.
async fn chatcaptain(dir: &Path) -> Walk {
    const BOT: &str = "bot_walk";
    let server = MockServer::start().await;
    let convs = format!("/v1/chatbots/{BOT}/conversations");
    let row = |id: &str, contact: &str, name: &str, provider: &str, updated: &str| {
        json!({ "id": id, "contactId": contact, "channelId": "ch_wa", "channelName": "WhatsApp Business",
            "providerId": provider, "name": name, "archived": false, "updatedAt": updated })
    };
    let first = row("conv_1", "ct_1", "Jonas Weber", "4915112345", "2026-11-25T09:01:00Z");
    let second = row("conv_2", "ct_2", NEWCOMER, "4915199999", "2026-11-25T10:00:00Z");
    let message =
        |id: &str, text: &str, at: &str| json!({ "id": id, "sender": "contact", "text": text, "createdAt": at });
    let thread = json!({ "messages": [
        message("m1", "Hallo, where is my order?", "2026-11-25T09:00:00Z"),
        message("m2", "It is order 4411", "2026-11-25T09:01:00Z"),
    ] });
    mount(
        &server,
        vec![
            get(&convs, &json!({ "conversations": [first.clone()] })),
            get(&format!("{convs}/conv_1"), &first),
            get(&format!("{convs}/conv_1/messages"), &thread),
            get(&format!("{convs}/conv_2"), &second),
            get(
                &format!("{convs}/conv_2/messages"),
                &json!({ "messages": [
                    message("n0", NEWS_BEFORE, "2026-11-25T09:59:00Z"),
                    message("n1", NEWS, "2026-11-25T10:00:00Z"),
                ] }),
            ),
            get(&format!("/v1/inbox/{BOT}/views"), &json!({ "views": [] })),
            get(&format!("/v1/inbox/{BOT}/agents/online"), &json!({ "agents": [] })),
            post(&format!("/v1/inbox/{BOT}/messages"), ok(&json!({ "success": true }))),
        ],
    )
    .await;
    let account = format!(
        "name = \"captain\"\nprovider = \"chatcaptain\"\nurl = \"{}\"\nchatbot_id = \"{BOT}\"\n\
         api_key_env = \"FD_CAPTAIN\"\n",
        server.uri()
    );
    Walk {
        command: command(dir, &account, "FD_CAPTAIN=cc_walk_key"),
        contact: "Jonas Weber",
        thread_only: "Hallo, where is my order?",
        reply_path: format!("/v1/inbox/{BOT}/messages"),
        reply_field: "text",
        close: Close::Refused("this account cannot close conversations"),
        live: vec![later(get(&convs, &json!({ "conversations": [second, first] })))],
        server,
    }
}

/// Orbit (`orbit.rs` and `tmux.rs`'s Orbit test): the `{data, meta}` envelope, the
/// stream refused (404) so the client polls, the inbox companions refused.
async fn orbit(dir: &Path) -> Walk {
    let server = MockServer::start().await;
    let meta = json!({ "request_id": "req_walk", "timestamp": "2026-11-25T10:00:00Z" });
    let data = |d: Value| json!({ "data": d, "meta": meta });
    let conversation = |id: &str, contact: &str, last: &str, at: &str| {
        json!({ "id": id, "channel": "whatsapp", "status": "open", "unread": true,
            "contact": { "id": format!("cnt_{id}"), "name": contact, "phone": "+14155550123" },
            "last_message": { "body": last, "direction": "inbound", "created_at": at },
            "created_at": "2026-11-24T08:00:00Z", "updated_at": at })
    };
    let said = |id: &str, conv: &str, name: &str, body: &str, at: &str| {
        json!({ "id": id, "conversation_id": conv, "direction": "inbound", "type": "text", "body": body,
            "sender": { "type": "contact", "name": name }, "status": "delivered", "created_at": at })
    };
    let first = conversation("conv_1", "Jane Doe", "Is my order on its way?", "2026-11-24T09:00:00Z");
    let second = conversation("conv_2", NEWCOMER, NEWS, "2026-11-25T09:30:00Z");
    let mut closed = first.clone();
    closed["status"] = json!("closed");
    let thread = json!([
        said("m0", "conv_1", "Jane Doe", "I ordered a lamp last Tuesday", "2026-11-24T08:59:00Z"),
        said("m1", "conv_1", "Jane Doe", "Is my order on its way?", "2026-11-24T09:00:00Z"),
    ]);
    let news = json!([
        said("n0", "conv_2", NEWCOMER, NEWS_BEFORE, "2026-11-25T09:29:00Z"),
        said("n1", "conv_2", NEWCOMER, NEWS, "2026-11-25T09:30:00Z"),
    ]);
    let sent = json!({ "id": "m2", "conversation_id": "conv_1", "direction": "outbound", "type": "text", "body": REPLY,
        "sender": { "type": "user", "name": "Ana Agent" }, "status": "sent", "created_at": "2026-11-25T10:00:00Z" });
    let refused = ResponseTemplate::new(403).set_body_json(json!({
        "error": { "code": "FORBIDDEN", "message": "session required", "status": 403 }, "meta": meta
    }));
    mount(
        &server,
        vec![
            get(
                "/api/v1/me",
                &data(json!({ "user": { "id": "usr_1", "name": "Ana Agent", "email": "ana@example.com" },
                    "tenant": { "name": "Acme" } })),
            ),
            get("/api/v1/conversations", &data(json!([first.clone()]))),
            get("/api/v1/conversations/conv_1", &data(first.clone())),
            get("/api/v1/conversations/conv_1/messages", &data(thread)),
            get("/api/v1/conversations/conv_2", &data(second.clone())),
            get("/api/v1/conversations/conv_2/messages", &data(news)),
            Mock::given(path_regex("^/api/v1/inbox/.*")).respond_with(refused),
            Mock::given(method("GET")).and(path("/api/v1/events/stream")).respond_with(ResponseTemplate::new(404)),
            post("/api/v1/conversations/conv_1/reply", ok(&data(sent))),
            post("/api/v1/conversations/conv_1/close", ok(&data(closed.clone()))),
        ],
    )
    .await;
    let account = format!(
        "name = \"orbit\"\nprovider = \"orbit\"\nurl = \"{}/api/v1\"\napi_key_env = \"FD_ORBIT\"\n",
        server.uri()
    );
    Walk {
        command: command(dir, &account, "FD_ORBIT=dv_test_sk_walk"),
        contact: "Jane Doe",
        thread_only: "I ordered a lamp last Tuesday",
        reply_path: "/api/v1/conversations/conv_1/reply".to_owned(),
        reply_field: "body",
        close: Close::Posts { path: "/api/v1/conversations/conv_1/close".to_owned(), body: json!({}) },
        live: vec![later(get("/api/v1/conversations", &data(json!([second, closed]))))],
        server,
    }
}

// ---------------------------------------------------------------------------------
// One walk per provider
// ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn chatwoot_walk() {
    let dir = tempfile::tempdir().expect("dir");
    walk(chatwoot(dir.path()).await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn helpdesk_walk() {
    let dir = tempfile::tempdir().expect("dir");
    walk(helpdesk(dir.path()).await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_walk() {
    let dir = tempfile::tempdir().expect("dir");
    walk(crm(dir.path()).await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn chatcaptain_walk() {
    let dir = tempfile::tempdir().expect("dir");
    walk(chatcaptain(dir.path()).await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn orbit_walk() {
    let dir = tempfile::tempdir().expect("dir");
    walk(orbit(dir.path()).await).await;
}
