//! The native provider against the real server: every read, every op, the error
//! kinds, idempotent sends, and the live update stream.

use std::time::Duration;

use futures::StreamExt as _;
use secrecy::SecretString;
use serde_json::json;

use frontdesk_domain::{
    AiState, Change, ConversationId, EventKind, Op, ReplyKind, Status, SuggestionStatus, ViewFilter,
};
use frontdesk_provider::{Applied, ListQuery, Provider, ProviderError, Sort, Update};
use frontdesk_provider_native::NativeProvider;

use super::support::TestServer;

fn provider(s: &TestServer) -> NativeProvider {
    NativeProvider::new("test", &s.url, SecretString::from(s.key.clone())).expect("provider")
}

async fn apply(p: &NativeProvider, op: Op) -> Applied {
    p.apply(op, uuid::Uuid::now_v7().to_string()).await.expect("applied")
}

fn conversation(a: Applied) -> frontdesk_domain::Conversation {
    match a {
        Applied::Conversation(c) => *c,
        other => panic!("expected a conversation, got {other:?}"),
    }
}

#[tokio::test]
async fn reads_map_to_domain_values() {
    let s = TestServer::start().await;
    let id = s.conversation("+15550001").await;
    let p = provider(&s);
    let me = p.me().await.expect("me");
    assert_eq!(me.agent.name, "Ada Admin");
    assert_eq!(me.org_name, "Org A");
    assert_eq!(p.agents().await.expect("agents").len(), 2);
    let views = p.views().await.expect("views");
    assert!(views.iter().any(|v| v.view.id.as_str() == "unread" && v.count == 1), "{views:?}");
    let page = p.list(ListQuery { view: Some("all".into()), limit: 10, ..ListQuery::default() }).await.expect("list");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id.as_str(), id);
    let thread = p.thread(ConversationId::from(id.clone()), 50).await.expect("thread");
    assert_eq!(thread.len(), 1);
    assert!(thread[0].body.contains("#4821"));
    assert!(p.suggestions(ConversationId::from(id)).await.expect("suggestions").is_empty());
}

#[tokio::test]
async fn every_change_applies() {
    let s = TestServer::start().await;
    let id = ConversationId::from(s.conversation("+15550002").await);
    let p = provider(&s);
    let change = |change| Op::Change { conversation: id.clone(), change };
    assert!(conversation(apply(&p, change(Change::Star)).await).starred);
    assert!(!conversation(apply(&p, change(Change::Read)).await).unread);
    assert!(conversation(apply(&p, change(Change::Unread)).await).unread);
    let me = p.me().await.expect("me").agent;
    let c = conversation(apply(&p, change(Change::Assign { agent_id: Some(me.id.clone()), team: None })).await);
    assert_eq!(c.assignee.map(|a| a.id.clone()), Some(me.id));
    let c = conversation(apply(&p, change(Change::SetTags { tags: vec!["vip".into(), "billing".into()] })).await);
    assert_eq!(c.tags.len(), 2);
    let until = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(3);
    let c = conversation(apply(&p, change(Change::Snooze { until })).await);
    assert_eq!((c.status, c.snoozed_until.map(jiff::Timestamp::as_second)), (Status::Snoozed, Some(until.as_second())));
    assert_eq!(conversation(apply(&p, change(Change::Close)).await).status, Status::Closed);
    assert_eq!(conversation(apply(&p, change(Change::Reopen)).await).status, Status::Open);
    assert_eq!(conversation(apply(&p, change(Change::Pending)).await).status, Status::Pending);
    assert!(conversation(apply(&p, change(Change::Archive)).await).archived);
    assert!(!conversation(apply(&p, change(Change::Unarchive)).await).archived);
}

#[tokio::test]
async fn bulk_reports_each_conversation() {
    let s = TestServer::start().await;
    let a = ConversationId::from(s.conversation("+15550003").await);
    let b = ConversationId::from(s.conversation("+15550004").await);
    let p = provider(&s);
    let missing = ConversationId::from("cnv_missing");
    let Applied::Bulk(results) =
        apply(&p, Op::Bulk { conversations: vec![a.clone(), b.clone(), missing.clone()], change: Change::Close }).await
    else {
        panic!("bulk answer")
    };
    assert_eq!(results.len(), 3);
    for (id, outcome) in results {
        if id == missing {
            assert!(outcome.is_err());
        } else {
            assert_eq!(outcome.expect("closed").status, Status::Closed);
        }
    }
}

#[tokio::test]
async fn a_send_retried_with_its_key_arrives_once() {
    let s = TestServer::start().await;
    let id = ConversationId::from(s.conversation("+15550005").await);
    let p = provider(&s);
    let op = Op::Send {
        conversation: id.clone(),
        kind: ReplyKind::Reply,
        body: "On its way!".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    let first = p.apply(op.clone(), "key-1".into()).await.expect("sent");
    let again = p.apply(op, "key-1".into()).await.expect("replayed");
    assert_eq!(first, again);
    let note = Op::Send {
        conversation: id.clone(),
        kind: ReplyKind::Note,
        body: "checked with the courier".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    let Applied::Message(m) = apply(&p, note).await else { panic!("a message") };
    assert_eq!(m.kind, frontdesk_domain::MessageKind::Note);
    let thread = p.thread(id, 50).await.expect("thread");
    assert_eq!(thread.iter().filter(|m| m.body == "On its way!").count(), 1);
}

#[tokio::test]
async fn suggestions_are_asked_for_sent_and_dismissed() {
    let s = TestServer::start().await;
    let id = ConversationId::from(s.question("+15550006").await);
    let p = provider(&s);
    let Applied::Suggestion(sug) = apply(&p, Op::RequestSuggestion { conversation: id.clone() }).await else {
        panic!("a suggestion")
    };
    assert_eq!(sug.status, SuggestionStatus::Pending);
    let listed = p.suggestions(id.clone()).await.expect("suggestions");
    assert_eq!(listed.first().map(|s| &s.id), Some(&sug.id));
    let Applied::Message(m) = apply(&p, Op::SendSuggestion { suggestion: sug.id.clone() }).await else {
        panic!("the sent message")
    };
    assert_eq!(m.body, sug.body);
    let Applied::Suggestion(next) = apply(&p, Op::RequestSuggestion { conversation: id.clone() }).await else {
        panic!("a suggestion")
    };
    let Applied::Suggestion(dismissed) = apply(&p, Op::DismissSuggestion { suggestion: next.id }).await else {
        panic!("the dismissed suggestion")
    };
    assert_eq!(dismissed.status, SuggestionStatus::Dismissed);
}

#[tokio::test]
async fn handoff_takes_over_from_the_ai_agent() {
    let s = TestServer::start().await;
    let (status, v) = s
        .post(
            "/v1/inbound",
            json!({"channel": "web", "contact": {"handle": "v-1"}, "body": "help", "ai_agent": "Ada (AI)"}),
        )
        .await;
    assert!(status.is_success(), "{v}");
    let id = ConversationId::from(v["conversation"]["id"].as_str().expect("id").to_owned());
    let p = provider(&s);
    let change = |change| Op::Change { conversation: id.clone(), change };
    let c = conversation(apply(&p, change(Change::Handoff { reason: None })).await);
    assert_eq!(c.ai_state, AiState::Human);
    assert_eq!(c.assignee.map(|a| a.name.clone()).as_deref(), Some("Ada Admin"), "taken over: mine");
    let c = conversation(apply(&p, change(Change::ResolveHandoff)).await);
    assert_eq!(c.ai_state, AiState::AiLed, "handed back");
    let c = conversation(apply(&p, change(Change::AddTags { tags: vec!["vip".into()] })).await);
    assert_eq!(c.tags, ["vip"], "a change without its own endpoint goes as a bulk of one");
    let c = conversation(apply(&p, change(Change::SetPriority { priority: frontdesk_domain::Priority::Urgent })).await);
    assert_eq!(c.priority, frontdesk_domain::Priority::Urgent);
    assert!(conversation(apply(&p, change(Change::Unassign)).await).assignee.is_none());
}

#[tokio::test]
async fn errors_come_typed() {
    let s = TestServer::start().await;
    let id = ConversationId::from(s.conversation("+15550007").await);
    let p = provider(&s);
    let missing = p.conversation(ConversationId::from("cnv_nope")).await;
    assert!(matches!(missing, Err(ProviderError::NotFound(_))), "{missing:?}");
    let empty = p
        .apply(
            Op::Send {
                conversation: id,
                kind: ReplyKind::Reply,
                body: "  ".into(),
                suggestion: None,
                attachments: Vec::new(),
            },
            "k".into(),
        )
        .await;
    assert!(matches!(empty, Err(ProviderError::Permanent { .. })), "{empty:?}");
    let bad = NativeProvider::new("x", &s.url, SecretString::from("fd_wrong".to_owned())).expect("provider");
    assert!(matches!(bad.me().await, Err(ProviderError::Auth(_))));
    let down = NativeProvider::new("x", "http://127.0.0.1:9", SecretString::from("k".to_owned())).expect("provider");
    let err = down.me().await.expect_err("nothing listens on port 9");
    assert!(err.is_transient(), "{err:?}");
}

#[tokio::test]
async fn urgency_puts_the_breached_first() {
    let s = TestServer::start().await;
    let _calm = s.conversation("+15550008").await;
    let late = s.conversation("+15550009").await;
    // The SLA of this org is an hour; move one deadline into the past.
    s.plant("UPDATE conversations SET sla_due_at = 1000 WHERE id = $1", &[&late]).await;
    let p = provider(&s);
    let q = ListQuery {
        view: Some("all".into()),
        filter: ViewFilter { status: vec![Status::Open, Status::Pending], ..ViewFilter::default() },
        sort: Sort::Urgency,
        limit: 1,
        ..ListQuery::default()
    };
    let page = p.list(q).await.expect("urgent");
    assert_eq!(page.items.first().map(|c| c.id.as_str()), Some(late.as_str()));
    assert!(page.next_cursor.is_none());
}

#[tokio::test]
async fn the_update_stream_delivers_events() {
    let s = TestServer::start().await;
    let p = provider(&s);
    let mut updates = p.updates(None);
    let first = tokio::time::timeout(Duration::from_secs(5), updates.next()).await.expect("in time");
    assert_eq!(first, Some(Update::Connected));
    s.inbound("+15550010", "is anyone there?").await;
    let mut saw_message = false;
    while let Ok(Some(u)) = tokio::time::timeout(Duration::from_secs(5), updates.next()).await {
        if let Update::Event(e) = u
            && let EventKind::MessageCreated(m) = e.kind
        {
            assert_eq!(m.body, "is anyone there?");
            saw_message = true;
            break;
        }
    }
    assert!(saw_message);
}

#[tokio::test]
async fn hostile_text_is_cleaned_at_the_door() {
    let s = TestServer::start().await;
    // The server sanitises inbound text too; put raw bytes straight into the database
    // to prove the adapter does its own cleaning.
    let id = s.conversation("+15550011").await;
    s.plant("UPDATE contacts SET name = $1", &["Eve\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{202e}lin"]).await;
    s.plant("UPDATE messages SET body = $1", &["pay \u{1b}[31mnow\u{1b}[0m \u{9b}2J"]).await;
    let p = provider(&s);
    let c = p.conversation(ConversationId::from(id.clone())).await.expect("conversation");
    assert_eq!(c.contact.name, "Evelin");
    let thread = p.thread(ConversationId::from(id), 10).await.expect("thread");
    assert_eq!(thread[0].body, "pay now ");
}

#[tokio::test]
async fn presence_reaches_the_rest_of_the_team() {
    let s = TestServer::start().await;
    let id = ConversationId::from(s.conversation("+15550012").await);
    let ada = provider(&s);
    let bo = NativeProvider::new("bo", &s.url, SecretString::from(s.key2.clone())).expect("provider");
    let mut updates = bo.updates(None);
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), updates.next()).await.expect("in time"),
        Some(Update::Connected)
    );
    ada.presence(id.clone(), frontdesk_domain::PresenceState::Typing).await.expect("presence");
    loop {
        let u = tokio::time::timeout(Duration::from_secs(5), updates.next()).await.expect("in time");
        if let Some(Update::Event(e)) = u
            && let EventKind::Presence(p) = e.kind
        {
            assert_eq!(
                (p.conversation_id, p.agent_name.as_str(), p.state),
                (id, "Ada Admin", frontdesk_domain::PresenceState::Typing)
            );
            break;
        }
    }
}

/// A long thread pages back from its end: the newest first, then the ones before,
/// each page oldest first, until the beginning.
#[tokio::test]
async fn a_thread_pages_back_from_its_end() {
    let s = TestServer::start().await;
    // Opened by a first message of its own, then 25 more.
    let id = ConversationId::from(s.conversation("+15550777").await);
    for n in 1..=25 {
        s.inbound("+15550777", &format!("message {n}")).await;
    }
    let p = provider(&s);
    let bodies = |page: &frontdesk_domain::Page<frontdesk_domain::Message>| {
        page.items.iter().map(|m| m.body.clone()).collect::<Vec<_>>()
    };
    let newest = p.thread_page(id.clone(), None, 10).await.expect("newest");
    assert_eq!(bodies(&newest), (16..=25).map(|n| format!("message {n}")).collect::<Vec<_>>());
    let before = p.thread_page(id.clone(), newest.next_cursor.clone(), 10).await.expect("before");
    assert_eq!(bodies(&before), (6..=15).map(|n| format!("message {n}")).collect::<Vec<_>>());
    let first = p.thread_page(id.clone(), before.next_cursor.clone(), 10).await.expect("first");
    let mut opening = bodies(&first);
    assert_eq!(opening.split_off(1), (1..=5).map(|n| format!("message {n}")).collect::<Vec<_>>());
    assert_eq!(first.next_cursor, None, "the beginning");
}

#[tokio::test]
async fn a_view_is_saved_for_the_team_counted_and_deleted_but_built_in_ones_stay() {
    let s = TestServer::start().await;
    s.conversation("+15550001").await;
    let p = provider(&s);
    let filter = ViewFilter { status: vec![Status::Open], q: Some("4821".into()), ..ViewFilter::default() };
    let view = p.save_view("Order 4821".into(), filter.clone()).await.expect("saved");
    assert_eq!((view.name.as_str(), &view.filter), ("Order 4821", &filter));
    let views = p.views().await.expect("views");
    let listed = views.iter().find(|v| v.view.id == view.id).expect("listed with the others");
    assert_eq!(listed.count, 1, "counted like any view");
    let again = p.save_view("Order 4821".into(), filter).await;
    assert!(again.is_err(), "the same name twice is refused: {again:?}");

    let builtin = p.delete_view("unread".into()).await;
    assert!(matches!(builtin, Err(ProviderError::Conflict(_) | ProviderError::Permanent { .. })), "{builtin:?}");
    p.delete_view(view.id.clone()).await.expect("deleted");
    let views = p.views().await.expect("views");
    assert!(views.iter().all(|v| v.view.id != view.id));
    assert!(views.iter().any(|v| v.view.id.as_str() == "unread"));
}
