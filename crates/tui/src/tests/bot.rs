//! The bot builder's palette commands, deleting with a question first, finding by a
//! channel's ids, and commands the account cannot do said at the key.

use super::{flash, id};
use crate::state::{Focus, Level, Overlay, State};
use crate::testing::{conversation, inbox, keys, render, thread_messages, with_thread};
use crate::update::update;
use crate::{Action, Effect};
use frontdesk_domain::{AuthorKind, Channel};
use frontdesk_provider::ProviderError;
use frontdesk_provider::bot::{BotCall, BotReply, Step};
use frontdesk_sync::{SyncCommand, SyncEvent};

fn captain(s: &mut State) {
    s.caps.bot = true;
    s.caps.delete = true;
}

fn bot_calls(effects: &[Effect]) -> Vec<(String, BotCall)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Sync(SyncCommand::Bot { conversation, call }) => Some((conversation.to_string(), call.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_message_typed_in_the_palette_goes_to_the_conversations_bot() {
    let mut s = with_thread(160, 48);
    captain(&mut s);
    let first = id(&s, 0);
    keys(&mut s, ":bot-message<Enter>");
    assert!(matches!(&s.overlay, Some(Overlay::Picker(p)) if p.title.contains("as from the customer")));
    assert!(keys(&mut s, "<Enter>").is_empty(), "nothing typed, nothing sent");
    assert_eq!(flash(&s).0, "type it first");
    keys(&mut s, ":bot-message<Enter>");
    keys(&mut s, "Where is my order?");
    assert!(render(&s).contains("Send as the customer: Where is my order?"), "{}", render(&s));
    let sent = keys(&mut s, "<Enter>");
    assert_eq!(bot_calls(&sent), vec![(first.to_string(), BotCall::Message("Where is my order?".into()))]);
    assert!(s.overlay.is_none());
    assert_eq!(flash(&s).0, "asking the bot…");
}

#[test]
fn events_are_one_word_and_a_step_is_checked_before_it_goes() {
    let mut s = inbox(160, 48);
    captain(&mut s);
    keys(&mut s, ":bot-custom-event<Enter>");
    keys(&mut s, "order completed");
    assert!(render(&s).contains("cannot send: an event name is one word"));
    assert!(bot_calls(&keys(&mut s, "<Enter>")).is_empty());
    keys(&mut s, ":bot-event<Enter>");
    let sent = keys(&mut s, "user_seen_message<Enter>");
    assert_eq!(bot_calls(&sent)[0].1, BotCall::Event("user_seen_message".into()));
    keys(&mut s, ":bot-step<Enter>");
    keys(&mut s, "flow=f1 payload={oops");
    assert!(render(&s).contains("not JSON"), "{}", render(&s));
    assert!(bot_calls(&keys(&mut s, "<Enter>")).is_empty());
    keys(&mut s, ":bot-step<Enter>");
    let sent = keys(&mut s, "flow=f1 step=s2 payload={\"id\":1}<Enter>");
    let step = Step {
        flow_id: Some("f1".into()),
        step_id: Some("s2".into()),
        event: None,
        payload: Some("{\"id\":1}".into()),
    };
    assert_eq!(bot_calls(&sent)[0].1, BotCall::Step(step));
}

#[test]
fn the_bots_answer_lands_in_the_thread_after_the_message_handed_over() {
    let mut s = with_thread(160, 48);
    captain(&mut s);
    let first = id(&s, 0);
    let mut reply = thread_messages(&first).remove(0);
    reply.id = "bot_1".into();
    reply.body = "Your order ships tomorrow.".into();
    reply.author.kind = AuthorKind::Ai;
    let before = s.thread.as_ref().map_or(0, |t| t.messages.len());
    let event = SyncEvent::Bot {
        conversation: first.clone(),
        call: BotCall::Message("Track \u{1b}[31morder 4411".into()),
        result: Ok(BotReply::Messages(vec![reply])),
    };
    let effects = update(&mut s, Action::Sync(event));
    let t = s.thread.as_ref().expect("thread");
    let added: Vec<(AuthorKind, &str)> =
        t.messages[before..].iter().map(|m| (m.author.kind.clone(), m.body.as_str())).collect();
    assert_eq!(added, [(AuthorKind::Contact, "Track order 4411"), (AuthorKind::Ai, "Your order ships tomorrow.")]);
    assert!(effects.is_empty(), "not read again at once: a backend still writing would lose the answer: {effects:?}");
    assert_eq!(flash(&s).0, "the bot answered");

    let said = SyncEvent::Bot {
        conversation: first.clone(),
        call: BotCall::CustomEvent("paid".into()),
        result: Ok(BotReply::Said("queued".into())),
    };
    let effects = update(&mut s, Action::Sync(said));
    assert_eq!(flash(&s).0, "the bot took it: queued");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::Thread { id, .. }) if *id == first)),
        "an answer without messages reads the thread again: {effects:?}"
    );
    let failed = SyncEvent::Bot {
        conversation: first,
        call: BotCall::Event("seen".into()),
        result: Err(ProviderError::Auth("ChatCaptain: Insufficient permissions.".into())),
    };
    assert!(update(&mut s, Action::Sync(failed)).is_empty(), "a failure reloads nothing");
    let (text, level) = flash(&s);
    assert_eq!(level, Level::Error);
    assert!(text.contains("the bot call failed") && text.contains("Insufficient permissions"), "{text}");
}

#[test]
fn deleting_asks_first_and_a_deleted_conversation_leaves_the_screen() {
    let mut s = with_thread(160, 48);
    captain(&mut s);
    s.focus = Focus::Thread;
    let first = id(&s, 0);
    let rows = s.list.len();
    keys(&mut s, ":delete-conversation<Enter>");
    assert!(
        matches!(&s.overlay, Some(Overlay::ConfirmDelete { target: crate::state::Deletion::Conversation(id), .. }) if *id == first)
    );
    assert!(render(&s).contains("Delete for good?"));
    assert!(keys(&mut s, "n").is_empty(), "any other key keeps it");
    assert!(s.overlay.is_none());
    assert_eq!(flash(&s).0, "kept");
    keys(&mut s, ":delete-conversation<Enter>");
    assert_eq!(keys(&mut s, "y"), vec![Effect::Sync(SyncCommand::Delete(first.clone()))]);
    assert_eq!(s.list.len(), rows, "nothing leaves before the server says so");

    let refused = SyncEvent::Deleted {
        id: first.clone(),
        result: Err(ProviderError::Permanent { code: "NOT_DELETED".into(), message: "it did not".into() }),
    };
    update(&mut s, Action::Sync(refused));
    assert_eq!((s.list.len(), flash(&s).1), (rows, Level::Error));
    let done = update(&mut s, Action::Sync(SyncEvent::Deleted { id: first.clone(), result: Ok(()) }));
    assert_eq!(s.list.len(), rows - 1);
    assert!(s.list.position(&first).is_none());
    assert!(s.thread.is_none() && s.focus == Focus::List);
    assert_eq!(done, vec![Effect::Sync(SyncCommand::Views)], "the counts are read again");
}

#[test]
fn a_conversation_found_by_its_channel_ids_opens() {
    let mut s = inbox(160, 48);
    captain(&mut s);
    keys(&mut s, ":find-conversation<Enter>");
    keys(&mut s, "channel_def456");
    assert!(render(&s).contains("type: <channel id>"));
    let asked = keys(&mut s, " 49123456789<Enter>");
    assert_eq!(
        asked,
        vec![Effect::Sync(SyncCommand::Find {
            channel_id: "channel_def456".into(),
            provider_id: "49123456789".into()
        })]
    );
    update(&mut s, Action::Sync(SyncEvent::Found(Ok(None))));
    assert_eq!(flash(&s).0, "no conversation has those ids");
    let found = conversation(77, "Whats Appson", Channel::Whatsapp, "hi");
    let effects = update(&mut s, Action::Sync(SyncEvent::Found(Ok(Some(Box::new(found.clone()))))));
    assert_eq!(s.thread.as_ref().map(|t| t.id.clone()), Some(found.id.clone()));
    assert_eq!(s.focus, Focus::Thread);
    assert!(effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::Thread { id, .. }) if *id == found.id)));
}

#[test]
fn what_the_account_cannot_do_is_said_at_the_key_and_left_out_of_the_hints() {
    let mut s = inbox(200, 30);
    assert!(render(&s).contains("close"), "the hints offer close where it works");
    s.caps.close = false;
    s.caps.assign = false;
    let rows = s.list.items.clone();
    assert!(keys(&mut s, "e").is_empty(), "nothing is changed on screen");
    assert_eq!(s.list.items, rows);
    assert_eq!(flash(&s), ("this account cannot close conversations (archive, where it can)".into(), Level::Info));
    assert!(keys(&mut s, "m").is_empty());
    assert_eq!(flash(&s).0, "this account cannot assign");
    s.status.flash = None;
    let bar = render(&s);
    let last = bar.lines().last().unwrap_or_default();
    assert!(!last.contains("close") && !last.contains("mine"), "{last}");
    assert!(keys(&mut s, ":bot-message<Enter>").is_empty());
    assert_eq!(flash(&s).0, "this account has no chatbot to call");
    keys(&mut s, ":bot-mess");
    assert!(render(&s).contains("not on this account: Hand the chatbot"), "the palette says so too: {}", render(&s));
}

#[test]
fn the_delete_question_at_80x24() {
    let mut s = inbox(80, 24);
    captain(&mut s);
    keys(&mut s, ":delete-conversation<Enter>");
    insta::assert_snapshot!(render(&s));
}
