use crate::tui::testing::{inbox, keys};

#[test]
fn space_marks_and_moves_down() {
    let mut s = inbox(100, 30);
    keys(&mut s, "<Space><Space>");
    assert_eq!(s.list.marked.len(), 2);
    assert_eq!(s.list.selected, 2);
}
