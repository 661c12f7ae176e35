//! Section 3: a conversation and its thread.

use super::*;

#[tokio::test]
async fn a_conversation_reads_from_get_conversations_id() {
    let (server, p) = orbit().await;
    let body = with(
        conv("conv_1"),
        &json!({
            "subject": "Order 1042",
            "assignee": { "id": "usr_2", "name": "Bo Agent", "email": "bo@acme.test" },
            "team": { "id": "team_b", "name": "Billing" },
            "tags": ["vip", "refund"],
            "ai_state": "ai_led",
            "ai_agent": { "id": "agt_abc123", "name": "Support Bot" }
        }),
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1"))
        .respond_with(ok(body))
        .expect(1)
        .mount(&server)
        .await;
    let c = within(p.conversation(cid("conv_1"))).await.expect("conversation");
    assert_eq!(c.id.as_str(), "conv_1");
    assert_eq!(c.channel, Channel::Whatsapp);
    assert_eq!(c.status, Status::Open);
    assert_eq!(c.contact.name, "Jane Doe");
    assert_eq!(c.contact.handle, "+14155550123");
    assert_eq!(c.subject.as_deref(), Some("Order 1042"));
    assert_eq!(c.assignee.as_ref().map(|a| a.id.as_str()), Some("usr_2"));
    assert_eq!(c.team.as_deref(), Some("Billing"));
    assert_eq!(c.tags, ["vip", "refund"]);
    assert!(c.unread);
    assert_eq!(c.ai_state, AiState::AiLed);
    assert_eq!(c.ai_agent.as_deref(), Some("Support Bot"));
    assert_eq!(c.last_message.as_ref().map(|m| m.preview.as_str()), Some("Is my order on its way?"));
    server.verify().await;
}

#[tokio::test]
async fn a_thread_is_oldest_first_across_pages_with_internal_notes_merged() {
    let (server, p) = orbit().await;
    // Orbit's order is not promised: the first page here is newest first.
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1/messages"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok_page(
            json!([
                msg("m3", "outbound", "user", "Refunded.", "2026-11-24T09:03:00Z"),
                msg("m1", "inbound", "contact", "Where is my order?", "2026-11-24T09:00:00Z"),
            ]),
            Some("cur_m2"),
            true,
            3,
        ))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1/messages"))
        .and(query_param("cursor", "cur_m2"))
        .respond_with(ok_page(
            json!([msg("m2", "outbound", "ai", "Let me check.", "2026-11-24T09:01:00Z")]),
            None,
            false,
            3,
        ))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inbox/conv_1/internal-notes"))
        .respond_with(ok_page(
            json!([{
                "id": "note_1", "body": "Customer is a VIP: refund without asking.",
                "author": { "type": "user", "id": "usr_2", "name": "Bo Agent" },
                "created_at": "2026-11-24T09:02:00Z"
            }]),
            None,
            false,
            1,
        ))
        .expect(2)
        .mount(&server)
        .await;

    let thread = within(p.thread(cid("conv_1"), 50)).await.expect("thread");
    let ids: Vec<&str> = thread.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2", "note_1", "m3"], "oldest first, the note in its place");
    assert!(thread.windows(2).all(|w| w[0].created_at <= w[1].created_at));
    assert_eq!(thread[0].direction, Direction::Inbound);
    assert_eq!(thread[0].author.kind, AuthorKind::Contact);
    assert_eq!(thread[1].author.kind, AuthorKind::Ai);
    assert_eq!(thread[2].kind, MessageKind::Note);
    assert_eq!(thread[2].body, "Customer is a VIP: refund without asking.");
    assert_eq!(thread[2].author.name, "Bo Agent");
    assert!(thread.iter().filter(|m| m.id.as_str() != "note_1").all(|m| m.kind == MessageKind::Reply));
    assert!(thread.iter().all(|m| m.conversation_id.as_str() == "conv_1"));

    // The newest `limit` are kept.
    let tail = within(p.thread(cid("conv_1"), 2)).await.expect("thread tail");
    let ids: Vec<&str> = tail.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["note_1", "m3"]);
    server.verify().await;
}

#[tokio::test]
async fn refused_internal_notes_leave_the_thread_and_are_not_asked_again() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1/messages"))
        .respond_with(ok_page(
            json!([msg("m1", "inbound", "contact", "Where is my order?", "2026-11-24T09:00:00Z")]),
            None,
            false,
            1,
        ))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inbox/conv_1/internal-notes"))
        .respond_with(orbit_error(403, "FORBIDDEN", "This endpoint requires a session token", None))
        .expect(1)
        .mount(&server)
        .await;

    for round in 0..2 {
        let thread = within(p.thread(cid("conv_1"), 50)).await.expect("the thread loads without notes");
        let ids: Vec<&str> = thread.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m1"], "round {round}");
    }
    server.verify().await;
}
