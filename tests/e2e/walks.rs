//! Walking a vendor's list to its end, either way, while the list changes between
//! reads: the harness the paging tests of Chatwoot and Bancroft share. A mock
//! vendor's list is a column of numbers, newest first; the originals are `1..=len`,
//! and the walk reads them by the adapter's cursors.

use std::collections::HashSet;
use std::future::Future;
use std::ops::Range;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use frontdesk_domain::{Conversation, Page};
use frontdesk_provider::Towards;

/// A mock vendor's list that the walk changes between reads.
pub(crate) trait Changing {
    /// The list now, newest first.
    fn rows(&self) -> Vec<u64>;
    /// New conversations at the top, as new activity puts them.
    fn arrive(&self, ids: Range<u64>);
    /// Conversations resolved: gone from the list.
    fn resolve(&self, ids: &[u64]);
    /// Conversations updated: to the top, the count as it was.
    fn bump(&self, ids: &[u64]);
}

/// Between two reads, the list changes one way. Rows picked are never the one the
/// walk stands beside: a cursor holds on to that one.
#[derive(Clone, Debug)]
pub(crate) enum Change {
    None,
    Arrive(u64),
    Resolve(Vec<prop::sample::Index>),
    /// Up to 8 rows updated.
    Bump(Vec<prop::sample::Index>),
}

/// A walk's changes; with `bumps`, updates that leave the count as it was too.
pub(crate) fn changes(bumps: bool) -> impl Strategy<Value = Vec<Change>> {
    let mut kinds: Vec<BoxedStrategy<Change>> = vec![
        Just(Change::None).boxed(),
        (1..40_u64).prop_map(Change::Arrive).boxed(),
        prop::collection::vec(any::<prop::sample::Index>(), 1..30).prop_map(Change::Resolve).boxed(),
    ];
    if bumps {
        kinds.push(prop::collection::vec(any::<prop::sample::Index>(), 1..=8).prop_map(Change::Bump).boxed());
    }
    prop::collection::vec(prop::strategy::Union::new(kinds), 0..8)
}

/// Walks the whole list one way from its start (`Down`) or its end (`Up`), with
/// `read` giving the page at a cursor as numbers, changing `list` between reads.
/// Returns the rows handed out in the list's order and every row a change picked.
pub(crate) async fn walk<R, F>(
    towards: Towards,
    list: &impl Changing,
    changes: &[Change],
    read: R,
) -> (Vec<u64>, HashSet<u64>)
where
    R: Fn(Option<String>) -> F,
    F: Future<Output = (Vec<u64>, Page<Conversation>)>,
{
    let mut seen: Vec<u64> = Vec::new();
    let mut moved = HashSet::new();
    let mut cursor = None;
    let mut fresh = 10_000;
    for step in 0.. {
        let (got, page) = read(cursor.clone()).await;
        let on = match towards {
            Towards::Down => {
                seen.extend(got);
                page.next_cursor
            }
            Towards::Up => {
                seen.splice(0..0, got);
                page.prev_cursor
            }
        };
        let Some(on) = on else { break };
        assert!(step < 200, "the walk does not end");
        cursor = Some(on);
        let edge = match towards {
            Towards::Down => seen.last(),
            Towards::Up => seen.first(),
        }
        .copied();
        let change = changes.get(step).cloned().unwrap_or(Change::None);
        let picked = |at: &[prop::sample::Index]| {
            let rows = list.rows();
            let mut picked: Vec<u64> = at
                .iter()
                .filter(|_| !rows.is_empty())
                .map(|i| rows[i.index(rows.len())])
                .filter(|&id| Some(id) != edge)
                .collect();
            picked.dedup();
            picked
        };
        match change {
            Change::None => {}
            Change::Arrive(n) => {
                list.arrive(fresh..fresh + n);
                fresh += 1_000;
            }
            Change::Resolve(at) => {
                let gone = picked(&at);
                list.resolve(&gone);
                moved.extend(gone);
            }
            Change::Bump(at) => {
                let up = picked(&at);
                list.bump(&up);
                moved.extend(up);
            }
        }
    }
    (seen, moved)
}

/// What a walk must have handed out: every original row that no change picked,
/// once each, in the list's order. A row a change moved to the top may be met
/// again there (the client's list keeps one).
pub(crate) fn check(seen: &[u64], moved: &HashSet<u64>, len: u64) -> Result<(), TestCaseError> {
    let mut once = HashSet::new();
    for id in seen.iter().filter(|id| !moved.contains(id)) {
        prop_assert!(once.insert(*id), "{id} handed out twice: {seen:?}");
    }
    let stayed: Vec<u64> = (1..=len).filter(|id| !moved.contains(id)).collect();
    let original: Vec<u64> = seen.iter().copied().filter(|&id| id <= len && !moved.contains(&id)).collect();
    prop_assert_eq!(original, stayed, "handed out: {:?}", seen);
    Ok(())
}
