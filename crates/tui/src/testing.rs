//! A harness for testing the client without a terminal: fixture states with a
//! fixed clock, key strings typed through the real keymap (`keys(&mut s, "jj<C-r>")`),
//! and rendering into ratatui's `TestBackend`. Used by unit tests, the snapshot
//! tests and the benchmarks.

use std::sync::Arc;

use jiff::ToSpan as _;
use jiff::tz::TimeZone;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::keymap::{Key, Keymap, Overrides};
use super::state::{Canned, Focus, Settings, State, Thread, ViewEntry};
use super::ui::theme::{Glyphs, Palette, Theme};
use super::{Action, Effect, update};
use frontdesk_domain::{View, ViewFilter, ViewId, ViewKind};
use frontdesk_provider::Capabilities;

pub use frontdesk_domain::testing::*;

pub fn settings(palette: Palette, glyphs: Glyphs) -> Settings {
    Settings {
        account: "support".into(),
        accounts: Vec::new(),
        link_template: "http://127.0.0.1:8600/c/{id}".into(),
        account_links: Vec::new(),
        theme: Theme::new(palette),
        glyphs,
        tz: TimeZone::UTC,
        canned: vec![
            Canned { name: "Thanks".into(), body: "Thanks for reaching out! I'm looking into it now.".into() },
            Canned { name: "Refund issued".into(), body: "Your refund is on its way: 3–5 business days.".into() },
        ],
        keymap: Arc::new(Keymap::new(&Overrides::new()).unwrap_or_default()),
        mouse: true,
        notify: true,
        notify_method: super::notifier::Method::Off,
        notify_views: vec![ViewId::from("unread")],
    }
}

/// An empty client, signed in, before anything is loaded.
pub fn state(width: u16, height: u16) -> State {
    styled(width, height, Palette::Default, Glyphs::UNICODE)
}

pub fn styled(width: u16, height: u16, palette: Palette, glyphs: Glyphs) -> State {
    let mut s = State::new(settings(palette, glyphs), Capabilities::ALL, now(), width, height);
    let dana = agent("agt_dana", "Dana Scully");
    s.me = Some(dana.clone());
    s.agents = vec![dana, agent("agt_sam", "Sam Carter"), agent("agt_priya", "Priya Patel")];
    for (v, n) in s.views.iter_mut().zip([3u64, 1, 2, 7, 1]) {
        v.count = Some(n);
    }
    s.views.push(ViewEntry {
        view: View {
            id: ViewId::from("viw_vip"),
            name: "VIP customers".into(),
            kind: ViewKind::Saved,
            filter: ViewFilter { tags: vec!["vip".into()], ..ViewFilter::default() },
        },
        count: Some(1),
    });
    s.connection = super::state::Connection::Live;
    s.status.last_sync = Some(now() - 1.minutes());
    s.active_view = 3; // All
    s.sidebar_cursor = 3;
    s.list.loading = false;
    s.list.loaded = true;
    s
}

/// The All view with the fixture conversations.
pub fn inbox(width: u16, height: u16) -> State {
    let mut s = state(width, height);
    s.list.items = conversations();
    s
}

/// The All view with `n` rows, copies of the first fixture under ids `cnv_0`….
pub fn long_inbox(width: u16, height: u16, n: usize) -> State {
    let mut s = inbox(width, height);
    let base = s.list.items[0].clone();
    s.list.items = (0..n)
        .map(|i| {
            let mut c = base.clone();
            c.id = frontdesk_domain::ConversationId::from(format!("cnv_{i}").as_str());
            c
        })
        .collect();
    s
}

/// The inbox with the first conversation's thread open (and its suggestion).
pub fn with_thread(width: u16, height: u16) -> State {
    let mut s = inbox(width, height);
    let c = s.list.items[0].clone();
    s.thread = Some(Thread {
        id: c.id.clone(),
        conversation: Some(c.clone()),
        messages: thread_messages(&c.id),
        loading: false,
        failed: None,
        generation: 1,
        scroll: 0,
        unfolded: false,
        suggestion: Some(suggestion(&c.id)),
        suggesting: false,
        older: None,
        loading_older: false,
    });
    s.focus = Focus::Thread;
    s
}

/// Splits "jj<C-r>g u" into keys: `<…>` is one key, spaces separate nothing.
pub fn parse_keys(s: &str) -> Vec<Key> {
    let mut keys = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && let Ok(k) = Key::parse(&rest[..=end])
        {
            keys.push(k);
            rest = &rest[end + 1..];
            continue;
        }
        if let Ok(k) = Key::parse(&c.to_string()) {
            keys.push(k);
        }
        rest = &rest[c.len_utf8()..];
    }
    keys
}

/// Types `s` and returns every effect it produced.
pub fn keys(state: &mut State, s: &str) -> Vec<Effect> {
    parse_keys(s).into_iter().flat_map(|k| update::update(state, Action::Key(k.to_event()))).collect()
}

pub fn buffer(state: &State) -> Buffer {
    let backend = TestBackend::new(state.width, state.height);
    let Ok(mut term) = Terminal::new(backend);
    let _ = term.draw(|f| super::ui::render(state, f));
    term.backend().buffer().clone()
}

/// The screen as text, one line per row.
pub fn render(state: &State) -> String {
    let b = buffer(state);
    let mut out = String::new();
    for y in 0..b.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..b.area.width {
            // The cell after a wide character holds its second half: not a space.
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = b[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
