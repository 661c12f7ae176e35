//! Contract tests for the Chatwoot adapter against a wiremock Chatwoot.
//!
//! Every fixture is shaped by the schemas of Chatwoot's `OpenAPI` document
//! (`vendors/chatwoot/application_swagger.json`): `conversation_list`,
//! `conversation_show`, `message`, `user`, `agent`, `team`, `conversation_labels`,
//! `conversation_status_toggle` and `bad_request_error`. Times are unix seconds, ids
//! are numbers, the token travels in the `api_access_token` header, and every path
//! but `/api/v1/profile` lives under `/api/v1/accounts/{account_id}`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use futures::stream::BoxStream;
use jiff::Timestamp;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use frontdesk_domain::{
    AgentId, AgentRole, AuthorKind, Change, Channel, Conversation, ConversationId, Direction, EventKind, Message,
    MessageKind, Op, Priority, ReplyKind, Status, ViewFilter, ViewId, ViewKind, ViewWithCount,
};
use frontdesk_provider::{Applied, ListQuery, Provider, ProviderError, Update};
use frontdesk_provider_chatwoot::ChatwootProvider;

pub(crate) const KEY: &str = "cw_contract_token_5b1e9d";
pub(crate) const ACCOUNT: u64 = 7;
/// A fixed instant (2026-11-25) all fixture times hang from.
pub(crate) const T0: i64 = 1_795_590_000;

// ---------------------------------------------------------------------------------
// Fixtures, by the document's schemas
// ---------------------------------------------------------------------------------

pub(crate) fn acct(rest: &str) -> String {
    format!("/api/v1/accounts/{ACCOUNT}{rest}")
}

pub(crate) fn conv_path(id: i64, rest: &str) -> String {
    acct(&format!("/conversations/{id}{rest}"))
}

/// A `user` (`/profile`, an assignee).
fn user(id: i64, name: &str, available_name: &str, email: &str, role: &str) -> Value {
    json!({
        "id": id, "access_token": "someone-elses-token", "account_id": ACCOUNT,
        "available_name": available_name, "avatar_url": "", "confirmed": true, "display_name": null,
        "message_signature": null, "email": email, "hmac_identifier": "", "inviter_id": 1, "name": name,
        "provider": "email", "pubsub_token": "pst_contract", "role": role, "ui_settings": {}, "uid": email,
        "type": null, "custom_attributes": {},
        "accounts": [{
            "id": ACCOUNT, "name": "Acme", "status": "active", "active_at": "2026-11-20T09:00:00Z", "role": role,
            "permissions": [role], "availability": "online", "availability_status": "online",
            "auto_offline": true, "custom_role_id": null, "custom_role": null
        }]
    })
}

/// An `agent` (`GET /agents`); `available_name` is optional in the schema.
fn agent(id: i64, name: &str, available_name: Option<&str>, role: &str) -> Value {
    let mut a = json!({
        "id": id, "account_id": ACCOUNT, "availability_status": "available", "auto_offline": true,
        "confirmed": true, "email": format!("agent{id}@acme.test"), "name": name, "role": role, "thumbnail": ""
    });
    if let Some(n) = available_name {
        a["available_name"] = json!(n);
    }
    a
}

/// `meta.sender` of a conversation.
fn sender() -> Value {
    json!({
        "additional_attributes": {}, "availability_status": "offline", "email": "jane@example.com", "id": 501,
        "name": "Jane Doe", "phone_number": "+14155550123", "blocked": false, "identifier": "cust-501",
        "thumbnail": "", "custom_attributes": {}, "last_activity_at": T0, "created_at": T0 - 86_400
    })
}

/// A `message`: `message_type` 0 incoming, 1 outgoing, 2 activity.
pub(crate) fn msg(id: i64, conversation: i64, message_type: i64, private: bool, content: &str, at: i64) -> Value {
    let mut m = json!({
        "id": id, "content": content, "account_id": ACCOUNT, "inbox_id": 3, "conversation_id": conversation,
        "message_type": message_type, "created_at": at, "updated_at": at, "private": private, "status": "sent",
        "source_id": format!("src-{id}"), "content_type": "text", "content_attributes": {},
        "external_source_ids": {}, "additional_attributes": {}, "processed_message_content": content,
        "sentiment": {}, "conversation": {}
    });
    match message_type {
        0 => {
            m["sender_type"] = json!("contact");
            m["sender_id"] = json!(501);
            m["sender"] = json!({ "id": 501, "name": "Jane Doe", "type": "contact" });
        }
        1 => {
            m["sender_type"] = json!("agent");
            m["sender_id"] = json!(3);
            m["sender"] = json!({ "id": 3, "name": "Ana Álvarez", "available_name": "Ana", "type": "user" });
        }
        // Activity lines have no sender.
        _ => {}
    }
    m
}

/// A conversation (`conversation` plus `meta.sender/channel`), unassigned; its last
/// message is an incoming one with id `id * 100`, sent at `updated_at`.
pub(crate) fn conv(id: i64, status: &str, labels: &[&str], updated_at: i64) -> Value {
    let last = msg(id * 100, id, 0, false, "Where is my refund?", updated_at);
    json!({
        "id": id, "messages": [last.clone()], "account_id": ACCOUNT, "uuid": format!("6c1f0b2e-0000-4000-8000-{id:012}"),
        "additional_attributes": {}, "agent_last_seen_at": updated_at - 60, "assignee_last_seen_at": updated_at - 60,
        "can_reply": true, "contact_last_seen_at": updated_at, "custom_attributes": {}, "inbox_id": 3,
        "labels": labels, "muted": false, "status": status, "created_at": T0 - 3_600, "updated_at": updated_at,
        "timestamp": updated_at.to_string(), "first_reply_created_at": T0 - 3_000, "unread_count": 1,
        "last_non_activity_message": last, "last_activity_at": updated_at, "waiting_since": updated_at,
        "meta": { "sender": sender(), "channel": "Channel::WebWidget", "hmac_verified": false }
    })
}

/// `base` with `patch`'s fields over it.
fn with(mut base: Value, patch: &Value) -> Value {
    if let (Some(b), Some(p)) = (base.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

/// `conversation_list`.
pub(crate) fn list_body(rows: &[Value]) -> Value {
    json!({
        "data": {
            "meta": { "mine_count": 1, "unassigned_count": 2, "assigned_count": 3, "all_count": rows.len() },
            "payload": rows
        }
    })
}

/// `GET /messages`: `{meta, payload}`.
pub(crate) fn messages_body(rows: &[Value]) -> Value {
    json!({
        "meta": {
            "labels": ["billing"], "additional_attributes": {},
            "contact": { "id": 501, "name": "Jane Doe", "email": "jane@example.com" },
            "agent_last_seen_at": "2026-11-25T09:00:00Z", "assignee_last_seen_at": "2026-11-25T09:00:00Z"
        },
        "payload": rows
    })
}

pub(crate) fn ok(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// `bad_request_error`: `{description, errors: [{field, message, code}]}`.
fn cw_error(status: u16, description: &str, errors: &[(&str, &str, &str)]) -> ResponseTemplate {
    let errors: Vec<Value> = errors
        .iter()
        .map(|(field, message, code)| json!({ "field": field, "message": message, "code": code }))
        .collect();
    ResponseTemplate::new(status).set_body_json(json!({ "description": description, "errors": errors }))
}

/// `conversation_status_toggle`; the schema's `current_status` knows only open and
/// resolved, so it is left out for the others.
pub(crate) fn toggled(id: i64, status: Option<&str>) -> ResponseTemplate {
    let mut payload = json!({ "success": true, "conversation_id": id });
    if let Some(s) = status {
        payload["current_status"] = json!(s);
    }
    ok(&json!({ "meta": {}, "payload": payload }))
}

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

async fn chatwoot() -> (MockServer, ChatwootProvider) {
    let server = MockServer::start().await;
    let p = ChatwootProvider::new("chatwoot", &server.uri(), ACCOUNT, SecretString::from(KEY.to_owned()))
        .expect("provider builds");
    (server, p)
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("request recording is on")
}

fn header_of(r: &Request, name: &str) -> Option<String> {
    r.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn query_of(r: &Request, key: &str) -> Option<String> {
    r.url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

fn queries_of(r: &Request, key: &str) -> Vec<String> {
    r.url.query_pairs().filter(|(k, _)| k == key).map(|(_, v)| v.into_owned()).collect()
}

fn line(r: &Request) -> String {
    format!("{} {}", r.method, r.url.path())
}

/// A hang guard, not a timing assertion.
async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f).await.expect("no answer in 20 s (hang guard)")
}

fn cid(id: i64) -> ConversationId {
    ConversationId::from(id.to_string())
}

fn change(id: i64, change: Change) -> Op {
    Op::Change { conversation: cid(id), change }
}

fn send(id: i64, kind: ReplyKind, body: &str) -> Op {
    Op::Send { conversation: cid(id), kind, body: body.to_owned(), suggestion: None, attachments: Vec::new() }
}

fn query(view: &str) -> ListQuery {
    ListQuery { view: Some(ViewId::from(view)), limit: 25, ..ListQuery::default() }
}

fn ids(items: &[Conversation]) -> Vec<&str> {
    items.iter().map(|c| c.id.as_str()).collect()
}

async fn applied(p: &ChatwootProvider, op: Op) -> Applied {
    within(p.apply(op, "key-contract".to_owned())).await.expect("the op applies")
}

async fn applied_conversation(p: &ChatwootProvider, op: Op) -> Conversation {
    match applied(p, op).await {
        Applied::Conversation(c) => *c,
        other => panic!("expected a conversation, got {other:?}"),
    }
}

async fn applied_message(p: &ChatwootProvider, op: Op) -> Message {
    match applied(p, op).await {
        Applied::Message(m) => *m,
        other => panic!("expected a message, got {other:?}"),
    }
}

async fn apply_err(p: &ChatwootProvider, op: Op) -> ProviderError {
    within(p.apply(op, "key-err".to_owned())).await.expect_err("the op must fail")
}

// ---------------------------------------------------------------------------------
// 1. Identity, agents, the access token
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn me_is_the_profile_and_agents_come_from_agents_both_with_the_access_token() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/profile"))
        .and(header("api_access_token", KEY))
        .respond_with(ok(&user(3, "Ana Álvarez", "Ana", "ana@acme.test", "administrator")))
        .expect(1)
        .mount(&server)
        .await;
    let roster = json!([
        agent(3, "Ana Álvarez", Some("Ana"), "administrator"),
        agent(5, "Bo Berg", None, "agent"),
        agent(9, "Cy Chen", Some("Cy"), "agent"),
    ]);
    Mock::given(method("GET"))
        .and(path(acct("/agents")))
        .and(header("api_access_token", KEY))
        .respond_with(ok(&roster))
        .expect(1)
        .mount(&server)
        .await;

    let me = within(p.me()).await.expect("me");
    assert_eq!(me.agent.id.as_str(), "3");
    assert_eq!(me.agent.name, "Ana", "available_name is the name agents see");
    assert_eq!(me.agent.email, "ana@acme.test");
    assert_eq!(me.agent.role, AgentRole::Admin);

    let agents = within(p.agents()).await.expect("agents");
    let got: Vec<(&str, &str, &str, AgentRole)> =
        agents.iter().map(|a| (a.id.as_str(), a.name.as_str(), a.email.as_str(), a.role)).collect();
    assert_eq!(
        got,
        [
            ("3", "Ana", "agent3@acme.test", AgentRole::Admin),
            ("5", "Bo Berg", "agent5@acme.test", AgentRole::Agent),
            ("9", "Cy", "agent9@acme.test", AgentRole::Agent),
        ]
    );
    server.verify().await;
    for r in requests(&server).await {
        assert_eq!(header_of(&r, "api_access_token").as_deref(), Some(KEY), "token on {}", line(&r));
    }
}

#[tokio::test]
async fn every_request_carries_the_access_token_and_no_other_credential() {
    let (server, p) = chatwoot().await;
    let c = conv(42, "open", &["billing"], T0);
    let routes: [(&str, String, ResponseTemplate); 8] = [
        ("GET", "/api/v1/profile".to_owned(), ok(&user(3, "Ana Álvarez", "Ana", "ana@acme.test", "agent"))),
        ("GET", acct("/agents"), ok(&json!([agent(3, "Ana Álvarez", Some("Ana"), "agent")]))),
        ("GET", acct("/conversations"), ok(&list_body(std::slice::from_ref(&c)))),
        ("GET", acct("/conversations/meta"), ok(&json!({ "meta": { "mine_count": 1, "all_count": 1 } }))),
        ("GET", conv_path(42, ""), ok(&c)),
        ("GET", conv_path(42, "/messages"), ok(&messages_body(&[]))),
        ("POST", conv_path(42, "/toggle_status"), toggled(42, Some("resolved"))),
        ("POST", conv_path(42, "/messages"), ok(&msg(4201, 42, 1, false, "Done.", T0 + 60))),
    ];
    for (verb, route, answer) in routes {
        Mock::given(method(verb)).and(path(route)).respond_with(answer).mount(&server).await;
    }
    within(p.me()).await.expect("me");
    within(p.agents()).await.expect("agents");
    within(p.list(query("all"))).await.expect("list");
    within(p.views()).await.expect("views");
    within(p.conversation(cid(42))).await.expect("conversation");
    within(p.thread(cid(42), 20)).await.expect("thread");
    applied(&p, change(42, Change::Close)).await;
    applied(&p, send(42, ReplyKind::Reply, "Done.")).await;

    let reqs = requests(&server).await;
    let mut hit: Vec<String> = reqs.iter().map(line).collect();
    hit.sort();
    hit.dedup();
    assert_eq!(hit.len(), 8, "every route was called: {hit:?}");
    // me, agents, list, 4 status counts + 1 label count, show, messages, toggle + re-read, send.
    assert_eq!(reqs.len(), 13, "{:?}", reqs.iter().map(line).collect::<Vec<_>>());
    for r in &reqs {
        assert_eq!(header_of(r, "api_access_token").as_deref(), Some(KEY), "token on {}", line(r));
        assert_eq!(header_of(r, "authorization"), None, "no Authorization header on {}", line(r));
    }
}

// ---------------------------------------------------------------------------------
// 2. views()
// ---------------------------------------------------------------------------------

/// `GET /conversations/meta?status=…` (with `labels=label`, or without any).
async fn mount_meta(server: &MockServer, status: &str, label: Option<&str>, counts: [u64; 4]) {
    let m = Mock::given(method("GET")).and(path(acct("/conversations/meta"))).and(query_param("status", status));
    let m = match label {
        Some(l) => m.and(query_param("labels", l)),
        None => m.and(query_param_is_missing("labels")),
    };
    let [mine, unassigned, assigned, all] = counts;
    m.respond_with(ok(&json!({
        "meta": { "mine_count": mine, "unassigned_count": unassigned, "assigned_count": assigned, "all_count": all }
    })))
    .mount(server)
    .await;
}

fn counts(views: &[ViewWithCount]) -> Vec<(String, String, ViewKind, u64)> {
    views.iter().map(|v| (v.view.id.as_str().to_owned(), v.view.name.clone(), v.view.kind, v.count)).collect()
}

fn row(id: &str, name: &str, kind: ViewKind, count: u64) -> (String, String, ViewKind, u64) {
    (id.to_owned(), name.to_owned(), kind, count)
}

#[tokio::test]
async fn views_count_from_meta_by_status_and_labels_seen_in_a_list_become_views() {
    let (server, p) = chatwoot().await;
    mount_meta(&server, "open", None, [4, 6, 9, 15]).await;
    mount_meta(&server, "pending", None, [1, 2, 3, 5]).await;
    mount_meta(&server, "snoozed", None, [0, 1, 1, 2]).await;
    mount_meta(&server, "resolved", None, [10, 20, 30, 120]).await;
    mount_meta(&server, "open", Some("billing"), [1, 1, 2, 3]).await;
    mount_meta(&server, "open", Some("vip"), [0, 0, 1, 1]).await;
    let rows = [conv(1, "open", &["vip", "billing"], T0), conv(2, "open", &["billing"], T0 - 60)];
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&rows)))
        .mount(&server)
        .await;

    let builtins = vec![
        row("mine", "Mine", ViewKind::Builtin, 4),
        row("unassigned", "Unassigned", ViewKind::Builtin, 6),
        row("all", "All", ViewKind::Builtin, 15),
        row("pending", "Pending", ViewKind::Builtin, 5),
        row("snoozed", "Snoozed", ViewKind::Builtin, 2),
        row("resolved", "Resolved", ViewKind::Builtin, 120),
    ];
    let before = within(p.views()).await.expect("views");
    assert_eq!(counts(&before), builtins, "no label is known before a list");

    within(p.list(query("all"))).await.expect("list");
    let after = within(p.views()).await.expect("views");
    let mut expected = builtins.clone();
    expected.push(row("label:billing", "#billing", ViewKind::Saved, 3));
    expected.push(row("label:vip", "#vip", ViewKind::Saved, 1));
    assert_eq!(counts(&after), expected);
    let billing = after.iter().find(|v| v.view.id.as_str() == "label:billing").expect("the billing view");
    assert_eq!(billing.view.filter.tags, ["billing"]);

    let label_asks: Vec<(Option<String>, Vec<String>)> = requests(&server)
        .await
        .iter()
        .filter(|r| r.url.path() == acct("/conversations/meta") && query_of(r, "labels").is_some())
        .map(|r| (query_of(r, "status"), queries_of(r, "labels")))
        .collect();
    assert_eq!(label_asks.len(), 2, "one count per label: {label_asks:?}");
    for (status, labels) in &label_asks {
        assert_eq!(status.as_deref(), Some("open"));
        assert_eq!(labels.len(), 1, "one label a count: {labels:?}");
    }
}

// ---------------------------------------------------------------------------------
// 3. list
// ---------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------
// 5. Ops
// ---------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------
// 6. Errors
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_401_is_auth_saying_the_token_is_wrong_or_revoked() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/profile"))
        .respond_with(cw_error(401, "Invalid Access Token", &[]))
        .mount(&server)
        .await;
    let e = within(p.me()).await.expect_err("refused");
    let ProviderError::Auth(text) = &e else { panic!("expected Auth, got {e:?}") };
    assert!(text.contains("wrong or revoked"), "{text}");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn a_404_is_not_found_with_the_description() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(conv_path(999, "")))
        .respond_with(cw_error(404, "Resource could not be found", &[]))
        .mount(&server)
        .await;
    let e = within(p.conversation(cid(999))).await.expect_err("missing");
    let ProviderError::NotFound(text) = &e else { panic!("expected NotFound, got {e:?}") };
    assert!(text.contains("Resource could not be found"), "{text}");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn a_422_is_permanent_and_names_the_field() {
    let (server, p) = chatwoot().await;
    Mock::given(method("POST"))
        .and(path(conv_path(42, "/messages")))
        .respond_with(cw_error(422, "Validation failed", &[("content", "can't be blank", "blank")]))
        .expect(1)
        .mount(&server)
        .await;
    let e = apply_err(&p, send(42, ReplyKind::Reply, " ")).await;
    let ProviderError::Permanent { message, .. } = &e else { panic!("expected Permanent, got {e:?}") };
    assert!(message.contains("content: can't be blank"), "{message}");
    assert!(!e.is_transient());
    server.verify().await;
}

#[tokio::test]
async fn a_429_with_retry_after_is_rate_limited_for_that_long() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(cw_error(429, "Too many requests", &[]).insert_header("Retry-After", "9"))
        .mount(&server)
        .await;
    let e = within(p.list(query("all"))).await.expect_err("limited");
    assert_eq!(e, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(9)) });
    assert!(e.is_transient());
}

#[tokio::test]
async fn a_500_is_transient() {
    let (server, p) = chatwoot().await;
    Mock::given(method("POST"))
        .and(path(conv_path(42, "/toggle_status")))
        .respond_with(ResponseTemplate::new(500).set_body_raw("<html>Internal Server Error</html>", "text/html"))
        .mount(&server)
        .await;
    let e = apply_err(&p, change(42, Change::Close)).await;
    assert!(e.is_transient(), "a 500 is worth retrying: {e:?}");
}

#[tokio::test]
async fn a_malformed_200_body_is_malformed() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"id": 42, "meta": "#, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>gateway</html>", "text/html"))
        .mount(&server)
        .await;
    let e = within(p.conversation(cid(42))).await.expect_err("unreadable");
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
    let e = within(p.list(query("all"))).await.expect_err("unreadable");
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
}

// ---------------------------------------------------------------------------------
// 7. Polling through the engine
// ---------------------------------------------------------------------------------

const EVERY: Duration = Duration::from_millis(200);

async fn next_update(updates: &mut BoxStream<'static, Update>) -> Update {
    within(updates.next()).await.expect("the stream is open")
}

async fn mount_any_meta(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(acct("/conversations/meta")))
        .respond_with(ok(
            &json!({ "meta": { "mine_count": 0, "unassigned_count": 1, "assigned_count": 0, "all_count": 1 } }),
        ))
        .mount(server)
        .await;
}

/// The first poll only finds where "now" is: conversation 42 as of `T0`.
async fn first_poll(server: &MockServer, updates: &mut BoxStream<'static, Update>) {
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&[conv(42, "open", &[], T0)])))
        .mount(server)
        .await;
    assert_eq!(next_update(updates).await, Update::Polling { every: EVERY });
    // The stream is lazy: nothing is asked until the next `next()`, so the mocks
    // can change now.
    server.reset().await;
}

#[tokio::test]
async fn polling_turns_a_newer_updated_at_with_a_new_message_into_events() {
    let (server, p) = chatwoot().await;
    let clock = frontdesk_sync::poll::Clock::default();
    let mut updates = crate::support::changes(frontdesk_sync::poll::updates(Arc::new(p), EVERY, clock.watch()));
    first_poll(&server, &mut updates).await;

    let new = msg(4201, 42, 0, false, "Any news on my refund?", T0 + 60);
    let moved = with(
        conv(42, "open", &[], T0 + 60),
        &json!({ "last_non_activity_message": new.clone(), "messages": [new.clone()], "unread_count": 2 }),
    );
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&[moved])))
        .mount(&server)
        .await;
    let old = msg(4200, 42, 0, false, "Where is my refund?", T0);
    Mock::given(method("GET"))
        .and(path(conv_path(42, "/messages")))
        .and(query_param_is_missing("before"))
        .respond_with(ok(&messages_body(&[old, new])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "/messages")))
        .and(query_param("before", "4200"))
        .respond_with(ok(&messages_body(&[])))
        .mount(&server)
        .await;
    mount_any_meta(&server).await;

    let Update::Event(first) = next_update(&mut updates).await else { panic!("expected the new message") };
    let EventKind::MessageCreated(m) = &first.kind else { panic!("expected a message, got {:?}", first.kind) };
    assert_eq!(m.id.as_str(), "4201", "only the message after the last one seen");
    assert_eq!(m.conversation_id.as_str(), "42");
    assert_eq!(m.body, "Any news on my refund?");
    assert_eq!(m.direction, Direction::Inbound);
    let second = next_update(&mut updates).await;
    let Update::Event(second) = second else { panic!("expected the conversation, got {second:?}") };
    let EventKind::ConversationUpdated(c) = &second.kind else {
        panic!("expected a conversation, got {:?}", second.kind)
    };
    assert_eq!(c.id.as_str(), "42");
    assert_eq!(c.updated_at.as_second(), T0 + 60);
    assert!(c.unread);
    let third = next_update(&mut updates).await;
    let Update::Event(third) = third else { panic!("expected view counts, got {third:?}") };
    assert!(matches!(third.kind, EventKind::ViewCountsChanged(_)), "{:?}", third.kind);
    drop(updates);
}

/// Waits until the mock has answered `n` conversation lists.
async fn lists_seen(server: &MockServer, n: usize) -> Vec<Option<String>> {
    loop {
        let statuses: Vec<Option<String>> = requests(server)
            .await
            .iter()
            .filter(|r| r.url.path() == acct("/conversations"))
            .map(|r| query_of(r, "status"))
            .collect();
        if statuses.len() >= n {
            return statuses;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Another agent resolves conversation 42 between two polls: it leaves Chatwoot's
/// open list, and the poller must still hear of it.
#[tokio::test]
async fn polling_sees_a_conversation_another_agent_resolved() {
    let (server, p) = chatwoot().await;
    let clock = frontdesk_sync::poll::Clock::default();
    let mut updates = crate::support::changes(frontdesk_sync::poll::updates(Arc::new(p), EVERY, clock.watch()));
    first_poll(&server, &mut updates).await;

    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .and(query_param("status", "open"))
        .respond_with(ok(&list_body(&[])))
        .mount(&server)
        .await;
    // Any list that holds resolved ones (status=all or resolved) shows the change.
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&[conv(42, "resolved", &[], T0 + 60)])))
        .with_priority(10)
        .mount(&server)
        .await;
    mount_any_meta(&server).await;

    // Three polls' worth of lists (each poll lists twice) with no event means the
    // close went unseen.
    let outcome = within(async {
        tokio::select! {
            u = updates.next() => Ok(u),
            asked = lists_seen(&server, 6) => Err(asked),
        }
    })
    .await;
    match outcome {
        Ok(Some(Update::Event(e))) => {
            let EventKind::ConversationUpdated(c) = &e.kind else {
                panic!("expected a conversation, got {:?}", e.kind)
            };
            assert_eq!(c.id.as_str(), "42");
            assert_eq!(c.status, Status::Closed);
        }
        Ok(other) => panic!("expected the resolved conversation, got {other:?}"),
        Err(asked) => panic!(
            "three polls and no event: the poller asked only status {asked:?}, so a conversation resolved \
             (or snoozed, or set pending) elsewhere never reaches the client"
        ),
    }
}

/// A thread of one message has nothing above it: no "older messages" cursor, and
/// no `?before=` asked again on each scroll.
#[tokio::test]
async fn a_short_thread_has_nothing_older_to_load() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "/messages")))
        .and(query_param_is_missing("before"))
        .respond_with(ok(&messages_body(&[msg(4201, 42, 0, false, "only one", 1_795_597_200)])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path(42, "/messages")))
        .and(query_param("before", "4201"))
        .respond_with(ok(&messages_body(&[])))
        .mount(&server)
        .await;
    let page = within(p.thread_page(cid(42), None, 50)).await.expect("the thread");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next_cursor, None, "the beginning was reached");
}

/// Chatwoot has no archive: a poll round lists once, not a second time for
/// "archived" conversations that cannot exist there.
#[tokio::test]
async fn a_poll_round_lists_once() {
    let (server, p) = chatwoot().await;
    mount_any_meta(&server).await;
    Mock::given(method("GET"))
        .and(path(acct("/conversations")))
        .respond_with(ok(&list_body(&[conv(42, "open", &[], T0)])))
        .mount(&server)
        .await;
    let clock = frontdesk_sync::poll::Clock::default();
    let mut updates = frontdesk_sync::poll::updates(Arc::new(p), EVERY, clock.watch());
    assert_eq!(next_update(&mut updates).await, Update::Polling { every: EVERY });
    let lists = requests(&server).await.into_iter().filter(|r| r.url.path() == acct("/conversations")).count();
    assert_eq!(lists, 1, "one list a round");
}

/// The teams a conversation can be given to, as Chatwoot lists them (`GET /teams`),
/// for the assign picker.
#[tokio::test]
async fn teams_are_listed_for_the_assign_picker() {
    let (server, p) = chatwoot().await;
    Mock::given(method("GET"))
        .and(path(acct("/teams")))
        .respond_with(ok(&json!([
            { "id": 2, "name": "Billing", "description": "", "allow_auto_assign": true, "account_id": ACCOUNT, "is_member": true },
            { "id": 1, "name": "Escalations", "description": "", "allow_auto_assign": false, "account_id": ACCOUNT, "is_member": false }
        ])))
        .mount(&server)
        .await;
    assert_eq!(within(p.teams()).await.expect("teams"), ["Billing", "Escalations"]);
}
