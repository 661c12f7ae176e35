//! Notification rules with the effect as the fake notifier: who is told, when, and
//! how several arrivals become one.

use jiff::ToSpan as _;

use crate::testing::{agent, inbox, message, now};
use crate::update::update;
use crate::{Action, Effect, State};
use frontdesk_domain::{AuthorKind, Conversation, Direction, Event, EventKind, Message, MessageKind};
use frontdesk_provider::Update;
use frontdesk_sync::SyncEvent;

fn live(s: &mut State, kind: EventKind) {
    update(s, Action::Sync(SyncEvent::Live(Update::Event(Box::new(Event { id: Some(1), at: now(), kind })))));
}

/// A customer writes in `c` (the server sends the message, then the conversation).
fn inbound(s: &mut State, c: &Conversation, body: &str) {
    let m = message(90, &c.id, MessageKind::Reply, Direction::Inbound, (&c.contact.name, AuthorKind::Contact), body);
    live(s, EventKind::MessageCreated(Box::new(m)));
    let mut c = c.clone();
    c.unread = true;
    live(s, EventKind::ConversationUpdated(Box::new(c)));
}

fn notifications(s: &mut State) -> Vec<Effect> {
    update(s, Action::Clock(now() + 2.seconds())).into_iter().filter(|e| matches!(e, Effect::Notify { .. })).collect()
}

fn mine(s: &State, n: usize) -> Conversation {
    let mut c = s.list.items[n].clone();
    c.assignee = Some(std::sync::Arc::new(agent("agt_dana", "Dana Scully")));
    c
}

#[test]
fn a_message_in_my_conversation_notifies() {
    let mut s = inbox(100, 30);
    let c = mine(&s, 4);
    inbound(&mut s, &c, "Any update on my refund?");
    assert_eq!(crate::schedule::next_wake(&s), Some(now() + 1500.milliseconds()), "gathers first");
    assert_eq!(
        notifications(&mut s),
        [Effect::Notify { title: "Lukas Schmidt".into(), body: "Any update on my refund?".into() }]
    );
    assert!(notifications(&mut s).is_empty(), "once");
}

#[test]
fn unassigned_notifies_only_in_a_watched_view() {
    let mut s = inbox(100, 30);
    let mut c = s.list.items[2].clone();
    c.assignee = None;
    inbound(&mut s, &c, "hello?");
    assert_eq!(notifications(&mut s).len(), 1, "unassigned and in Unread, which is watched");
    s.settings.notify_views.clear();
    inbound(&mut s, &c, "hello again?");
    assert!(notifications(&mut s).is_empty(), "no watched view holds it");
    let mut theirs = s.list.items[1].clone();
    theirs.assignee = Some(std::sync::Arc::new(agent("agt_sam", "Sam Carter")));
    s.settings.notify_views = vec!["unread".into()];
    inbound(&mut s, &theirs, "for Sam");
    assert!(notifications(&mut s).is_empty(), "a teammate's conversation is theirs to hear about");
}

#[test]
fn own_actions_and_notes_never_notify() {
    let mut s = inbox(100, 30);
    let c = mine(&s, 4);
    let m: Message =
        message(91, &c.id, MessageKind::Reply, Direction::Outbound, ("Dana Scully", AuthorKind::Agent), "my reply");
    live(&mut s, EventKind::MessageCreated(Box::new(m)));
    let note = message(92, &c.id, MessageKind::Note, Direction::Outbound, ("Sam Carter", AuthorKind::Agent), "a note");
    live(&mut s, EventKind::MessageCreated(Box::new(note)));
    live(&mut s, EventKind::ConversationUpdated(Box::new(c)));
    assert!(notifications(&mut s).is_empty());
}

#[test]
fn the_conversation_on_screen_is_silent() {
    let mut s = crate::testing::with_thread(160, 48);
    let c = mine(&s, 0);
    inbound(&mut s, &c, "are you there?");
    assert!(notifications(&mut s).is_empty(), "the agent is looking at it");
    let mut s = crate::testing::with_thread(80, 24);
    s.focus = crate::state::Focus::List;
    let c = mine(&s, 0);
    inbound(&mut s, &c, "are you there?");
    assert_eq!(notifications(&mut s).len(), 1, "at 80 columns the list hides the thread");
}

#[test]
fn several_together_come_as_one() {
    let mut s = inbox(100, 30);
    for n in [4, 5, 6] {
        let c = mine(&s, n);
        inbound(&mut s, &c, "hi");
    }
    assert_eq!(
        notifications(&mut s),
        [Effect::Notify { title: "3 new messages".into(), body: "Lukas Schmidt, Chloé Martin and 1 more".into() }]
    );
}

#[test]
fn off_means_off() {
    let mut s = inbox(100, 30);
    s.settings.notify = false;
    let c = mine(&s, 4);
    inbound(&mut s, &c, "hi");
    assert!(notifications(&mut s).is_empty());
}
