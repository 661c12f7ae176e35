//! The client's engine against the real server, without a terminal: keys go through
//! the real keymap and `update()`, effects go to the real sync engine, its answers
//! come back as actions, until everything has settled.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use frontdesk_provider_native::NativeProvider;
use frontdesk_sync::{self as sync, SyncEvent, SyncHandle};
use frontdesk_tui::testing::{parse_keys, settings};
use frontdesk_tui::ui::theme::{Glyphs, Palette};
use frontdesk_tui::{Action, Effect, State, init, update::update};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::support::TestServer;

struct Client {
    state: State,
    sync: SyncHandle,
    events: UnboundedReceiver<SyncEvent>,
}

impl Client {
    async fn start(s: &TestServer, width: u16) -> Self {
        Self::start_on(&s.url, &s.key, width, frontdesk_sync::cache::Cache::memory().await.expect("cache")).await
    }

    async fn start_on(url: &str, key: &str, width: u16, cache: frontdesk_sync::cache::Cache) -> Self {
        let provider = NativeProvider::new("test", url, SecretString::from(key.to_owned())).expect("provider");
        let store = frontdesk_sync::store::Store::memory().await.expect("store");
        let (sync, events) = sync::spawn(sync::Account::new(Arc::new(provider), store, cache));
        let mut state = State::new(
            settings(Palette::Default, Glyphs::UNICODE),
            sync.capabilities().clone(),
            jiff::Timestamp::now(),
            width,
            40,
        );
        let effects = init(&mut state);
        let mut c = Self { state, sync, events };
        c.run(effects).await;
        c
    }

    /// Runs effects and feeds the engine's answers back until nothing more comes.
    async fn run(&mut self, mut effects: Vec<Effect>) {
        loop {
            for e in effects.drain(..) {
                if let Effect::Sync(cmd) = e {
                    assert!(self.sync.send(cmd));
                }
            }
            match tokio::time::timeout(Duration::from_millis(400), self.events.recv()).await {
                Ok(Some(ev)) => {
                    self.state.now = jiff::Timestamp::now();
                    effects = update(&mut self.state, Action::Sync(ev));
                }
                _ => return,
            }
        }
    }

    async fn keys(&mut self, keys: &str) {
        for k in parse_keys(keys) {
            let effects = update(&mut self.state, Action::Key(k.to_event()));
            self.run(effects).await;
        }
    }
}

async fn conversation(s: &TestServer, id: &str) -> Value {
    s.get(&format!("/v1/conversations/{id}")).await.1
}

#[tokio::test]
async fn the_first_screen_loads_views_list_and_thread() {
    let s = TestServer::start().await;
    let id = s.conversation("+15551001").await;
    let mut c = Client::start(&s, 160).await;
    assert_eq!(c.state.me.as_ref().map(|a| a.name.as_str()), Some("Ada Admin"));
    assert!(c.state.views.iter().any(|v| v.view.id.as_str() == "unread" && v.count == Some(1)));
    assert_eq!(c.state.list.items.len(), 1);
    // Wide: the thread pane follows the selection without marking it read.
    let thread = c.state.thread.as_ref().expect("thread pane");
    assert_eq!(thread.id.as_str(), id);
    assert_eq!(thread.messages.len(), 1);
    assert_eq!(conversation(&s, &id).await["unread"], true);
    c.keys("<Enter>").await;
    assert_eq!(conversation(&s, &id).await["unread"], false, "opening marks read");
}

#[tokio::test]
async fn a_pending_suggestion_shows_and_sends_with_y() {
    let s = TestServer::start().await;
    let id = s.question("+15551002").await;
    let (_, sug) = s.post(&format!("/v1/conversations/{id}/copilot/suggest"), serde_json::json!({})).await;
    let mut c = Client::start(&s, 160).await;
    c.keys("<Enter>").await;
    let shown = c.state.thread.as_ref().and_then(|t| t.suggestion.as_ref()).map(|s| s.id.to_string());
    assert_eq!(shown.as_deref(), sug["id"].as_str());
    c.keys("y").await;
    let (_, thread) = s.get(&format!("/v1/conversations/{id}/messages")).await;
    let bodies: Vec<&str> =
        thread["items"].as_array().expect("items").iter().filter_map(|m| m["body"].as_str()).collect();
    assert!(bodies.contains(&sug["body"].as_str().expect("body")), "{bodies:?}");
    assert!(c.state.thread.as_ref().is_some_and(|t| t.suggestion.is_none()) && c.state.unsent.is_empty());
}

#[tokio::test]
async fn triage_keys_change_the_server() {
    let s = TestServer::start().await;
    let a = s.conversation("+15551003").await;
    let b = s.conversation("+15551004").await;
    let mut c = Client::start(&s, 100).await;
    // Newest first: b, then a.
    assert_eq!(c.state.list.current().map(|x| x.id.to_string()), Some(b.clone()));
    c.keys("s").await;
    assert_eq!(conversation(&s, &b).await["starred"], true);
    c.keys("m").await;
    assert_eq!(conversation(&s, &b).await["assignee"]["name"], "Ada Admin");
    c.keys("Z").await;
    assert_eq!(conversation(&s, &b).await["status"], "snoozed");
    c.keys("u").await;
    assert_eq!(conversation(&s, &b).await["status"], "open", "undo puts it back");
    c.keys("<Space>").await;
    c.keys("<Space>").await;
    assert_eq!(c.state.list.marked.len(), 2, "{:?}", c.state.status.flash);
    c.keys("e").await;
    assert!(c.state.status.flash.is_none(), "{:?}", c.state.status.flash);
    for id in [&a, &b] {
        assert_eq!(conversation(&s, id).await["status"], "closed", "bulk close from marks");
    }
}

#[tokio::test]
async fn a_reply_goes_through_the_review_line() {
    let s = TestServer::start().await;
    let id = s.conversation("+15551005").await;
    let mut c = Client::start(&s, 100).await;
    c.keys("<Enter>rOn its way").await;
    c.keys("<C-s>").await;
    assert!(c.state.composer.as_ref().is_some_and(|x| x.reviewing));
    c.keys("c").await;
    let (_, thread) = s.get(&format!("/v1/conversations/{id}/messages")).await;
    let replies: Vec<&Value> = thread["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|m| m["kind"] == "reply" && m["direction"] == "outbound")
        .collect();
    assert_eq!(replies.len(), 1, "{thread}");
    assert_eq!(replies[0]["body"], "On its way");
    assert_eq!(conversation(&s, &id).await["status"], "closed", "c sends and closes");
}

#[tokio::test]
async fn with_a_cache_the_inbox_is_browsable_while_the_server_is_away() {
    use frontdesk_sync::cache::Cache;
    let s = TestServer::start().await;
    s.conversation("+15551006").await;
    let id = s.conversation("+15551007").await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.db");
    {
        let mut c = Client::start_on(&s.url, &s.key, 100, Cache::open(&path).await.expect("cache")).await;
        c.keys("<Enter>").await;
        assert_eq!(c.state.thread.as_ref().map(|t| t.messages.len()), Some(1));
    }
    let down = s.stop().await;
    let mut c = Client::start_on(&down.url, &down.key, 100, Cache::open(&path).await.expect("cache")).await;
    assert_eq!(c.state.list.items.len(), 2, "the list from the cache");
    assert!(c.state.views.iter().any(|v| v.count == Some(2)), "and the views with their counts");
    c.keys("<Enter>").await;
    let thread = c.state.thread.as_ref().expect("thread");
    assert_eq!((thread.id.as_str(), thread.messages.len()), (id.as_str(), 1), "the thread from the cache");
    assert!(
        c.state.status.flash.as_ref().is_some_and(|f| f.text.contains("could not load")),
        "and the agent is told the server is away"
    );
}

/// At the end the cache is closed while the engine still runs: its journal is
/// folded in and removed, not left for the next start to read through (a process
/// ending with its connections open leaves it, as a hangup could).
#[tokio::test]
async fn finishing_closes_the_cache_and_leaves_no_journal() {
    use frontdesk_sync::cache::Cache;
    let s = TestServer::start().await;
    s.conversation("+15551009").await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.db");
    let wal = dir.path().join("cache.db-wal");
    let mut c = Client::start_on(&s.url, &s.key, 100, Cache::open(&path).await.expect("cache")).await;
    c.keys("<Enter>").await;
    assert!(std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0), "the run wrote to the journal");
    c.sync.flush().await;
    assert!(wal.exists(), "written, and still open");
    c.sync.finish().await;
    assert!(!wal.exists(), "closed: folded in and removed");
    drop(c);
    let again = Client::start_on(&s.url, &s.key, 100, Cache::open(&path).await.expect("cache")).await;
    assert_eq!(again.state.list.items.len(), 1);
}

#[tokio::test]
async fn a_corrupt_cache_is_discarded_and_the_sync_starts_fresh() {
    use frontdesk_sync::cache::Cache;
    let s = TestServer::start().await;
    s.conversation("+15551008").await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.db");
    std::fs::write(&path, b"SQLite format 3\0 but not really").expect("write");
    let c = Client::start_on(&s.url, &s.key, 100, Cache::open(&path).await.expect("a fresh cache")).await;
    assert_eq!(c.state.list.items.len(), 1);
    assert!(dir.path().join("cache.db.broken").exists());
}

#[tokio::test]
async fn g_end_reads_the_views_last_page_and_climbs_from_it() {
    let s = TestServer::start().await;
    for i in 0..230 {
        s.conversation(&format!("+1555800{i:04}")).await;
    }
    let mut c = Client::start(&s, 140).await;
    let view = c.state.view_id();
    let mut all: Vec<String> = Vec::new();
    let mut cursor = String::new();
    loop {
        let (_, page) = s.get(&format!("/v1/conversations?view={view}&limit=100{cursor}")).await;
        all.extend(crate::api::ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(all.len(), 230, "view {view}");
    assert_eq!(c.state.list.items.len(), 100, "the first page");

    c.keys("G").await;
    let rows = &c.state.list;
    let lit = rows.current().map(|x| x.id.to_string());
    assert_eq!(lit.as_deref(), all.last().map(String::as_str), "the view's true end is lit");
    assert_eq!(rows.items.len(), 100, "its last page alone: the 30 between were never read");
    let shown: Vec<String> = rows.items.iter().map(|x| x.id.to_string()).collect();
    assert!(shown == all[130..], "in the view's order");
    assert_eq!(c.state.thread.as_ref().map(|t| t.id.to_string()), lit, "the thread is the lit row's");

    // Up to the rows above: they are read and put above, the lit row kept.
    let position = |c: &Client| {
        let id = c.state.list.current().map(|x| x.id.to_string());
        all.iter().position(|x| Some(x) == id.as_ref())
    };
    // Half a screen at a time: the first step says how far one goes.
    let mut half = None;
    let mut ups = 0;
    while c.state.list.prev_cursor.is_some() && ups < 30 {
        let (before, row, len) = (position(&c), c.state.list.selected, c.state.list.items.len());
        c.keys("<C-u>").await;
        ups += 1;
        let came = c.state.list.items.len() - len;
        let step = *half.get_or_insert_with(|| row - c.state.list.selected);
        assert_eq!(position(&c), before.map(|p| p - step), "the row half a screen up in the view is lit");
        assert_eq!(c.state.list.selected + step, row + came, "the rows that came went above it");
    }
    assert!(c.state.list.prev_cursor.is_none(), "never climbed to the top");
    let shown: Vec<String> = c.state.list.items.iter().map(|x| x.id.to_string()).collect();
    assert!(shown == all, "climbed to the top: {} rows of {}", shown.len(), all.len());
    c.keys("ggG").await;
    c.keys("gg").await;
    assert_eq!(c.state.list.current().map(|x| x.id.to_string()).as_deref(), all.first().map(String::as_str));
}
