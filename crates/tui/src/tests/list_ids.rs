//! The list's id set stays the list's ids whatever is done to it (issue 23: appending
//! a page checks it instead of collecting every id again).

use proptest::prelude::*;

use crate::state::ConversationList;
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
