//! A list scrolled a long way holds a window of rows around the lit one: rows far
//! from it are let go at a seam between pages, and read again, by the cursor at
//! that seam, when the agent comes back to them.

use proptest::prelude::*;

use crate::state::Window;
use crate::testing::{conversation, keys, state};
use crate::update::update;
use crate::{Action, Effect, State};
use frontdesk_domain::{Channel, Conversation, ConversationId, Page};
use frontdesk_provider::{ListQuery, Towards};
use frontdesk_sync::{Place, SyncCommand, SyncEvent};

/// The view on the fake server: rows `0..TOTAL`, in the view's order.
const TOTAL: usize = 2_000;
const PAGE: usize = 100;
const WINDOW: usize = 300;

fn rows(from: usize, to: usize) -> Vec<Conversation> {
    (from..to).map(|n| conversation(n, "Customer", Channel::Email, "a message")).collect()
}

fn number(id: &ConversationId) -> usize {
    id.as_str().trim_start_matches("cnv_").parse().unwrap_or(usize::MAX)
}

/// What a server with keyset cursors answers: `below-N` reads from row N down,
/// `above-N` the page ending just above row N; no cursor, the first page, or the
/// last one read upwards (`from=end`).
fn serve(query: &ListQuery) -> Page<Conversation> {
    let (from, to) = match (query.cursor.as_deref(), query.towards) {
        (None, Towards::Down) => (0, PAGE),
        (None, Towards::Up) => (TOTAL - PAGE, TOTAL),
        (Some(c), _) => match c.split_once('-') {
            Some(("below", n)) => n.parse().map_or((0, 0), |n: usize| (n, (n + PAGE).min(TOTAL))),
            Some(("above", n)) => n.parse().map_or((0, 0), |n: usize| (n.saturating_sub(PAGE), n)),
            _ => (0, 0),
        },
    };
    Page {
        items: rows(from, to),
        prev_cursor: (from > 0).then(|| format!("above-{from}")),
        next_cursor: (to < TOTAL).then(|| format!("below-{to}")),
    }
}

/// Answers every list request among `effects` (and those the answers bring), as
/// the engine would; what each answer left lit is checked against what was lit.
fn answer(s: &mut State, effects: Vec<Effect>) {
    let mut queue = effects;
    while let Some(e) = queue.pop() {
        if let Effect::Sync(SyncCommand::List { generation, query, at }) = e {
            let lit = s.list.current().map(|c| c.id.clone());
            let on_screen = s.list.selected.checked_sub(s.list.offset);
            let page = serve(&query);
            queue.extend(update(s, Action::Sync(SyncEvent::List { generation, page, at, cached: false })));
            if at != Place::Replace && generation == s.list.generation {
                assert_eq!(s.list.current().map(|c| c.id.clone()), lit, "a page {at:?} moved the lit row");
                if at == Place::Below {
                    assert_eq!(
                        s.list.selected.checked_sub(s.list.offset),
                        on_screen,
                        "a page below moved the lit row on screen"
                    );
                }
            }
        }
    }
}

/// The rows held are one run of the view, with the cursors that read past each end.
fn assert_one_run(s: &State) {
    let held: Vec<usize> = s.list.items.iter().map(|c| number(&c.id)).collect();
    let (Some(&first), Some(&last)) = (held.first(), held.last()) else { return };
    assert_eq!(held, (first..=last).collect::<Vec<_>>(), "the rows held are not one run of the view");
    assert_eq!(s.list.prev_cursor, (first > 0).then(|| format!("above-{first}")), "the cursor above {first}");
    assert_eq!(s.list.next_cursor, (last + 1 < TOTAL).then(|| format!("below-{}", last + 1)), "below {last}");
    assert!(held.len() <= WINDOW + 2 * PAGE, "{} rows held with a window of {WINDOW}", held.len());
}

/// A narrow All view, its first page here, the window small.
fn scrolled() -> State {
    let mut s = state(100, 30);
    let effects = keys(&mut s, "4");
    answer(&mut s, effects);
    s.list.window = Window(WINDOW);
    assert_eq!(s.list.items.len(), PAGE);
    s
}

/// The same with a local filter (`/`) that every row passes: the selection counts
/// visible rows, not held ones.
fn filtered() -> State {
    let mut s = scrolled();
    keys(&mut s, "/Customer<Enter>");
    assert!(s.list.visible.is_some());
    s
}

fn press(s: &mut State, key: &str, times: usize) {
    for _ in 0..times {
        let effects = keys(s, key);
        answer(s, effects);
    }
}

#[test]
fn scrolling_through_the_whole_view_holds_a_window_and_reads_the_top_again_on_the_way_back() {
    let mut s = scrolled();
    press(&mut s, "j", TOTAL - 1);
    assert_eq!(s.list.current().map(|c| number(&c.id)), Some(TOTAL - 1), "the view's last row is lit");
    assert_one_run(&s);
    assert!(s.list.items.len() < TOTAL / 2, "{} rows held at the end", s.list.items.len());
    assert!(s.list.prev_cursor.is_some(), "the rows above were let go and can be read again");

    press(&mut s, "k", TOTAL - 1);
    assert_eq!(s.list.current().map(|c| number(&c.id)), Some(0), "back at the top, row by row");
    assert_one_run(&s);
    assert!(s.list.prev_cursor.is_none(), "nothing above the first row");
    assert!(s.list.next_cursor.is_some(), "the rows below were let go in turn");
}

#[test]
fn rows_are_let_go_only_at_a_seam_half_a_window_from_the_lit_row() {
    let mut s = scrolled();
    press(&mut s, "j", WINDOW + PAGE);
    let lit = s.list.index(s.list.selected).unwrap_or(0);
    assert!(lit >= WINDOW / 2, "half a window stays above the lit row: {lit}");
    assert_eq!(number(&s.list.items[0].id) % PAGE, 0, "cut at a page's first row");
    assert_one_run(&s);
}

#[test]
fn a_seam_whose_rows_moved_apart_is_not_cut_at() {
    let mut s = scrolled();
    press(&mut s, "j", 2 * PAGE);
    // Rows 99 and 100 (the seam between the first two pages) no longer side by side.
    let moved = s.list.remove_item(PAGE);
    assert!(moved.is_some());
    let before = s.list.items.len();
    press(&mut s, "j", 2 * PAGE);
    assert!(s.list.items.len() > before, "the next pages came");
    let first = number(&s.list.items[0].id);
    assert_ne!(first, PAGE + 1, "cut where the moved row was");
    if first > 0 {
        assert_eq!(s.list.prev_cursor, Some(format!("above-{first}")), "cut at a seam, with its cursor");
    }
}

#[test]
fn a_filtered_list_keeps_its_lit_row_when_rows_above_are_let_go() {
    let mut s = filtered();
    press(&mut s, "j", 3 * WINDOW);
    assert_eq!(s.list.current().map(|c| number(&c.id)), Some(3 * WINDOW));
    assert!(number(&s.list.items[0].id) > 0, "rows above let go");
    assert_eq!(s.list.visible.as_ref().map(Vec::len), Some(s.list.items.len()), "every held row still passes");
    assert_one_run(&s);
}

#[test]
fn a_search_held_in_the_middle_says_there_is_more_either_side() {
    let mut s = scrolled();
    s.list.search = Some("customer".into());
    press(&mut s, "j", 3 * WINDOW);
    let top = crate::testing::render(&s).lines().next().unwrap_or_default().to_owned();
    assert!(top.contains(&format!("…{}+", s.list.len())), "{top}");
}

#[test]
fn a_backend_without_cursors_above_keeps_every_row() {
    let mut s = scrolled();
    // A vendor's pages: a cursor below, none above.
    for n in 1..8 {
        let generation = s.list.generation;
        let page = Page {
            items: rows(n * PAGE, (n + 1) * PAGE),
            prev_cursor: None,
            next_cursor: Some(format!("below-{}", (n + 1) * PAGE)),
        };
        update(&mut s, Action::Sync(SyncEvent::List { generation, page, at: Place::Below, cached: false }));
        s.list.selected = s.list.len() - 1;
    }
    assert_eq!(s.list.items.len(), 8 * PAGE, "nothing let go that could not be read again");
}

#[derive(Clone, Debug)]
enum Move {
    Keys(&'static str, usize),
}

fn moves() -> impl Strategy<Value = Move> {
    let keys = prop::sample::select(vec!["j", "k", "<C-d>", "<C-u>", "G", "g g", "J", "K"]);
    (keys, 1..150usize).prop_map(|(k, n)| Move::Keys(k, n))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever the agent does, the list holds one run of the view with the right
    /// cursors at its ends, never much more than a window, and a page arriving
    /// leaves the lit row lit.
    #[test]
    fn the_window_is_always_one_run_of_the_view(
        filter in any::<bool>(),
        moves in prop::collection::vec(moves(), 1..12),
    ) {
        let mut s = if filter { filtered() } else { scrolled() };
        for Move::Keys(k, n) in moves {
            press(&mut s, k, n);
            assert_one_run(&s);
        }
    }
}
