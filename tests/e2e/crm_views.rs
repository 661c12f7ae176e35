//! Iron's saved views written back (`PUT /conversations/views`, read-merge-write)
//! and a conversation opened for a CRM contact from the `N` form, against a
//! wiremock Iron. The PUT body and the contact call's answer are not published:
//! the fixtures are ASSUMPTIONS in the page's vocabulary.

use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::{AssigneeFilter, NewConversation, ViewFilter, ViewId, ViewKind};
use frontdesk_provider::{Provider, ProviderError};
use frontdesk_provider_crm::CrmProvider;

const EMAIL: &str = "ana@acme.test";
const PASSWORD: &str = "correct horse";

async fn iron() -> (MockServer, CrmProvider) {
    let server = MockServer::start().await;
    let token = json!({ "access_token": "tok", "refresh_token": "r", "expires_in": 3600,
        "user": { "id": "u1", "email": EMAIL } });
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token))
        .mount(&server)
        .await;
    let p = CrmProvider::new(
        "iron",
        &format!("{}/api/v1", server.uri()),
        &server.uri(),
        EMAIL,
        SecretString::from(PASSWORD.to_owned()),
        None,
    )
    .expect("builds");
    (server, p)
}

fn views() -> Value {
    json!({ "views": [
        { "id": "unread", "name": "Unread", "deletable": false },
        { "id": "recents", "name": "Recents", "deletable": false },
        { "id": "starred", "name": "Starred", "deletable": false },
        { "id": "all", "name": "All", "deletable": false },
        { "id": "v-hot", "name": "Hot leads", "filters": { "scope": "team", "tag": "hot" }, "color": "red" }
    ] })
}

async fn listed(server: &MockServer, body: Value) {
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/views"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_view_is_saved_by_writing_the_list_back_with_it_and_the_others_kept_as_they_came() {
    let (server, p) = iron().await;
    listed(&server, views()).await;
    let mut written = views()["views"].as_array().cloned().unwrap_or_default();
    written.push(json!({ "name": "My overdue", "filters": { "scope": "mine", "overdue": true, "q": "refund" } }));
    let mut answer = written.clone();
    answer[5]["id"] = json!("v-new");
    Mock::given(method("PUT"))
        .and(path("/api/v1/conversations/views"))
        .and(body_json(json!({ "views": written })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "views": answer })))
        .expect(1)
        .mount(&server)
        .await;
    let filter = ViewFilter {
        assignee: Some(AssigneeFilter::Me),
        overdue: true,
        q: Some("refund".into()),
        ..ViewFilter::default()
    };
    let view = p.save_view("My overdue".into(), filter.clone()).await.expect("saved");
    assert_eq!((view.id.as_str(), view.name.as_str(), view.kind), ("v-new", "My overdue", ViewKind::Saved));
    assert_eq!(view.filter, filter);

    let taken = p.save_view("hot LEADS".into(), ViewFilter::default()).await;
    assert!(matches!(taken, Err(ProviderError::Conflict(_))), "{taken:?}");
    let builtin = p.save_view("Starred".into(), ViewFilter::default()).await;
    assert!(matches!(builtin, Err(ProviderError::Conflict(_))), "{builtin:?}");
}

#[tokio::test]
async fn a_saved_view_is_deleted_by_writing_the_list_back_without_it_and_built_in_ones_are_refused() {
    let (server, p) = iron().await;
    listed(&server, views()).await;
    let kept: Vec<Value> = views()["views"].as_array().cloned().unwrap_or_default().into_iter().take(4).collect();
    Mock::given(method("PUT"))
        .and(path("/api/v1/conversations/views"))
        .and(body_json(json!({ "views": kept })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    p.delete_view(ViewId::from("v-hot")).await.expect("deleted");
    let builtin = p.delete_view(ViewId::from("recents")).await;
    assert!(matches!(&builtin, Err(ProviderError::Permanent { code, .. }) if code == "BUILTIN_VIEW"), "{builtin:?}");
    let missing = p.delete_view(ViewId::from("v-gone")).await;
    assert!(matches!(missing, Err(ProviderError::NotFound(_))), "{missing:?}");
}

#[tokio::test]
async fn the_form_opens_a_conversation_for_a_contact_and_sends_its_first_message() {
    let (server, p) = iron().await;
    assert!(p.capabilities().create && p.capabilities().edit_views);
    let c =
        json!({ "id": "c-new", "contact_id": "k9", "contact": { "id": "k9", "first_name": "Jo" }, "channel": "sms" });
    Mock::given(method("POST"))
        .and(path("/api/v1/contacts/k9/conversations"))
        .and(body_json(json!({ "channel": "sms" })))
        .respond_with(ResponseTemplate::new(201).set_body_json(c))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/c-new/messages"))
        .and(body_json(json!({ "body": "Hi Jo, following up on your quote." })))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({ "id": "a1", "body": "Hi Jo, following up on your quote.",
            "direction": "outbound", "created_at": "2026-03-01T10:00:00Z" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let new = NewConversation {
        contact_id: Some("k9".into()),
        channel: Some("sms".into()),
        description: Some("Hi Jo, following up on your quote.".into()),
        ..NewConversation::default()
    };
    let opened = p.create_conversation(new).await.expect("opened");
    assert_eq!(opened.id.as_str(), "c-new");

    let without = p.create_conversation(NewConversation { subject: "x".into(), ..NewConversation::default() }).await;
    assert!(
        matches!(&without, Err(ProviderError::Permanent { code, message }) if code == "CONTACT_NEEDED" && message.contains("contact = ")),
        "{without:?}"
    );
}

#[tokio::test]
async fn a_paged_timeline_is_followed_by_its_cursor_and_the_newest_rows_are_kept() {
    use wiremock::matchers::{query_param, query_param_is_missing};
    let (server, p) = iron().await;
    let row = |id: &str, body: &str, at: &str| json!({ "id": id, "type": "sms", "direction": "inbound", "actor": "contact:k1", "body": body, "created_at": at });
    let path_ = "/api/v1/conversations/c1/messages";
    Mock::given(method("GET"))
        .and(path(path_))
        .and(query_param_is_missing("cursor"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [row("a1", "first", "2026-03-01T10:00:00Z")], "next_cursor": "p2", "has_more": true })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(path_))
        .and(query_param("cursor", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [row("a2", "newest", "2026-03-01T11:00:00Z"), row("a1", "first", "2026-03-01T10:00:00Z")],
            "next_cursor": "p2", "has_more": true })))
        .expect(1)
        .mount(&server)
        .await;
    let thread = p.thread("c1".into(), 0).await.expect("thread");
    let bodies: Vec<&str> = thread.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies,
        ["first", "newest"],
        "both pages, each row once, oldest first; a cursor that stands still ends it"
    );
}
