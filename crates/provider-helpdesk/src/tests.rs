use secrecy::SecretString;
use serde_json::json;

use super::wire::{Conv, ListPage, Me, Msg, error_text};
use super::{HelpdeskProvider, KeyKind, is_email};
use frontdesk_domain::{Channel, ConversationId, Direction, MessageKind, Priority, Status};
use frontdesk_provider::ProviderError;

fn provider(key: &str, base: &str, email: &str) -> Result<HelpdeskProvider, ProviderError> {
    HelpdeskProvider::new("helpdesk", base, SecretString::from(key.to_owned()), email)
}

#[test]
fn the_key_kind_comes_from_its_prefix() {
    let kind = |key: &str| provider(key, "https://api.bancrofthq.com", "ana@acme.test").map(|p| p.kind);
    assert_eq!(kind("bnc_sv_abc"), Ok(KeyKind::Server));
    assert_eq!(kind("bnc_cl_abc"), Ok(KeyKind::Client));
    assert_eq!(kind("something-else"), Ok(KeyKind::Unknown));
}

#[test]
fn the_base_url_may_carry_the_api_prefix_and_a_bad_config_says_so() {
    let p = provider("bnc_sv_x", "https://api.bancrofthq.com/api/v1/", "ana@acme.test").expect("builds");
    assert_eq!(p.conversations, "https://api.bancrofthq.com/api/v1/conversations/");
    assert!(matches!(provider("bnc_sv_x", "ftp://x", "ana@acme.test"), Err(ProviderError::Permanent { .. })));
    assert!(matches!(provider("bnc_sv_x", "not a url", "ana@acme.test"), Err(ProviderError::Permanent { .. })));
    assert!(matches!(provider("bnc_sv_x", "https://h", "ana"), Err(ProviderError::Permanent { .. })));
    assert_eq!(p.agent.name, "ana");
}

#[test]
fn emails_are_told_from_search_phrases() {
    assert!(is_email("jane@example.com"));
    assert!(is_email(" jane@example.com "));
    assert!(!is_email("refund for jane@example.com"));
    assert!(!is_email("@example.com"));
    assert!(!is_email("jane@"));
    assert!(!is_email("refund"));
}

#[test]
fn a_conversation_reads_the_pages_example_with_the_number_in_the_subject() {
    let v = json!({ "id": "a1b2c3d4-...", "number": 42, "subject": "Help with order #1234", "status": "open",
        "priority": "normal", "channel": "web", "metadata": {},
        "requester": { "email": "customer@example.com", "first_name": "Jane", "last_name": "Doe" },
        "created_at": "2026-02-26T10:00:00Z", "updated_at": "2026-02-26T10:00:00Z" });
    let c = Conv::read(v).and_then(super::wire::Conv::into_domain).expect("reads");
    assert_eq!(c.id.as_str(), "a1b2c3d4-...");
    assert_eq!(c.subject.as_deref(), Some("#42 Help with order #1234"));
    assert_eq!((c.status, c.priority, c.channel), (Status::Open, Priority::Normal, Channel::Web));
    assert_eq!((c.contact.name.as_str(), c.contact.handle.as_str()), ("Jane Doe", "customer@example.com"));
    assert_eq!(c.created_at.to_string(), "2026-02-26T10:00:00Z");
}

#[test]
fn odd_values_read_as_absent_not_as_a_failed_row() {
    let v = json!({ "id": 7, "number": "x9", "status": "escalated", "priority": "critical", "channel": "carrier-pigeon",
        "requester": "someone", "created_at": "yesterday", "updated_at": 1_772_100_000, "subject": null,
        "metadata": { "phone": "+14155550123" } });
    let c = Conv::read(v).and_then(super::wire::Conv::into_domain).expect("reads");
    assert_eq!(c.id.as_str(), "7");
    assert_eq!(c.subject.as_deref(), Some("#x9"));
    // Values the page does not list are kept as Bancroft sent them.
    assert_eq!(
        (c.status, c.priority, c.channel),
        (
            Status::Other("escalated".into()),
            Priority::Other("critical".into()),
            Channel::Other("carrier-pigeon".into())
        )
    );
    assert_eq!(c.contact.name, "Anonymous");
    assert_eq!(c.contact.phone.as_deref(), Some("+14155550123"));
    assert_eq!(c.contact.handle, "+14155550123");
    assert_eq!(c.updated_at.as_second(), 1_772_100_000);
    assert_eq!(c.created_at, c.updated_at);
    let callback = Conv::read(json!({ "id": "c", "channel": "callback", "status": "resolved" }))
        .and_then(super::wire::Conv::into_domain)
        .expect("reads");
    assert_eq!((callback.channel, callback.status), (Channel::Voice, Status::Closed));
    assert!(Conv::read(json!({ "subject": "no id" })).and_then(super::wire::Conv::into_domain).is_none());
    assert!(Conv::read(json!("a string")).is_none());
}

#[test]
fn a_message_from_the_agents_address_is_ours_any_other_the_customers() {
    let id = ConversationId::from("c1");
    let me = Me { email: "agent@yourcompany.com", name: "agent", requester: None };
    let read = |v| Msg::read(v).and_then(|m| m.into_domain(&id, &me)).expect("reads");
    let ours =
        read(json!({ "id": "m2", "sender_email": "Agent@YourCompany.com", "body": "Sure!", "message_type": "reply" }));
    assert_eq!((ours.direction, ours.author.name.as_str()), (Direction::Outbound, "agent"));
    let theirs = read(json!({ "id": "m1", "sender_email": "customer@example.com", "body": "Help\u{1b}[31m" }));
    assert_eq!((theirs.direction, theirs.body.as_str()), (Direction::Inbound, "Help"));
    assert_eq!(read(json!({ "id": "m3", "message_type": "internal_note" })).kind, MessageKind::Note);
    assert_eq!(read(json!({ "id": "m4", "message_type": "something_new" })).kind, MessageKind::Reply);
}

#[test]
fn lists_come_in_an_envelope_or_bare() {
    let page =
        ListPage::read(json!({ "count": 3, "next": null, "previous": null, "results": [{}, {}] })).expect("page");
    assert_eq!((page.rows.len(), page.count, page.says_last()), (2, Some(3), true));
    let page =
        ListPage::read(json!({ "count": 3, "next": "https://h/api/v1/x/?offset=2", "results": [] })).expect("page");
    assert_eq!(page.next_link(), Some("https://h/api/v1/x/?offset=2"));
    let bare = ListPage::read(json!([{}, {}, {}])).expect("page");
    assert_eq!((bare.rows.len(), bare.count, bare.says_last()), (3, None, false));
    assert!(matches!(ListPage::read(json!({ "data": [] })), Err(ProviderError::Malformed(_))));
}

#[test]
fn error_bodies_say_what_went_wrong() {
    assert_eq!(
        error_text(br#"{"detail": "Invalid or revoked API key."}"#).as_deref(),
        Some("Invalid or revoked API key.")
    );
    let fastapi = br#"{"detail":[{"loc":["body","subject"],"msg":"field required","type":"value_error.missing"}]}"#;
    assert_eq!(error_text(fastapi).as_deref(), Some("subject: field required"));
    let drf = br#"{"subject":["Ensure this field has no more than 500 characters."],"priority":["\"asap\" is not a valid choice."]}"#;
    let text = error_text(drf).unwrap_or_default();
    assert!(text.contains("subject: Ensure this field has no more than 500 characters."), "{text}");
    assert!(text.contains("priority: \"asap\" is not a valid choice."), "{text}");
    assert_eq!(error_text(br#"{"non_field_errors":["Nope."]}"#).as_deref(), Some("Nope."));
    assert_eq!(error_text(b"Too many requests").as_deref(), Some("Too many requests"));
    assert_eq!(error_text(b"<html>"), None);
    assert_eq!(error_text(b""), None);
}

/// A colleague's reply (an address neither ours nor the requester's) is an agent's,
/// drawn as the team's, not the customer's.
#[test]
fn a_colleagues_reply_is_the_teams() {
    let me = Me { email: "ana@yourcompany.com", name: "Ana", requester: Some("jane@example.com") };
    let read = |sender: &str| {
        let v = serde_json::json!({ "id": "m1", "sender_email": sender, "body": "hi", "message_type": "reply" });
        let m = Msg::read(v).and_then(|m| m.into_domain(&"c1".into(), &me)).expect("a message");
        (m.author.kind, m.direction)
    };
    assert_eq!(read("jane@example.com"), (frontdesk_domain::AuthorKind::Contact, Direction::Inbound));
    assert_eq!(read("ana@yourcompany.com"), (frontdesk_domain::AuthorKind::Agent, Direction::Outbound));
    assert_eq!(read("bo@yourcompany.com"), (frontdesk_domain::AuthorKind::Agent, Direction::Outbound), "a colleague");
}
