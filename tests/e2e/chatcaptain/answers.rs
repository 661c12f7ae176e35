//! The rest of ChatCaptain's calls and answers: the saved views' own endpoints
//! (read, create, replace: the notes' filter names), what delete and patch may
//! answer, the list's lack of pages, and rows with fields, shapes and enum values
//! the page does not publish (read, never failing the answer).

use frontdesk_domain::{AgentRole, MessageKind};

use super::*;

#[tokio::test]
async fn a_saved_view_is_read_created_and_replaced_with_the_notes_bodies() {
    let (server, p) = captain().await;
    let view = json!({ "id": "v9", "name": "Mine", "filters": { "unread": true, "selfAssigned": true, "open": false,
        "closed": false, "inProgress": true }, "sorting": "lastMessageAt", "direction": "desc" });
    let mut asked = view.clone();
    asked.as_object_mut().expect("an object").remove("id");
    get(&format!("{INBOX}/views/v9"))
        .respond_with(ok(&json!({ "view": view, "requestId": "r1" })))
        .expect(1)
        .mount(&server)
        .await;
    post(&format!("{INBOX}/views"))
        .and(body_json(&asked))
        .respond_with(ok(&json!({ "view": view })))
        .expect(1)
        .mount(&server)
        .await;
    let mut renamed = view.clone();
    renamed["name"] = json!("Mine, unread");
    Mock::given(method("PUT"))
        .and(path(format!("{INBOX}/views/v9")))
        .and(header("x-chatcaptain-key", KEY))
        .and(body_json(&renamed))
        .respond_with(ok(&renamed))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(p.inbox_view("v9").await, Ok(view.clone()), "unwrapped from `view`");
    assert_eq!(p.create_view(asked).await, Ok(view));
    assert_eq!(p.update_view("v9", renamed.clone()).await, Ok(renamed), "a bare answer as it is");
    all_keyed(&server).await;
}

#[tokio::test]
async fn the_views_list_reads_unknown_filters_and_fields() {
    let (server, p) = captain().await;
    let views = json!({ "views": [
        { "id": "v1", "name": "VIP", "filters": { "vip": true, "open": "true", "channel": ["whatsapp"] },
          "sorting": "sentiment", "direction": "sideways", "count": 2, "icon": "star" },
        { "name": "no id" },
        { "id": 7, "filter": { "closed": 1 }, "total": 5 },
        "not a view"
    ] });
    get(&format!("{INBOX}/views")).respond_with(ok(&views)).mount(&server).await;
    get(CONVS).respond_with(ok(&json!({ "conversations": [] }))).mount(&server).await;
    let got = p.views().await.expect("the answer is read");
    let rows: Vec<(&str, &str, u64, Vec<Status>)> =
        got.iter().map(|v| (v.view.id.as_str(), v.view.name.as_str(), v.count, v.view.filter.status.clone())).collect();
    assert_eq!(
        rows,
        [("all", "All", 0, vec![]), ("v1", "VIP", 2, vec![Status::Open]), ("7", "7", 5, vec![Status::Closed]),]
    );
}

#[tokio::test]
async fn delete_says_what_chatcaptain_answered() {
    let (server, p) = captain().await;
    for (id, answer) in [
        ("yes", ok(&json!({ "deleted": true }))),
        ("no", ok(&json!({ "deleted": false }))),
        ("silent", ok(&json!({}))),
        ("empty", ResponseTemplate::new(200)),
    ] {
        Mock::given(method("DELETE"))
            .and(path(format!("{CONVS}/{id}")))
            .and(header("x-chatcaptain-key", KEY))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
    }
    let mut said = Vec::new();
    for id in ["yes", "no", "silent", "empty"] {
        said.push(p.delete_conversation(&ConversationId::from(id)).await);
    }
    // Kept when it says so; a 200 without `deleted` (or without a body) is done.
    assert_eq!(said, [Ok(true), Ok(false), Ok(true), Ok(true)]);
    server.verify().await;
}

#[tokio::test]
async fn a_patch_answered_thinly_is_read_back() {
    let (server, p) = captain().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{CONVS}/c1")))
        .and(body_json(json!({ "conversation": { "name": "Jane", "language": "de" } })))
        .respond_with(ok(&json!({ "success": true })))
        .expect(2)
        .mount(&server)
        .await;
    get(&format!("{CONVS}/c1"))
        .respond_with(ok(&json!({ "conversation": conv("c1", false, "2026-02-26T12:00:00Z") })))
        .expect(2)
        .mount(&server)
        .await;
    let id = ConversationId::from("c1");
    let c = p.patch_conversation(&id, json!({ "name": "Jane", "language": "de" })).await.expect("patched");
    assert_eq!(c.id.as_str(), "c1");
    let wrapped = json!({ "conversation": { "name": "Jane", "language": "de" } });
    p.patch_conversation(&id, wrapped).await.expect("a wrapped body goes as it is");
    server.verify().await;
}

#[tokio::test]
async fn the_list_has_no_pages_so_a_cursor_gives_nothing_and_asks_nothing() {
    let (server, p) = captain().await;
    let page = p.list(ListQuery { cursor: Some("2".into()), ..ListQuery::default() }).await.expect("a page");
    assert_eq!((page.items.len(), page.next_cursor), (0, None));
    assert!(server.received_requests().await.expect("recording").is_empty());
}

#[tokio::test]
async fn a_thread_reads_the_shapes_a_javascript_backend_writes() {
    let (server, p) = captain().await;
    let messages = json!({ "data": [
        { "id": 11, "sender": { "type": "whatsapp_template", "id": "tpl" }, "message": { "text": "Your code is 1234" },
          "timestamp": 1_772_100_000_000_i64, "buttons": [{ "title": "OK" }] },
        { "_id": "m2", "senderType": "operator", "body": "Hello Jane", "createdAt": { "_seconds": 1_772_100_060 } },
        { "id": "m3", "sender": "system", "content": "Conversation assigned", "createdAt": "2026-02-26T10:02:00Z" },
        { "sender": "contact", "text": "no id" },
        { "id": "m4", "sender": 42, "text": "an odd sender", "createdAt": "not a time either" }
    ] });
    get(&format!("{CONVS}/c1/messages")).respond_with(ok(&messages)).mount(&server).await;
    get(&format!("{CONVS}/c2/messages")).respond_with(ok(&json!({ "messages": null }))).mount(&server).await;
    let thread = p.thread(ConversationId::from("c1"), 0).await.expect("the answer is read");
    let got: Vec<(&str, AuthorKind, MessageKind, &str)> =
        thread.iter().map(|m| (m.id.as_str(), m.author.kind.clone(), m.kind, m.body.as_str())).collect();
    assert_eq!(
        got,
        [
            ("11", AuthorKind::Other("whatsapp_template".into()), MessageKind::Reply, "Your code is 1234"),
            ("m2", AuthorKind::Agent, MessageKind::Reply, "Hello Jane"),
            ("m3", AuthorKind::System, MessageKind::Event, "Conversation assigned"),
            ("m4", AuthorKind::Contact, MessageKind::Reply, "an odd sender"),
        ],
        "an unknown sender type is kept as said; a row without an id is skipped; \
         one with no time stays where the server put it, not first as the oldest"
    );
    assert_eq!(thread[3].created_at, frontdesk_domain::UNKNOWN_TIME, "an unreadable time is unknown, not now");
    assert_eq!(thread[0].created_at.to_string(), "2026-02-26T10:00:00Z", "milliseconds");
    assert_eq!(thread[1].created_at.to_string(), "2026-02-26T10:01:00Z", "a Firestore time");
    assert!(p.thread(ConversationId::from("c2"), 0).await.expect("null is empty").is_empty());
}

#[tokio::test]
async fn agents_online_read_unknown_roles_and_fields() {
    let (server, p) = captain().await;
    let online = json!({ "agents": [
        { "id": "u1", "name": "Ana", "role": "owner", "status": "away", "avatar": { "url": "x" } },
        { "id": "u2", "email": "bo@acme.test", "role": "superhero", "teams": ["billing"] },
        { "userId": 3, "displayName": "Cy", "role": null, "team": "support" }
    ] });
    get(&format!("{INBOX}/agents/online")).respond_with(ok(&online)).mount(&server).await;
    let agents = p.agents().await.expect("the answer is read");
    let got: Vec<(&str, &str, AgentRole, Option<&str>)> =
        agents.iter().map(|a| (a.id.as_str(), a.name.as_str(), a.role, a.team.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("u1", "Ana", AgentRole::Admin, None),
            ("u2", "bo@acme.test", AgentRole::Agent, None),
            ("3", "Cy", AgentRole::Agent, Some("support")),
        ]
    );
}
