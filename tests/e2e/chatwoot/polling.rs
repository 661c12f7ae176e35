//! Section 7: polling through the sync engine, and what a poll round asks.

use super::*;

const EVERY: Duration = Duration::from_millis(200);

async fn next_update(updates: &mut BoxStream<'static, Update>) -> Update {
    within(updates.next()).await.expect("the stream is open")
}

async fn mount_any_meta(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(acct("/conversations/meta")))
        .respond_with(ok(
            &json!({ "meta": { "mine_count": 0, "unassigned_count": 1, "assigned_count": 0, "all_count": 1 } }),
        ))
        .mount(server)
        .await;
}

/// The first poll only finds where "now" is: conversation 42 as of `T0`.
async fn first_poll(server: &MockServer, updates: &mut BoxStream<'static, Update>) {
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&[conv(42, "open", &[], T0)])))
        .mount(server)
        .await;
    assert_eq!(next_update(updates).await, Update::Polling { every: EVERY });
    // The stream is lazy: nothing is asked until the next `next()`, so the mocks
    // can change now.
    server.reset().await;
}

#[tokio::test]
async fn polling_turns_a_newer_updated_at_with_a_new_message_into_events() {
    let (server, p) = chatwoot().await;
    let clock = frontdesk_sync::poll::Clock::default();
    let mut updates = crate::support::changes(frontdesk_sync::poll::updates(Arc::new(p), EVERY, clock.watch()));
    first_poll(&server, &mut updates).await;

    let new = msg(4201, 42, 0, false, "Any news on my refund?", T0 + 60);
    let moved = with(
        conv(42, "open", &[], T0 + 60),
        &json!({ "last_non_activity_message": new.clone(), "messages": [new.clone()], "unread_count": 2 }),
    );
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&[moved])))
        .mount(&server)
        .await;
    let old = msg(4200, 42, 0, false, "Where is my refund?", T0);
    Mock::given(method("GET"))
        .and(path(conv_path(42, "/messages")))
        .and(query_param_is_missing("before"))
        .respond_with(ok(&messages_body(&[old, new])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "/messages")))
        .and(query_param("before", "4200"))
        .respond_with(ok(&messages_body(&[])))
        .mount(&server)
        .await;
    mount_any_meta(&server).await;

    let Update::Event(first) = next_update(&mut updates).await else { panic!("expected the new message") };
    let EventKind::MessageCreated(m) = &first.kind else { panic!("expected a message, got {:?}", first.kind) };
    assert_eq!(m.id.as_str(), "4201", "only the message after the last one seen");
    assert_eq!(m.conversation_id.as_str(), "42");
    assert_eq!(m.body, "Any news on my refund?");
    assert_eq!(m.direction, Direction::Inbound);
    let second = next_update(&mut updates).await;
    let Update::Event(second) = second else { panic!("expected the conversation, got {second:?}") };
    let EventKind::ConversationUpdated(c) = &second.kind else {
        panic!("expected a conversation, got {:?}", second.kind)
    };
    assert_eq!(c.id.as_str(), "42");
    assert_eq!(c.updated_at.as_second(), T0 + 60);
    assert!(c.unread);
    let third = next_update(&mut updates).await;
    let Update::Event(third) = third else { panic!("expected view counts, got {third:?}") };
    assert!(matches!(third.kind, EventKind::ViewCountsChanged(_)), "{:?}", third.kind);
    drop(updates);
}

/// Waits until the mock has answered `n` conversation lists.
async fn lists_seen(server: &MockServer, n: usize) -> Vec<Option<String>> {
    loop {
        let statuses: Vec<Option<String>> = requests(server)
            .await
            .iter()
            .filter(|r| r.url.path() == acct("/conversations"))
            .map(|r| query_of(r, "status"))
            .collect();
        if statuses.len() >= n {
            return statuses;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Another agent resolves conversation 42 between two polls: it leaves Chatwoot's
/// open list, and the poller must still hear of it.
#[tokio::test]
async fn polling_sees_a_conversation_another_agent_resolved() {
    let (server, p) = chatwoot().await;
    let clock = frontdesk_sync::poll::Clock::default();
    let mut updates = crate::support::changes(frontdesk_sync::poll::updates(Arc::new(p), EVERY, clock.watch()));
    first_poll(&server, &mut updates).await;

    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .and(query_param("status", "open"))
        .respond_with(ok(&list_body(&[])))
        .mount(&server)
        .await;
    // Any list that holds resolved ones (status=all or resolved) shows the change.
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&[conv(42, "resolved", &[], T0 + 60)])))
        .with_priority(10)
        .mount(&server)
        .await;
    mount_any_meta(&server).await;

    // Three polls' worth of lists (each poll lists twice) with no event means the
    // close went unseen.
    let outcome = within(async {
        tokio::select! {
            u = updates.next() => Ok(u),
            asked = lists_seen(&server, 6) => Err(asked),
        }
    })
    .await;
    match outcome {
        Ok(Some(Update::Event(e))) => {
            let EventKind::ConversationUpdated(c) = &e.kind else {
                panic!("expected a conversation, got {:?}", e.kind)
            };
            assert_eq!(c.id.as_str(), "42");
            assert_eq!(c.status, Status::Closed);
        }
        Ok(other) => panic!("expected the resolved conversation, got {other:?}"),
        Err(asked) => panic!(
            "three polls and no event: the poller asked only status {asked:?}, so a conversation resolved \
             (or snoozed, or set pending) elsewhere never reaches the client"
        ),
    }
}

/// A thread of one message has nothing above it: no "older messages" cursor, and
/// no `?before=` asked again on each scroll.
#[tokio::test]
async fn a_short_thread_has_nothing_older_to_load() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "/messages")))
        .and(query_param_is_missing("before"))
        .respond_with(ok(&messages_body(&[msg(4201, 42, 0, false, "only one", 1_795_597_200)])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "/messages")))
        .and(query_param("before", "4201"))
        .respond_with(ok(&messages_body(&[])))
        .mount(&server)
        .await;
    let page = within(p.thread_page(cid(42), None, 50)).await.expect("the thread");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next_cursor, None, "the beginning was reached");
}

/// Chatwoot has no archive: a poll round lists once, not a second time for
/// "archived" conversations that cannot exist there.
#[tokio::test]
async fn a_poll_round_lists_once() {
    let (server, p) = chatwoot().await;
    mount_any_meta(&server).await;
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&[conv(42, "open", &[], T0)])))
        .mount(&server)
        .await;
    let clock = frontdesk_sync::poll::Clock::default();
    let mut updates = frontdesk_sync::poll::updates(Arc::new(p), EVERY, clock.watch());
    assert_eq!(next_update(&mut updates).await, Update::Polling { every: EVERY });
    let lists = requests(&server).await.into_iter().filter(|r| r.url.path() == acct("/conversations")).count();
    assert_eq!(lists, 1, "one list a round");
}

/// The teams a conversation can be given to, as Chatwoot lists them (`GET /teams`),
/// for the assign picker.
#[tokio::test]
async fn teams_are_listed_for_the_assign_picker() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(acct("/teams")))
        .respond_with(ok(&json!([
            { "id": 2, "name": "Billing", "description": "", "allow_auto_assign": true, "account_id": ACCOUNT, "is_member": true },
            { "id": 1, "name": "Escalations", "description": "", "allow_auto_assign": false, "account_id": ACCOUNT, "is_member": false }
        ])))
        .mount(&server)
        .await;
    assert_eq!(within(p.teams()).await.expect("teams"), ["Billing", "Escalations"]);
}
