//! Snapshots of every screen state that matters, at 80x24 and 160x48, plus the
//! colour-critical ones as `Buffer` debug output (which keeps styles).

use crate::command::Command;
use crate::state::Focus;
use crate::testing::{
    buffer, conversation, inbox, keys, message, now, render, state, styled, thread_messages, with_thread,
};
use crate::ui::theme::{Glyphs, Palette};
use crate::update::command;
use frontdesk_domain::{AuthorKind, Channel, Direction, Event, EventKind, MessageKind, ReplyKind};
use frontdesk_provider::Update;
use frontdesk_sync::{SyncCommand, SyncEvent};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(name: &str, make: impl Fn(u16, u16) -> crate::State) {
    for (w, h) in SIZES {
        let s = make(w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(&s));
    }
}

#[test]
fn empty_inbox() {
    snap("empty_inbox", state);
}

#[test]
fn loading() {
    snap("loading", |w, h| {
        let mut s = state(w, h);
        s.list.loaded = false;
        s.list.loading = true;
        s.connection = crate::state::Connection::Connecting;
        s.status.last_sync = None;
        s
    });
}

#[test]
fn list_with_badges() {
    snap("list_with_badges", inbox);
}

/// Values a vendor has and we have no name for (an RCS thread, an "escalated" state,
/// Chatwoot's "medium" priority, a sender of its own kind) are shown as they came.
#[test]
fn a_vendors_own_values_are_shown_as_they_came() {
    snap("vendor_values", |w, h| {
        let mut s = with_thread(w, h);
        let first = &mut s.list.items[0];
        first.channel = Channel::Other("rcs".into());
        first.status = frontdesk_domain::Status::Other("escalated".into());
        first.priority = frontdesk_domain::Priority::Other("medium".into());
        let shown = first.clone();
        if let Some(t) = &mut s.thread {
            t.suggestion = None;
            t.conversation = Some(shown);
            if let Some(m) = t.messages.first_mut() {
                m.author.kind = AuthorKind::Other("workflow".into());
            }
        }
        s
    });
}

#[test]
fn thread_with_notes_calls_and_events() {
    snap("thread", |w, h| {
        let mut s = with_thread(w, h);
        if let Some(t) = &mut s.thread {
            t.suggestion = None;
        }
        s
    });
}

#[test]
fn copilot_panel() {
    snap("copilot", with_thread);
    snap("copilot_withheld", |w, h| {
        let mut s = with_thread(w, h);
        if let Some(sug) = s.thread.as_mut().and_then(|t| t.suggestion.as_mut()) {
            sug.body = String::new();
            sug.withheld = Some("no article in Japanese".into());
            sug.lang = Some("ja".into());
            sug.sources.clear();
            sug.actions.clear();
            sug.before_sending = None;
        }
        s
    });
}

#[test]
fn review_of_an_edited_draft() {
    snap("review_edited_draft", |w, h| {
        let mut s = with_thread(w, h);
        keys(&mut s, "<Enter><C-Home>Hello Maria!<Enter><C-End> Thanks for your patience.<C-s>");
        s
    });
}

#[test]
fn composer_reply_and_note() {
    snap("composer_reply", |w, h| {
        let mut s = with_thread(w, h);
        keys(&mut s, "rHi Maria, checking now.");
        s
    });
    snap("composer_note", |w, h| {
        let mut s = with_thread(w, h);
        keys(&mut s, "nCourier says a neighbour signed.");
        s
    });
}

#[test]
fn review_line_warns_of_new_messages() {
    snap("review", |w, h| {
        let mut s = with_thread(w, h);
        keys(&mut s, "rOn its way!");
        // The customer writes again while the agent types.
        let id = s.thread.as_ref().map(|t| t.id.clone()).expect("a thread");
        let contact = ("Maria González", AuthorKind::Contact);
        let mut m = message(6, &id, MessageKind::Reply, Direction::Inbound, contact, "Any news?");
        m.created_at = now();
        let e = Event { id: None, at: now(), kind: EventKind::MessageCreated(Box::new(m)) };
        crate::update::update(&mut s, crate::Action::Sync(SyncEvent::Live(Update::Event(Box::new(e)))));
        keys(&mut s, "<C-s>");
        s
    });
}

#[test]
fn pickers() {
    snap("picker_assign", |w, h| {
        let mut s = inbox(w, h);
        keys(&mut s, "a");
        s
    });
    snap("picker_snooze_typed", |w, h| {
        let mut s = inbox(w, h);
        keys(&mut s, "zfri 14:00");
        s
    });
    snap("picker_tags", |w, h| {
        let mut s = inbox(w, h);
        keys(&mut s, "jjjjtnew-tag");
        s
    });
    snap("palette", |w, h| {
        let mut s = inbox(w, h);
        keys(&mut s, ":snooze");
        s
    });
}

#[test]
fn help_overlay() {
    snap("help", |w, h| {
        let mut s = inbox(w, h);
        command(&mut s, Command::Help);
        s
    });
}

#[test]
fn error_in_status_bar() {
    snap("error", |w, h| {
        let mut s = inbox(w, h);
        crate::update::error(&mut s, "not closed: network: connection refused");
        s
    });
}

#[test]
fn undo_offer() {
    snap("undo", |w, h| {
        let mut s = inbox(w, h);
        keys(&mut s, "X");
        s
    });
}

#[test]
fn search_prompt() {
    snap("search", |w, h| {
        let mut s = inbox(w, h);
        keys(&mut s, "/refund");
        s
    });
}

#[test]
fn thread_page_at_80_columns() {
    let mut s = inbox(80, 24);
    let effects = keys(&mut s, "<Enter>");
    assert_eq!(s.focus, Focus::Thread);
    // The page as the agent reads it: the engine's answer to the request Enter made.
    let asked = effects.iter().find_map(|e| match e {
        crate::Effect::Sync(SyncCommand::Thread { generation, id }) => Some((*generation, id.clone())),
        _ => None,
    });
    let Some((generation, id)) = asked else { panic!("Enter asked for no thread: {effects:?}") };
    let messages = thread_messages(&id);
    crate::update::update(
        &mut s,
        crate::Action::Sync(SyncEvent::Thread { generation, id, messages, suggestion: None, older: None }),
    );
    let screen = render(&s);
    assert!(!screen.contains("Loading the thread"), "{screen}");
    insta::assert_snapshot!("thread_page_80x24", screen);
    keys(&mut s, "<Esc>");
    assert_eq!(s.focus, Focus::List);
}

#[test]
fn narrow_60x20_loses_nothing_mid_character() {
    let mut s = inbox(60, 20);
    s.list.items.push(conversation(
        9,
        "山田太郎さんの長い名前",
        Channel::Email,
        "日本語の件名がとても長い場合の表示テスト",
    ));
    insta::assert_snapshot!("narrow_60x20", render(&s));
    // Every wide character is whole: none starts in the last column of the screen,
    // and the cell after it is the blank ratatui keeps for its second half.
    let b = buffer(&s);
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            let w = unicode_width::UnicodeWidthStr::width(b[(x, y)].symbol());
            if w == 2 {
                assert!(x + 1 < b.area.width, "a wide character cut at ({x},{y})");
                assert_eq!(b[(x + 1, y)].symbol(), " ", "the cell after a wide character at ({x},{y})");
            }
        }
    }
}

#[test]
fn styles_selection_unread_and_palettes() {
    // Colour-critical: the Buffer's debug output keeps styles.
    for (name, palette, glyphs) in [
        ("style_default", Palette::Default, Glyphs::UNICODE),
        ("style_16", Palette::Ansi16, Glyphs::UNICODE),
        ("style_mono_ascii", Palette::Mono, Glyphs::ASCII),
    ] {
        let mut s = styled(80, 12, palette, glyphs);
        s.list.items = crate::testing::conversations();
        insta::assert_debug_snapshot!(name, buffer(&s));
    }
}

#[test]
fn composer_kinds_are_told_apart() {
    let mut s = with_thread(160, 48);
    keys(&mut s, "n");
    assert_eq!(s.composer.as_ref().map(|c| c.kind), Some(ReplyKind::Note));
    assert!(render(&s).contains("Internal note"));
    keys(&mut s, "<C-t>");
    assert_eq!(s.composer.as_ref().map(|c| c.kind), Some(ReplyKind::Reply));
    assert!(render(&s).contains("Reply to the customer"));
}

#[test]
fn every_size_down_to_60x20_draws_whole_characters() {
    let states: [fn(u16, u16) -> crate::State; 4] = [
        inbox,
        with_thread,
        |w, h| {
            let mut s = with_thread(w, h);
            keys(&mut s, "r日本語の返信 with emoji 👩‍👩‍👧");
            s
        },
        |w, h| {
            let mut s = inbox(w, h);
            keys(&mut s, "a");
            s
        },
    ];
    for make in states {
        for w in (60..=200).step_by(7) {
            for h in (20..=60).step_by(8) {
                let b = buffer(&make(w, h));
                for y in 0..h {
                    for x in 0..w {
                        if unicode_width::UnicodeWidthStr::width(b[(x, y)].symbol()) == 2 {
                            assert!(x + 1 < w, "cut at ({x},{y}) in {w}x{h}");
                        }
                    }
                }
            }
        }
    }
}

/// Issue 19, case 6: an unreachable server or a refused key is said in the list, in
/// full, never as an empty inbox that is "all caught up".
#[test]
fn failures_are_said_in_the_list_not_shown_as_an_empty_inbox() {
    use frontdesk_provider::ProviderError;
    let failed = |error: ProviderError| {
        move |w, h| {
            let mut s = state(w, h);
            s.list.loaded = false;
            s.list.loading = true;
            let why = "error sending request for url (http://127.0.0.1:9/v1/views): connection refused".to_owned();
            crate::update::update(
                &mut s,
                crate::Action::Sync(SyncEvent::Live(Update::Reconnecting {
                    after: std::time::Duration::from_secs(8),
                    reason: why,
                })),
            );
            crate::update::update(
                &mut s,
                crate::Action::Sync(SyncEvent::Failed { what: "conversations", error: error.clone() }),
            );
            let screen = render(&s);
            assert!(!screen.contains("caught up"), "{screen}");
            s
        }
    };
    snap("failed_unreachable", failed(ProviderError::Network("connection refused (http://127.0.0.1:9)".into())));
    snap("failed_key_refused", failed(ProviderError::Auth("invalid API key".into())));
    snap("cannot_reach", |w, h| {
        let mut s = state(w, h);
        s.list.loaded = false;
        s.list.loading = true;
        let reason = "network: connection refused (http://127.0.0.1:9)".to_owned();
        crate::update::update(
            &mut s,
            crate::Action::Sync(SyncEvent::Live(Update::Reconnecting {
                after: std::time::Duration::from_secs(8),
                reason,
            })),
        );
        s
    });
}

/// `--ascii` (and a locale without UTF-8) draws every line of the frame in ASCII:
/// borders, rules, cursors and marks; only what people wrote keeps its letters.
#[test]
fn ascii_draws_no_box_drawing_anywhere() {
    let box_drawing = |c: char| ('\u{2500}'..='\u{259F}').contains(&c) || "▏↓●★✦◷‼⇄◀▶✉✆◉◍☎⚙✎…—·".contains(c);
    for keys_pressed in ["", "<Enter>", "<Enter>r", "?", "z", ":"] {
        let mut s = crate::testing::styled(160, 40, Palette::Mono, Glyphs::ASCII);
        s.list.items = crate::testing::conversations();
        s.list.loaded = true;
        keys(&mut s, keys_pressed);
        let screen = render(&s);
        let found: String = screen.chars().filter(|c| box_drawing(*c)).take(10).collect();
        assert!(found.is_empty(), "after {keys_pressed:?}: {found:?} in\n{screen}");
    }
}

/// A wide character just left of an overlay would push the overlay's left border
/// aside on a real terminal: it is blanked when the overlay is drawn.
#[test]
fn an_overlay_keeps_its_border_over_wide_characters() {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(20, 3)).expect("terminal");
    terminal
        .draw(|frame| {
            frame.render_widget(ratatui::widgets::Paragraph::new("abc日本語def"), frame.area());
            crate::ui::clear_for_overlay(frame, ratatui::layout::Rect { x: 4, y: 0, width: 10, height: 3 });
        })
        .expect("drawn");
    let buf = terminal.backend().buffer();
    // "日" started at column 3 and reached into column 4, the overlay's first.
    assert_eq!(buf[(3, 0)].symbol(), " ");
    assert_eq!(buf[(2, 0)].symbol(), "c", "what does not reach in is left alone");
}

/// A folded long message says how much is hidden, all of it: a 10,000-character
/// body showing twelve lines hides over 9 KB, not the 2 KB past the wrap limit.
#[test]
fn a_folded_message_says_all_it_hides() {
    let mut s = with_thread(120, 40);
    let t = s.thread.as_mut().expect("thread");
    let body = "lorem ipsum dolor sit amet ".repeat(371);
    assert!(body.len() >= 10_000);
    t.messages.truncate(1);
    t.messages[0].body = body;
    t.unfolded = false;
    let screen = render(&s);
    let said = screen.lines().find(|l| l.contains("more (")).expect("a fold line");
    // Twelve narrow lines shown of ~10 KB: 9.x KB hidden, said rounded up.
    assert!(said.contains("10 KB more"), "{said}");
}
