//! Sections 8 and 9: presence, and the event stream.

use super::*;

#[tokio::test]
async fn presence_posts_viewing_and_typing_and_deletes_viewing() {
    let (server, p) = orbit().await;
    for (verb, rest) in [("POST", "viewing"), ("POST", "typing"), ("DELETE", "viewing")] {
        Mock::given(method(verb))
            .and(path(format!("/api/v1/inbox/conv_1/{rest}")))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
    }
    for state in [PresenceState::Viewing, PresenceState::Typing, PresenceState::Left] {
        within(p.presence(cid("conv_1"), state)).await.expect("presence");
    }
    server.verify().await;
    for r in requests(&server).await {
        assert_eq!(header_of(&r, "x-api-key").as_deref(), Some(KEY), "{} {}", r.method, r.url);
        assert!(header_of(&r, "idempotency-key").is_some(), "a non-GET carries a key: {} {}", r.method, r.url);
    }
}

#[tokio::test]
async fn presence_refused_once_is_unsupported_without_calling_again() {
    for status in [401, 403] {
        let (server, p) = orbit().await;
        let code = if status == 401 { "UNAUTHORIZED" } else { "FORBIDDEN" };
        Mock::given(method("POST"))
            .and(path("/api/v1/inbox/conv_1/viewing"))
            .respond_with(orbit_error(status, code, "Session token required", None))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/api/v1/inbox/conv_1/typing"))
            .respond_with(ResponseTemplate::new(204))
            .expect(0)
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path("/api/v1/inbox/conv_1/viewing"))
            .respond_with(ResponseTemplate::new(204))
            .expect(0)
            .mount(&server)
            .await;
        for state in [PresenceState::Viewing, PresenceState::Typing, PresenceState::Left, PresenceState::Viewing] {
            let e = within(p.presence(cid("conv_1"), state)).await.expect_err("refused");
            assert!(matches!(e, ProviderError::Unsupported(_)), "{status} {state:?}: {e:?}");
        }
        server.verify().await;
    }
}

// ---------------------------------------------------------------------------------
// 9. Streaming
// ---------------------------------------------------------------------------------

async fn next_update(updates: &mut BoxStream<'static, Update>) -> Update {
    within(updates.next()).await.expect("the stream is open")
}

#[tokio::test]
async fn the_event_stream_yields_webhook_shaped_events_and_skips_an_unreadable_one() {
    let (server, p) = orbit().await;
    let received = json!({
        "id": "evt_1", "type": "message.received", "created_at": "2026-11-25T10:00:00Z",
        "data": { "id": "msg_1", "conversation_id": "conv_1", "direction": "inbound", "body": "hi" }
    });
    let closed_event = json!({
        "id": "evt_3", "type": "conversation.updated", "created_at": "2026-11-25T10:00:05Z",
        "data": with(conv("conv_1"), &json!({ "status": "closed", "updated_at": "2026-11-25T10:00:05Z" }))
    });
    let body = format!(
        "event: message.received\nid: evt_1\ndata: {received}\n\n\
         event: message.received\nid: evt_2\ndata: {{\"id\":\"evt_2\",\"type\":\n\n\
         event: conversation.updated\nid: evt_3\ndata: {closed_event}\n\n"
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/events/stream"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/event-stream"))
        .mount(&server)
        .await;

    let mut updates = p.updates(None);
    assert_eq!(next_update(&mut updates).await, Update::Connected);
    let Update::Event(first) = next_update(&mut updates).await else { panic!("expected the message event") };
    let EventKind::MessageCreated(m) = &first.kind else { panic!("expected a message, got {:?}", first.kind) };
    assert_eq!(m.id.as_str(), "msg_1");
    assert_eq!(m.conversation_id.as_str(), "conv_1");
    assert_eq!(m.body, "hi");
    assert_eq!(m.direction, Direction::Inbound);
    assert_eq!(first.at, "2026-11-25T10:00:00Z".parse::<jiff::Timestamp>().expect("timestamp"));
    let second = next_update(&mut updates).await;
    let Update::Event(second) = second else { panic!("the unreadable event is skipped, got {second:?}") };
    let EventKind::ConversationUpdated(c) = &second.kind else {
        panic!("expected a conversation, got {:?}", second.kind)
    };
    assert_eq!(c.id.as_str(), "conv_1");
    assert_eq!(c.status, Status::Closed);

    let r = requests(&server).await.into_iter().next().expect("the stream request");
    assert_eq!(header_of(&r, "x-api-key").as_deref(), Some(KEY));
    assert_eq!(header_of(&r, "accept").as_deref(), Some("text/event-stream"));
}

#[tokio::test]
async fn a_404_event_stream_is_unavailable() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/events/stream"))
        .respond_with(orbit_error(404, "NOT_FOUND", "Not found", None))
        .mount(&server)
        .await;
    let mut updates = p.updates(None);
    let u = next_update(&mut updates).await;
    assert!(matches!(u, Update::Unavailable(_)), "{u:?}");
    let end = within(updates.next()).await;
    assert!(end.is_none(), "the stream ends after Unavailable: {end:?}");
}

#[tokio::test]
async fn without_a_stream_the_engine_polls_the_list() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/events/stream"))
        .respond_with(orbit_error(404, "NOT_FOUND", "Not found", None))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(ok_page(json!([conv("conv_1")]), None, false, 1))
        .expect(1..)
        .mount(&server)
        .await;
    let clock = frontdesk_sync::poll::Clock::default();
    let every = Duration::from_secs(30);
    let provider: Arc<dyn Provider> = Arc::new(p);
    let mut updates = frontdesk_sync::poll::stream_or_poll(provider, None, every, clock.watch());
    assert_eq!(next_update(&mut updates).await, Update::Polling { every });
    drop(updates);
    server.verify().await;
    let listed = requests(&server).await.iter().any(|r| r.url.path() == "/api/v1/conversations");
    assert!(listed, "the poller listed conversations");
}

// ---------------------------------------------------------------------------------
// 10. views()
// ---------------------------------------------------------------------------------

/// Count answers keyed by filter; each page holds one row while `total` says more,
/// so a count read from the rows would be wrong.
async fn mount_counts(server: &MockServer) {
    for (key, value, total) in
        [("unread", "true", 3), ("assignee", "me", 5), ("assignee", "unassigned", 2), ("tags", "vip", 4)]
    {
        Mock::given(method("GET"))
            .and(path("/api/v1/conversations"))
            .and(query_param(key, value))
            .respond_with(ok_page(json!([conv("conv_1")]), Some("cur_n"), true, total))
            .mount(server)
            .await;
    }
    // Everything else: the "All" count. Lowest priority, so matched last.
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(ok_page(json!([conv("conv_1")]), Some("cur_n"), true, 42))
        .with_priority(10)
        .mount(server)
        .await;
}

fn counts(views: &[frontdesk_domain::ViewWithCount]) -> Vec<(String, ViewKind, u64)> {
    views.iter().map(|v| (v.view.id.to_string(), v.view.kind, v.count)).collect()
}

#[tokio::test]
async fn views_are_the_builtins_and_saved_views_with_counts_from_pagination_total() {
    let (server, p) = orbit().await;
    mount_counts(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inbox/views"))
        .respond_with(ok_page(
            json!([{ "id": "vw_9", "name": "VIP open", "filters": { "tags": ["vip"], "status": ["open"] } }]),
            None,
            false,
            1,
        ))
        .mount(&server)
        .await;

    let views = within(p.views()).await.expect("views");
    assert_eq!(
        counts(&views),
        [
            ("unread".to_owned(), ViewKind::Builtin, 3),
            ("mine".to_owned(), ViewKind::Builtin, 5),
            ("unassigned".to_owned(), ViewKind::Builtin, 2),
            ("all".to_owned(), ViewKind::Builtin, 42),
            ("saved:vw_9".to_owned(), ViewKind::Saved, 4),
        ]
    );
    assert_eq!(views[4].view.name, "VIP open");
    for r in requests(&server).await.iter().filter(|r| r.url.path() == "/api/v1/conversations") {
        let limit: u32 = query_of(r, "limit").expect("limit").parse().expect("number");
        assert!(limit <= 100, "count pages ask at most 100: {limit}");
    }

    // The saved view lists with its own filter.
    let page = within(p.list(query("saved:vw_9"))).await.expect("saved view list");
    assert_eq!(page.items.len(), 1);
    let last = requests(&server).await.into_iter().last().expect("the list request");
    assert_eq!(query_of(&last, "tags").as_deref(), Some("vip"));
    assert_eq!(query_of(&last, "status").as_deref(), Some("open"));
}

#[tokio::test]
async fn refused_saved_views_still_give_the_builtins() {
    let (server, p) = orbit().await;
    mount_counts(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inbox/views"))
        .respond_with(orbit_error(403, "INSUFFICIENT_PERMISSIONS", "Session token required", None))
        .expect(1)
        .mount(&server)
        .await;
    let views = within(p.views()).await.expect("the built-ins come");
    assert_eq!(
        counts(&views),
        [
            ("unread".to_owned(), ViewKind::Builtin, 3),
            ("mine".to_owned(), ViewKind::Builtin, 5),
            ("unassigned".to_owned(), ViewKind::Builtin, 2),
            ("all".to_owned(), ViewKind::Builtin, 42),
        ]
    );
    // Refused once: not asked again.
    let again = within(p.views()).await.expect("views again");
    assert_eq!(again.len(), 4);
    server.verify().await;
}

/// `GET /me` is optional: a server without it (404) is an account that cannot say
/// whose the key is, not an error.
#[tokio::test]
async fn a_missing_me_is_unsupported_not_an_error() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/me"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({ "error": { "code": "NOT_FOUND", "message": "no such route", "status": 404 } })),
        )
        .mount(&server)
        .await;
    let got = p.me().await;
    assert!(matches!(got, Err(ProviderError::Unsupported(_))), "{:?}", got.map(|i| i.org_name));
}
