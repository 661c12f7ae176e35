//! Sections 3 and 4: the list, paged and filtered as the document says, and a
//! conversation with its thread, walked back page by page.

use super::*;

/// `assignee_type`, `status`, `page`, `labels` and `q` of one list request.
type Asked = (Option<String>, Option<String>, Option<String>, Vec<String>, Option<String>);

#[tokio::test]
async fn list_sends_assignee_type_status_page_labels_and_q() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&[conv(42, "open", &["billing"], T0)])))
        .mount(&server)
        .await;
    let search =
        ListQuery { filter: ViewFilter { q: Some("  refund  ".to_owned()), ..ViewFilter::default() }, ..query("all") };
    let paged = ListQuery { cursor: Some("3".to_owned()), ..query("unassigned") };
    let queries = vec![
        query("mine"),
        paged,
        query("all"),
        query("pending"),
        query("snoozed"),
        query("resolved"),
        query("label:billing"),
        search,
    ];
    for q in queries {
        within(p.list(q)).await.expect("list");
    }
    let asked: Vec<Asked> = requests(&server)
        .await
        .iter()
        .map(|r| {
            (
                query_of(r, "assignee_type"),
                query_of(r, "status"),
                query_of(r, "page"),
                queries_of(r, "labels"),
                query_of(r, "q"),
            )
        })
        .collect();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        asked,
        [
            // Mine and Unassigned are the open ones, as Chatwoot's tabs and counts are.
            (s("me"), s("open"), s("1"), vec![], None),
            (s("unassigned"), s("open"), s("3"), vec![], None),
            (s("all"), s("open"), s("1"), vec![], None),
            (s("all"), s("pending"), s("1"), vec![], None),
            (s("all"), s("snoozed"), s("1"), vec![], None),
            (s("all"), s("resolved"), s("1"), vec![], None),
            (s("all"), s("open"), s("1"), vec!["billing".to_owned()], None),
            (s("all"), s("open"), s("1"), vec![], s("refund")),
        ]
    );
}

#[tokio::test]
async fn list_pages_to_the_end_a_full_page_of_25_has_a_next_cursor() {
    let (server, p) = chatwoot().await;
    let first: Vec<Value> = (101..=125).map(|id| conv(id, "open", &[], T0 - id)).collect();
    let last: Vec<Value> = (126..=128).map(|id| conv(id, "open", &[], T0 - id)).collect();
    // The view's count beside each page is the view's, not the page's.
    let counted = |rows: &[Value]| {
        let mut body = list_body(rows);
        body["data"]["meta"]["all_count"] = json!(28);
        body
    };
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .and(query_param("page", "1"))
        .respond_with(ok(&counted(&first)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .and(query_param("page", "2"))
        .respond_with(ok(&counted(&last)))
        .expect(1)
        .mount(&server)
        .await;

    let one = within(p.list(query("all"))).await.expect("page 1");
    assert_eq!(one.items.len(), 25);
    assert_eq!(one.items.first().map(|c| c.id.as_str()), Some("101"));
    assert!(one.next_cursor.is_some(), "a full page means there may be more");
    assert_eq!(one.prev_cursor, None, "the first page has nothing above it");
    let two = within(p.list(ListQuery { cursor: one.next_cursor, ..query("all") })).await.expect("page 2");
    assert_eq!(ids(&two.items), ["126", "127", "128"]);
    assert_eq!(two.next_cursor, None, "a short page is the last");
    server.verify().await;
}

#[tokio::test]
async fn a_view_over_two_statuses_asks_all_and_keeps_only_those() {
    let (server, p) = chatwoot().await;
    let rows = [
        conv(1, "open", &[], T0),
        conv(2, "pending", &[], T0 - 1),
        conv(3, "resolved", &[], T0 - 2),
        with(conv(4, "snoozed", &[], T0 - 3), &json!({ "snoozed_until": T0 + 3_600 })),
    ];
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .and(query_param("status", "all"))
        .respond_with(ok(&list_body(&rows)))
        .expect(1)
        .mount(&server)
        .await;

    let asked = ListQuery {
        filter: ViewFilter { status: vec![Status::Pending, Status::Closed], ..ViewFilter::default() },
        ..query("all")
    };
    let picked = within(p.list(asked)).await.expect("pending and resolved");
    assert_eq!(ids(&picked.items), ["2", "3"]);
    assert_eq!(picked.items[1].status, Status::Closed);
    server.verify().await;
}

#[tokio::test]
async fn list_tolerates_unknown_fields_and_null_labels_and_skips_a_row_without_id() {
    let (server, p) = chatwoot().await;
    let odd = with(
        conv(1, "open", &[], T0),
        &json!({
            "labels": null,
            "brand_new_field": { "nested": [1, 2, { "deeper": true }] },
            "sla_events": [{ "event_type": "frt", "created_at": T0 }],
            "meta": { "sender": sender(), "channel": "Channel::Telegram", "hmac_verified": true, "new_meta": 1 }
        }),
    );
    let mut no_id = conv(2, "open", &["billing"], T0 - 1);
    no_id.as_object_mut().expect("an object").remove("id");
    let rows = [odd, no_id, conv(3, "open", &["vip"], T0 - 2)];
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&rows)))
        .mount(&server)
        .await;
    let page = within(p.list(query("all"))).await.expect("list");
    assert_eq!(ids(&page.items), ["1", "3"], "the row without id is skipped, the others kept");
    assert!(page.items[0].tags.is_empty(), "null labels are no labels");
    assert_eq!(page.items[0].contact.name, "Jane Doe");
    assert_eq!(page.items[1].tags, ["vip"]);
    assert_eq!(page.next_cursor, None);
}

// ---------------------------------------------------------------------------------
// 4. conversation and thread
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_conversation_reads_from_get_conversation_show() {
    let (server, p) = chatwoot().await;
    let show = with(
        conv(42, "pending", &["billing", "vip"], T0),
        &json!({
            "priority": "high",
            "unread_count": 0,
            "additional_attributes": { "mail_subject": "Refund for order #1001" },
            "meta": {
                "sender": sender(),
                "channel": "Channel::Email",
                "assignee": user(3, "Ana Álvarez", "Ana", "ana@acme.test", "agent"),
                "hmac_verified": false
            }
        }),
    );
    Mock::given(method("GET")).and(path(conv_path(42, ""))).respond_with(ok(&show)).expect(1).mount(&server).await;
    let c = within(p.conversation(cid(42))).await.expect("conversation");
    assert_eq!(c.id.as_str(), "42");
    assert_eq!(c.status, Status::Pending);
    assert_eq!(c.priority, Priority::High);
    assert_eq!(c.tags, ["billing", "vip"]);
    assert_eq!(c.channel, Channel::Email);
    assert_eq!(c.subject.as_deref(), Some("Refund for order #1001"));
    assert_eq!(c.contact.id.as_str(), "501");
    assert_eq!(c.contact.name, "Jane Doe");
    assert_eq!(c.contact.handle, "+14155550123");
    assert_eq!(c.contact.email.as_deref(), Some("jane@example.com"));
    assert_eq!(c.assignee.as_ref().map(|a| (a.id.as_str(), a.name.as_str())), Some(("3", "Ana")));
    assert!(!c.unread);
    let last = c.last_message.as_ref().expect("the last message");
    assert_eq!(last.preview, "Where is my refund?");
    assert_eq!(last.direction, Direction::Inbound);
    assert_eq!(last.at.as_second(), T0);
    assert_eq!(c.updated_at.as_second(), T0);
    assert_eq!(c.created_at.as_second(), T0 - 3_600);
    server.verify().await;
}

/// Conversation 42's messages 21..=30, one a minute; 28 is a private note, 29 an
/// activity line. Chatwoot pages newest first, each page oldest first: 26..=30 with
/// no `before`, 21..=25 before 26, nothing before 21.
async fn mount_thread(server: &MockServer) {
    let m = |id: i64| {
        let at = T0 + id * 60;
        match id {
            28 => msg(id, 42, 1, true, "Refund approved by finance", at),
            29 => msg(id, 42, 2, false, "Ana assigned the conversation to Billing", at),
            _ if id % 2 == 0 => msg(id, 42, 1, false, &format!("agent says {id}"), at),
            _ => msg(id, 42, 0, false, &format!("customer says {id}"), at),
        }
    };
    let newest: Vec<Value> = (26..=30).map(m).collect();
    let older: Vec<Value> = (21..=25).map(m).collect();
    let pages = [(None, newest), (Some("26"), older), (Some("21"), Vec::new())];
    for (before, rows) in pages {
        let mock = Mock::given(method("GET")).and(path(conv_path(42, "/messages")));
        let mock = match before {
            Some(b) => mock.and(query_param("before", b)),
            None => mock.and(query_param_is_missing("before")),
        };
        mock.respond_with(ok(&messages_body(&rows))).mount(server).await;
    }
}

async fn befores(server: &MockServer) -> Vec<Option<String>> {
    requests(server).await.iter().map(|r| query_of(r, "before")).collect()
}

#[tokio::test]
async fn a_thread_is_oldest_first_walking_older_pages_until_an_empty_one() {
    let (server, p) = chatwoot().await;
    mount_thread(&server).await;
    let thread = within(p.thread(cid(42), 50)).await.expect("thread");
    let got: Vec<&str> = thread.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(got, ["21", "22", "23", "24", "25", "26", "27", "28", "29", "30"]);
    assert!(thread.windows(2).all(|w| w[0].created_at <= w[1].created_at), "oldest first");
    assert_eq!(befores(&server).await, [None, Some("26".to_owned()), Some("21".to_owned())]);

    let by_id = |id: &str| thread.iter().find(|m| m.id.as_str() == id).expect("the message");
    assert_eq!(by_id("28").kind, MessageKind::Note, "private: true is an internal note");
    assert_eq!(by_id("29").kind, MessageKind::Event, "message_type 2 is an activity line");
    assert_eq!(by_id("29").author.kind, AuthorKind::System);
    let incoming = by_id("21");
    assert_eq!(incoming.kind, MessageKind::Reply);
    assert_eq!(incoming.direction, Direction::Inbound);
    assert_eq!(incoming.author.kind, AuthorKind::Contact);
    assert_eq!(incoming.body, "customer says 21");
    assert_eq!(incoming.conversation_id.as_str(), "42");
    assert_eq!(incoming.created_at.as_second(), T0 + 21 * 60);
    let outgoing = by_id("30");
    assert_eq!(outgoing.direction, Direction::Outbound);
    assert_eq!(outgoing.author.kind, AuthorKind::Agent);
    assert_eq!(outgoing.author.name, "Ana");
}

#[tokio::test]
async fn a_thread_stops_walking_once_it_holds_limit_messages() {
    let (server, p) = chatwoot().await;
    mount_thread(&server).await;
    let thread = within(p.thread(cid(42), 7)).await.expect("thread");
    let got: Vec<&str> = thread.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(got, ["24", "25", "26", "27", "28", "29", "30"], "the newest 7, oldest first");
    assert_eq!(befores(&server).await, [None, Some("26".to_owned())], "no page past the limit");
}
