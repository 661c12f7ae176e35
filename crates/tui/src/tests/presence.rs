//! Presence: what I tell the team, what I am told, and how it fades.

use jiff::ToSpan as _;

use crate::testing::{inbox, keys, now, render, with_thread};
use crate::update::update;
use crate::{Action, Effect, State};
use frontdesk_domain::{Event, EventKind, Presence, PresenceState};
use frontdesk_provider::Update;
use frontdesk_sync::{SyncCommand, SyncEvent};

fn presence(effects: &[Effect]) -> Vec<(String, PresenceState)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Sync(SyncCommand::Presence { conversation, state }) => Some((conversation.to_string(), *state)),
            _ => None,
        })
        .collect()
}

fn told(s: &mut State, who: &str, name: &str, conversation: &str, what: PresenceState) {
    let p =
        Presence { conversation_id: conversation.into(), agent_id: who.into(), agent_name: name.into(), state: what };
    let e = Event { id: None, at: now(), kind: EventKind::Presence(p) };
    update(s, Action::Sync(SyncEvent::Live(Update::Event(Box::new(e)))));
}

#[test]
fn i_say_viewing_typing_and_left() {
    let mut s = inbox(80, 24);
    assert_eq!(presence(&keys(&mut s, "<Enter>")), [("cnv_0001".into(), PresenceState::Viewing)]);
    assert_eq!(presence(&keys(&mut s, "rH")), [("cnv_0001".into(), PresenceState::Typing)]);
    assert!(presence(&keys(&mut s, "ello")).is_empty(), "not on every key");
    s.now = now() + 5.seconds();
    assert_eq!(presence(&keys(&mut s, "!")), [("cnv_0001".into(), PresenceState::Typing)], "again while still typing");
    assert_eq!(presence(&keys(&mut s, "<Esc>")), [("cnv_0001".into(), PresenceState::Viewing)]);
    keys(&mut s, "<Esc>j");
    let moved = presence(&keys(&mut s, "<Enter>"));
    assert_eq!(moved, [("cnv_0001".into(), PresenceState::Left), ("cnv_0002".into(), PresenceState::Viewing)]);
    let refreshed = update(&mut s, Action::Clock(now() + 66.seconds()));
    assert_eq!(
        presence(&refreshed),
        [("cnv_0002".into(), PresenceState::Viewing)],
        "refreshed while the thread stays open"
    );
}

#[test]
fn others_show_in_the_thread_and_the_list_then_fade() {
    let mut s = with_thread(160, 48);
    told(&mut s, "agt_sam", "Sam Carter", "cnv_0001", PresenceState::Typing);
    told(&mut s, "agt_dana", "Dana Scully", "cnv_0001", PresenceState::Typing);
    let screen = render(&s);
    assert!(screen.contains("Sam Carter is typing…"), "{screen}");
    assert!(!screen.contains("Dana Scully is typing"), "not myself");
    assert!(screen.contains('✎'));
    assert_eq!(crate::schedule::next_wake(&s), Some(now() + 8.seconds()));
    update(&mut s, Action::Clock(now() + 9.seconds()));
    assert!(!render(&s).contains("typing"), "typing fades when it is not said again");
    told(&mut s, "agt_sam", "Sam Carter", "cnv_0001", PresenceState::Viewing);
    assert!(render(&s).contains("Sam Carter also here"));
    told(&mut s, "agt_sam", "Sam Carter", "cnv_0001", PresenceState::Left);
    assert!(s.presence.is_empty());
}

/// Issue 19, case 3: the agent is never "also here" to themselves, not even before
/// the client knows who they are (their own presence said back).
#[test]
fn my_own_presence_is_never_shown() {
    let mut s = with_thread(160, 40);
    let me = s.me.take().expect("signed in");
    told(&mut s, me.id.as_str(), &me.name, "cnv_0001", PresenceState::Viewing);
    assert!(s.presence.is_empty(), "shown before me was known: {:?}", s.presence);
    s.me = Some(me.clone());
    told(&mut s, me.id.as_str(), &me.name, "cnv_0001", PresenceState::Typing);
    assert!(s.presence.is_empty());
    told(&mut s, "agt_sam", "Sam Carter", "cnv_0001", PresenceState::Viewing);
    assert_eq!(s.presence.get(&"cnv_0001".into()).map(Vec::len), Some(1), "a colleague still shows");
}
