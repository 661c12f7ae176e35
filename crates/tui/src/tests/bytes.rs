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

/// The bytes each of `presses` sends, after a first frame.
fn bytes_per_press(state: &mut crate::State, presses: &[&str]) -> Vec<usize> {
    let tap = Tap::default();
    let viewport = ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, state.width, state.height));
    let mut term = Terminal::with_options(crate::wire::Wire::new(tap.clone()), ratatui::TerminalOptions { viewport })
        .expect("terminal");
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
