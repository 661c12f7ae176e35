//! Sections 4 and 5: writes, with the bodies the adapter sends, and the copilot's.

use super::*;

/// Mounts `verb /api/v1/conversations/conv_1{rest}` matching `sent`, answering
/// `answer`, applies `what` and checks the endpoint was called once.
async fn write_contract(what: Change, verb: &str, rest: &str, sent: Value, answer: Value) -> Conversation {
    let (server, p) = orbit().await;
    Mock::given(method(verb))
        .and(path(format!("/api/v1/conversations/conv_1{rest}")))
        .and(body_partial_json(sent))
        .respond_with(ok(answer))
        .expect(1)
        .mount(&server)
        .await;
    let c = applied_conversation(&p, change("conv_1", what), "key-write").await;
    server.verify().await;
    c
}

#[tokio::test]
async fn reply_posts_the_body_and_answers_the_message() {
    let (server, p) = orbit().await;
    let text = "Thanks — I just refunded that order.";
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/reply"))
        .and(body_json(json!({ "body": text })))
        .respond_with(ok(json!({
            "id": "msg_77", "conversation_id": "conv_1", "direction": "outbound", "type": "text",
            "body": text, "status": "queued", "created_at": TS
        })))
        .expect(1)
        .mount(&server)
        .await;
    let m = applied_message(&p, reply("conv_1", text), "key-reply").await;
    assert_eq!(m.body, text);
    assert_eq!(m.id.as_str(), "msg_77");
    assert_eq!(m.conversation_id.as_str(), "conv_1");
    assert_eq!(m.direction, Direction::Outbound);
    assert_eq!(m.kind, MessageKind::Reply);
    server.verify().await;
}

#[tokio::test]
async fn reply_answered_with_only_an_id_is_still_the_message_sent() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/reply"))
        .respond_with(ok(json!({ "id": "msg_78" })))
        .expect(1)
        .mount(&server)
        .await;
    let m = applied_message(&p, reply("conv_1", "On its way."), "key-reply").await;
    assert_eq!(m.body, "On its way.");
    assert_eq!(m.id.as_str(), "msg_78");
    assert_eq!(m.direction, Direction::Outbound);
    server.verify().await;
}

#[tokio::test]
async fn assign_to_an_agent_posts_assignee_id() {
    let answer = with(conv("conv_1"), &json!({ "assignee": { "id": "usr_2", "name": "Bo Agent" } }));
    let c = write_contract(
        Change::Assign { agent_id: Some(AgentId::from("usr_2")), team: None },
        "POST",
        "/assign",
        json!({ "assignee_id": "usr_2" }),
        answer,
    )
    .await;
    assert_eq!(c.assignee.map(|a| a.name.clone()), Some("Bo Agent".to_owned()));
}

#[tokio::test]
async fn assign_to_a_team_posts_team_id() {
    let answer = with(conv("conv_1"), &json!({ "team": { "id": "team_billing", "name": "Billing" } }));
    let c = write_contract(
        Change::Assign { agent_id: None, team: Some("team_billing".to_owned()) },
        "POST",
        "/assign",
        json!({ "team_id": "team_billing" }),
        answer,
    )
    .await;
    assert_eq!(c.team.as_deref(), Some("Billing"));
}

#[tokio::test]
async fn set_tags_puts_the_whole_list() {
    let answer = with(conv("conv_1"), &json!({ "tags": ["billing", "refund"] }));
    let (server, p) = orbit().await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/conversations/conv_1/tags"))
        .and(body_json(json!({ "tags": ["billing", "refund"] })))
        .respond_with(ok(answer))
        .expect(1)
        .mount(&server)
        .await;
    let op = change("conv_1", Change::SetTags { tags: vec!["billing".into(), "refund".into()] });
    let c = applied_conversation(&p, op, "key-tags").await;
    assert_eq!(c.tags, ["billing", "refund"]);
    server.verify().await;
}

#[tokio::test]
async fn add_tags_reads_then_puts_the_merged_list_keeping_a_tag_another_agent_added() {
    let (server, p) = orbit().await;
    // Bo added "bo-added" a moment ago: the list on Orbit is newer than ours.
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1"))
        .respond_with(ok(with(conv("conv_1"), &json!({ "tags": ["vip", "bo-added"] }))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/conversations/conv_1/tags"))
        .and(body_json(json!({ "tags": ["vip", "bo-added", "refund"] })))
        .respond_with(ok(with(conv("conv_1"), &json!({ "tags": ["vip", "bo-added", "refund"] }))))
        .expect(1)
        .mount(&server)
        .await;
    let op = change("conv_1", Change::AddTags { tags: vec!["refund".into(), "vip".into()] });
    let c = applied_conversation(&p, op, "key-add-tags").await;
    assert_eq!(c.tags, ["vip", "bo-added", "refund"]);
    server.verify().await;
    let order: Vec<String> = requests(&server).await.iter().map(|r| r.method.to_string()).collect();
    assert_eq!(order, ["GET", "PUT"], "read before the write");
}

#[tokio::test]
async fn close_posts_close() {
    let c = write_contract(
        Change::Close,
        "POST",
        "/close",
        json!({}),
        with(conv("conv_1"), &json!({ "status": "closed" })),
    )
    .await;
    assert_eq!(c.status, Status::Closed);
}

#[tokio::test]
async fn a_write_answered_without_the_conversation_reads_it_back() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/close"))
        .respond_with(ok(json!({ "success": true })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1"))
        .respond_with(ok(with(conv("conv_1"), &json!({ "status": "resolved" }))))
        .expect(1)
        .mount(&server)
        .await;
    let c = applied_conversation(&p, change("conv_1", Change::Close), "key-close").await;
    assert_eq!(c.status, Status::Closed);
    server.verify().await;
}

#[tokio::test]
async fn snooze_posts_until() {
    let until: jiff::Timestamp = "2026-12-01T09:00:00Z".parse().expect("timestamp");
    let answer = with(conv("conv_1"), &json!({ "status": "snoozed", "snoozed_until": "2026-12-01T09:00:00Z" }));
    let c =
        write_contract(Change::Snooze { until }, "POST", "/snooze", json!({ "until": "2026-12-01T09:00:00Z" }), answer)
            .await;
    assert_eq!(c.status, Status::Snoozed);
    assert_eq!(c.snoozed_until, Some(until));
}

#[tokio::test]
async fn reopen_posts_reopen() {
    let answer = with(conv("conv_1"), &json!({ "status": "open" }));
    let c = write_contract(Change::Reopen, "POST", "/reopen", json!({}), answer).await;
    assert_eq!(c.status, Status::Open);
}

#[tokio::test]
async fn handoff_posts_the_reason() {
    let answer = with(conv("conv_1"), &json!({ "ai_state": "human" }));
    let reason = "customer asked for a person";
    let c = write_contract(
        Change::Handoff { reason: Some(reason.to_owned()) },
        "POST",
        "/handoff",
        json!({ "reason": reason }),
        answer,
    )
    .await;
    assert_eq!(c.ai_state, AiState::Human);
}

#[tokio::test]
async fn resolve_handoff_posts_handoff_resolve() {
    let answer = with(conv("conv_1"), &json!({ "ai_state": "ai_led" }));
    let c = write_contract(Change::ResolveHandoff, "POST", "/handoff/resolve", json!({}), answer).await;
    assert_eq!(c.ai_state, AiState::AiLed);
}

#[tokio::test]
async fn bulk_posts_ids_and_action_and_answers_per_id() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/bulk"))
        .and(body_partial_json(json!({ "action": "close", "ids": ["conv_1", "conv_2", "conv_3"] })))
        .respond_with(ok(json!({
            "succeeded": ["conv_1", "conv_3"],
            "failed": [{ "id": "conv_2", "error": { "code": "CONVERSATION_LOCKED", "message": "Bo is replying" } }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    for id in ["conv_1", "conv_3"] {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/conversations/{id}")))
            .respond_with(ok(with(conv(id), &json!({ "status": "closed" }))))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_2"))
        .respond_with(ok(conv("conv_2")))
        .expect(0)
        .mount(&server)
        .await;

    let op = Op::Bulk { conversations: vec![cid("conv_1"), cid("conv_2"), cid("conv_3")], change: Change::Close };
    let Applied::Bulk(results) = applied(&p, op, "key-bulk").await else { panic!("expected a bulk answer") };
    let ids: Vec<&str> = results.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["conv_1", "conv_2", "conv_3"]);
    for (id, result) in &results {
        match (id.as_str(), result) {
            ("conv_2", Err(why)) => assert!(why.contains("Bo is replying"), "the failure says why: {why}"),
            (_, Ok(c)) => {
                assert_eq!(c.id, *id);
                assert_eq!(c.status, Status::Closed, "read back after the bulk");
            }
            other => panic!("unexpected bulk row {other:?}"),
        }
    }
    server.verify().await;
}

// ---------------------------------------------------------------------------------
// 5. Copilot
// ---------------------------------------------------------------------------------

async fn mount_suggest(server: &MockServer, id: &str, body: &str) {
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/copilot/suggest"))
        .respond_with(ok(json!({
            "id": id,
            "reply": body,
            "next_best_actions": [
                { "action": "close", "label": "Close the conversation" },
                "escalate_to_billing"
            ]
        })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn copilot_suggests_keeps_and_sends_the_draft_as_a_reply() {
    let (server, p) = orbit().await;
    let draft = "Your refund was issued today; expect it in 3–5 days.";
    mount_suggest(&server, "sug_orbit_1", draft).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/reply"))
        .and(body_json(json!({ "body": draft })))
        .respond_with(ok(json!({ "id": "msg_90", "direction": "outbound", "body": draft })))
        .expect(1)
        .mount(&server)
        .await;

    let s = applied_suggestion(&p, Op::RequestSuggestion { conversation: cid("conv_1") }, "key-ask").await;
    assert_eq!(s.status, SuggestionStatus::Pending);
    assert_eq!(s.body, draft);
    assert_eq!(s.conversation_id.as_str(), "conv_1");
    assert_eq!(
        s.actions,
        [
            NextAction { action: "close".into(), label: "Close the conversation".into() },
            NextAction { action: "escalate_to_billing".into(), label: "escalate to billing".into() },
        ]
    );
    let suggest = requests(&server).await.into_iter().next().expect("the suggest request");
    assert_eq!(suggest.url.path(), "/api/v1/conversations/conv_1/copilot/suggest");
    assert!(header_of(&suggest, "idempotency-key").is_some(), "a POST carries an Idempotency-Key");

    let kept = within(p.suggestions(cid("conv_1"))).await.expect("suggestions");
    assert_eq!(kept, std::slice::from_ref(&s), "the pending draft is given back");

    let m = applied_message(&p, Op::SendSuggestion { suggestion: s.id.clone() }, "key-send-sug").await;
    assert_eq!(m.body, draft);
    let sent = requests(&server).await;
    let reply_req = sent.iter().find(|r| r.url.path().ends_with("/reply")).expect("a reply was posted");
    assert_eq!(header_of(reply_req, "idempotency-key").as_deref(), Some("key-send-sug"));
    let left = within(p.suggestions(cid("conv_1"))).await.expect("suggestions");
    assert!(left.is_empty(), "a sent draft is no longer pending: {left:?}");
    server.verify().await;
}

#[tokio::test]
async fn dismissing_a_suggestion_makes_no_call() {
    let (server, p) = orbit().await;
    mount_suggest(&server, "sug_orbit_2", "Happy to help!").await;
    let s = applied_suggestion(&p, Op::RequestSuggestion { conversation: cid("conv_1") }, "key-ask").await;
    let before = requests(&server).await.len();

    let d = applied_suggestion(&p, Op::DismissSuggestion { suggestion: s.id.clone() }, "key-dismiss").await;
    assert_eq!(d.id, s.id);
    assert_eq!(d.status, SuggestionStatus::Dismissed);
    assert_eq!(requests(&server).await.len(), before, "no HTTP call for a dismissal");
    let left = within(p.suggestions(cid("conv_1"))).await.expect("suggestions");
    assert!(left.is_empty(), "a dismissed draft is no longer pending: {left:?}");
}
