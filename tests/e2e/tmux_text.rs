//! Rows of Chinese, Japanese and Korean text in a real terminal (tmux): the client
//! writes its frames itself (`tui/src/wire.rs`), following the cursor across wide
//! characters and sending unchanged cells again across gaps. What tmux shows after
//! moves is what it shows after a full redraw (row for row, times aside), and every
//! row's columns line up.

use serde_json::json;
use unicode_width::UnicodeWidthStr as _;

use crate::support::TestServer;
use crate::tmux::{Tmux, client_command};

const NAMES: [&str; 6] = ["王小明", "Ana Ruiz", "佐藤花子", "Bo Chen", "김민준", "Émile Zola"];
const BODIES: [&str; 6] = [
    "我的订单还没有到，请帮我查一下物流。",
    "Where is my order? It was due Monday.",
    "注文した商品がまだ届きません。",
    "Refund please, I was charged twice",
    "환불 요청합니다. 주문번호를 확인해 주세요.",
    "Merci, tout est réglé !",
];

/// The list's rows: lines with a border on each side of the list pane.
fn rows(screen: &str) -> Vec<&str> {
    screen.lines().filter(|l| l.matches('│').count() >= 2 && NAMES.iter().any(|n| l.contains(n))).collect()
}

/// A row without its time ("now" turns "1m" by itself on a slow machine).
fn timeless(row: &str) -> String {
    let body = row[..row.rfind('│').unwrap_or(row.len())].trim_end();
    body.rsplit_once(' ').map_or(body, |(before, _)| before).to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_of_wide_characters_line_up_and_moves_leave_what_a_redraw_draws() {
    let s = TestServer::start().await;
    for (i, (name, body)) in NAMES.iter().zip(BODIES).enumerate() {
        let (status, v) = s
            .post(
                "/v1/inbound",
                json!({ "channel": "sms", "contact": { "handle": format!("+1555000{i:04}"), "name": name }, "body": body }),
            )
            .await;
        assert!(status.is_success(), "{v}");
    }
    let dir = tempfile::tempdir().expect("dir");
    let t = Tmux::start(100, 30, &client_command(&s, dir.path(), "sleep 30"));
    t.wait_for("王小明");
    t.wait_for("Émile Zola");
    // Connected: the status bar says so and will not change under the moves.
    t.wait_for("live");
    for _ in 0..4 {
        t.send(&["j"]);
    }
    t.send(&["k"]);
    // Let the moves land: the screen stops changing.
    let moved = t.wait_until("the moves landed", |screen| {
        std::thread::sleep(std::time::Duration::from_millis(300));
        screen == t.screen()
    });

    let listed = rows(&moved);
    assert_eq!(listed.len(), NAMES.len(), "one row a conversation:\n{moved}");
    let borders: Vec<usize> = listed.iter().map(|l| l[..l.rfind('│').expect("a border")].width()).collect();
    assert!(borders.windows(2).all(|w| w[0] == w[1]), "the right border in one column: {borders:?}\n{moved}");
    for name in NAMES {
        assert!(moved.contains(name), "{name} whole on screen:\n{moved}");
    }

    // A resize makes the client clear and draw everything: the same screen.
    let resize = |x: &str| {
        let status = t.command().args(["resize-window", "-t", &t.session, "-x", x]).status().expect("resize");
        assert!(status.success());
    };
    // The app's own frames, ending in its corner, not tmux's cut of the last one.
    let drawn_at = |s: &str, width: usize| s.lines().next().is_some_and(|l| l.width() == width && l.ends_with('┐'));
    resize("101");
    t.wait_until("the frame at 101", |s| drawn_at(s, 101));
    resize("100");
    let after_moves: Vec<String> = rows(&moved).into_iter().map(timeless).collect();
    t.wait_until("the frame at 100 again, as the moves left it", |s| {
        drawn_at(s, 100) && rows(s).into_iter().map(timeless).collect::<Vec<_>>() == after_moves
    });
    t.send(&["q"]);
}
