#![allow(clippy::doc_markdown, reason = "ChatCaptain is a name, not code")]

//! A ChatCaptain account through the real binary in tmux, against a wiremock
//! ChatCaptain: a bot builder hands the conversation's bot a message from the
//! palette and sees its answer in the thread; what the account cannot do (close)
//! is said at the key.

use std::path::Path;

use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::tmux::Tmux;

const BOT: &str = "bot_tmux";

fn ok(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn command(uri: &str, dir: &Path) -> String {
    let config = dir.join("client.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"captain\"\nprovider = \"chatcaptain\"\nurl = \"{uri}\"\nchatbot_id = \"{BOT}\"\n\
             api_key_env = \"FD_CAPTAIN\"\n"
        ),
    )
    .expect("config");
    format!(
        "env FD_CAPTAIN=cc_tmux_key XDG_STATE_HOME={d} XDG_CACHE_HOME={d} LANG=C.UTF-8 TERM=xterm-256color {} \
         --config {}; sleep 30",
        env!("CARGO_BIN_EXE_frontdesk"),
        config.display(),
        d = dir.display(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bot_builder_hands_the_bot_a_message_and_sees_its_answer() {
    let captain = MockServer::start().await;
    let convs = format!("/v1/chatbots/{BOT}/conversations");
    let conv = json!({ "id": "conv_1", "contactId": "ct_1", "channelId": "ch_wa", "channelName": "WhatsApp Business",
        "providerId": "4915112345", "name": "Jonas Weber", "archived": false, "updatedAt": "2026-11-25T09:00:00Z" });
    let first = json!({ "id": "m1", "sender": "contact", "text": "Hallo, where is my order?",
        "createdAt": "2026-11-25T09:00:00Z" });
    let answer = json!({ "id": "b1", "sender": "bot", "text": "Your order ships tomorrow, Jonas.",
        "createdAt": "2026-11-25T09:01:00Z" });
    for (verb, p, body) in [
        ("GET", convs.clone(), json!({ "conversations": [conv.clone()] })),
        ("GET", format!("{convs}/conv_1"), conv.clone()),
        ("GET", format!("{convs}/conv_1/messages"), json!({ "messages": [first] })),
        ("GET", format!("/v1/inbox/{BOT}/views"), json!({ "views": [] })),
        ("GET", format!("/v1/inbox/{BOT}/agents/online"), json!({ "agents": [] })),
    ] {
        Mock::given(method(verb)).and(path(p)).respond_with(ok(&body)).mount(&captain).await;
    }
    Mock::given(method("POST"))
        .and(path(format!("{convs}/handle")))
        .and(body_partial_json(json!({ "chatbotId": BOT, "channelId": "ch_wa", "providerId": "4915112345",
            "text": "Track order 4411" })))
        .respond_with(ok(&json!({ "messages": [answer] })))
        .expect(1)
        .mount(&captain)
        .await;

    let dir = tempfile::tempdir().expect("dir");
    let t = Tmux::start(140, 40, &command(&captain.uri(), dir.path()));
    // The first view is Unread (kept on this machine here): the conversation is in All.
    t.wait_for("3 All");
    t.send(&["g", "a"]);
    // All's title beside the row: the first view may list it too, and the next key
    // must land on All's rows, not on its list still loading.
    t.wait_until("All listing Jonas Weber", |s| s.contains("┌ All ") && s.contains("Jonas Weber"));
    t.send(&["Enter"]);
    t.wait_for("where is my order?");
    // Closing is not something ChatCaptain has: said at the key, nothing sent.
    t.send(&["e"]);
    t.wait_for("cannot close conversations");
    t.type_text(":bot-message");
    t.send(&["Enter"]);
    t.wait_for("as from the customer");
    t.type_text("Track order 4411");
    t.wait_for("Send as the customer: Track order 4411");
    t.send(&["Enter"]);
    // The answer and the notice that says so, on one screen (the notice lasts 4 s).
    // The prompt closed, and the message handed over shows in the thread.
    t.wait_until("the bot's answer and its notice, the prompt closed, the message in the thread", |s| {
        s.contains("Your order ships tomorrow, Jonas.")
            && s.contains("the bot answered")
            && !s.contains("Send as the customer")
            && s.contains("Track order 4411")
    });
    let posts: Vec<_> = captain
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method == wiremock::http::Method::POST || r.method == wiremock::http::Method::PATCH)
        .collect();
    assert_eq!(posts.len(), 1, "only the handled message was written: {posts:?}");
    t.send(&["q"]);
}
