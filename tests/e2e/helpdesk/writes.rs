//! Writes and errors against the wiremock Bancroft: replies, resolving (with each
//! kind of key), what Bancroft cannot do, and how refusals read.

use super::*;

// ---------------------------------------------------------------------------------
// 4. Replies and resolving
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_reply_is_sent_as_the_agents_email() {
    let (server, p) = bancroft_with(CLIENT_KEY).await;
    // The page shows no answer: a message like the list's is assumed.
    let answer = json!({ "id": "m3-uuid", "sender_email": AGENT, "body": "It ships today.", "message_type": "reply",
        "created_at": "2026-02-26T10:10:00Z" });
    Mock::given(method("POST"))
        .and(path(conv_path(ID, "messages/create/")))
        .and(header("X-API-Key", CLIENT_KEY))
        .and(body_json(json!({ "body": "It ships today.", "user_email": AGENT })))
        .respond_with(ResponseTemplate::new(201).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;
    let m = applied_message(&p, reply(ID, "It ships today.")).await;
    assert_eq!((m.id.as_str(), m.body.as_str()), ("m3-uuid", "It ships today."));
    assert_eq!((m.direction, m.author.kind), (Direction::Outbound, AuthorKind::Agent));
    assert_eq!(m.created_at.to_string(), "2026-02-26T10:10:00Z");
    server.verify().await;
}

#[tokio::test]
async fn a_thin_send_answer_is_filled_from_the_request() {
    let (server, p) = bancroft().await;
    Mock::given(method("POST"))
        .and(path(conv_path(ID, "messages/create/")))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let m = applied_message(&p, reply(ID, "On its way.")).await;
    assert_eq!((m.body.as_str(), m.direction, m.conversation_id.as_str()), ("On its way.", Direction::Outbound, ID));
    Mock::given(method("POST"))
        .and(path(conv_path("c2", "messages/create/")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": "m9", "status": "queued" })))
        .mount(&server)
        .await;
    let m = applied_message(&p, reply("c2", "Noted.")).await;
    assert_eq!((m.id.as_str(), m.body.as_str(), m.author.kind), ("m9", "Noted.", AuthorKind::Agent));
}

#[tokio::test]
async fn a_note_and_an_empty_reply_are_refused_without_a_request() {
    let (server, p) = bancroft().await;
    let note = Op::Send {
        conversation: ConversationId::from(ID),
        kind: ReplyKind::Note,
        body: "hm".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    assert!(matches!(apply_err(&p, note).await, ProviderError::Unsupported(_)));
    assert!(matches!(apply_err(&p, reply(ID, "  ")).await, ProviderError::Permanent { .. }));
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn resolve_with_a_server_key_posts_resolve_and_answers_closed() {
    let (server, p) = bancroft().await;
    Mock::given(method("POST"))
        .and(path(conv_path(ID, "resolve/")))
        .and(header("X-API-Key", SERVER_KEY))
        .respond_with(ok(&page_resolved_full()))
        .expect(1)
        .mount(&server)
        .await;
    let c = applied_conversation(&p, change(ID, Change::Close)).await;
    assert_eq!((c.id.as_str(), c.status), (ID, Status::Closed));
    assert_eq!(c.contact.name, "Jane Doe");
    assert_eq!(requests(&server).await.len(), 1, "a full answer is not read again");
}

#[tokio::test]
async fn a_resolve_answer_as_thin_as_the_pages_is_read_back() {
    let (server, p) = bancroft().await;
    Mock::given(method("POST"))
        .and(path(conv_path(ID, "resolve/")))
        .respond_with(ok(&page_resolved_thin()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path(ID, "")))
        .respond_with(ok(&page_resolved_full()))
        .expect(1)
        .mount(&server)
        .await;
    let c = applied_conversation(&p, change(ID, Change::Close)).await;
    assert_eq!((c.status, c.contact.handle.as_str()), (Status::Closed, "customer@example.com"));
    server.verify().await;
}

#[tokio::test]
async fn resolve_with_a_client_key_is_refused_here_without_a_request() {
    let (server, p) = bancroft_with(CLIENT_KEY).await;
    let e = apply_err(&p, change(ID, Change::Close)).await;
    let ProviderError::Permanent { message, .. } = &e else { panic!("expected permanent, got {e:?}") };
    assert!(message.contains("server key"), "{message}");
    let bulk = Op::Bulk { conversations: vec![ID.into(), cid(2).as_str().into()], change: Change::Close };
    let Applied::Bulk(results) = applied(&p, bulk).await else { panic!("expected bulk results") };
    assert!(results.iter().all(|(_, r)| r.as_ref().is_err_and(|m| m.contains("server key"))), "{results:?}");
    assert!(requests(&server).await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn bulk_resolves_one_by_one_with_a_result_for_each() {
    let (server, p) = bancroft().await;
    Mock::given(method("POST"))
        .and(path(conv_path(ID, "resolve/")))
        .respond_with(ok(&page_resolved_full()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(conv_path("gone", "resolve/")))
        .respond_with(detail(404, "Not found."))
        .mount(&server)
        .await;
    let op = Op::Bulk { conversations: vec![ID.into(), "gone".into()], change: Change::Close };
    let Applied::Bulk(results) = applied(&p, op).await else { panic!("expected bulk results") };
    assert_eq!(results.len(), 2);
    assert!(results[0].1.as_ref().is_ok_and(|c| c.status == Status::Closed), "{results:?}");
    assert!(results[1].1.as_ref().is_err_and(|m| m.contains("Not found.")), "{results:?}");
}

#[tokio::test]
async fn what_bancroft_cannot_do_is_unsupported_without_a_request() {
    let (server, p) = bancroft().await;
    let changes = [
        Change::Reopen,
        Change::Pending,
        Change::Snooze { until: Timestamp::UNIX_EPOCH },
        Change::Assign { agent_id: None, team: Some("billing".into()) },
        Change::Unassign,
        Change::AddTags { tags: vec!["vip".into()] },
        Change::SetPriority { priority: Priority::Urgent },
        Change::Archive,
        Change::Star,
        Change::Read,
        Change::Handoff { reason: None },
    ];
    for c in changes {
        let e = apply_err(&p, change(ID, c.clone())).await;
        assert!(matches!(e, ProviderError::Unsupported(_)), "{c:?}: {e:?}");
    }
    assert!(requests(&server).await.is_empty());
}

// ---------------------------------------------------------------------------------
// 5. Errors
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_401_with_the_vendors_body_says_the_key_is_wrong_or_revoked() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(detail(401, "Invalid or revoked API key."))
        .mount(&server)
        .await;
    let e = within(p.list(query("open", 25))).await.expect_err("refused");
    let ProviderError::Auth(message) = &e else { panic!("expected auth, got {e:?}") };
    assert!(message.contains("wrong or revoked") && message.contains("Invalid or revoked API key."), "{message}");
}

#[tokio::test]
async fn a_403_is_auth_with_the_detail() {
    // An unprefixed key is left to the server, which refuses (body assumed, DRF-style).
    let (server, p) = bancroft_with("legacy-key-7f3a91").await;
    Mock::given(method("POST"))
        .and(path(conv_path(ID, "resolve/")))
        .respond_with(detail(403, "Only server keys can resolve conversations."))
        .mount(&server)
        .await;
    let e = apply_err(&p, change(ID, Change::Close)).await;
    let ProviderError::Auth(message) = &e else { panic!("expected auth, got {e:?}") };
    assert!(message.contains("Only server keys can resolve conversations."), "{message}");
}

#[tokio::test]
async fn a_422_or_400_is_permanent_with_the_field_errors() {
    let (server, p) = bancroft().await;
    let fastapi = json!({ "detail": [{ "loc": ["body", "user_email"], "msg": "value is not a valid email address",
        "type": "value_error.email" }] });
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/create/"))
        .respond_with(ResponseTemplate::new(422).set_body_json(fastapi))
        .mount(&server)
        .await;
    let new = NewConversation { subject: "Hi".into(), user_email: Some("nope".into()), ..NewConversation::default() };
    let e = within(p.create_conversation(new)).await.expect_err("invalid");
    let ProviderError::Permanent { code, message } = &e else { panic!("expected permanent, got {e:?}") };
    assert_eq!((code.as_str(), message.as_str()), ("422", "user_email: value is not a valid email address"));

    Mock::given(method("POST"))
        .and(path(conv_path(ID, "messages/create/")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({ "body": ["This field may not be blank."] })))
        .mount(&server)
        .await;
    let e = apply_err(&p, reply(ID, "x")).await;
    let ProviderError::Permanent { code, message } = &e else { panic!("expected permanent, got {e:?}") };
    assert_eq!((code.as_str(), message.as_str()), ("400", "body: This field may not be blank."));
}

#[tokio::test]
async fn a_429_is_rate_limited_for_its_retry_after() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            detail(429, "Request was throttled. Expected available in 7 seconds.").insert_header("Retry-After", "7"),
        )
        .mount(&server)
        .await;
    let e = within(p.list(query("open", 25))).await.expect_err("throttled");
    assert_eq!(e, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(7)) });
}

#[tokio::test]
async fn a_5xx_is_transient_and_a_bad_body_is_malformed() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET")).and(path(LIST)).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let e = within(p.list(query("open", 25))).await.expect_err("down");
    assert!(matches!(e, ProviderError::Network(_)) && e.is_transient(), "{e:?}");
    Mock::given(method("GET"))
        .and(path(conv_path(ID, "")))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>hello</html>"))
        .mount(&server)
        .await;
    let e = within(p.conversation(ConversationId::from(ID))).await.expect_err("unreadable");
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
}
