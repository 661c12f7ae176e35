//! Unknown fields, unknown enum values and fields of an unexpected type in every
//! Iron answer the adapter reads, against a wiremock Iron: list rows, the
//! conversation (read and in an action's answer), timeline rows, a send's answer,
//! views and their counts (and the probe made of them). A row is read as far as it
//! can be, a row that cannot be read is skipped, and the rest of the answer stands.
//!
//! Iron publishes no shapes (`vendors/NOTES.md`): the fields the adapter reads are
//! its ASSUMPTIONS (see `crates/provider-crm/src/wire.rs`); everything else below is
//! invented to be unknown.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::{
    AuthorKind, Change, Channel, ConversationId, Delivery, Direction, MessageKind, Op, ReplyKind, Status,
    SuggestionStatus, ViewKind,
};
use frontdesk_provider::{Applied, ListQuery, Provider};

use crate::crm::{C1, ME, conv, conv_path, setup};

async fn answer(server: &MockServer, verb: &str, at: &str, body: Value) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

/// A row with values of every kind the adapter does not know, and fields of
/// types it does not expect.
fn odd_row() -> Value {
    json!({
        "id": "c-odd", "contact": "k9", "contact_name": "Sam Odd", "channel": "carrier_pigeon",
        "status": "qualified_hot", "starred": "yes", "unread_count": "3", "archived": 0, "assigned_to": 42,
        "last_message": "hello?", "last_message_preview": "hello?", "sla_due_at": "not a date",
        "updated_at": 1_772_359_200, "tags": ["vip"], "pipeline_stage": { "id": 4, "name": "Qualified" },
        "score": 9.5, "ai": { "mode": "autopilot", "agent": null }, "subject": { "text": "an object" }
    })
}

#[tokio::test]
async fn crm_list_rows_with_unknown_values_and_types_are_read_and_bad_rows_skipped() {
    let (server, p) = setup().await;
    let email_row =
        json!({ "id": 7, "channel": "EMAIL", "contact": { "email": "x@y.test", "phone": 5_550_100, "nick": ["x"] } });
    let body = json!({
        "items": [odd_row(), conv("c2"), "just a string", null, { "id": { "uuid": "x" } }, email_row, []],
        "total": 3, "facets": { "status": { "open": 2 } }, "next_cursor": null, "generated_at": "2026-03-01T10:00:00Z"
    });
    answer(&server, "GET", "/api/v1/conversations", body).await;
    let page = p.list(ListQuery { limit: 25, ..ListQuery::default() }).await.expect("the list");
    let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c-odd", "c2", "7"], "unreadable rows skipped, the rest kept");
    assert_eq!(page.next_cursor, None);

    let odd = &page.items[0];
    // Values Iron has and we have no name for are kept as they came.
    assert_eq!(
        (odd.contact.name.as_str(), &odd.channel, &odd.status),
        ("Sam Odd", &Channel::Other("carrier_pigeon".into()), &Status::Other("qualified_hot".into()))
    );
    assert!(odd.starred && odd.unread && !odd.archived, "{odd:?}");
    assert_eq!(odd.assignee.as_ref().map(|a| a.id.as_str()), Some("42"), "a numeric id reads as text");
    assert_eq!(odd.last_message.as_ref().map(|m| m.preview.as_str()), Some("hello?"));
    assert_eq!((odd.sla_due_at, odd.subject.as_deref()), (None, None), "unreadable values read as absent");
    assert_eq!(odd.updated_at, jiff::Timestamp::from_second(1_772_359_200).expect("a time"), "unix seconds");
    assert_eq!(page.items[1].status, Status::Other("brand_new_state".into()), "an unknown status is kept");

    let email = &page.items[2];
    assert_eq!((email.channel.clone(), email.contact.handle.as_str()), (Channel::Email, "x@y.test"));
    assert_eq!(email.contact.phone.as_deref(), Some("5550100"));
}

#[tokio::test]
async fn crm_a_conversation_with_unknown_values_is_read_whole_and_in_an_actions_answer() {
    let (server, p) = setup().await;
    let mut row = conv(C1);
    row["status"] = json!("on_hold_for_finance");
    row["channel"] = json!("rcs");
    row["assignee"] = json!({ "id": ME, "role": "closer", "avatar": { "url": "x" } });
    row["custom_fields"] = json!({ "budget": 1200, "move_in": "2026-04" });
    let envelope = json!({ "conversation": row, "meta": { "request_id": "r-1" }, "permissions": ["reply"] });
    answer(&server, "GET", &conv_path(""), envelope.clone()).await;
    let c = p.conversation(ConversationId::from(C1)).await.expect("read");
    assert_eq!(
        (c.id.as_str(), &c.status, &c.channel),
        (C1, &Status::Other("on_hold_for_finance".into()), &Channel::Other("rcs".into())),
        "an RCS thread is not an SMS one"
    );
    assert_eq!(c.assignee.as_ref().map(|a| a.name.as_str()), Some("Ana Lima"), "my id, my name");

    // An action that answers with the conversation is read from that answer.
    let mut starred = envelope;
    starred["conversation"]["starred"] = json!(true);
    starred["event"] = json!("conversation.starred");
    Mock::given(method("POST"))
        .and(path(conv_path("/star")))
        .respond_with(ResponseTemplate::new(200).set_body_json(starred))
        .expect(1)
        .mount(&server)
        .await;
    let applied = p
        .apply(Op::Change { conversation: ConversationId::from(C1), change: Change::Star }, "k".into())
        .await
        .expect("starred");
    assert!(
        matches!(&applied, Applied::Conversation(c) if c.starred && c.status == Status::Other("on_hold_for_finance".into())),
        "{applied:?}"
    );
    let reads = server.received_requests().await.unwrap_or_default();
    assert_eq!(reads.iter().filter(|r| r.url.path() == conv_path("")).count(), 1, "not read back");
}

#[tokio::test]
async fn crm_timeline_rows_with_unknown_types_directions_actors_and_statuses_are_kept() {
    let (server, p) = setup().await;
    let at = |m: u32| format!("2026-03-01T10:{m:02}:00Z");
    let rows = json!({ "activities": [
        { "id": "t1", "type": "whatsapp_template", "direction": "sideways", "actor": "workflow:42", "body": "Reminder",
          "created_at": at(1), "template": { "name": "reminder_v2" } },
        { "id": "t2", "type": "sms", "direction": "outbound", "actor": "agent:closer", "status": "teleported",
          "body": "On my way", "created_at": at(2), "segments": 2 },
        { "id": "t3", "activity_type": "EMAIL", "direction": "INBOUND", "actor": "contact:k1", "text": "Re: viewing",
          "occurred_at": 1_772_359_380, "attachments": [{ "url": "https://x.test/a.pdf" }], "thread_id": 9 },
        { "id": "t4", "type": "call", "actor": { "type": "user", "id": ME }, "call": "missed", "duration": "n/a",
          "created_at": at(4) },
        { "id": "t5", "type": "sms", "actor": format!("USER:{ME}"), "direction": "outbound", "body": "Booked",
          "status": "delivered_to_carrier", "created_at": at(5) },
        { "id": "t6", "type": "sms", "actor": "system", "direction": "internal", "body": "Score changed",
          "is_suggestion": "maybe", "created_at": "yesterday-ish" },
        { "id": "t7", "type": "sms", "actor": "agent:setter", "status": "needs_review", "body": "Draft?", "created_at": at(7) },
        { "id": "t8", "type": "suggestion", "actor": "agent:setter", "body": "Shall I call?", "confidence": 0.92,
          "created_at": at(8) },
        "not an activity", null, { "type": "sms", "body": "no id" }, 42
    ], "cursor": null, "unread": 3 });
    answer(&server, "GET", &conv_path("/messages"), rows).await;
    let thread = p.thread(ConversationId::from(C1), 50).await.expect("thread");
    let by = |id: &str| thread.iter().find(|m| m.id.as_str() == id).unwrap_or_else(|| panic!("{id} kept"));
    assert_eq!(thread.len(), 7, "every row with an id but the pending draft: {thread:?}");

    let (t1, t2, t3, t4, t5) = (by("t1"), by("t2"), by("t3"), by("t4"), by("t5"));
    // An actor kind we do not know is kept as said, on the customer's side.
    assert_eq!(
        (t1.kind, t1.author.kind.clone(), t1.direction, t1.body.as_str()),
        (MessageKind::Reply, AuthorKind::Other("workflow".into()), Direction::Inbound, "Reminder")
    );
    assert_eq!(
        (t2.author.kind.clone(), t2.author.name.as_str(), t2.direction),
        (AuthorKind::Ai, "closer", Direction::Outbound)
    );
    assert_eq!(t2.delivery, Delivery::Sent, "an unknown delivery status reads as sent");
    assert_eq!((t3.direction, t3.body.as_str()), (Direction::Inbound, "Re: viewing"));
    assert_eq!(t3.created_at, jiff::Timestamp::from_second(1_772_359_380).expect("a time"));
    assert_eq!(t4.kind, MessageKind::Call);
    assert_eq!(t4.call.as_ref().map(|c| c.duration_secs), Some(0), "an unreadable duration is none");
    assert_eq!(
        (t5.author.kind.clone(), t5.author.id.as_deref(), t5.delivery),
        (AuthorKind::Agent, Some(ME), Delivery::Sent)
    );
    assert_eq!((&by("t6").author.kind, by("t6").direction), (&AuthorKind::System, Direction::Outbound));
    // A setter row in a state we do not know is shown, as the AI's, not lost.
    assert_eq!(by("t7").author.kind, AuthorKind::Ai);

    let suggestions = p.suggestions(ConversationId::from(C1)).await.expect("suggestions");
    assert_eq!(
        suggestions.iter().map(|s| (s.body.as_str(), s.status)).collect::<Vec<_>>(),
        [("Shall I call?", SuggestionStatus::Pending)]
    );
}

#[tokio::test]
async fn crm_a_send_answer_with_unknown_values_is_the_message() {
    let (server, p) = setup().await;
    let sent = json!({ "message": { "id": "a12", "status": "teleported", "channel": "rcs", "provider_message_id": "SM1",
        "segments": 2, "direction": "upward", "cost": { "usd": 0.0079 } }, "conversation_id": C1 });
    answer(&server, "POST", &conv_path("/messages"), sent).await;
    let op = Op::Send {
        conversation: ConversationId::from(C1),
        kind: ReplyKind::Reply,
        body: "See you Friday".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    let applied = p.apply(op, "k".into()).await.expect("sent");
    let Applied::Message(m) = applied else { panic!("a message: {applied:?}") };
    assert_eq!((m.id.as_str(), m.body.as_str(), m.author.kind), ("a12", "See you Friday", AuthorKind::Agent));
    assert_eq!(
        (m.direction, m.delivery),
        (Direction::Outbound, Delivery::Sent),
        "ours, though the answer says otherwise"
    );
}

fn views() -> Value {
    json!({ "views": [
        { "id": "unread", "name": "Unread", "deletable": false, "icon": "inbox", "sort": { "field": "updated_at" } },
        { "id": 12, "label": "Hot leads", "kind": "smart", "filters": { "stage": ["hot"], "score_gt": 80 }, "shared_with": ["team"] },
        { "key": "vip", "title": "VIP", "deletable": "no", "position": 3 },
        { "id": "all", "name": "All", "is_default": true, "scope": "org" },
        "not a view", null, { "filters": {} }
    ], "version": 7, "updated_by": "u1" })
}

/// Counts rows with fields no one asked for and values of the wrong type.
fn counts(as_of: &str) -> Value {
    json!({ "counts": [
        { "view_id": "unread", "unread": 4, "total": 4, "color": "red", "as_of": as_of },
        { "view_id": 12, "total": "9", "unread": null, "trend": [1, 2, 3] },
        { "view_id": "vip", "unread": 1, "total": 2, "breakdown": { "sms": 1 } },
        { "view_id": "all", "total": "n/a", "unread": 5, "computed_in_ms": 12 },
        { "id": "ghost", "total": 3 },
        "junk", null
    ], "generated_at": as_of, "cache": { "hit": true } })
}

#[tokio::test]
async fn crm_views_and_counts_with_unknown_fields_kinds_and_values_are_read() {
    let (server, p) = setup().await;
    answer(&server, "GET", "/api/v1/conversations/views", views()).await;
    answer(&server, "GET", "/api/v1/conversations/views/counts", counts("2026-03-01T10:00:00Z")).await;
    let got = p.views().await.expect("views");
    let read: Vec<(&str, &str, ViewKind, u64)> =
        got.iter().map(|v| (v.view.id.as_str(), v.view.name.as_str(), v.view.kind, v.count)).collect();
    assert_eq!(
        read,
        [
            ("unread", "Unread", ViewKind::Builtin, 4),
            ("12", "Hot leads", ViewKind::Saved, 9),
            ("vip", "VIP", ViewKind::Saved, 2),
            // A total that is not a number: the unread count stands in.
            ("all", "All", ViewKind::Builtin, 5),
        ]
    );
}

#[tokio::test]
async fn crm_the_probe_ignores_unknown_fields_beside_the_counts() {
    let (server, p) = setup().await;
    for as_of in ["2026-03-01T10:00:00Z", "2026-03-01T10:00:30Z"] {
        Mock::given(method("GET"))
            .and(path("/api/v1/conversations/views/counts"))
            .respond_with(ResponseTemplate::new(200).set_body_json(counts(as_of)))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
    }
    let first = p.probe().await.expect("probe").expect("a fingerprint");
    let second = p.probe().await.expect("probe").expect("a fingerprint");
    assert_eq!(first, second, "only the time beside the counts moved");
}
