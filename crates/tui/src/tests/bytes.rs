//! What a move sends to the terminal, counted through the backend the app draws with:
//! over a thin link every byte is paid for. Counts, not times: the same on any
//! machine.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use ratatui::Terminal;

use crate::testing::{inbox, keys};

/// What the terminal would receive, kept where the test can read it.
#[derive(Clone, Default)]
struct Tap(Rc<RefCell<Vec<u8>>>);

impl Write for Tap {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes each of `presses` sends, after a first frame, through the backend the
/// app draws with.
fn bytes_per_press(state: &mut crate::State, presses: &[&str]) -> Vec<usize> {
    bytes_through(crate::wire::Wire::new, state, presses)
}

/// The same through any backend (ratatui's own, to compare).
fn bytes_through<B: ratatui::backend::Backend>(
    make: impl FnOnce(Tap) -> B,
    state: &mut crate::State,
    presses: &[&str],
) -> Vec<usize>
where
    B::Error: std::fmt::Debug,
{
    let tap = Tap::default();
    let viewport = ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, state.width, state.height));
    let mut term = Terminal::with_options(make(tap.clone()), ratatui::TerminalOptions { viewport }).expect("terminal");
    term.draw(|f| crate::ui::render(state, f)).expect("first frame");
    presses
        .iter()
        .map(|press| {
            tap.0.borrow_mut().clear();
            keys(state, press);
            term.draw(|f| crate::ui::render(state, f)).expect("frame");
            tap.0.borrow().len()
        })
        .collect()
}

#[test]
fn a_move_in_the_list_sends_the_two_rows_that_changed_in_under_400_bytes() {
    // List only (under the side-by-side width), rows with badges: unread, overdue,
    // priorities, a suggestion, snoozed, closed.
    let mut s = inbox(100, 40);
    let n = s.list.items.len();
    let sent = bytes_per_press(&mut s, &vec!["j"; n - 1]);
    assert_eq!(s.list.selected, n - 1, "every move landed");
    for (i, bytes) in sent.iter().enumerate() {
        assert!(*bytes < 400, "move {} sent {bytes} bytes: {sent:?}", i + 1);
    }
}

#[test]
fn a_move_over_rows_of_chinese_and_japanese_sends_no_more_than_over_latin_ones() {
    const NAMES: [&str; 4] = ["王小明", "佐藤花子", "김민준", "李娜"];
    const PREVIEWS: [&str; 4] = [
        "我的订单还没有到，请帮我查一下物流。",
        "注文した商品がまだ届きません。確認をお願いします。",
        "환불 요청합니다. 주문번호를 확인해 주세요.",
        "发票抬头写错了，可以重新开吗？",
    ];
    let mut s = inbox(100, 40);
    let mut items = s.list.items.clone();
    for (i, c) in items.iter_mut().enumerate() {
        c.contact.name = NAMES[i % NAMES.len()].to_owned();
        if let Some(m) = &mut c.last_message {
            m.preview = PREVIEWS[i % PREVIEWS.len()].to_owned();
        }
        c.subject = None;
    }
    s.list.set_items(items);
    let n = s.list.items.len();
    let sent = bytes_per_press(&mut s, &vec!["j"; n - 1]);
    assert_eq!(s.list.selected, n - 1, "every move landed");
    for (i, bytes) in sent.iter().enumerate() {
        assert!(*bytes < 400, "move {} sent {bytes} bytes: {sent:?}", i + 1);
    }
}

const NAMES: [&str; 11] = [
    "Ana Ruiz",
    "Bo Chen",
    "Carla Diaz",
    "Dmitri Ivanov",
    "Emily Chen",
    "Farid Haddad",
    "Grace Ho",
    "Hugo Martin",
    "Ines Costa",
    "Jonas Weber",
    "Keiko Whitaker",
];
const PREVIEWS: [&str; 13] = [
    "Where is my order?",
    "Refund please, charged twice",
    "Thanks, all sorted!",
    "Can I change the address?",
    "The app crashes on login",
    "Invoice for March?",
    "Cancel my subscription",
    "Is this in stock?",
    "Found it in spam, all done.",
    "Need help with setup",
    "Wrong size delivered",
    "When do you open?",
    "Password reset link expired",
];

#[test]
fn a_page_turn_sends_the_cells_it_passes_over_rather_than_a_move_for_each() {
    // A long list of varied rows: the fixture's conversations over and over.
    let varied = |s: &mut crate::State| {
        let base = s.list.items.clone();
        let items = (0..120)
            .map(|i| {
                let mut c = base[i % base.len()].clone();
                c.id = frontdesk_domain::ConversationId::from(format!("cnv_{i}").as_str());
                // Names and previews with other periods: a page down holds other rows.
                c.contact.name = NAMES[i % NAMES.len()].to_owned();
                if let Some(m) = &mut c.last_message {
                    m.preview = PREVIEWS[i % PREVIEWS.len()].to_owned();
                }
                c
            })
            .collect();
        s.list.set_items(items);
    };
    let presses = vec!["j"; 80];
    let mut s = inbox(100, 40);
    varied(&mut s);
    let wire = bytes_through(crate::wire::Wire::new, &mut s, &presses);
    let mut s = inbox(100, 40);
    varied(&mut s);
    let ratatui = bytes_through(ratatui::backend::CrosstermBackend::new, &mut s, &presses);
    let turns = |sent: &[usize]| sent.iter().copied().filter(|&b| b > 1_000).collect::<Vec<_>>();
    let (ours, theirs) = (turns(&wire), turns(&ratatui));
    assert!(!theirs.is_empty(), "80 moves turn a page at 100x40: {ratatui:?}");
    assert_eq!(ours.len(), theirs.len(), "the same page turns: {wire:?}");
    for (o, t) in ours.iter().zip(&theirs) {
        assert!(o * 10 < t * 9, "a page turn sent {o} bytes against ratatui's own {t}");
    }
}
