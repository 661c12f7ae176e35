//! The composer, the review line and the copilot's suggestion, through the keymap.

use super::{answer, fail, flash, id, only_op, ops};
use crate::state::Focus;
use crate::testing::{inbox, keys, render, with_thread};
use crate::update::update;
use crate::{Action, Effect};
use frontdesk_domain::{AiState, Change, Op, ReplyKind};
use frontdesk_provider::ProviderError;
use frontdesk_sync::SyncCommand;

#[test]
fn reply_review_send_and_failure_keeps_the_text() {
    let mut s = with_thread(160, 48);
    let conversation = id(&s, 0);
    keys(&mut s, "rHello there");
    assert_eq!(s.focus, Focus::Composer);
    assert!(keys(&mut s, "y").is_empty(), "letters type, they are not commands");
    keys(&mut s, "<C-s>");
    assert!(s.composer.as_ref().is_some_and(|c| c.reviewing));
    let (ticket, op) = only_op(&keys(&mut s, "y"));
    assert_eq!(
        op,
        Op::Send {
            conversation: conversation.clone(),
            kind: ReplyKind::Reply,
            body: "Hello therey".into(),
            suggestion: None,
            attachments: Vec::new()
        }
    );
    assert!(s.composer.is_none());
    assert_eq!(s.unsent.get(&conversation).map(Vec::len), Some(1), "shown as sending");
    fail(&mut s, ticket);
    let failed = |s: &crate::State| {
        s.unsent.get(&conversation).map(|l| l.iter().map(|m| m.delivery).collect::<Vec<_>>()).unwrap_or_default()
    };
    assert_eq!(failed(&s), [frontdesk_domain::Delivery::Failed], "stays in the thread, marked");
    assert!(flash(&s).0.contains("not sent: network: connection refused"), "{:?}", flash(&s));
    assert!(render(&s).contains("not sent: network: connection refused"), "{}", render(&s));
    keys(&mut s, "r");
    assert_eq!(
        s.composer.as_ref().map(|c| c.editor.lines().join("\n")),
        Some("Hello therey".into()),
        "the draft came back"
    );
    keys(&mut s, "<Esc>");
    assert_eq!(s.focus, Focus::Thread);

    // Retry: the same text again, as a new entry; the draft holding only it goes.
    let effects = keys(&mut s, "R");
    let (ticket, op) = only_op(&effects);
    assert!(matches!(&op, Op::Send { body, .. } if body == "Hello therey"), "{op:?}");
    assert!(effects.contains(&Effect::Sync(SyncCommand::DeleteDraft(conversation.clone()))), "{effects:?}");
    assert!(!s.drafts.contains_key(&conversation));
    assert_eq!(failed(&s), [frontdesk_domain::Delivery::Queued], "sending again");

    // Refused again, then discarded: gone from the thread, the draft with it.
    answer(&mut s, ticket, Err(ProviderError::Permanent { code: "X".into(), message: "window closed".into() }));
    assert!(s.drafts.contains_key(&conversation));
    let effects = keys(&mut s, "D");
    assert!(failed(&s).is_empty());
    assert!(!s.drafts.contains_key(&conversation));
    assert!(effects.contains(&Effect::Sync(SyncCommand::DeleteDraft(conversation.clone()))));
    keys(&mut s, "R");
    assert!(flash(&s).0.contains("nothing here failed"));
}

#[test]
fn esc_keeps_the_draft_and_the_note_toggle_shows() {
    let mut s = with_thread(160, 48);
    keys(&mut s, "nchecked<Esc>");
    assert!(s.composer.is_none());
    assert_eq!(
        s.drafts.get(&id(&s, 0)).map(|d| (d.kind, d.lines.clone())),
        Some((ReplyKind::Note, vec!["checked".into()]))
    );
    keys(&mut s, "r");
    assert_eq!(
        s.composer.as_ref().map(|c| (c.kind, c.editor.lines().join(""))),
        Some((ReplyKind::Reply, "checked".into()))
    );
    keys(&mut s, "<C-t>");
    assert_eq!(s.composer.as_ref().map(|c| c.kind), Some(ReplyKind::Note));
}

#[test]
fn send_and_close_or_snooze() {
    let mut s = with_thread(160, 48);
    keys(&mut s, "rDone<C-s>");
    let all = ops(&keys(&mut s, "c"));
    assert!(matches!(all[0].1, Op::Send { .. }));
    assert_eq!(all[1].1, Op::Change { conversation: id(&s, 0), change: Change::Close });
    let mut s = with_thread(160, 48);
    keys(&mut s, "rLater<C-s>");
    let all = ops(&keys(&mut s, "z"));
    assert!(matches!(all[1].1, Op::Change { change: Change::Snooze { .. }, .. }));
}

#[test]
fn empty_drafts_are_not_sent() {
    let mut s = with_thread(160, 48);
    keys(&mut s, "r<C-s>");
    assert!(s.composer.as_ref().is_some_and(|c| !c.reviewing));
    assert!(flash(&s).0.contains("nothing to send"));
}

#[test]
fn external_editor_round_trip() {
    let mut s = with_thread(160, 48);
    let effects = keys(&mut s, "rdraft<C-e>");
    let conversation = id(&s, 0);
    assert!(effects.contains(&Effect::Edit { conversation: conversation.clone(), text: "draft".into() }));
    update(
        &mut s,
        Action::Edited { conversation: conversation.clone(), result: Ok("line one\nline \u{1b}[31mtwo\n".into()) },
    );
    assert_eq!(
        s.composer.as_ref().map(|c| c.editor.lines().to_vec()),
        Some(vec!["line one".to_owned(), "line two".to_owned()])
    );
    update(&mut s, Action::Edited { conversation, result: Err("vi exited with 1".into()) });
    assert!(flash(&s).0.contains("draft is unchanged"));
}

#[test]
fn canned_replies_insert_into_the_draft() {
    let mut s = with_thread(160, 48);
    keys(&mut s, "r<C-p>refund<Enter>");
    assert!(s.composer.as_ref().is_some_and(|c| c.editor.lines().join("").contains("refund is on its way")));
}

#[test]
fn the_suggestion_sends_edits_dismisses_and_is_asked_for() {
    let mut s = with_thread(160, 48);
    let (ticket, op) = only_op(&keys(&mut s, "y"));
    assert_eq!(op, Op::SendSuggestion { suggestion: "sug_0001".into() });
    assert!(
        s.thread.as_ref().is_some_and(|t| t.suggestion.is_none())
            && s.unsent.values().map(Vec::len).sum::<usize>() == 1
    );
    fail(&mut s, ticket);
    assert!(s.thread.as_ref().is_some_and(|t| t.suggestion.is_some()) && s.unsent.is_empty(), "back after a failure");

    let (ticket, op) = only_op(&keys(&mut s, "x"));
    assert_eq!(op, Op::DismissSuggestion { suggestion: "sug_0001".into() });
    fail(&mut s, ticket);
    assert!(s.thread.as_ref().is_some_and(|t| t.suggestion.is_some()));

    keys(&mut s, "<Enter>");
    assert!(
        s.composer
            .as_ref()
            .is_some_and(|c| c.suggestion.is_some() && c.editor.lines().join(" ").contains("replacement"))
    );
    let (_, op) = only_op(&keys(&mut s, " Thanks!<C-s>y"));
    let Op::Send { suggestion, body, .. } = op else { panic!("send") };
    assert_eq!(suggestion, Some("sug_0001".into()), "the edited draft keeps its suggestion id");
    assert!(body.ends_with("Thanks!"));

    let mut s = with_thread(160, 48);
    keys(&mut s, "x");
    let (_, op) = only_op(&keys(&mut s, "c"));
    assert_eq!(op, Op::RequestSuggestion { conversation: id(&s, 0) });
    assert!(s.thread.as_ref().is_some_and(|t| t.suggesting));
    keys(&mut s, "y");
    assert!(flash(&s).0.contains("no suggestion"));
}

/// Issue 22: a suggestion the copilot held back has nothing to send or edit; the
/// panel says why and `c` asks again. A draft is edited as it would be sent: the
/// editing agent's name where the draft leaves the sender's.
#[test]
fn a_withheld_suggestion_says_why_and_sends_nothing() {
    let mut s = with_thread(160, 48);
    let why = "no confident suggestion: the best match, \"Where is my order\", is 31% sure";
    if let Some(sug) = s.thread.as_mut().and_then(|t| t.suggestion.as_mut()) {
        sug.body = String::new();
        sug.withheld = Some(why.into());
        sug.sources.clear();
        sug.actions.clear();
    }
    let screen = render(&s);
    assert!(screen.contains("No draft: no confident suggestion"), "{screen}");
    assert!(screen.contains("c ask again") && !screen.contains("y send"), "{screen}");
    for key in ["y", "<Enter>"] {
        assert!(ops(&keys(&mut s, key)).is_empty(), "{key} sends nothing");
        assert!(flash(&s).0.contains("no draft to send: no confident suggestion"), "{:?}", flash(&s));
        assert!(s.composer.is_none());
    }
    let (_, op) = only_op(&keys(&mut s, "c"));
    assert_eq!(op, Op::RequestSuggestion { conversation: id(&s, 0) });

    let mut s = with_thread(160, 48);
    keys(&mut s, "<Enter>");
    let text = s.composer.as_ref().map(|c| c.editor.lines().join("\n")).unwrap_or_default();
    assert!(text.ends_with("Best regards,\nDana"), "{text}");
    assert!(!text.contains("{agent_name}"), "{text}");
}

/// A draft sent as it is shows in the thread as it goes out: signed with my name,
/// as the panel showed it, never with the sender's placeholder.
#[test]
fn a_draft_sent_as_drafted_shows_what_goes_out() {
    let mut s = with_thread(160, 48);
    keys(&mut s, "y");
    let sending: Vec<&str> = s.unsent.values().flatten().map(|m| m.body.as_str()).collect();
    assert_eq!(sending.len(), 1);
    assert!(sending[0].ends_with("Best regards,\nDana") && !sending[0].contains("{agent_name}"), "{sending:?}");
}

/// Issue 22: an edited draft shows what changed before it is sent.
#[test]
fn the_review_shows_how_the_draft_was_edited() {
    let mut s = with_thread(160, 48);
    keys(&mut s, "<Enter><C-s>");
    let screen = render(&s);
    assert!(!screen.contains("Edited from the copilot's draft"), "unchanged: no diff\n{screen}");
    keys(&mut s, "<Esc>"); // back to editing
    keys(&mut s, "<C-Home>Hello Maria!<Enter><C-s>");
    let screen = render(&s);
    assert!(screen.contains("Edited from the copilot's draft: -0 +2 words"), "{screen}");
    assert!(screen.contains("Hello Maria!"), "{screen}");
    assert!(screen.contains("Send?"), "the review line is still there:\n{screen}");
}

#[test]
fn handoff_take_over_and_resolve() {
    let mut s = inbox(100, 30);
    keys(&mut s, "jj"); // AI-led
    let (ticket, op) = only_op(&keys(&mut s, "T"));
    assert_eq!(op, Op::Change { conversation: id(&s, 2), change: Change::Handoff { reason: None } });
    assert_eq!(s.list.items[2].ai_state, AiState::Human);
    assert_eq!(s.list.items[2].assignee.as_ref().map(|a| a.name.as_str()), Some("Dana Scully"));
    fail(&mut s, ticket);
    assert_eq!(s.list.items[2].ai_state, AiState::AiLed, "rolled back");
    keys(&mut s, "H");
    assert!(flash(&s).0.contains("already leads"));
    keys(&mut s, "j"); // handoff requested
    let (_, op) = only_op(&keys(&mut s, "H"));
    assert_eq!(op, Op::Change { conversation: id(&s, 3), change: Change::ResolveHandoff });
    assert_eq!(s.list.items[3].ai_state, AiState::AiLed, "handed back at once");
    keys(&mut s, "j");
    keys(&mut s, "T");
    assert!(flash(&s).0.contains("already"));
}

#[test]
fn drafts_are_kept_a_second_after_typing_stops_and_on_leaving() {
    use frontdesk_sync::{SyncCommand, store::StoredDraft};
    use jiff::ToSpan as _;
    let mut s = with_thread(160, 48);
    keys(&mut s, "rHalf a thought");
    let typed = s.draft_dirty.expect("typing marks the draft");
    assert_eq!(crate::schedule::next_wake(&s), Some(typed + 1.second()));
    assert!(update(&mut s, Action::Clock(typed + 500.milliseconds())).is_empty(), "not while still typing");
    let saved = update(&mut s, Action::Clock(typed + 1.second()));
    let draft = StoredDraft {
        conversation: id(&s, 0),
        kind: ReplyKind::Reply,
        body: "Half a thought".into(),
        suggestion: None,
    };
    assert_eq!(saved, vec![Effect::Sync(SyncCommand::SaveDraft(draft.clone()))]);
    assert!(s.draft_dirty.is_none());
    let left = keys(&mut s, "<Esc>");
    assert!(left.contains(&Effect::Sync(SyncCommand::SaveDraft(draft))), "{left:?}");
    let sent = keys(&mut s, "r<C-s>y");
    assert!(sent.contains(&Effect::Sync(SyncCommand::DeleteDraft(id(&s, 0)))), "a sent draft is gone");
}

#[test]
fn kept_drafts_come_back_after_a_restart() {
    use frontdesk_sync::{SyncEvent, store::StoredDraft};
    let mut s = with_thread(160, 48);
    let draft =
        StoredDraft { conversation: id(&s, 0), kind: ReplyKind::Note, body: "from before".into(), suggestion: None };
    update(&mut s, Action::Sync(SyncEvent::Drafts(vec![draft])));
    keys(&mut s, "n");
    assert_eq!(s.composer.as_ref().map(|c| c.editor.lines().join("")), Some("from before".into()));
}

#[test]
fn recovered_sends_show_in_their_thread_until_answered() {
    use frontdesk_provider::Applied;
    use frontdesk_sync::SyncEvent;
    let mut s = with_thread(160, 48);
    let conversation = id(&s, 0);
    let op = Op::Send {
        conversation: conversation.clone(),
        kind: ReplyKind::Reply,
        body: "left over".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    update(&mut s, Action::Sync(SyncEvent::Recovered(vec![(1 << 40, op)])));
    assert_eq!(s.unsent.get(&conversation).map(Vec::len), Some(1));
    assert!(crate::testing::render(&s).contains("left over"));
    update(
        &mut s,
        Action::Sync(SyncEvent::Retrying {
            ticket: 1 << 40,
            after: std::time::Duration::from_secs(8),
            reason: "network: refused".into(),
        }),
    );
    assert!(crate::testing::render(&s).contains("queued · retry in 8s"));
    let mut m = s.thread.as_ref().map(|t| t.messages[0].clone()).expect("message");
    m.body = "left over".into();
    m.id = "msg_sent".into();
    super::answer(&mut s, 1 << 40, Ok(Applied::Message(Box::new(m))));
    assert!(s.unsent.is_empty() && s.inflight.is_empty());
}

/// Issue 19, case 10: a composer opened while its thread loads counts nothing as
/// new when the thread arrives; only what others write after it does.
#[test]
fn the_review_line_counts_only_what_arrived_after_writing_started() {
    let mut s = inbox(100, 30);
    let effects = keys(&mut s, "<Enter>r");
    assert_eq!(s.focus, Focus::Composer);
    let Some((generation, id)) = effects.iter().find_map(|e| match e {
        Effect::Sync(SyncCommand::Thread { generation, id }) => Some((*generation, id.clone())),
        _ => None,
    }) else {
        panic!("no thread asked for: {effects:?}");
    };
    let messages = crate::testing::thread_messages(&id);
    update(
        &mut s,
        Action::Sync(frontdesk_sync::SyncEvent::Thread { generation, id, messages, suggestion: None, older: None }),
    );
    keys(&mut s, "On its way<C-s>");
    assert_eq!(crate::update::compose::arrived(&s), 0);
    assert!(!render(&s).contains("arrived while you typed"), "{}", render(&s));
}

/// Issue 19, case 10: Tab never gives the keys to a composer that is not drawn
/// (its conversation is not the thread on screen), so Ctrl-S y cannot send it.
#[test]
fn tab_skips_a_composer_that_is_not_on_screen() {
    let mut s = inbox(160, 40);
    keys(&mut s, "<Enter>rDraft for the first customer");
    assert_eq!(s.focus, Focus::Composer);
    // Away to another conversation: the draft's composer is not under it.
    keys(&mut s, "<Esc>");
    s.focus = Focus::List;
    keys(&mut s, "j");
    assert_ne!(s.thread.as_ref().map(|t| t.id.clone()), s.composer.as_ref().map(|c| c.conversation.clone()));
    for _ in 0..6 {
        keys(&mut s, "<Tab>");
        assert_ne!(s.focus, Focus::Composer, "the hidden composer took the keys");
    }
}

/// Issue 19, case 3: opening the composer and leaving it as it was writes nothing,
/// so it can never delete a draft kept by another client.
#[test]
fn an_untouched_composer_writes_nothing() {
    let mut s = inbox(100, 30);
    keys(&mut s, "r");
    assert_eq!(s.focus, Focus::Composer);
    let effects = keys(&mut s, "<Esc>");
    let writes: Vec<_> = effects
        .iter()
        .filter(|e| matches!(e, Effect::Sync(SyncCommand::SaveDraft(_) | SyncCommand::DeleteDraft(_))))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    // A draft written, then emptied: that is a change, and the stored draft goes.
    keys(&mut s, "rHello");
    let effects = keys(&mut s, "<Esc>");
    assert!(effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::SaveDraft(_)))), "{effects:?}");
    keys(&mut s, "r<Backspace><Backspace><Backspace><Backspace><Backspace>");
    let effects = keys(&mut s, "<Esc>");
    assert!(effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::DeleteDraft(_)))), "{effects:?}");
}

#[test]
fn a_canned_reply_is_never_glued_to_the_word_before() {
    let mut s = with_thread(160, 48);
    keys(&mut s, "rHello Maria,<C-p>refund<Enter>");
    let text = s.composer.as_ref().map(|c| c.editor.lines().join("\n")).unwrap_or_default();
    assert_eq!(text, "Hello Maria, Your refund is on its way: 3–5 business days.");
    // At the start of a line, or after a space, it goes in as it is.
    let mut s = with_thread(160, 48);
    keys(&mut s, "rHi <C-p>thanks<Enter>");
    let text = s.composer.as_ref().map(|c| c.editor.lines().join("\n")).unwrap_or_default();
    assert_eq!(text, "Hi Thanks for reaching out! I'm looking into it now.");
}

#[test]
fn a_draft_is_thrown_away_only_when_asked_and_is_marked_in_the_list() {
    // The list pane's part of the row of the conversation with the thread open.
    let row = |s: &crate::State| {
        let name = s.thread.as_ref().and_then(|t| t.conversation.as_ref()).map(|c| c.contact.name.clone());
        let screen = render(s);
        let line = screen.lines().find(|l| l.contains("││") && name.as_deref().is_some_and(|n| l.contains(n)));
        let line = line.unwrap_or_default().to_owned();
        line.split("││").nth(1).unwrap_or_default().to_owned()
    };
    let mut s = with_thread(160, 48);
    let id = s.thread.as_ref().map(|t| t.id.clone()).expect("thread");
    assert!(!row(&s).contains('✎'));
    keys(&mut s, "rsomething to say<Esc>");
    assert!(row(&s).contains('✎'), "the list marks the conversation with a draft: {}", row(&s));
    keys(&mut s, "r<C-x>");
    assert!(render(&s).contains("Throw this draft away?"));
    keys(&mut s, "n");
    assert!(s.composer.is_some(), "any other key keeps writing");
    let effects = keys(&mut s, "<C-x>y");
    assert!(s.composer.is_none() && !s.drafts.contains_key(&id));
    assert!(effects.contains(&Effect::Sync(SyncCommand::DeleteDraft(id))), "{effects:?}");
    assert!(!row(&s).contains('✎'));
}

#[test]
fn ctrl_c_in_the_composer_keeps_the_draft_and_asks() {
    let mut s = with_thread(160, 48);
    let effects = keys(&mut s, "rhalf a thought<C-c>");
    assert!(!s.quit, "asked first");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::SaveDraft(d)) if d.body == "half a thought")),
        "the draft is on its way to disk before the answer: {effects:?}"
    );
    assert!(render(&s).contains("The draft is kept"));
    keys(&mut s, "n");
    assert!(!s.quit && s.composer.is_some());
    let effects = keys(&mut s, "<C-c>y");
    assert!(s.quit && effects.contains(&Effect::Quit));
}
