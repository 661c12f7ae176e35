//! The list at scale (issue 23): its id set stays its ids whatever is done to it
//! (appending a page checks it instead of collecting every id again), and a step
//! off its edge turns a page.

use proptest::prelude::*;

use crate::state::ConversationList;
use crate::testing::{keys, long_inbox};
use frontdesk_domain::{Conversation, ConversationId};

#[derive(Clone, Debug)]
enum Step {
    Set(Vec<u8>),
    Append(Vec<u8>),
    Insert(usize, u8),
    Remove(usize),
    Retain(u8),
    /// Around the methods, as tests and old code do.
    Assign(Vec<u8>),
}

fn conv(n: u8) -> Conversation {
    let mut c = crate::testing::conversations()[0].clone();
    c.id = ConversationId::from(format!("cnv_{n}").as_str());
    c
}

fn unique(ns: &[u8]) -> Vec<Conversation> {
    let mut seen = std::collections::HashSet::new();
    ns.iter().filter(|n| seen.insert(**n)).map(|n| conv(*n)).collect()
}

fn step() -> impl Strategy<Value = Step> {
    let ids = || proptest::collection::vec(0u8..40, 0..12);
    prop_oneof![
        ids().prop_map(Step::Set),
        ids().prop_map(Step::Append),
        (0usize..50, 0u8..40).prop_map(|(at, n)| Step::Insert(at, n)),
        (0usize..50).prop_map(Step::Remove),
        (0u8..40).prop_map(Step::Retain),
        ids().prop_map(Step::Assign),
    ]
}

proptest! {
    #[test]
    fn the_id_set_is_the_lists_ids(steps in proptest::collection::vec(step(), 1..30)) {
        let mut list = ConversationList::default();
        for s in steps {
            match s {
                Step::Set(ns) => list.set_items(ns.iter().map(|n| conv(*n)).collect()),
                Step::Append(ns) => list.append_new(ns.iter().map(|n| conv(*n)).collect()),
                Step::Insert(at, n) => list.insert_item(at, conv(n)),
                Step::Remove(pos) => { list.remove_item(pos); }
                Step::Retain(n) => list.retain_items(|c| c.id.as_str() != format!("cnv_{n}")),
                Step::Assign(ns) => list.items = unique(&ns),
            }
            let ids: Vec<&str> = list.items.iter().map(|c| c.id.as_str()).collect();
            let distinct: std::collections::HashSet<&str> = ids.iter().copied().collect();
            prop_assert_eq!(distinct.len(), ids.len(), "no row twice: {:?}", ids);
            for n in 0u8..40 {
                let id = ConversationId::from(format!("cnv_{n}").as_str());
                let listed = list.items.iter().any(|c| c.id == id);
                prop_assert_eq!(list.lists(&id), listed, "cnv_{}", n);
            }
        }
    }
}

/// Issue 23, thin links: stepping off the bottom turns a page (the lit row near
/// the top, two rows of context above) instead of scrolling every row by one; so the
/// rows drawn stay put for a page's worth of moves.
#[test]
fn stepping_off_the_edge_turns_a_page() {
    let mut s = long_inbox(100, 30, 200);
    let rows = crate::update::areas(&s).list_rows(&s);
    assert!(rows > 10, "{rows} rows");
    let mut offsets = std::collections::BTreeSet::new();
    for _ in 0..rows + 5 {
        keys(&mut s, "j");
        offsets.insert(s.list.offset);
        assert!(s.list.selected >= s.list.offset && s.list.selected < s.list.offset + rows);
    }
    // One page turn in rows + 5 moves, landing the lit row two below the top.
    assert_eq!(offsets.into_iter().collect::<Vec<_>>(), [0, rows - 2]);
    // And back up across the top of that page: a page up, the lit row two rows
    // above the bottom of the new page (here the list's first page).
    while s.list.selected >= s.list.offset {
        let was = s.list.offset;
        keys(&mut s, "k");
        if s.list.offset != was {
            break;
        }
    }
    assert_eq!(s.list.selected, rows - 3);
    assert_eq!(s.list.offset, 0);
    assert_eq!(s.list.offset + rows - 1 - s.list.selected, 2, "two rows below the lit one");
}

/// Rows assigned to one agent share that agent, however the rows arrived; a row
/// whose copy of the agent differs (a renamed colleague) keeps its own.
#[test]
fn rows_share_their_assignee() {
    let ana = frontdesk_domain::testing::agent("agt_ana", "Ana Lima");
    let assigned = |n: u8, a: &frontdesk_domain::Agent| {
        let mut c = conv(n);
        c.assignee = Some(std::sync::Arc::new(a.clone()));
        c
    };
    let mut list = ConversationList::default();
    list.set_items(vec![assigned(1, &ana), assigned(2, &ana)]);
    list.append_new(vec![assigned(3, &ana)]);
    list.insert_item(0, assigned(4, &ana));
    let held: Vec<_> = list.items.iter().filter_map(|c| c.assignee.clone()).collect();
    assert_eq!(held.len(), 4);
    assert!(held.windows(2).all(|w| std::sync::Arc::ptr_eq(&w[0], &w[1])), "one agent, shared");
    let renamed = frontdesk_domain::testing::agent("agt_ana", "Ana Lima-Souza");
    list.append_new(vec![assigned(5, &renamed)]);
    assert_eq!(list.items[4].assignee.as_ref().map(|a| a.name.as_str()), Some("Ana Lima-Souza"));
}
