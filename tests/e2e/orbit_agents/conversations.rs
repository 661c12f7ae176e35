//! Section 9: an agent's conversations and their messages.

use super::*;

/// Not published: modelled on the agent objects (see the module docs).
fn conversation_row(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "status": status,
        "channel": "whatsapp",
        "contact": { "id": "cust_xyz", "name": "Jane Doe", "phone": "+14155550123" },
        "message_count": 3,
        "started_at": "2026-03-08T12:00:00Z",
        "last_message_at": "2026-03-08T12:00:15Z"
    })
}

#[tokio::test]
async fn agent_conversations_page_with_the_cursor() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(&json!([conversation_row("conv_abc123", "completed")]), &paged_meta("cur_conv_2", true, 2)))
        .expect(1)
        .mount(&server)
        .await;
    let mut second = conversation_row("conv_def456", "abandoned");
    second["contact"] = json!("+14155550999");
    second["sentiment"] = json!("neutral");
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations"))
        .and(query_param("cursor", "cur_conv_2"))
        .respond_with(ok(&json!([second]), &paged_meta("cur_conv_3", false, 2)))
        .expect(1)
        .mount(&server)
        .await;

    let first = agents(&p).agent_conversations("agt_abc123".into(), None).await.expect("page 1");
    assert_eq!(first.next_cursor.as_deref(), Some("cur_conv_2"));
    let [c] = first.items.as_slice() else { panic!("one row: {:?}", first.items) };
    assert_eq!(c.id, "conv_abc123");
    assert_eq!(c.status, "completed");
    assert_eq!(c.contact.as_deref(), Some("Jane Doe"));
    assert_eq!(c.messages, Some(3));
    assert_eq!(c.started_at, Some(ts("2026-03-08T12:00:00Z")));
    assert_eq!(c.last_message_at, Some(ts("2026-03-08T12:00:15Z")));

    let next = agents(&p).agent_conversations("agt_abc123".into(), first.next_cursor).await.expect("page 2");
    assert_eq!(next.next_cursor, None);
    let [c] = next.items.as_slice() else { panic!("one row: {:?}", next.items) };
    assert_eq!((c.id.as_str(), c.status.as_str()), ("conv_def456", "abandoned"));
    assert_eq!(c.contact.as_deref(), Some("+14155550999"));
    assert_headers(&server).await;
}

#[tokio::test]
async fn agent_conversations_read_rows_with_both_created_and_started_times() {
    // Orbit's objects carry `created_at` (the agents do); a conversation row that has
    // it beside `started_at`, and `updated_at` beside `last_message_at`, is still a row.
    let (server, p) = orbit().await;
    let mut row = conversation_row("conv_abc123", "active");
    row["created_at"] = json!("2026-03-08T12:00:00Z");
    row["updated_at"] = json!("2026-03-08T12:00:15Z");
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations"))
        .respond_with(ok(&json!([row]), &paged_meta("cur_conv_1", false, 1)))
        .expect(1)
        .mount(&server)
        .await;

    let page = agents(&p).agent_conversations("agt_abc123".into(), None).await.expect("the page is read");
    let [c] = page.items.as_slice() else { panic!("one row: {:?}", page.items) };
    assert_eq!(c.started_at, Some(ts("2026-03-08T12:00:00Z")));
    assert_eq!(c.last_message_at, Some(ts("2026-03-08T12:00:15Z")));
}

#[tokio::test]
async fn agent_messages_are_the_pages_three_with_tool_calls() {
    let (server, p) = orbit().await;
    let data = json!([
        {
            "id": "amsg_001",
            "role": "user",
            "content": "What is the status of order ORD-12345?",
            "created_at": "2026-03-08T12:00:00Z"
        },
        {
            "id": "amsg_002",
            "role": "assistant",
            "content": "Hi Jane! Your order ORD-12345 was shipped yesterday via FedEx.",
            "tool_calls": [
                { "tool": "lookup_order", "input": { "order_id": "ORD-12345" } }
            ],
            "created_at": "2026-03-08T12:00:02Z"
        },
        {
            "id": "amsg_003",
            "role": "user",
            "content": "Great, thanks!",
            "created_at": "2026-03-08T12:00:15Z"
        }
    ]);
    let meta = json!({
        "request_id": "req_msgs_001",
        "timestamp": "2026-03-08T12:01:00Z",
        "pagination": { "cursor": "cur_amsg_003", "has_more": false, "total": 3 }
    });
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations/conv_abc123/messages"))
        .respond_with(ok(&data, &meta))
        .expect(1)
        .mount(&server)
        .await;

    let msgs = agents(&p).agent_messages("agt_abc123".into(), "conv_abc123".into()).await.expect("the messages");
    let summary: Vec<(&str, &str, usize)> =
        msgs.iter().map(|m| (m.id.as_str(), m.role.as_str(), m.tools.len())).collect();
    assert_eq!(summary, [("amsg_001", "user", 0), ("amsg_002", "assistant", 1), ("amsg_003", "user", 0)]);
    assert_eq!(msgs[0].content, "What is the status of order ORD-12345?");
    assert_eq!(msgs[1].content, "Hi Jane! Your order ORD-12345 was shipped yesterday via FedEx.");
    assert_eq!(msgs[2].content, "Great, thanks!");
    let t = &msgs[1].tools[0];
    assert_eq!(t.tool, "lookup_order");
    assert_eq!(t.input, crate::support::data(json!({ "order_id": "ORD-12345" })));
    assert_eq!(t.output, None);
    assert_eq!(msgs[1].created_at, Some(ts("2026-03-08T12:00:02Z")));
    assert_eq!(msgs[2].created_at, Some(ts("2026-03-08T12:00:15Z")));
    assert_headers(&server).await;
}

#[tokio::test]
async fn agent_messages_follow_the_cursor_to_the_end_of_the_conversation() {
    // The messages answer is paged like every Orbit list (default 20 a page): a long
    // conversation must not be cut at its first page without a word.
    let (server, p) = orbit().await;
    let message = |n: u32| {
        json!({
            "id": format!("amsg_{n:03}"),
            "role": if n % 2 == 1 { "user" } else { "assistant" },
            "content": format!("message {n}"),
            "created_at": "2026-03-08T12:00:00Z"
        })
    };
    let paged = |cursor: &str, has_more: bool| {
        json!({
            "request_id": "req_msgs_002",
            "timestamp": "2026-03-08T12:01:00Z",
            "pagination": { "cursor": cursor, "has_more": has_more, "total": 3 }
        })
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations/conv_abc123/messages"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(&json!([message(1), message(2)]), &paged("cur_amsg_002", true)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations/conv_abc123/messages"))
        .and(query_param("cursor", "cur_amsg_002"))
        .respond_with(ok(&json!([message(3)]), &paged("cur_amsg_003", false)))
        .mount(&server)
        .await;

    let msgs = agents(&p).agent_messages("agt_abc123".into(), "conv_abc123".into()).await.expect("the messages");
    let ids: Vec<&str> = msgs.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["amsg_001", "amsg_002", "amsg_003"], "every page of the conversation");
}
