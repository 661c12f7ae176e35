//! Every command through the keymap, asserting the effects and the state; failed
//! effects roll back.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use jiff::ToSpan as _;

use crate::state::{Focus, Going, Level, Overlay};
use crate::testing::{inbox, keys, now, state, with_thread};
use crate::update::update;
use crate::{Action, Effect, State};
use frontdesk_domain::{Change, ConversationId, Op, Status, ViewCount};
use frontdesk_provider::Applied;
use frontdesk_sync::{SyncCommand, SyncEvent};

use super::{answer, fail, flash, id, only_op, ops};

#[test]
fn space_marks_and_moves_down() {
    let mut s = inbox(100, 30);
    keys(&mut s, "<Space><Space>");
    assert_eq!(s.list.marked.len(), 2);
    assert_eq!(s.list.selected, 2);
    keys(&mut s, "<Esc>");
    assert!(s.list.marked.is_empty(), "Esc clears the marks");
}

#[test]
fn movement_keys() {
    let mut s = inbox(100, 30);
    keys(&mut s, "jjj");
    assert_eq!(s.list.selected, 3);
    keys(&mut s, "k");
    assert_eq!(s.list.selected, 2);
    keys(&mut s, "G");
    assert_eq!(s.list.selected, 6);
    keys(&mut s, "gg");
    assert_eq!(s.list.selected, 0);
    keys(&mut s, "J");
    assert_eq!(s.list.selected, 1, "next unread");
    keys(&mut s, "<Down><Down><Up>");
    assert_eq!(s.list.selected, 2);
}

#[test]
fn the_list_keeps_the_selection_on_screen_and_loads_more() {
    let mut s = crate::testing::long_inbox(100, 12, 200);
    s.caps.list_upward = false;
    s.list.next_cursor = Some("next".into());
    keys(&mut s, "<C-d><C-d><C-d>");
    let rows = crate::update::areas(&s).list_rows(&s);
    assert!(s.list.selected >= s.list.offset && s.list.selected < s.list.offset + rows);
    let effects = keys(&mut s, "G");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::List { at: frontdesk_sync::Place::Below, query, .. }) if query.cursor.as_deref() == Some("next"))),
        "{effects:?}"
    );
    assert!(s.list.loading);
}

#[test]
fn views_switch_by_number_chord_and_brackets() {
    let mut s = inbox(100, 30);
    let effects = keys(&mut s, "1");
    assert_eq!(s.view_id().as_str(), "unread");
    assert!(
        matches!(&effects[..], [Effect::Sync(SyncCommand::List { at: frontdesk_sync::Place::Replace, query, .. })] if query.view.as_ref().map(frontdesk_domain::ViewId::as_str) == Some("unread"))
    );
    assert!(s.list.items.is_empty() && s.list.loading, "the old view's rows go at once");
    keys(&mut s, "go");
    assert_eq!(s.view_id().as_str(), "overdue");
    keys(&mut s, "]");
    assert_eq!(s.view_id().as_str(), "viw_vip");
    keys(&mut s, "[[");
    assert_eq!(s.view_id().as_str(), "all");
    keys(&mut s, "9");
    assert!(flash(&s).0.contains("no view 9"));
}

#[test]
fn stale_pages_are_dropped() {
    let mut s = inbox(100, 30);
    keys(&mut s, "1");
    let old = s.list.generation;
    keys(&mut s, "2");
    let page = frontdesk_domain::Page { items: crate::testing::conversations(), next_cursor: None, prev_cursor: None };
    update(
        &mut s,
        Action::Sync(SyncEvent::List {
            generation: old,
            page: page.clone(),
            at: frontdesk_sync::Place::Replace,
            cached: false,
        }),
    );
    assert!(s.list.items.is_empty(), "a reply for the view left behind is ignored");
    let generation = s.list.generation;
    update(
        &mut s,
        Action::Sync(SyncEvent::List { generation, page, at: frontdesk_sync::Place::Replace, cached: false }),
    );
    assert_eq!(s.list.items.len(), 7);
}

#[test]
fn enter_opens_and_marks_read_esc_goes_back() {
    let mut s = inbox(80, 24);
    let first = id(&s, 0);
    let effects = keys(&mut s, "<Enter>");
    assert_eq!(s.focus, Focus::Thread);
    assert!(crate::ui::thread_is_page(&s), "at 80 columns the thread is a page");
    assert!(effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::Thread { id, .. }) if *id == first)));
    assert_eq!(only_op(&effects).1, Op::Change { conversation: first, change: Change::Read });
    assert!(!s.list.items[0].unread);
    keys(&mut s, "<Esc>");
    assert_eq!(s.focus, Focus::List);
}

#[test]
fn star_is_optimistic_and_rolls_back() {
    let mut s = inbox(100, 30);
    keys(&mut s, "j");
    assert!(!s.list.items[1].starred);
    let (ticket, op) = only_op(&keys(&mut s, "s"));
    assert_eq!(op, Op::Change { conversation: id(&s, 1), change: Change::Star });
    assert!(s.list.items[1].starred, "shown at once");
    fail(&mut s, ticket);
    assert!(!s.list.items[1].starred, "put back when the server refuses");
    let (text, level) = flash(&s);
    assert_eq!(level, Level::Error);
    assert!(text.contains("not starred") && text.contains("connection refused"), "{text}");
    keys(&mut s, "k");
    assert!(s.status.flash.is_none(), "an error stays until a key is pressed");
}

#[test]
fn toggle_read() {
    let mut s = inbox(100, 30);
    let (_, op) = only_op(&keys(&mut s, "U"));
    assert_eq!(op, Op::Change { conversation: id(&s, 0), change: Change::Read });
    let (_, op) = only_op(&keys(&mut s, "U"));
    assert_eq!(op, Op::Change { conversation: id(&s, 0), change: Change::Unread });
}

#[test]
fn archive_leaves_the_view_and_failure_puts_it_back_in_place() {
    let mut s = inbox(100, 30);
    keys(&mut s, "jj");
    let target = id(&s, 2);
    let (ticket, op) = only_op(&keys(&mut s, "X"));
    assert_eq!(op, Op::Change { conversation: target.clone(), change: Change::Archive });
    assert_eq!(s.list.len(), 6);
    assert_ne!(id(&s, 2), target, "the next conversation moved up under the cursor");
    assert!(s.status.undo.is_some(), "archive can be undone");
    fail(&mut s, ticket);
    assert_eq!(s.list.len(), 7);
    assert_eq!(id(&s, 2), target, "back at its old row");
    assert!(s.status.undo.is_none(), "nothing left to undo");
}

#[test]
fn close_and_advance_then_undo() {
    let mut s = with_thread(80, 24);
    let first = id(&s, 0);
    let second = id(&s, 1);
    let effects = keys(&mut s, "e");
    let all = ops(&effects);
    assert_eq!(all[0].1, Op::Change { conversation: first.clone(), change: Change::Close });
    assert_eq!(s.thread.as_ref().map(|t| t.id.clone()), Some(second.clone()), "the next conversation opens");
    assert_eq!(s.focus, Focus::Thread);
    let undo = keys(&mut s, "u");
    assert_eq!(ops(&undo)[0].1, Op::Change { conversation: first.clone(), change: Change::Reopen });
    assert_eq!(s.list.items.iter().find(|c| c.id == first).map(|c| c.status.clone()), Some(Status::Open));
    assert!(flash(&s).0.contains("undone"));
    keys(&mut s, "u");
    assert!(flash(&s).0.contains("nothing to undo"));
}

#[test]
fn undo_expires() {
    let mut s = inbox(100, 30);
    keys(&mut s, "E");
    assert!(s.status.undo.is_some());
    update(&mut s, Action::Clock(now() + 9.seconds()));
    assert!(s.status.undo.is_none());
}

#[test]
fn status_chord() {
    let mut s = inbox(100, 30);
    keys(&mut s, "S");
    assert_eq!(s.chord.len(), 1, "S waits for its second key");
    let (_, op) = only_op(&keys(&mut s, "p"));
    assert_eq!(op, Op::Change { conversation: id(&s, 0), change: Change::Pending });
    let (_, op) = only_op(&keys(&mut s, "So"));
    assert_eq!(op, Op::Change { conversation: id(&s, 0), change: Change::Reopen });
}

#[test]
fn snooze_presets_and_tomorrow() {
    let mut s = inbox(100, 30);
    let (_, op) = only_op(&keys(&mut s, "Z"));
    let tomorrow: jiff::Timestamp = "2026-11-26T09:00:00Z".parse().expect("ts");
    assert_eq!(op, Op::Change { conversation: id(&s, 0), change: Change::Snooze { until: tomorrow } });
    let mut s = inbox(100, 30);
    keys(&mut s, "z");
    assert!(matches!(s.overlay, Some(Overlay::Picker(_))));
    let (_, op) = only_op(&keys(&mut s, "<Enter>"));
    assert_eq!(op, Op::Change { conversation: id(&s, 0), change: Change::Snooze { until: now() + 1.hour() } });
    let mut s = inbox(100, 30);
    let (_, op) = only_op(&keys(&mut s, "z2026-12-01 08:15<Enter>"));
    let typed: jiff::Timestamp = "2026-12-01T08:15:00Z".parse().expect("ts");
    assert_eq!(op, Op::Change { conversation: id(&s, 0), change: Change::Snooze { until: typed } });
}

#[test]
fn assign_me_picker_and_unassign() {
    let mut s = inbox(100, 30);
    let (_, op) = only_op(&keys(&mut s, "m"));
    let me = Some(frontdesk_domain::AgentId::from("agt_dana"));
    assert_eq!(op, Op::Change { conversation: id(&s, 0), change: Change::Assign { agent_id: me.clone(), team: None } });
    assert_eq!(s.list.items[0].assignee.as_ref().map(|a| a.name.as_str()), Some("Dana Scully"));
    keys(&mut s, "a");
    let Some(Overlay::Picker(p)) = &s.overlay else { panic!("picker") };
    assert!(p.items[0].label.starts_with("me"), "me first");
    let (_, op) = only_op(&keys(&mut s, "sam<Enter>"));
    assert_eq!(
        op,
        Op::Change { conversation: id(&s, 0), change: Change::Assign { agent_id: Some("agt_sam".into()), team: None } }
    );
    let (_, op) = only_op(&keys(&mut s, "A"));
    assert_eq!(op, Op::Change { conversation: id(&s, 0), change: Change::Unassign });
}

#[test]
fn tags_toggle_and_create() {
    let mut s = inbox(100, 30);
    keys(&mut s, "jjjj"); // Lukas: billing, vip
    // What changed goes out, not the whole list: a backend that replaces the list
    // merges it with what it holds, so a colleague's new tag survives.
    let (_, op) = only_op(&keys(&mut s, "turgent<Enter>"));
    assert_eq!(op, Op::Change { conversation: id(&s, 4), change: Change::AddTags { tags: vec!["urgent".into()] } });
    assert_eq!(s.list.items[4].tags, ["billing", "vip", "urgent"].map(String::from), "shown at once");
    let (_, op) = only_op(&keys(&mut s, "tvip<Space><Enter>"));
    assert_eq!(op, Op::Change { conversation: id(&s, 4), change: Change::RemoveTags { tags: vec!["vip".into()] } });
    // Both at once: two changes.
    let effects = keys(&mut s, "tvip<Space>urgent<Space><Enter>");
    let changes: Vec<Change> = ops(&effects)
        .into_iter()
        .filter_map(|(_, op)| match op {
            Op::Change { change, .. } => Some(change),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [Change::AddTags { tags: vec!["vip".into()] }, Change::RemoveTags { tags: vec!["urgent".into()] }]
    );
    assert!(ops(&keys(&mut s, "t<Esc>")).is_empty(), "Esc changes nothing");
}

#[test]
fn bulk_changes_and_partial_failure() {
    let mut s = inbox(100, 30);
    keys(&mut s, "<Space><Space><Space>");
    let (ticket, op) = only_op(&keys(&mut s, "E"));
    let Op::Bulk { conversations, change } = op else { panic!("bulk") };
    assert_eq!((conversations.len(), change), (3, Change::Close));
    assert!(s.list.marked.is_empty());
    let closed = |s: &State, i: &ConversationId| s.list.items.iter().find(|c| &c.id == i).map(|c| c.status.clone());
    let results = vec![
        (
            conversations[0].clone(),
            Ok(Box::new(s.list.items.iter().find(|c| c.id == conversations[0]).cloned().expect("row"))),
        ),
        (conversations[1].clone(), Err("gone".to_owned())),
        (
            conversations[2].clone(),
            Ok(Box::new(s.list.items.iter().find(|c| c.id == conversations[2]).cloned().expect("row"))),
        ),
    ];
    answer(&mut s, ticket, Ok(Applied::Bulk(results)));
    assert_eq!(closed(&s, &conversations[0]), Some(Status::Closed));
    assert_eq!(closed(&s, &conversations[1]), Some(Status::Open), "the failed one is put back");
    assert!(flash(&s).0.contains("1 failed"));
    keys(&mut s, "*");
    assert_eq!(s.list.marked.len(), 7, "* marks the view");
    keys(&mut s, "*");
    assert!(s.list.marked.is_empty(), "again: none");
}

#[test]
fn search_filters_locally_or_asks_the_server() {
    let mut s = inbox(100, 30);
    keys(&mut s, "/refund");
    assert_eq!(s.list.len(), 1, "filters as you type");
    keys(&mut s, "<Enter>");
    assert_eq!(s.list.filter.as_deref(), Some("refund"));
    keys(&mut s, "<Esc>");
    assert_eq!(s.list.len(), 7);
    let effects = keys(&mut s, "/invoice<Tab><Enter>");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::List { query, .. }) if query.filter.q.as_deref() == Some("invoice"))),
        "{effects:?}"
    );
    assert_eq!(s.list.search.as_deref(), Some("invoice"));
}

#[test]
fn most_urgent_opens_what_the_server_ranks_first() {
    let mut s = inbox(100, 30);
    let effects = keys(&mut s, "!");
    assert_eq!(effects, vec![Effect::Sync(SyncCommand::Urgent)]);
    let urgent = s.list.items[3].clone();
    update(&mut s, Action::Sync(SyncEvent::Urgent(Some(Box::new(urgent.clone())))));
    assert_eq!(s.list.selected, 3);
    assert_eq!(s.thread.as_ref().map(|t| &t.id), Some(&urgent.id));
    assert_eq!(s.focus, Focus::Thread);
    update(&mut s, Action::Sync(SyncEvent::Urgent(None)));
    assert!(flash(&s).0.contains("nothing urgent"));
}

#[test]
fn copy_link_and_open_link() {
    let mut s = with_thread(160, 48);
    let effects = keys(&mut s, "Y");
    let link = format!("http://127.0.0.1:8600/c/{}", id(&s, 0));
    assert_eq!(effects, vec![Effect::Copy { what: format!("the link {link}"), text: link }]);
    // Nothing is claimed before the copy is made: the answer comes from doing it.
    assert!(s.status.flash.is_none(), "{:?}", s.status.flash);
    if let Some(t) = &mut s.thread {
        t.messages[0].body = "see https://example.test/track?id=1. thanks".into();
    }
    assert_eq!(keys(&mut s, "o"), vec![Effect::OpenUrl("https://example.test/track?id=1".into())]);
    assert_eq!(keys(&mut s, "C").len(), 1);
}

#[test]
fn an_unbound_key_says_so() {
    let mut s = inbox(100, 30);
    assert!(keys(&mut s, "w").is_empty());
    assert!(flash(&s).0.contains("w does nothing here"));
    keys(&mut s, "gz");
    assert!(flash(&s).0.contains("g z does nothing here"));
}

#[test]
fn quit_asks_only_while_something_is_being_sent() {
    let mut s = inbox(100, 30);
    assert_eq!(keys(&mut s, "q"), vec![Effect::Quit]);
    // A star (or a read mark) on its way is not a send: the outbox keeps it.
    let mut s = inbox(100, 30);
    keys(&mut s, "s");
    assert_eq!(s.pending_sends(), 0);
    assert_eq!(keys(&mut s, "q"), vec![Effect::Quit]);
    let mut s = inbox(100, 30);
    keys(&mut s, "rOn its way<C-s>y");
    assert_eq!(s.pending_sends(), 1, "the reply is in flight");
    assert!(keys(&mut s, "q").is_empty());
    assert!(matches!(s.overlay, Some(Overlay::ConfirmQuit)));
    keys(&mut s, "n");
    assert!(!s.quit);
    keys(&mut s, "<C-c>");
    assert_eq!(keys(&mut s, "y"), vec![Effect::Quit]);
}

#[test]
fn palette_and_help_come_from_the_keymap() {
    let mut s = inbox(100, 30);
    let (_, op) = only_op(&keys(&mut s, ":Star or unstar<Enter>"));
    assert_eq!(op, Op::Change { conversation: id(&s, 0), change: Change::Unstar });
    keys(&mut s, "?");
    assert!(matches!(s.overlay, Some(Overlay::Help { .. })));
    let help: Vec<String> = crate::ui::help_lines(&s, 200).iter().map(ToString::to_string).collect();
    for c in crate::command::Command::ALL {
        match c.view_number() {
            // Only the views there are, by name.
            Some(n) if n <= s.views.len() => {
                let want = format!("Go to view {n} ({})", s.views[n - 1].view.name);
                assert!(help.iter().any(|l| l.contains(&want)), "{want} is missing from help");
            }
            Some(n) => {
                let gone = format!("Go to view {n}");
                assert!(!help.iter().any(|l| l.contains(&gone)), "{gone} is in help, and there is no such view");
            }
            None => assert!(
                help.iter().any(|l| l.contains(c.doc().split(' ').next().unwrap_or_default())),
                "{} is missing from help",
                c.name()
            ),
        }
    }
    // Wrapped, not cut: every letter of a long description is there.
    let letters = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let urgent = letters(crate::command::Command::MostUrgent.doc());
    assert!(letters(&help.join("")).contains(&urgent), "{urgent} is cut");
    let narrow: Vec<String> = crate::ui::help_lines(&s, 60).iter().map(ToString::to_string).collect();
    assert!(narrow.iter().all(|l| unicode_width::UnicodeWidthStr::width(l.as_str()) <= 60), "{narrow:#?}");
    assert!(letters(&narrow.join("")).contains(&urgent), "at 60 columns too");
    assert!(help.iter().any(|l| l.contains("What the marks mean")), "a legend of the marks");
    keys(&mut s, "<Esc>");
    assert!(s.overlay.is_none());
}

#[test]
fn live_events_update_in_place() {
    let mut s = with_thread(160, 48);
    let mut m = s.thread.as_ref().map(|t| t.messages[0].clone()).expect("message");
    m.id = "msg_new".into();
    m.body = "Any news?".into();
    let event = |kind| {
        Action::Sync(SyncEvent::Live(frontdesk_provider::Update::Event(Box::new(frontdesk_domain::Event {
            id: Some(9),
            at: now(),
            kind,
        }))))
    };
    update(&mut s, event(frontdesk_domain::EventKind::MessageCreated(Box::new(m.clone()))));
    update(&mut s, event(frontdesk_domain::EventKind::MessageCreated(Box::new(m))));
    assert_eq!(s.thread.as_ref().map(|t| t.messages.len()), Some(6), "appended once");
    update(
        &mut s,
        event(frontdesk_domain::EventKind::ViewCountsChanged(vec![ViewCount { view_id: "unread".into(), count: 42 }])),
    );
    assert_eq!(s.views[0].count, Some(42));
    keys(&mut s, "<Esc>j");
    let selected = id(&s, 1);
    let mut fresh = s.list.items[0].clone();
    fresh.id = "cnv_fresh".into();
    update(&mut s, event(frontdesk_domain::EventKind::ConversationUpdated(Box::new(fresh))));
    assert_eq!(id(&s, 0).as_str(), "cnv_fresh", "new activity on top");
    assert_eq!(s.list.current().map(|c| c.id.clone()), Some(selected), "the selection stays on its conversation");
}

#[test]
fn the_clock_sleeps_when_nothing_moves() {
    let mut s = state(100, 30);
    s.status.last_sync = None;
    assert_eq!(crate::schedule::next_wake(&s), None, "an empty screen never wakes");
    let s = inbox(100, 30);
    assert_eq!(crate::schedule::next_wake(&s), Some(now() + 1.minute()), "relative times: on the minute");
    let mut s = inbox(100, 30);
    keys(&mut s, "X");
    assert_eq!(crate::schedule::next_wake(&s), Some(now() + 1.second()), "the undo offer counts down");
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    let mut s = inbox(100, 30);
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 40,
        row: 4,
        modifiers: crossterm::event::KeyModifiers::NONE,
    };
    update(&mut s, Action::Mouse(click));
    assert_eq!(s.list.selected, 3);
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: 40,
        row: 4,
        modifiers: crossterm::event::KeyModifiers::NONE,
    };
    update(&mut s, Action::Mouse(wheel));
    assert_eq!(s.list.selected, 0);
}

#[test]
fn resize_keeps_the_selection_visible() {
    let mut s = inbox(100, 30);
    keys(&mut s, "G");
    update(&mut s, Action::Resize(60, 8));
    let rows = crate::update::areas(&s).list_rows(&s);
    assert!(s.list.selected < s.list.offset + rows);
}

#[test]
fn a_server_that_was_away_at_start_is_loaded_when_it_comes() {
    let mut s = state(100, 30);
    s.me = None;
    s.list.loaded = false;
    s.connection = crate::state::Connection::Reconnecting { at: s.now, attempts: 5 };
    let effects = update(&mut s, Action::Sync(SyncEvent::Live(frontdesk_provider::Update::Connected)));
    assert!(effects.contains(&Effect::Sync(SyncCommand::Bootstrap)), "{effects:?}");
    assert!(effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::List { .. }))));
    assert_eq!(s.connection, crate::state::Connection::Live);
}

/// Issue 23: the stream connecting while the first screen's requests are on their
/// way asked for them again (a second list of 100 rows, written to the cache twice).
#[test]
fn connecting_while_the_first_screen_is_on_its_way_asks_nothing_twice() {
    let connected = || Action::Sync(SyncEvent::Live(frontdesk_provider::Update::Connected));
    let mut s = state(100, 30);
    s.me = None;
    s.list = crate::state::ConversationList::default();
    let first = crate::init(&mut s);
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(update(&mut s, connected()).is_empty(), "nothing asked twice");
    // Both failed (the server was away): asked again when it comes.
    let away = || frontdesk_provider::ProviderError::Network("connection refused".into());
    update(&mut s, Action::Sync(SyncEvent::Failed { what: "sign-in", error: away() }));
    update(&mut s, Action::Sync(SyncEvent::Failed { what: "conversations", error: away() }));
    s.connection = crate::state::Connection::Reconnecting { at: s.now, attempts: 2 };
    let effects = update(&mut s, connected());
    assert!(effects.contains(&Effect::Sync(SyncCommand::Bootstrap)), "{effects:?}");
    assert!(effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::List { .. }))), "{effects:?}");
    // Once answered, a later connection asks neither.
    let me = frontdesk_provider::Identity { agent: crate::testing::agent("agt_1", "Ada"), org_name: "Acme".into() };
    update(&mut s, Action::Sync(SyncEvent::Identity(me)));
    let generation = s.list.generation;
    let page = frontdesk_domain::Page { items: crate::testing::conversations(), next_cursor: None, prev_cursor: None };
    update(
        &mut s,
        Action::Sync(SyncEvent::List { generation, page, at: frontdesk_sync::Place::Replace, cached: false }),
    );
    let effects = update(&mut s, connected());
    assert!(!effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::Bootstrap | SyncCommand::List { .. }))));
}

#[test]
fn new_activity_resorts_without_moving_the_selection() {
    let mut s = inbox(100, 30);
    keys(&mut s, "jj");
    let selected = id(&s, 2);
    let mut busy = s.list.items[5].clone();
    if let Some(m) = &mut busy.last_message {
        m.at = now();
        m.preview = "new!".into();
    }
    let event = frontdesk_domain::Event {
        id: Some(3),
        at: now(),
        kind: frontdesk_domain::EventKind::ConversationUpdated(Box::new(busy.clone())),
    };
    update(&mut s, Action::Sync(SyncEvent::Live(frontdesk_provider::Update::Event(Box::new(event)))));
    assert_eq!(id(&s, 0), busy.id, "to the top");
    assert_eq!(s.list.current().map(|c| c.id.clone()), Some(selected), "the agent's row is still selected");
}

#[test]
fn a_prefix_lists_every_continuation_and_esc_cancels_it_quietly() {
    let mut s = inbox(120, 30);
    keys(&mut s, "g");
    let screen = crate::testing::render(&s);
    let follow = crate::ui::prefix_continuations(&s).expect("g is a prefix");
    assert!(follow.len() >= 6, "{follow:?}");
    for (key, doc) in &follow {
        assert!(
            screen.contains(&format!(" {key} ")) && screen.contains(doc.as_str()),
            "{key} {doc} not shown:\n{screen}"
        );
    }
    keys(&mut s, "<Esc>");
    assert!(s.chord.is_empty());
    assert!(s.status.flash.is_none(), "Esc after a prefix says nothing: {:?}", s.status.flash);
    assert!(!crate::testing::render(&s).contains("Esc cancels"));
}

#[test]
fn the_way_to_help_is_the_last_hint_to_go() {
    for width in [60, 80, 120] {
        let s = inbox(width, 24);
        let screen = crate::testing::render(&s);
        let bar = screen.lines().last().unwrap_or_default();
        assert!(bar.contains("? help"), "at {width} columns: {bar}");
    }
}

#[test]
fn acting_on_more_than_twenty_asks_first() {
    let mut s = inbox(160, 40);
    s.list.items =
        (1..=46).map(|n| crate::testing::conversation(n, "Many", frontdesk_domain::Channel::Email, "hi")).collect();
    s.list.visible = None;
    let effects = keys(&mut s, "*X");
    assert!(effects.is_empty(), "nothing sent before the answer: {effects:?}");
    assert!(crate::testing::render(&s).contains("Archive 46 conversations?"));
    keys(&mut s, "n");
    assert!(s.overlay.is_none());
    assert_eq!(s.list.marked.len(), 46, "still marked, nothing archived");
    let effects = keys(&mut s, "X");
    assert!(effects.is_empty());
    let (_, op) = only_op(&keys(&mut s, "y"));
    assert!(
        matches!(op, Op::Bulk { ref conversations, change: Change::Archive } if conversations.len() == 46),
        "{op:?}"
    );
    // Twenty or fewer go at once, as before.
    let mut s = inbox(160, 40);
    let (_, op) = only_op(&keys(&mut s, "*X"));
    assert!(matches!(op, Op::Bulk { .. }), "{op:?}");
}

#[test]
fn a_link_with_no_browser_is_shown_whole_and_y_copies_it() {
    let mut s = with_thread(160, 48);
    let url = "https://example.test/a/very/long/path?with=query&and=more#fragment".to_owned();
    update(&mut s, Action::ShowText { title: "No browser to open it (xdg-open: not found)".into(), text: url.clone() });
    let screen = crate::testing::render(&s);
    assert!(screen.contains(&url), "the whole link: {screen}");
    assert!(screen.contains("Y copies"));
    let effects = keys(&mut s, "Y");
    assert_eq!(effects, vec![Effect::Copy { text: url, what: "the text".into() }]);
    assert!(s.overlay.is_none());
}

#[test]
fn an_account_that_cannot_say_who_you_are_is_told_once_and_assign_to_me_says_why() {
    let mut s = inbox(120, 30);
    s.me = None;
    let failed = SyncEvent::Failed {
        what: "sign-in",
        error: frontdesk_provider::ProviderError::Unsupported("saying whose the key is (GET /me)"),
    };
    update(&mut s, Action::Sync(failed));
    let (text, level) = flash(&s);
    assert_eq!(level, Level::Info, "not an error: {text}");
    keys(&mut s, "m");
    assert!(flash(&s).0.contains("does not say whose the key is"), "{:?}", flash(&s));
}

#[test]
fn no_undo_is_offered_where_the_inverse_would_be_refused() {
    // Bancroft resolves but cannot reopen: an undo would leave the screen unlike
    // the server, so none is offered.
    let mut s = inbox(120, 30);
    s.caps.reopen = false;
    keys(&mut s, "E");
    assert!(s.status.undo.is_none(), "{:?}", s.status.undo.as_ref().map(|u| &u.label));
    let mut s = inbox(120, 30);
    keys(&mut s, "E");
    assert!(s.status.undo.is_some(), "where reopening works, closing can be undone");
}

#[test]
fn the_assign_picker_offers_the_teams_too() {
    let mut s = inbox(120, 30);
    update(&mut s, Action::Sync(SyncEvent::Teams(vec!["Billing".into(), "Escalations".into()])));
    keys(&mut s, "a");
    assert!(crate::testing::render(&s).contains("Team: Billing"));
    let (_, op) = only_op(&keys(&mut s, "Billing<Enter>"));
    assert_eq!(
        op,
        Op::Change { conversation: id(&s, 0), change: Change::Assign { agent_id: None, team: Some("Billing".into()) } }
    );
}

#[test]
fn esc_and_a_key_read_together_after_a_prefix_cancel_it_and_act() {
    let mut s = inbox(120, 30);
    let before = s.list.selected;
    keys(&mut s, "g");
    assert!(!s.chord.is_empty());
    // Esc then j in one read: the terminal hands over Alt-j.
    let alt_j =
        crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Char('j'), crossterm::event::KeyModifiers::ALT);
    update(&mut s, Action::Key(alt_j));
    assert!(s.chord.is_empty(), "the prefix is cancelled");
    assert_eq!(s.list.selected, before + 1, "and j moved");
    assert!(s.status.flash.is_none(), "quietly: {:?}", s.status.flash);
}

#[test]
fn g_end_goes_to_the_end_of_the_view_not_of_what_is_loaded() {
    // A backend that cannot give a view's last page (`list_end` has one that can).
    let mut s = inbox(100, 30);
    s.caps.list_upward = false;
    s.list.next_cursor = Some("page-2".into());
    let page = |n: usize, next: Option<&str>| frontdesk_domain::Page {
        items: (0..5)
            .map(|i| crate::testing::conversation(100 + n * 10 + i, "More", frontdesk_domain::Channel::Sms, "hi"))
            .collect(),
        next_cursor: next.map(str::to_owned),
        prev_cursor: None,
    };
    let wants = |effects: &[Effect], cursor: &str| {
        effects.iter().any(|e| {
            matches!(e, Effect::Sync(SyncCommand::List { at: frontdesk_sync::Place::Below, query, .. }) if query.cursor.as_deref() == Some(cursor))
        })
    };
    let effects = keys(&mut s, "G");
    assert!(s.list.going == Some(Going::Down) && wants(&effects, "page-2"), "{effects:?}");
    let generation = s.list.generation;
    let effects = update(
        &mut s,
        Action::Sync(SyncEvent::List {
            generation,
            page: page(1, Some("page-3")),
            at: frontdesk_sync::Place::Below,
            cached: false,
        }),
    );
    assert_eq!(s.list.selected, s.list.len() - 1, "the selection follows each page");
    assert!(wants(&effects, "page-3"), "and the next is asked: {effects:?}");
    update(
        &mut s,
        Action::Sync(SyncEvent::List {
            generation,
            page: page(2, None),
            at: frontdesk_sync::Place::Below,
            cached: false,
        }),
    );
    assert!(s.list.going.is_none(), "the end of the view");
    assert_eq!(s.list.selected, s.list.len() - 1);
    // Any other move stops the walk.
    let mut s = inbox(100, 30);
    s.caps.list_upward = false;
    s.list.next_cursor = Some("page-2".into());
    keys(&mut s, "Gk");
    assert!(s.list.going.is_none());
}
