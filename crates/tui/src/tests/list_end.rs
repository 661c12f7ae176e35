//! `G` where the backend gives a view's last page: asked for at once, the rows above
//! it read as the selection climbs, `g` back to the first page, and live updates
//! that belong above the rows read from the end kept out of them.

use jiff::ToSpan as _;

use super::id;
use crate::state::Going;
use crate::testing::{conversation, inbox, keys, now, render};
use crate::update::update;
use crate::{Action, Effect, State};
use frontdesk_domain::{Channel, Conversation, ConversationId, Event, EventKind, Page};
use frontdesk_provider::{Towards, Update};
use frontdesk_sync::{Place, SyncCommand, SyncEvent};

/// Conversations `from..to`, older as `n` grows (the view's end is the oldest).
fn rows(from: usize, to: usize) -> Vec<Conversation> {
    (from..to).map(|n| conversation(n, "Old Customer", Channel::Email, "from long ago")).collect()
}

/// The list asks it wants: where the page goes, which way, from which cursor.
fn asked(effects: &[Effect]) -> Vec<(Place, Towards, Option<String>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Sync(SyncCommand::List { at, query, .. }) => Some((*at, query.towards, query.cursor.clone())),
            _ => None,
        })
        .collect()
}

fn page(s: &mut State, at: Place, items: Vec<Conversation>, prev: Option<&str>, next: Option<&str>) -> Vec<Effect> {
    let generation = s.list.generation;
    let page = Page { items, next_cursor: next.map(str::to_owned), prev_cursor: prev.map(str::to_owned) };
    update(s, Action::Sync(SyncEvent::List { generation, page, at, cached: false }))
}

fn opened(effects: &[Effect]) -> Vec<ConversationId> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Sync(SyncCommand::Thread { id, .. }) => Some(id.clone()),
            _ => None,
        })
        .collect()
}

/// A wide inbox with more pages below, `G` pressed and the view's last page here.
fn at_the_end() -> State {
    let mut s = inbox(140, 30);
    s.list.next_cursor = Some("page-2".into());
    keys(&mut s, "G");
    page(&mut s, Place::Replace, rows(1000, 1100), Some("above-1"), None);
    s
}

#[test]
fn g_end_asks_for_the_last_page_at_once_and_lights_its_last_row() {
    let mut s = inbox(140, 30);
    s.list.next_cursor = Some("page-2".into());
    keys(&mut s, "j");
    let lit = s.list.current().map(|c| c.id.clone());
    let effects = keys(&mut s, "G");
    assert_eq!(asked(&effects), [(Place::Replace, Towards::Up, None)], "the view's last page, not page 2");
    assert!(s.list.going == Some(Going::End) && s.list.loading);
    assert_eq!(s.list.current().map(|c| c.id.clone()), lit, "meanwhile the lit row stays");
    assert!(opened(&effects).is_empty(), "and nothing between is opened: {effects:?}");

    let effects = page(&mut s, Place::Replace, rows(1000, 1100), Some("above-1"), None);
    assert_eq!(s.list.items.len(), 100, "the pages between are never read");
    assert_eq!(s.list.current().map(|c| c.id.clone()), Some(ConversationId::from("cnv_1099")));
    assert_eq!(opened(&effects), [ConversationId::from("cnv_1099")], "the thread goes with the lit row");
    assert!(asked(&effects).is_empty(), "far from the top, nothing more: {effects:?}");
    assert!(s.list.going.is_none() && !s.list.loading);
    assert_eq!(s.list.prev_cursor.as_deref(), Some("above-1"));
    assert!(s.list.next_cursor.is_none());
}

#[test]
fn climbing_reads_the_page_above_and_the_lit_row_stays_put() {
    let mut s = at_the_end();
    let effects = keys(&mut s, "gg");
    // `g` over rows read from the end is the view's top, asked for anew.
    assert_eq!(asked(&effects), [(Place::Replace, Towards::Down, None)]);
    let mut s = at_the_end();
    let mut effects = Vec::new();
    for _ in 0..90 {
        effects.extend(keys(&mut s, "k"));
    }
    assert_eq!(asked(&effects), [(Place::Above, Towards::Up, Some("above-1".to_owned()))], "asked once");
    assert!(s.list.selected < 30, "near the top");
    let lit = s.list.current().map(|c| c.id.clone());
    let offset = s.list.offset;
    let selected = s.list.selected;
    page(&mut s, Place::Above, rows(990, 1000), Some("above-2"), Some("ignored"));
    assert_eq!(s.list.items.len(), 110);
    assert_eq!(s.list.current().map(|c| c.id.clone()), lit, "the same conversation is lit");
    assert_eq!(s.list.selected, selected + 10, "ten rows came above it");
    assert_eq!(s.list.offset, offset + 10, "and the screen shows what it showed");
    assert_eq!(s.list.prev_cursor.as_deref(), Some("above-2"));
    assert!(s.list.next_cursor.is_none(), "nothing below the end, whatever the page above says");
    assert_eq!(id(&s, 0), ConversationId::from("cnv_0990"));
}

#[test]
fn the_page_above_keeps_a_filtered_lit_row() {
    let mut s = at_the_end();
    keys(&mut s, "/Old<Enter>");
    keys(&mut s, "k");
    let lit = s.list.current().map(|c| c.id.clone());
    page(&mut s, Place::Above, rows(990, 1000), None, None);
    assert_eq!(s.list.current().map(|c| c.id.clone()), lit);
    assert_eq!(s.list.len(), 110, "the filter holds the rows above too");
}

#[test]
fn g_top_from_the_end_lights_the_first_row_of_the_first_page() {
    let mut s = at_the_end();
    keys(&mut s, "gg");
    assert_eq!(s.list.going, Some(Going::Top));
    assert_eq!(s.list.selected, 99, "the lit row stays until the first page is here");
    let effects = page(&mut s, Place::Replace, rows(0, 10), None, Some("page-2"));
    assert_eq!(s.list.selected, 0);
    assert_eq!(id(&s, 0), ConversationId::from("cnv_0000"), "not the old lit row kept on top");
    assert_eq!(opened(&effects), [ConversationId::from("cnv_0000")]);
    assert!(s.list.prev_cursor.is_none() && s.list.going.is_none());
}

#[test]
fn a_backend_without_the_end_walks_every_page() {
    let mut s = inbox(140, 30);
    s.caps.list_upward = false;
    s.list.next_cursor = Some("page-2".into());
    let effects = keys(&mut s, "G");
    assert_eq!(asked(&effects), [(Place::Below, Towards::Down, Some("page-2".to_owned()))]);
}

#[test]
fn the_end_page_failing_says_so_and_leaves_the_rows() {
    let mut s = inbox(140, 30);
    s.list.next_cursor = Some("page-2".into());
    let before = s.list.items.len();
    keys(&mut s, "G");
    let error = frontdesk_provider::ProviderError::Network("connection refused".into());
    update(&mut s, Action::Sync(SyncEvent::Failed { what: "conversations", error }));
    assert!(s.list.going.is_none() && !s.list.loading);
    assert_eq!(s.list.items.len(), before, "what was shown stays");
    assert!(render(&s).contains("connection refused"), "{}", render(&s));
}

fn live(s: &mut State, c: Conversation) {
    let e = Event { id: None, at: now(), kind: EventKind::ConversationUpdated(Box::new(c)) };
    update(s, Action::Sync(SyncEvent::Live(Update::Event(Box::new(e)))));
}

#[test]
fn news_above_the_rows_read_from_the_end_stays_out_of_them() {
    let mut s = at_the_end();
    let lit = s.list.current().map(|c| c.id.clone());
    // A new conversation: its place is the top of the view, far above.
    let mut fresh = conversation(1, "New Person", Channel::Sms, "hello");
    fresh.id = ConversationId::from("cnv_new");
    live(&mut s, fresh);
    assert!(!s.list.lists(&ConversationId::from("cnv_new")), "not put on top of the end");
    // A row of the end with new activity goes above too, unless it is lit.
    let mut moved = rows(1003, 1004).remove(0);
    if let Some(m) = &mut moved.last_message {
        m.at = now() - 1.minutes();
    }
    live(&mut s, moved);
    assert!(!s.list.lists(&ConversationId::from("cnv_1003")), "gone up to where its page will show it");
    let mut lit_moved = rows(1099, 1100).remove(0);
    if let Some(m) = &mut lit_moved.last_message {
        m.at = now() - 1.minutes();
    }
    live(&mut s, lit_moved);
    assert_eq!(s.list.current().map(|c| c.id.clone()), lit, "the conversation being read stays put");
    assert_eq!(s.list.items.len(), 99);
}

#[test]
fn a_search_read_from_the_end_says_how_many_of_the_last_are_here() {
    let mut s = inbox(140, 30);
    s.list.search = Some("order".into());
    s.list.next_cursor = Some("page-2".into());
    keys(&mut s, "G");
    page(&mut s, Place::Replace, rows(1000, 1100), Some("above-1"), None);
    let screen = render(&s);
    assert!(screen.contains("Search: order last 100"), "{screen}");
    assert!(!screen.contains("Search: order 100"), "not a total it does not know");
}

#[test]
fn k_on_the_thread_at_the_top_of_rows_read_from_the_end_reads_above_instead_of_saying_first() {
    let mut s = at_the_end();
    // The top of the rows read from the end, the thread open on it.
    s.list.selected = 0;
    s.list.offset = 0;
    s.list.loading = true;
    keys(&mut s, "<Enter>");
    s.list.loading = false;
    let effects = keys(&mut s, "K");
    let said = s.status.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert_eq!(said, "the conversations above are loading", "not 'the first conversation of the view'");
    assert_eq!(asked(&effects), [(Place::Above, Towards::Up, Some("above-1".to_owned()))]);
    // Where the view truly begins, it is said.
    s.list.prev_cursor = None;
    s.list.loading = false;
    keys(&mut s, "K");
    let said = s.status.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(said.contains("the first conversation of the view"), "{said}");
}

#[test]
fn g_top_waits_for_the_servers_first_page_not_the_caches() {
    let mut s = at_the_end();
    keys(&mut s, "gg");
    let lit = s.list.current().map(|c| c.id.clone());
    let generation = s.list.generation;
    let cached = Page { items: rows(0, 10), next_cursor: None, prev_cursor: None };
    update(&mut s, Action::Sync(SyncEvent::List { generation, page: cached, at: Place::Replace, cached: true }));
    assert_eq!(s.list.items.len(), 100, "the rows shown stay until the server answers");
    assert_eq!(s.list.current().map(|c| c.id.clone()), lit);
    page(&mut s, Place::Replace, rows(0, 12), None, Some("page-2"));
    assert_eq!((s.list.selected, s.list.going, s.list.items.len()), (0, None, 12));
}

#[test]
fn a_move_while_the_end_is_on_its_way_calls_it_off() {
    let mut s = inbox(140, 30);
    s.list.next_cursor = Some("page-2".into());
    keys(&mut s, "G");
    let asked_for = s.list.generation;
    let effects = keys(&mut s, "j");
    assert_eq!(s.list.going, None);
    assert_eq!(asked(&effects), [(Place::Below, Towards::Down, Some("page-2".to_owned()))], "the rows shown go on");
    let lit = s.list.current().map(|c| c.id.clone());
    let page = Page { items: rows(1000, 1100), next_cursor: None, prev_cursor: Some("above-1".into()) };
    update(&mut s, Action::Sync(SyncEvent::List { generation: asked_for, page, at: Place::Replace, cached: false }));
    assert_eq!(s.list.current().map(|c| c.id.clone()), lit, "the late page does not take the rows from under the move");
    assert!(s.list.prev_cursor.is_none());
}

/// A server from before `from=end` ignores it and answers with its first page: that
/// page is not called the end; the end is walked to instead.
#[test]
fn a_server_that_ignores_from_end_is_walked_to_its_end() {
    let mut s = inbox(140, 30);
    s.list.next_cursor = Some("page-2".into());
    keys(&mut s, "G");
    let effects = page(&mut s, Place::Replace, rows(0, 100), None, Some("page-2"));
    assert_eq!(s.list.going, Some(Going::Down), "still going");
    assert_eq!(asked(&effects), [(Place::Below, Towards::Down, Some("page-2".to_owned()))]);
    page(&mut s, Place::Below, rows(100, 150), None, None);
    assert_eq!(s.list.going, None);
    assert_eq!(s.list.current().map(|c| c.id.clone()), Some(ConversationId::from("cnv_0149")), "the true end");
}

/// An empty page with more beyond it (the Unread view kept here passes over pages
/// with nothing unread, a few at a time) is not "all caught up".
#[test]
fn an_empty_page_with_more_beyond_it_is_not_all_caught_up() {
    for (prev, next) in [(Some("above-1"), None), (None, Some("page-2"))] {
        let mut s = inbox(140, 30);
        s.list.next_cursor = Some("page-2".into());
        keys(&mut s, "G");
        let effects = page(&mut s, Place::Replace, Vec::new(), prev, next);
        let screen = render(&s);
        assert!(!screen.contains("All caught up") && screen.contains("Loading"), "{screen}");
        assert_eq!(asked(&effects).len(), 1, "and the next is asked for: {effects:?}");
    }
}
