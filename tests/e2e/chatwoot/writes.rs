//! Section 5: every op, as the request the document's endpoints take and the
//! answer read back.

use super::*;

#[tokio::test]
async fn a_reply_posts_outgoing_public_content_and_answers_the_message() {
    let (server, p) = chatwoot().await;
    let text = "Thanks — the refund is on its way.";
    Mock::given(method("POST"))
        .and(path(conv_path(42, "/messages")))
        .and(body_json(json!({ "content": text, "message_type": "outgoing", "private": false })))
        .respond_with(ok(&msg(4201, 42, 1, false, text, T0 + 60)))
        .expect(1)
        .mount(&server)
        .await;
    let m = applied_message(&p, send(42, ReplyKind::Reply, text)).await;
    assert_eq!(m.id.as_str(), "4201");
    assert_eq!(m.conversation_id.as_str(), "42");
    assert_eq!(m.body, text);
    assert_eq!(m.kind, MessageKind::Reply);
    assert_eq!(m.direction, Direction::Outbound);
    assert_eq!(m.created_at.as_second(), T0 + 60);
    server.verify().await;
}

#[tokio::test]
async fn a_note_posts_private_true_and_answers_a_note() {
    let (server, p) = chatwoot().await;
    let text = "Customer is a VIP; refund without the form.";
    Mock::given(method("POST"))
        .and(path(conv_path(42, "/messages")))
        .and(body_json(json!({ "content": text, "message_type": "outgoing", "private": true })))
        .respond_with(ok(&msg(4202, 42, 1, true, text, T0 + 60)))
        .expect(1)
        .mount(&server)
        .await;
    let m = applied_message(&p, send(42, ReplyKind::Note, text)).await;
    assert_eq!(m.id.as_str(), "4202");
    assert_eq!(m.kind, MessageKind::Note);
    assert_eq!(m.body, text);
    server.verify().await;
}

/// Mounts `POST /conversations/42{rest}` expecting exactly `sent`, answering
/// `answer`, and the re-read `GET /conversations/42` answering `after`; applies
/// `what` and checks the write came before the re-read, each once.
async fn write_contract(
    what: Change,
    rest: &str,
    sent: &Value,
    answer: ResponseTemplate,
    after: &Value,
) -> Conversation {
    let (server, p) = chatwoot().await;
    Mock::given(method("POST"))
        .and(path(conv_path(42, rest)))
        .and(body_json(sent))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path(conv_path(42, ""))).respond_with(ok(after)).expect(1).mount(&server).await;
    let c = applied_conversation(&p, change(42, what)).await;
    server.verify().await;
    let order: Vec<String> = requests(&server).await.iter().map(line).collect();
    assert_eq!(order, [format!("POST {}", conv_path(42, rest)), format!("GET {}", conv_path(42, ""))]);
    c
}

#[tokio::test]
async fn assign_to_an_agent_posts_the_numeric_assignee_id() {
    let after = with(
        conv(42, "open", &[], T0 + 60),
        &json!({ "meta": {
            "sender": sender(), "channel": "Channel::WebWidget", "hmac_verified": false,
            "assignee": user(3, "Ana Álvarez", "Ana", "ana@acme.test", "agent")
        } }),
    );
    let answer = ok(&user(3, "Ana Álvarez", "Ana", "ana@acme.test", "agent"));
    let what = Change::Assign { agent_id: Some(AgentId::from("3")), team: None };
    let c = write_contract(what, "/assignments", &json!({ "assignee_id": 3 }), answer, &after).await;
    assert_eq!(c.assignee.map(|a| a.id.as_str().to_owned()).as_deref(), Some("3"));
}

#[tokio::test]
async fn assign_to_a_team_by_name_looks_the_team_up_and_posts_its_id() {
    let (server, p) = chatwoot().await;
    let teams = json!([
        { "id": 1, "name": "Sales", "description": "", "allow_auto_assign": true, "account_id": ACCOUNT, "is_member": false },
        { "id": 4, "name": "Billing", "description": "Refunds", "allow_auto_assign": false, "account_id": ACCOUNT, "is_member": true }
    ]);
    Mock::given(method("GET")).and(path(acct("/teams"))).respond_with(ok(&teams)).expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path(conv_path(42, "/assignments")))
        .and(body_json(json!({ "team_id": 4 })))
        .respond_with(ok(&json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "")))
        .respond_with(ok(&conv(42, "open", &[], T0 + 60)))
        .expect(1)
        .mount(&server)
        .await;
    let what = Change::Assign { agent_id: None, team: Some("Billing".to_owned()) };
    let c = applied_conversation(&p, change(42, what)).await;
    assert_eq!(c.id.as_str(), "42");
    server.verify().await;
}

#[tokio::test]
async fn add_tags_reads_the_labels_then_posts_the_merged_list_keeping_one_another_agent_added() {
    let (server, p) = chatwoot().await;
    // The list showed only "billing"…
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&[conv(42, "open", &["billing"], T0)])))
        .mount(&server)
        .await;
    // …and another agent added "vip" since.
    Mock::given(method("GET"))
        .and(path(conv_path(42, "/labels")))
        .respond_with(ok(&json!({ "payload": ["billing", "vip"] })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(conv_path(42, "/labels")))
        .and(body_json(json!({ "labels": ["billing", "vip", "refund"] })))
        .respond_with(ok(&json!({ "payload": ["billing", "vip", "refund"] })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "")))
        .respond_with(ok(&conv(42, "open", &["billing", "vip", "refund"], T0 + 60)))
        .expect(1)
        .mount(&server)
        .await;
    let listed = within(p.list(query("all"))).await.expect("list");
    assert_eq!(listed.items[0].tags, ["billing"]);
    let what = Change::AddTags { tags: vec!["refund".to_owned(), "billing".to_owned()] };
    let c = applied_conversation(&p, change(42, what)).await;
    assert_eq!(c.tags, ["billing", "vip", "refund"]);
    server.verify().await;
}

#[tokio::test]
async fn remove_tags_posts_the_list_without_them() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "/labels")))
        .respond_with(ok(&json!({ "payload": ["billing", "vip", "refund"] })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(conv_path(42, "/labels")))
        .and(body_json(json!({ "labels": ["billing", "refund"] })))
        .respond_with(ok(&json!({ "payload": ["billing", "refund"] })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "")))
        .respond_with(ok(&conv(42, "open", &["billing", "refund"], T0 + 60)))
        .expect(1)
        .mount(&server)
        .await;
    let c = applied_conversation(&p, change(42, Change::RemoveTags { tags: vec!["vip".to_owned()] })).await;
    assert_eq!(c.tags, ["billing", "refund"]);
    server.verify().await;
}

#[tokio::test]
async fn close_toggles_the_status_to_resolved() {
    let after = conv(42, "resolved", &[], T0 + 60);
    let c = write_contract(
        Change::Close,
        "/toggle_status",
        &json!({ "status": "resolved" }),
        toggled(42, Some("resolved")),
        &after,
    )
    .await;
    assert_eq!(c.status, Status::Closed);
}

#[tokio::test]
async fn reopen_toggles_the_status_to_open() {
    let after = conv(42, "open", &[], T0 + 60);
    let c = write_contract(
        Change::Reopen,
        "/toggle_status",
        &json!({ "status": "open" }),
        toggled(42, Some("open")),
        &after,
    )
    .await;
    assert_eq!(c.status, Status::Open);
}

#[tokio::test]
async fn pending_toggles_the_status_to_pending() {
    let after = conv(42, "pending", &[], T0 + 60);
    let c =
        write_contract(Change::Pending, "/toggle_status", &json!({ "status": "pending" }), toggled(42, None), &after)
            .await;
    assert_eq!(c.status, Status::Pending);
}

#[tokio::test]
async fn snooze_toggles_to_snoozed_with_snoozed_until_in_unix_seconds() {
    let until_s = T0 + 86_400;
    let until = Timestamp::from_second(until_s).expect("a valid instant");
    let after = with(conv(42, "snoozed", &[], T0 + 60), &json!({ "snoozed_until": until_s }));
    let sent = json!({ "status": "snoozed", "snoozed_until": until_s });
    let c = write_contract(Change::Snooze { until }, "/toggle_status", &sent, toggled(42, None), &after).await;
    assert_eq!(c.status, Status::Snoozed);
    assert_eq!(c.snoozed_until.map(Timestamp::as_second), Some(until_s));
}

#[tokio::test]
async fn set_priority_posts_toggle_priority() {
    let after = with(conv(42, "open", &[], T0 + 60), &json!({ "priority": "urgent" }));
    // The document declares no body for toggle_priority's 200.
    let c = write_contract(
        Change::SetPriority { priority: Priority::Urgent },
        "/toggle_priority",
        &json!({ "priority": "urgent" }),
        ResponseTemplate::new(200),
        &after,
    )
    .await;
    assert_eq!(c.priority, Priority::Urgent);
}

/// The API document's priority enum is urgent, high, medium, low, none: "medium",
/// which we have no name for, is read as it came and written back as it came (what an
/// undo of a priority change sends), and our normal is Chatwoot's "none".
#[tokio::test]
async fn medium_priority_is_kept_on_read_and_on_write() {
    let medium = with(conv(42, "open", &[], T0 + 60), &json!({ "priority": "medium" }));
    let c = write_contract(
        Change::SetPriority { priority: Priority::Other("medium".into()) },
        "/toggle_priority",
        &json!({ "priority": "medium" }),
        ResponseTemplate::new(200),
        &medium,
    )
    .await;
    assert_eq!(c.priority, Priority::Other("medium".into()));
    let none = with(conv(42, "open", &[], T0 + 60), &json!({ "priority": null }));
    let c = write_contract(
        Change::SetPriority { priority: Priority::Normal },
        "/toggle_priority",
        &json!({ "priority": "none" }),
        ResponseTemplate::new(200),
        &none,
    )
    .await;
    assert_eq!(c.priority, Priority::Normal);
}

/// An inbox type we have no channel for (Instagram, Telegram…) is kept by its name,
/// not shown as web chat; the web widget is web chat.
#[tokio::test]
async fn an_inbox_type_we_have_no_name_for_is_kept() {
    let (server, p) = chatwoot().await;
    let insta =
        with(conv(42, "open", &[], T0), &json!({ "meta": { "sender": sender(), "channel": "Channel::Instagram" } }));
    let widget =
        with(conv(43, "open", &[], T0), &json!({ "meta": { "sender": sender(), "channel": "Channel::WebWidget" } }));
    Mock::given(method("GET")).and(path(conv_path(42, ""))).respond_with(ok(&insta)).mount(&server).await;
    Mock::given(method("GET")).and(path(conv_path(43, ""))).respond_with(ok(&widget)).mount(&server).await;
    let c = within(p.conversation(cid(42))).await.expect("conversation");
    assert_eq!(c.channel, Channel::Other("instagram".into()));
    let c = within(p.conversation(cid(43))).await.expect("conversation");
    assert_eq!(c.channel, Channel::Web);
}

#[tokio::test]
async fn bulk_applies_one_conversation_at_a_time_with_a_result_for_each() {
    let (server, p) = chatwoot().await;
    for id in [42, 43] {
        Mock::given(method("POST"))
            .and(path(conv_path(id, "/toggle_status")))
            .and(body_json(json!({ "status": "resolved" })))
            .respond_with(toggled(id, Some("resolved")))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(conv_path(id, "")))
            .respond_with(ok(&conv(id, "resolved", &[], T0 + 60)))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(conv_path(44, "/toggle_status")))
        .respond_with(cw_error(404, "Resource could not be found", &[]))
        .expect(1)
        .mount(&server)
        .await;
    let op = Op::Bulk { conversations: vec![cid(42), cid(43), cid(44)], change: Change::Close };
    let Applied::Bulk(results) = applied(&p, op).await else { panic!("expected per-id results") };
    let got: Vec<(&str, Result<Status, &str>)> = results
        .iter()
        .map(|(id, r)| (id.as_str(), r.as_ref().map(|c| c.status.clone()).map_err(String::as_str)))
        .collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], ("42", Ok(Status::Closed)));
    assert_eq!(got[1], ("43", Ok(Status::Closed)));
    assert_eq!(got[2].0, "44");
    let failure = got[2].1.clone().expect_err("44 failed");
    assert!(failure.contains("Resource could not be found"), "{failure}");
    let order: Vec<String> = requests(&server).await.iter().map(line).collect();
    assert_eq!(
        order,
        [
            format!("POST {}", conv_path(42, "/toggle_status")),
            format!("GET {}", conv_path(42, "")),
            format!("POST {}", conv_path(43, "/toggle_status")),
            format!("GET {}", conv_path(43, "")),
            format!("POST {}", conv_path(44, "/toggle_status")),
        ],
        "one by one"
    );
    server.verify().await;
}

#[tokio::test]
async fn star_is_unsupported_without_a_call() {
    let (server, p) = chatwoot().await;
    let e = apply_err(&p, change(42, Change::Star)).await;
    assert!(matches!(e, ProviderError::Unsupported(_)), "{e:?}");
    assert!(requests(&server).await.is_empty(), "nothing was sent");
}
