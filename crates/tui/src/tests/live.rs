//! Live updates and accounts on screen: where an update puts a row, what the status
//! bar says about the link, the account picker and the unified inbox's badges.

use std::time::Duration;

use jiff::ToSpan;

use super::id;
use crate::state::Connection;
use crate::testing::{conversation, inbox, keys, now, render};
use crate::update::update;
use crate::{Action, Effect, State};
use frontdesk_domain::{Channel, Conversation, Event, EventKind};
use frontdesk_provider::Update;
use frontdesk_sync::SyncEvent;

fn live(s: &mut State, u: Update) -> Vec<Effect> {
    update(s, Action::Sync(SyncEvent::Live(u)))
}

fn updated(s: &mut State, c: Conversation) {
    let e = Event { id: None, at: now(), kind: EventKind::ConversationUpdated(Box::new(c)) };
    live(s, Update::Event(Box::new(e)));
}

fn stranger(n: usize, minutes_ago: i64) -> Conversation {
    let mut c = conversation(n, "New Person", Channel::Sms, "hello");
    let at = now() - minutes_ago.minutes();
    if let Some(m) = &mut c.last_message {
        m.at = at;
    }
    c.updated_at = now();
    c
}

#[test]
fn a_row_not_yet_listed_goes_where_its_activity_puts_it() {
    let mut s = inbox(100, 30);
    keys(&mut s, "jj");
    let selected = id(&s, 2);
    let len = s.list.items.len();

    // New activity: on top, the agent's row still selected.
    updated(&mut s, stranger(40, 0));
    assert_eq!(id(&s, 0).as_str(), "cnv_0040");
    assert_eq!(s.list.current().map(|c| c.id.clone()), Some(selected.clone()));

    // Old activity (a tag changed on an old conversation) with more pages to come:
    // not on top; it arrives with its page.
    s.list.next_cursor = Some("more".into());
    updated(&mut s, stranger(41, 600));
    assert!(s.list.position(&"cnv_0041".into()).is_none(), "not put on top");

    // Between two listed rows: there.
    let between = stranger(42, 20);
    updated(&mut s, between);
    let pos = s.list.position(&"cnv_0042".into()).expect("listed");
    let at = |c: &Conversation| c.last_message.as_ref().map(|m| m.at);
    let items = &s.list.items;
    assert!(pos > 0 && at(&items[pos - 1]) >= at(&items[pos]) && at(&items[pos]) >= at(&items[pos + 1]));
    assert_eq!(s.list.items.len(), len + 2);
    assert_eq!(s.list.current().map(|c| c.id.clone()), Some(selected));

    // On the last page, old activity goes to the end.
    s.list.next_cursor = None;
    updated(&mut s, stranger(43, 6000));
    assert_eq!(s.list.items.last().map(|c| c.id.as_str()), Some("cnv_0043"));
}

#[test]
fn the_status_bar_says_polling_reconnecting_and_offline() {
    let mut s = inbox(120, 30);
    live(&mut s, Update::Polling { every: Duration::from_secs(20) });
    assert_eq!(s.connection, Connection::Polling { every: Duration::from_secs(20) });
    assert!(render(&s).contains("polling 20s"), "{}", render(&s));
    live(&mut s, Update::Polling { every: Duration::from_secs(300) });
    assert!(render(&s).contains("polling 5m"));

    let down = Update::Reconnecting { after: Duration::from_secs(4), reason: "refused".into() };
    live(&mut s, down.clone());
    assert!(render(&s).contains("reconnecting in 4s"), "{}", render(&s));
    live(&mut s, down.clone());
    live(&mut s, down);
    assert!(render(&s).contains("offline, retry in 4s"), "after three failures: {}", render(&s));

    let effects = live(&mut s, Update::Polling { every: Duration::from_secs(20) });
    assert!(render(&s).contains("polling 20s"));
    assert!(
        effects.contains(&Effect::Sync(frontdesk_sync::SyncCommand::Views)),
        "counts are reloaded after a gap: {effects:?}"
    );
}

#[test]
fn an_attempt_under_way_is_not_a_frozen_countdown() {
    let mut s = inbox(120, 30);
    live(&mut s, Update::Reconnecting { after: Duration::from_secs(2), reason: "connection refused".into() });
    assert!(render(&s).contains("reconnecting in 2s"), "{}", render(&s));
    // The countdown ran out and the attempt has not answered yet (a black hole).
    s.now += 40.seconds();
    let screen = render(&s);
    assert!(screen.contains("reconnecting…") && !screen.contains("in 0s"), "{screen}");
}

#[test]
fn a_quiet_poll_moves_synced_and_a_dead_link_does_not() {
    let mut s = inbox(120, 30);
    live(&mut s, Update::Polling { every: Duration::from_secs(20) });
    s.now += 3.minutes();
    assert!(render(&s).contains("synced 3m"), "{}", render(&s));
    live(&mut s, Update::Synced);
    assert!(render(&s).contains("synced now"), "a poll went through: {}", render(&s));

    s.now += 2.minutes();
    live(&mut s, Update::Reconnecting { after: Duration::from_secs(8), reason: "timed out".into() });
    live(&mut s, Update::Synced);
    assert!(render(&s).contains("synced 2m"), "not while the link is down: {}", render(&s));
}

#[test]
fn a_refused_key_is_its_own_state_said_in_full() {
    let mut s = inbox(120, 30);
    s.list.items.clear();
    s.list.loaded = false;
    live(&mut s, Update::Refused { reason: "not authorised: invalid API key".into(), after: Duration::from_secs(300) });
    assert!(matches!(s.connection, Connection::Refused { .. }));
    let screen = render(&s);
    assert!(screen.contains("key refused"), "the bar: {screen}");
    assert!(!screen.contains("All caught up") && screen.contains("The server refused the key"), "the list: {screen}");
    // Polling again (the key was re-issued) clears it.
    live(&mut s, Update::Polling { every: Duration::from_secs(20) });
    assert!(!render(&s).contains("key refused"));
}

#[test]
fn the_account_picker_switches_and_one_account_says_so() {
    let mut s = inbox(120, 30);
    keys(&mut s, "@");
    assert!(s.overlay.is_none());
    assert!(super::flash(&s).0.contains("one account only"));

    s.settings.accounts = vec!["support".into(), "sales".into(), frontdesk_provider::unified::UNIFIED.into()];
    keys(&mut s, "@");
    let screen = render(&s);
    assert!(screen.contains("Switch to") && screen.contains("All accounts, one list"), "{screen}");
    let effects = keys(&mut s, "sales<Enter>");
    assert_eq!(effects, [Effect::SwitchAccount("sales".into())]);
}

#[test]
fn the_unified_inbox_badges_each_row_with_its_account() {
    let mut s = inbox(160, 30);
    s.settings.account = frontdesk_provider::unified::UNIFIED.into();
    for (i, c) in s.list.items.iter_mut().enumerate() {
        let account = if i % 2 == 0 { "east" } else { "west" };
        c.origin = Some(frontdesk_domain::Origin { account: account.into(), id: c.id.clone() });
        c.id = format!("{account}/{}", c.id).as_str().into();
    }
    crate::update::nav_reload(&mut s);
    let screen = render(&s);
    assert!(screen.contains("[east]") && screen.contains("[west]"), "{screen}");
}

#[test]
fn a_star_kept_on_this_machine_says_so() {
    let mut s = inbox(120, 30);
    s.caps.star = false;
    keys(&mut s, "s");
    assert!(super::flash(&s).0.contains("on this machine only"), "{:?}", super::flash(&s));
    s.caps.star = true;
    s.status.flash = None;
    keys(&mut s, "js");
    assert!(!s.status.flash.as_ref().is_some_and(|f| f.text.contains("this machine")));
}

#[test]
fn a_feature_the_backend_turns_down_is_said_once() {
    let mut s = inbox(120, 30);
    let why = "Orbit refused presence for this API key (it may need a session login)";
    update(&mut s, Action::Sync(SyncEvent::Degraded(why.into())));
    assert_eq!(super::flash(&s).0, why);
    s.status.flash = None;
    update(&mut s, Action::Sync(SyncEvent::Degraded(why.into())));
    assert!(s.status.flash.is_none(), "not again");
}

#[test]
fn scrolling_to_the_top_loads_older_messages_once_and_keeps_the_place() {
    let mut s = crate::testing::with_thread(160, 48);
    let id = s.thread.as_ref().map(|t| t.id.clone()).expect("a thread");
    let generation = s.thread.as_ref().map_or(0, |t| t.generation);
    let first = s.thread.as_ref().and_then(|t| t.messages.first().cloned()).expect("messages");
    if let Some(t) = &mut s.thread {
        t.older = Some("cur_1".into());
    }
    s.focus = crate::state::Focus::Thread;
    assert!(render(&s).contains("older messages above"));
    let effects = keys(&mut s, "gg");
    let older = frontdesk_sync::SyncCommand::Older { generation, id: id.clone(), cursor: "cur_1".into() };
    assert_eq!(effects, [Effect::Sync(older)]);
    assert!(keys(&mut s, "k").is_empty(), "one request at a time");
    assert!(render(&s).contains("loading older messages"));

    let mut earlier = first.clone();
    earlier.id = "msg_0000".into();
    earlier.body = "The very first message".into();
    update(
        &mut s,
        Action::Sync(SyncEvent::Older { generation, id, messages: vec![earlier, first.clone()], older: None }),
    );
    let t = s.thread.as_ref().expect("thread");
    assert_eq!(t.messages[0].body, "The very first message");
    assert_eq!(t.messages.iter().filter(|m| m.id == first.id).count(), 1, "no repeat");
    assert!(t.older.is_none() && !t.loading_older);
    assert!(!render(&s).contains("older messages above"));
}

#[test]
fn priority_is_set_from_a_picker_and_shows_on_the_row() {
    let mut s = inbox(160, 30);
    keys(&mut s, "P");
    assert!(render(&s).contains("Priority"));
    let effects = keys(&mut s, "urg<Enter>");
    let ops = super::ops(&effects);
    assert_eq!(
        ops.iter().map(|(_, op)| op.clone()).collect::<Vec<_>>(),
        [frontdesk_domain::Op::Change {
            conversation: id(&s, 0),
            change: frontdesk_domain::Change::SetPriority { priority: frontdesk_domain::Priority::Urgent },
        }]
    );
    assert!(render(&s).contains("urgent"), "{}", render(&s));
}

/// A backend's own level (Chatwoot's "medium") is offered between high and normal,
/// set by its name, and shown on the row by it.
#[test]
fn a_backends_own_priority_level_can_be_set() {
    use frontdesk_domain::{Change, Op, Priority};
    let mut s = inbox(160, 30);
    s.caps.own_priorities = &["medium"];
    keys(&mut s, "P");
    let Some(crate::state::Overlay::Picker(picker)) = &s.overlay else { panic!("the priority picker is open") };
    let labels: Vec<&str> = picker.items.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(labels, ["Urgent", "High", "Medium", "Normal", "Low"]);
    let effects = keys(&mut s, "med<Enter>");
    let ops: Vec<Op> = super::ops(&effects).into_iter().map(|(_, op)| op).collect();
    assert_eq!(
        ops,
        [Op::Change {
            conversation: id(&s, 0),
            change: Change::SetPriority { priority: Priority::Other("medium".into()) }
        }]
    );
    assert!(render(&s).contains("medium"), "{}", render(&s));
}

#[test]
fn a_new_conversation_is_filled_in_the_editor_and_opened() {
    let mut s = inbox(160, 30);
    keys(&mut s, "N");
    assert!(super::flash(&s).0.contains("cannot open conversations"));
    s.caps.create = true;
    let effects = keys(&mut s, "N");
    let [Effect::EditNewConversation { text }] = effects.as_slice() else { panic!("{effects:?}") };
    assert!(text.contains("subject = "));

    // A form that does not parse is kept.
    update(&mut s, Action::NewConversationEdited(Ok("subject = \"Callback".into())));
    assert!(super::flash(&s).0.contains("not valid TOML"));
    assert_eq!(keys(&mut s, "N"), [Effect::EditNewConversation { text: "subject = \"Callback".into() }]);

    let form = "subject = \"Call me back\"\nemail = \"jane@example.com\"\npriority = \"high\"\n[metadata]\nphone = \"+15550100\"\n";
    let effects = update(&mut s, Action::NewConversationEdited(Ok(form.into())));
    let [Effect::Sync(frontdesk_sync::SyncCommand::Create(new))] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(new.subject, "Call me back");
    assert_eq!(new.user_email.as_deref(), Some("jane@example.com"));
    assert_eq!(new.priority, Some(frontdesk_domain::Priority::High));
    assert_eq!(new.metadata.get("phone"), Some(&frontdesk_domain::Data::Text("+15550100".into())));

    // Refused: the form waits for the next try.
    let refused = frontdesk_provider::ProviderError::Permanent { code: "X".into(), message: "no".into() };
    update(&mut s, Action::Sync(SyncEvent::Created(Err(refused))));
    assert!(super::flash(&s).0.contains("Your form is kept"));
    assert_eq!(keys(&mut s, "N"), [Effect::EditNewConversation { text: form.into() }]);

    let mut c = conversation(77, "Jane", Channel::Email, "Call me back");
    c.subject = Some("Call me back".into());
    let effects = update(&mut s, Action::Sync(SyncEvent::Created(Ok(Box::new(c)))));
    assert_eq!(id(&s, 0).as_str(), "cnv_0077");
    assert_eq!(s.thread.as_ref().map(|t| t.id.as_str()), Some("cnv_0077"), "opened");
    assert!(effects.iter().any(|e| matches!(e, Effect::Sync(frontdesk_sync::SyncCommand::Thread { .. }))));
    assert!(s.new_conversation.is_none());
}

#[test]
fn an_unreachable_account_shows_in_the_sidebar_with_why() {
    let mut s = inbox(160, 30);
    s.settings.account = frontdesk_provider::unified::UNIFIED.into();
    update(&mut s, Action::Sync(SyncEvent::Trouble(vec![("crm".into(), "network: connection refused".into())])));
    let screen = render(&s);
    assert!(screen.contains("crm unreachable") && screen.contains("connection refused"), "{screen}");
    update(&mut s, Action::Sync(SyncEvent::Trouble(Vec::new())));
    assert!(!render(&s).contains("unreachable"), "gone once it answers again");
}

#[test]
fn the_status_bar_shows_the_accounts_sla_when_it_has_one() {
    let mut s = inbox(160, 30);
    assert!(!render(&s).contains("overdue ("));
    let sla = frontdesk_provider::Sla { overdue: 3, target: Some("first reply in 15 min".into()) };
    update(&mut s, Action::Sync(SyncEvent::Sla(Some(sla))));
    assert!(render(&s).contains("3 overdue (first reply in 15 min)"), "{}", render(&s));
}

#[test]
fn help_greys_what_the_account_cannot_do() {
    let mut s = inbox(160, 60);
    s.caps.snooze = false;
    keys(&mut s, "?");
    let text: Vec<String> = crate::ui::help_lines(&s, 200).iter().map(ToString::to_string).collect();
    let snooze = text.iter().find(|l| l.contains("Snooze (presets")).expect("snooze listed");
    assert!(snooze.contains("(not on this account)"), "{snooze}");
    let star = text.iter().find(|l| l.contains("Star or unstar")).expect("star listed");
    assert!(!star.contains("not on this account"));
}

#[test]
fn esc_and_a_key_read_together_as_alt_are_taken_as_typed() {
    let mut s = crate::testing::with_thread(160, 48);
    s.focus = crate::state::Focus::Thread;
    let before = s.list.selected;
    let alt_j =
        crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Char('j'), crossterm::event::KeyModifiers::ALT);
    update(&mut s, Action::Key(alt_j));
    assert_eq!(s.focus, crate::state::Focus::List, "Esc left the thread");
    assert_eq!(s.list.selected, before + 1, "then j moved down");
}

#[test]
fn a_thread_that_did_not_load_says_why_where_it_would_be() {
    let mut s = crate::testing::with_thread(160, 40);
    let t = s.thread.as_mut().expect("thread");
    t.messages.clear();
    t.loading = true;
    let (id, generation) = (t.id.clone(), t.generation);
    let refused = frontdesk_provider::ProviderError::RateLimited { retry_after: Some(Duration::from_secs(30)) };
    // A stale answer (an earlier load of this pane) changes nothing.
    update(
        &mut s,
        Action::Sync(SyncEvent::ThreadFailed { generation: generation - 1, id: id.clone(), error: refused.clone() }),
    );
    assert!(render(&s).contains("Loading the thread…"));
    update(&mut s, Action::Sync(SyncEvent::ThreadFailed { generation, id, error: refused }));
    let screen = render(&s);
    // Wrapped in the pane, never cut.
    assert!(screen.contains("Could not load the thread: rate limited, retry in 30s"), "{screen}");
    assert!(screen.contains("again"), "{screen}");
    assert!(!screen.contains("Loading the thread…"));
}
