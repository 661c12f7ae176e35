//! One current conversation: the lit row, the thread on screen and the target of
//! the next key never disagree (issue 19, cases 1 and 2), checked case by case and
//! as a property over random keys and backend updates.

use proptest::prelude::*;

use super::{id, ops};
use crate::state::Focus;
use crate::testing::{conversation, conversations, inbox, keys};
use crate::update::update;
use crate::{Action, Effect, State};
use frontdesk_domain::{Change, Channel, Conversation, ConversationId, Event, EventKind, Op, Page};
use frontdesk_provider::Update;
use frontdesk_sync::SyncEvent;

const WIDE: (u16, u16) = (200, 50);
const NARROW: (u16, u16) = (100, 30);

/// Whether the thread is on screen (beside the list, or as the page).
fn thread_shown(s: &State) -> bool {
    s.thread.is_some() && (s.width >= crate::ui::WIDE || matches!(s.focus, Focus::Thread | Focus::Composer))
}

/// The invariant: what the eye sees and what the next key acts on are one.
fn one_conversation(s: &State) -> Result<(), String> {
    let lit = s.list.current().map(|c| c.id.clone());
    let target = s.target().map(|c| c.id.clone());
    if thread_shown(s) {
        let open = s.thread.as_ref().map(|t| t.id.clone());
        if open != lit || target != open {
            return Err(format!("thread {open:?}, lit {lit:?}, target {target:?} (focus {:?})", s.focus));
        }
    } else if target != lit {
        return Err(format!("lit {lit:?}, target {target:?} (focus {:?})", s.focus));
    }
    Ok(())
}

fn check(s: &State) {
    if let Err(e) = one_conversation(s) {
        panic!("{e}");
    }
}

/// The engine's answer to the list request in flight.
fn page(s: &mut State, items: Vec<Conversation>) -> Vec<Effect> {
    let generation = s.list.generation;
    let page = Page { items, next_cursor: None, prev_cursor: None };
    update(s, Action::Sync(SyncEvent::List { generation, page, at: frontdesk_sync::Place::Replace, cached: false }))
}

fn rachel() -> Conversation {
    let mut c = conversation(42, "Rachel Park", Channel::Email, "Our payments are failing, urgent");
    c.unread = false;
    c
}

fn starred(effects: &[Effect]) -> Vec<ConversationId> {
    ops(effects)
        .into_iter()
        .filter_map(|(_, op)| match op {
            Op::Change { conversation, change: Change::Star } => Some(conversation),
            _ => None,
        })
        .collect()
}

fn thread_id(s: &State) -> Option<ConversationId> {
    s.thread.as_ref().map(|t| t.id.clone())
}

#[test]
fn the_most_urgent_conversation_is_lit_and_is_what_the_next_key_acts_on() {
    // `2`, `1`, `!`, `Esc`, `s` at 200x50: the star went to Unread's first row while
    // the thread showed the urgent conversation.
    let mut s = inbox(WIDE.0, WIDE.1);
    keys(&mut s, "2");
    page(&mut s, conversations()[..2].to_vec());
    keys(&mut s, "1");
    page(&mut s, conversations()[..2].to_vec());
    check(&s);
    keys(&mut s, "!");
    update(&mut s, Action::Sync(SyncEvent::Urgent(Some(Box::new(rachel())))));
    check(&s);
    assert_eq!(thread_id(&s).as_ref().map(ConversationId::as_str), Some("cnv_0042"));
    keys(&mut s, "<Esc>");
    check(&s);
    assert_eq!(starred(&keys(&mut s, "s")), [rachel().id]);
}

#[test]
fn a_view_switch_moves_the_thread_with_the_lit_row() {
    // `4`, `j j j`, `1`: the thread kept the row chosen in All.
    let mut s = inbox(WIDE.0, WIDE.1);
    keys(&mut s, "4");
    page(&mut s, conversations());
    keys(&mut s, "jjj");
    assert_eq!(thread_id(&s), Some(id(&s, 3)));
    keys(&mut s, "1");
    let unread: Vec<Conversation> = conversations().into_iter().filter(|c| c.unread).collect();
    page(&mut s, unread);
    check(&s);
    assert_eq!(thread_id(&s), Some(id(&s, 0)));
}

#[test]
fn a_reload_that_drops_the_conversation_being_read_keeps_it_lit_and_targeted() {
    // A poll dropped the conversation from Unread after a reply marked it read: the
    // highlight went to the next row while the thread stayed, and `s`, `U`, `X`
    // acted on another customer.
    let mut s = inbox(WIDE.0, WIDE.1);
    keys(&mut s, "j");
    let reading = id(&s, 1);
    assert_eq!(thread_id(&s), Some(reading.clone()));
    keys(&mut s, "<C-r>");
    let without: Vec<Conversation> = conversations().into_iter().filter(|c| c.id != reading).collect();
    page(&mut s, without);
    check(&s);
    assert_eq!(s.list.current().map(|c| c.id.clone()), Some(reading.clone()));
    assert_eq!(starred(&keys(&mut s, "s")), [reading]);
}

#[test]
fn archiving_from_the_thread_page_goes_on_to_the_next_conversation() {
    // In a thread, `X` moved the highlight on but left the thread on the archived
    // conversation, and a second `X` archived the same one again.
    let mut s = inbox(NARROW.0, NARROW.1);
    let (first, second, third) = (id(&s, 0), id(&s, 1), id(&s, 2));
    keys(&mut s, "<Enter>");
    assert_eq!((s.focus, thread_id(&s)), (Focus::Thread, Some(first.clone())));
    let archived = |effects: &[Effect]| -> Vec<ConversationId> {
        ops(effects)
            .into_iter()
            .filter_map(|(_, op)| match op {
                Op::Change { conversation, change: Change::Archive } => Some(conversation),
                _ => None,
            })
            .collect()
    };
    assert_eq!(archived(&keys(&mut s, "X")), [first]);
    check(&s);
    assert_eq!((s.focus, thread_id(&s)), (Focus::Thread, Some(second.clone())), "the next one, on the page");
    assert_eq!(archived(&keys(&mut s, "X")), [second]);
    assert_eq!(thread_id(&s), Some(third));
}

#[test]
fn assigning_to_me_from_the_thread_goes_on_even_when_the_row_stays() {
    let mut s = inbox(WIDE.0, WIDE.1);
    keys(&mut s, "<Enter>");
    let (first, second) = (id(&s, 0), id(&s, 1));
    keys(&mut s, "m");
    check(&s);
    assert!(s.list.position(&first).is_some(), "still in All");
    assert_eq!((s.focus, thread_id(&s)), (Focus::Thread, Some(second)));
}

#[test]
fn shift_j_and_k_move_between_conversations_without_leaving_the_thread() {
    let mut s = inbox(NARROW.0, NARROW.1);
    keys(&mut s, "<Enter>");
    keys(&mut s, "J");
    assert_eq!((s.focus, thread_id(&s)), (Focus::Thread, Some(id(&s, 1))));
    keys(&mut s, "JJ");
    assert_eq!(thread_id(&s), Some(id(&s, 3)));
    keys(&mut s, "K");
    assert_eq!((s.focus, thread_id(&s)), (Focus::Thread, Some(id(&s, 2))));
    check(&s);
    keys(&mut s, "<Esc>");
    assert_eq!(s.list.selected, 2, "back on the list, on the conversation last read");
}

/// One step of a session: a key, or something the backend did.
#[derive(Clone, Debug)]
enum Step {
    Keys(&'static str),
    /// The list arrives again: these fixture rows, in this order (a reorder, rows
    /// leaving and joining the view).
    Reload(Vec<usize>),
    /// A conversation changed on the server (newer activity moves it up).
    Updated(usize, bool),
    /// The engine's answer to `!`.
    Urgent(usize),
    Resize(bool),
    /// The view's last page, more above it (the answer to `G`).
    End(Vec<usize>),
    /// The page above rows read from the end; whether more wait above it.
    Above(Vec<usize>, bool),
}

fn pool() -> Vec<Conversation> {
    let mut all = conversations();
    all.push(rachel());
    all.push(conversation(43, "Tomás Ruiz", Channel::Sms, "Where is my refund?"));
    all
}

fn step() -> impl Strategy<Value = Step> {
    let keys = prop::sample::select(vec![
        "j", "k", "J", "K", "<Enter>", "<Esc>", "G", "g g", "1", "2", "4", "X", "m", "s", "U", "e", "E", "<Tab>", "u",
        "Z",
    ]);
    prop_oneof![
        4 => keys.prop_map(Step::Keys),
        2 => prop::collection::vec(0..9usize, 0..9).prop_map(Step::Reload),
        1 => (0..9usize, any::<bool>()).prop_map(|(i, newer)| Step::Updated(i, newer)),
        1 => (0..9usize).prop_map(Step::Urgent),
        1 => any::<bool>().prop_map(Step::Resize),
        1 => prop::collection::vec(0..9usize, 0..9).prop_map(Step::End),
        1 => (prop::collection::vec(0..9usize, 0..9), any::<bool>()).prop_map(|(rows, more)| Step::Above(rows, more)),
    ]
}

fn run(s: &mut State, step: &Step) {
    let pool = pool();
    match step {
        Step::Keys(k) => {
            keys(s, k);
        }
        Step::Reload(rows) => {
            let mut seen = std::collections::HashSet::new();
            let items = rows.iter().filter(|&&i| seen.insert(i)).map(|&i| pool[i].clone()).collect();
            page(s, items);
        }
        Step::Updated(i, newer) => {
            let mut c = pool[*i].clone();
            if *newer && let Some(m) = &mut c.last_message {
                m.at = crate::testing::now();
            }
            let e = Event { id: None, at: crate::testing::now(), kind: EventKind::ConversationUpdated(Box::new(c)) };
            update(s, Action::Sync(SyncEvent::Live(Update::Event(Box::new(e)))));
        }
        Step::Urgent(i) => {
            keys(s, "!");
            update(s, Action::Sync(SyncEvent::Urgent(Some(Box::new(pool[*i].clone())))));
        }
        Step::Resize(wide) => {
            let (w, h) = if *wide { WIDE } else { NARROW };
            update(s, Action::Resize(w, h));
        }
        Step::End(rows) | Step::Above(rows, _) => {
            let mut seen = std::collections::HashSet::new();
            let items = rows.iter().filter(|&&i| seen.insert(i)).map(|&i| pool[i].clone()).collect();
            let (at, prev) = match step {
                Step::Above(_, more) => (frontdesk_sync::Place::Above, more.then(|| "above".to_owned())),
                _ => (frontdesk_sync::Place::Replace, Some("above".to_owned())),
            };
            let generation = s.list.generation;
            let page = Page { items, next_cursor: None, prev_cursor: prev };
            update(s, Action::Sync(SyncEvent::List { generation, page, at, cached: false }));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// After every step, the thread on screen, the lit row and the target of the
    /// next key are one conversation.
    #[test]
    fn the_thread_the_lit_row_and_the_target_never_disagree(
        wide in any::<bool>(),
        steps in prop::collection::vec(step(), 1..40),
    ) {
        let (w, h) = if wide { WIDE } else { NARROW };
        let mut s = inbox(w, h);
        for (n, step) in steps.iter().enumerate() {
            let lit = s.list.current().map(|c| c.id.clone());
            run(&mut s, step);
            // Rows that come above leave the conversation being read where it is.
            if matches!(step, Step::Above(..)) && lit.is_some() {
                prop_assert_eq!(&s.list.current().map(|c| c.id.clone()), &lit, "after step {} {:?}", n, step);
            }
            // Overlays (pickers, the quit question) wait for an answer that the
            // next step does not give: close them as Esc would.
            s.overlay = None;
            prop_assert!(one_conversation(&s).is_ok(), "after step {n} {step:?}: {:?}", one_conversation(&s));
        }
    }
}

/// Issue 19, case 9: the list's title and the sidebar say one number, and a row
/// kept in place for the agent (read here, then dropped by a reload) is not in it.
#[test]
fn the_title_and_the_sidebar_count_the_same_rows() {
    let mut s = inbox(WIDE.0, WIDE.1);
    keys(&mut s, "1");
    let unread: Vec<Conversation> = conversations().into_iter().filter(|c| c.unread).collect();
    let total = unread.len();
    page(&mut s, unread.clone());
    keys(&mut s, "<Enter>");
    let reading = id(&s, 0);
    keys(&mut s, "<C-r>");
    page(&mut s, unread.into_iter().filter(|c| c.id != reading).collect());
    assert_eq!(s.list.current().map(|c| c.id.clone()), Some(reading), "still lit");
    assert_eq!(s.view_count(s.active_view), Some(u64::try_from(total - 1).expect("small")));
    let screen = crate::testing::render(&s);
    let title = format!("Unread {} ", total - 1);
    assert!(screen.contains(&title), "{screen}");
    let sidebar = screen.lines().find(|l| l.contains("1 Unread")).expect("the sidebar row");
    assert!(sidebar.contains(&format!(" {}│", total - 1)), "{sidebar}");
}
