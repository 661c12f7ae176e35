//! Issue 6's check: three accounts of three kinds (the native server, a CRM inbox
//! mock, a `ChatCaptain` mock) in one unified list. The counts add up, an action on a
//! row reaches only its own backend, and one account failing leaves the others
//! working.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::{Change, ConversationId, Op, ReplyKind};
use frontdesk_provider::unified::{Member, Unified};
use frontdesk_provider::{ListQuery, Provider};
use frontdesk_provider_chatcaptain::ChatCaptainProvider;
use frontdesk_provider_crm::CrmProvider;
use frontdesk_provider_native::NativeProvider;

use crate::support::TestServer;

const EVERY: Duration = Duration::from_secs(20);

fn ok(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn crm_conv(id: &str, minute: u32) -> Value {
    json!({ "id": id, "contact": { "id": format!("k-{id}"), "first_name": "Crm", "last_name": id, "phone": "+15550100" },
        "channel": "sms", "status": "open", "starred": false, "unread_count": 1,
        "last_message": { "body": "hi", "direction": "inbound", "created_at": format!("2026-11-25T09:{minute:02}:00Z") },
        "created_at": "2026-11-25T08:00:00Z", "updated_at": format!("2026-11-25T09:{minute:02}:00Z") })
}

/// An Iron installation: sign-in, a list of two, its views and counts, a star.
async fn crm() -> MockServer {
    let s = MockServer::start().await;
    let token = json!({ "access_token": "tok", "token_type": "bearer", "expires_in": 3600, "refresh_token": "r",
        "user": { "id": "u-me", "email": "ana@acme.test" } });
    Mock::given(method("POST")).and(path("/auth/v1/token")).respond_with(ok(&token)).mount(&s).await;
    let rows = json!({ "items": [crm_conv("c-1", 30), crm_conv("c-2", 10)], "total": 2 });
    Mock::given(method("GET")).and(path("/api/v1/conversations")).respond_with(ok(&rows)).mount(&s).await;
    let views = json!([{ "id": "all", "name": "All" }, { "id": "unread", "name": "Unread" }]);
    Mock::given(method("GET")).and(path("/api/v1/conversations/views")).respond_with(ok(&views)).mount(&s).await;
    let counts = json!({ "counts": { "all": { "unread": 2, "total": 2 }, "unread": { "unread": 2, "total": 2 } } });
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/views/counts"))
        .respond_with(ok(&counts))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/c-1/star"))
        .respond_with(ok(&json!({ "ok": true })))
        .mount(&s)
        .await;
    let mut starred = crm_conv("c-1", 30);
    starred["starred"] = json!(true);
    Mock::given(method("GET")).and(path("/api/v1/conversations/c-1")).respond_with(ok(&starred)).mount(&s).await;
    s
}

/// A `ChatCaptain` chatbot: one conversation, no saved views, a send.
async fn captain() -> MockServer {
    let s = MockServer::start().await;
    let rows = json!({ "conversations": [{ "id": "cc-1", "contactId": "ct-1", "channelId": "ch", "channelType": "whatsapp",
        "archived": false, "name": "Captain contact", "updatedAt": "2026-11-25T09:20:00Z" }] });
    Mock::given(method("GET")).and(path("/v1/chatbots/bot1/conversations")).respond_with(ok(&rows)).mount(&s).await;
    Mock::given(method("GET"))
        .and(path("/v1/inbox/bot1/views"))
        .respond_with(ok(&json!({ "views": [] })))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/inbox/bot1/agents/online"))
        .respond_with(ok(&json!({ "agents": [] })))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/inbox/bot1/messages"))
        .respond_with(ok(&json!({ "success": true })))
        .mount(&s)
        .await;
    s
}

fn member(name: &str, provider: Arc<dyn Provider>) -> Member {
    Member { name: name.to_owned(), provider, poll_every: EVERY }
}

fn three(native: &TestServer, crm: &MockServer, captain: &MockServer) -> (Unified, Arc<NativeProvider>) {
    let n =
        Arc::new(NativeProvider::new("native", &native.url, SecretString::from(native.key.clone())).expect("native"));
    let c = CrmProvider::new(
        "crm",
        &format!("{}/api/v1", crm.uri()),
        &crm.uri(),
        "ana@acme.test",
        SecretString::from("pw".to_owned()),
        None,
    )
    .expect("crm");
    let k = ChatCaptainProvider::new("captain", &captain.uri(), "bot1", SecretString::from("key".to_owned()))
        .expect("captain");
    let members = vec![
        member("native", Arc::clone(&n) as Arc<dyn Provider>),
        member("crm", Arc::new(c)),
        member("captain", Arc::new(k)),
    ];
    (Unified::new(members, frontdesk_sync::poll::Clock::default().watch()), n)
}

async fn writes(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method != wiremock::http::Method::GET && !r.url.path().starts_with("/auth/"))
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

fn all(limit: u32) -> ListQuery {
    ListQuery { view: Some("all".into()), limit, ..ListQuery::default() }
}

#[tokio::test]
async fn three_kinds_of_account_in_one_list() {
    let native = TestServer::start().await;
    native.conversation("+15550301").await;
    native.conversation("+15550302").await;
    let (crm, captain) = (crm().await, captain().await);
    let (unified, n) = three(&native, &crm, &captain);

    // The counts add up: All is each account's All together.
    let native_all =
        n.views().await.expect("native views").into_iter().find(|v| v.view.id.as_str() == "all").expect("all").count;
    let views = unified.views().await.expect("views");
    let merged = views.iter().find(|v| v.view.id.as_str() == "all").expect("a merged All").count;
    assert_eq!(merged, native_all + 2 + 1, "{views:#?}");

    // Every conversation of every account, once, tagged with its account.
    let mut ids = Vec::new();
    let mut page = unified.list(all(2)).await.expect("page");
    loop {
        ids.extend(page.items.iter().map(|c| c.id.to_string()));
        let Some(cursor) = page.next_cursor.clone() else { break };
        page = unified.list(ListQuery { cursor: Some(cursor), ..all(2) }).await.expect("page");
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no repeats: {ids:?}");
    assert_eq!(ids.iter().filter(|i| i.starts_with("native/")).count(), 2, "{ids:?}");
    assert!(ids.contains(&"crm/c-1".to_owned()) && ids.contains(&"crm/c-2".to_owned()), "{ids:?}");
    assert!(ids.contains(&"captain/cc-1".to_owned()), "{ids:?}");

    // A star on a CRM row reaches the CRM inbox only; a reply on the captain's row,
    // the chatbot only.
    let star = Op::Change { conversation: ConversationId::from("crm/c-1"), change: Change::Star };
    unified.apply(star, "k-star".into()).await.expect("starred");
    let reply = Op::Send {
        conversation: ConversationId::from("captain/cc-1"),
        kind: ReplyKind::Reply,
        body: "On its way".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    unified.apply(reply, "k-reply".into()).await.expect("sent");
    assert_eq!(writes(&crm).await, ["POST /api/v1/conversations/c-1/star"]);
    assert_eq!(writes(&captain).await, ["POST /v1/inbox/bot1/messages"]);
    let (_, starred) = native.get("/v1/conversations?view=starred").await;
    assert_eq!(starred["items"].as_array().map(Vec::len), Some(0), "the native server heard of neither");
}

#[tokio::test]
async fn one_account_failing_leaves_the_others_working() {
    let native = TestServer::start().await;
    native.conversation("+15550303").await;
    let captain = captain().await;
    // The CRM inbox refuses to sign anyone in.
    let crm = MockServer::start().await;
    Mock::given(path_regex(".*"))
        .respond_with(ResponseTemplate::new(503).set_body_string("down for maintenance"))
        .mount(&crm)
        .await;
    let (unified, _) = three(&native, &crm, &captain);
    unified.me().await.expect("me from the accounts that answer");
    let views = unified.views().await.expect("views from the others");
    assert!(views.iter().any(|v| v.view.id.as_str() == "all"));
    let page = unified.list(all(50)).await.expect("the others list");
    let ids: Vec<String> = page.items.iter().map(|c| c.id.to_string()).collect();
    assert!(ids.iter().any(|i| i.starts_with("native/")) && ids.contains(&"captain/cc-1".to_owned()), "{ids:?}");
    assert!(!ids.iter().any(|i| i.starts_with("crm/")));
    assert_eq!(page.next_cursor, None, "the list still ends");
    // Said in the sidebar: which account, and why.
    let trouble = unified.trouble();
    assert_eq!(trouble.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), ["crm"], "{trouble:?}");
    assert!(!trouble[0].1.is_empty());
}
