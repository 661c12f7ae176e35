//! Reading Bancroft's answers to their end and past what the page shows: lists and
//! threads paged to the last page, and rows with fields, types and enum values no
//! version of the adapter knows (read, never failing the answer).

use frontdesk_domain::MessageKind;

use super::*;

fn rows(from: u32, n: u32) -> Vec<Value> {
    (from..from + n).map(|i| conv(i, "open", 0)).collect()
}

/// A server may cap a page below the `limit` asked (the page says 100, a proxy or
/// a plan may say less): while `next` links on, the list goes on.
#[tokio::test]
async fn a_short_page_with_a_next_link_is_not_the_end() {
    let (server, p) = bancroft().await;
    let next = format!("{}{LIST}?limit=50&offset=50&status=open", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("offset", "0"))
        .respond_with(ok(&envelope(120, Some(next.as_str()), &rows(1, 50))))
        .mount(&server)
        .await;
    let first = within(p.list(query("open", 100))).await.expect("page 1");
    assert_eq!(first.items.len(), 50);
    assert_eq!(first.next_cursor, Some(format!("50.120.{}", cid(50))), "next says there is more");

    // An empty page is the end, whatever its `next` says (else a loop on one offset).
    // The next read starts a few rows above the cursor's row (the 50th, offset 49),
    // to find it where it may have moved.
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("offset", "41"))
        .respond_with(ok(&envelope(120, Some(next.as_str()), &[])))
        .mount(&server)
        .await;
    let empty = within(p.list(ListQuery { cursor: first.next_cursor, ..query("open", 100) })).await.expect("page 2");
    assert_eq!((empty.items.len(), empty.next_cursor), (0, None));
}

#[tokio::test]
async fn without_next_the_count_says_where_the_end_is() {
    let (server, p) = bancroft().await;
    let page = |count: usize, rows: &[Value]| ok(&json!({ "count": count, "results": rows }));
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("offset", "0"))
        .respond_with(page(4, &rows(1, 2)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("offset", "2"))
        .respond_with(page(4, &rows(3, 2)))
        .mount(&server)
        .await;
    let first = within(p.list(query("open", 2))).await.expect("page 1");
    assert_eq!(first.next_cursor, Some(format!("2.4.{}", cid(2))));
    let second = within(p.list(ListQuery { cursor: first.next_cursor, ..query("open", 2) })).await.expect("page 2");
    assert_eq!(ids(&second.items), [cid(3), cid(4)]);
    assert_eq!(second.next_cursor, None, "a full page, but the count is reached");
}

#[tokio::test]
async fn a_thread_is_followed_to_its_last_page() {
    let (server, p) = bancroft().await;
    let url = conv_path(ID, "messages/");
    let msg = |i: u32| {
        json!({ "id": format!("m{i}"), "sender_email": "customer@example.com", "body": format!("part {i}"),
        "message_type": "reply", "created_at": at(i64::from(i)) })
    };
    for (offset, next, ids) in [(None, Some(2), [1, 2]), (Some(2), Some(4), [3, 4]), (Some(4), None, [5, 6])] {
        let link = next.map(|n: u32| format!("{}{url}?limit=2&offset={n}", server.uri()));
        let body = envelope(6, link.as_deref(), &ids.map(msg));
        let mock = Mock::given(method("GET")).and(path(url.as_str()));
        let mock = match offset {
            None => mock.and(query_param_is_missing("offset")),
            Some(o) => mock.and(query_param("offset", o.to_string().as_str())),
        };
        mock.respond_with(ok(&body)).expect(1).mount(&server).await;
    }
    let thread = within(p.thread(ConversationId::from(ID), 0)).await.expect("thread");
    assert_eq!(thread.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["m1", "m2", "m3", "m4", "m5", "m6"]);
    server.verify().await;
}

#[tokio::test]
async fn a_thread_reads_unknown_fields_types_and_kinds_without_failing() {
    let (server, p) = bancroft().await;
    let body = json!({ "count": 7, "next": null, "previous": null, "facets": { "unread": 2 }, "results": [
        { "id": "m1", "sender_email": "customer@example.com", "body": "Hi", "message_type": "reply",
          "created_at": T0, "attachments": [{ "url": "https://files.example/a.pdf" }], "channel": "email" },
        { "id": "m2", "sender_email": AGENT, "body": "Refund approved by finance", "message_type": "internal_note",
          "created_at": at(1) },
        { "id": "m3", "sender_email": "Agent@YourCompany.com", "body": "Done.", "message_type": "sms_outbound",
          "created_at": 1_772_100_180 },
        { "id": 4, "sender_email": null, "body": "Conversation merged", "message_type": "system", "created_at": at(4) },
        { "sender_email": "customer@example.com", "body": "no id" },
        "not a message",
        { "id": "m5", "sender_email": ["odd"], "body": 42, "message_type": { "v": 2 }, "created_at": at(5) }
    ] });
    Mock::given(method("GET")).and(path(conv_path(ID, "messages/"))).respond_with(ok(&body)).mount(&server).await;
    let thread = within(p.thread(ConversationId::from(ID), 0)).await.expect("the answer is read");
    let got: Vec<(&str, Direction, MessageKind, &str)> =
        thread.iter().map(|m| (m.id.as_str(), m.direction, m.kind, m.body.as_str())).collect();
    assert_eq!(
        got,
        [
            ("m1", Direction::Inbound, MessageKind::Reply, "Hi"),
            ("m2", Direction::Outbound, MessageKind::Note, "Refund approved by finance"),
            ("m3", Direction::Outbound, MessageKind::Reply, "Done."),
            ("4", Direction::Inbound, MessageKind::Reply, "Conversation merged"),
            ("m5", Direction::Inbound, MessageKind::Reply, "42"),
        ],
        "unknown types read as replies, the agent's address in any case is ours, rows without an id skipped"
    );
    assert_eq!(thread[2].created_at.to_string(), "2026-02-26T10:03:00Z", "unix seconds");
}

#[tokio::test]
async fn write_answers_with_unknown_fields_and_values_are_read() {
    let (server, p) = bancroft().await;
    let mut created = page_conversation();
    created["status"] = json!("new");
    created["priority"] = json!("p1");
    created["channel"] = json!("whatsapp");
    created["requester"]["phone"] = json!({ "e164": "+14155550123" });
    created["assignee"] = json!({ "email": "someone@yourcompany.com" });
    created["tags"] = json!(["vip"]);
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/create/"))
        .respond_with(ResponseTemplate::new(201).set_body_json(created))
        .mount(&server)
        .await;
    let c = within(p.create_conversation(NewConversation { subject: "Help".into(), ..NewConversation::default() }))
        .await
        .expect("created");
    assert_eq!(
        (c.id.as_str(), &c.status, &c.priority, &c.channel),
        (ID, &Status::Other("new".into()), &Priority::Other("p1".into()), &Channel::Whatsapp)
    );

    let mut resolved = page_resolved_full();
    resolved["resolution"] = json!({ "by": AGENT, "reason": "answered" });
    resolved["csat"] = json!(null);
    Mock::given(method("POST"))
        .and(path(conv_path(ID, "resolve/")))
        .respond_with(ok(&resolved))
        .expect(1)
        .mount(&server)
        .await;
    let c = applied_conversation(&p, change(ID, Change::Close)).await;
    assert_eq!(c.status, Status::Closed);
    assert_eq!(requests(&server).await.len(), 2, "a full answer is not read back");
}
