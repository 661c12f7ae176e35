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

/// Section 6: error bodies.
mod errors;
/// Section 7: polling through the engine.
mod polling;
/// Sections 3 and 4: the list, a conversation and its thread.
mod reads;
/// Section 5: ops.
mod writes;

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
