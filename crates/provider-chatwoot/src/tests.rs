use super::wire::{Conv, Msg, error_text};
use frontdesk_domain::{ConversationId, Direction, MessageKind, Status};

#[test]
fn a_conversation_reads_unix_times_numeric_ids_and_meta() {
    let json = r#"{
        "id": 42, "status": "snoozed", "snoozed_until": 1795600800, "labels": ["billing", "vip"],
        "unread_count": 2, "priority": "urgent", "last_activity_at": 1795597200.5,
        "created_at": 1795590000, "updated_at": 1795597200,
        "meta": { "sender": { "id": 7, "name": "Jane", "email": "jane@example.com" },
                  "channel": "Channel::Email", "assignee": { "id": 3, "available_name": "Ana" } },
        "last_non_activity_message": { "id": 900, "content": "Any news?", "message_type": 0, "created_at": 1795597200 },
        "something_new": { "nested": [1, 2] }
    }"#;
    let c: Conv = serde_json::from_str(json).expect("parses");
    let c = c.into_domain().expect("has an id");
    assert_eq!(c.id.as_str(), "42");
    assert_eq!(c.status, Status::Snoozed);
    assert_eq!(c.snoozed_until.map(jiff::Timestamp::as_second), Some(1_795_600_800));
    assert_eq!(c.tags, ["billing", "vip"]);
    assert!(c.unread);
    assert_eq!(c.contact.handle, "jane@example.com");
    assert_eq!(c.assignee.as_ref().map(|a| (a.id.as_str(), a.name.as_str())), Some(("3", "Ana")));
    assert_eq!(c.last_message.as_ref().map(|m| m.direction), Some(Direction::Inbound));
}

#[test]
fn messages_private_notes_and_activity_lines() {
    let id = ConversationId::from("42");
    let note: Msg = serde_json::from_str(r#"{"id":1,"content":"check the refund","message_type":1,"private":true}"#)
        .expect("parses");
    assert_eq!(note.into_domain(&id).map(|m| m.kind), Some(MessageKind::Note));
    let activity: Msg =
        serde_json::from_str(r#"{"id":2,"content":"Assigned to Ana","message_type":2}"#).expect("parses");
    assert_eq!(activity.into_domain(&id).map(|m| m.kind), Some(MessageKind::Event));
    let named: Msg = serde_json::from_str(r#"{"id":3,"content":"hi","message_type":"incoming"}"#).expect("parses");
    assert_eq!(named.into_domain(&id).map(|m| m.direction), Some(Direction::Inbound));
}

#[test]
fn error_bodies_say_what_went_wrong() {
    let body = br#"{"description":"Validation failed","errors":[{"field":"content","message":"can't be blank","code":"blank"}]}"#;
    assert_eq!(error_text(body).as_deref(), Some("Validation failed; content: can't be blank"));
    assert_eq!(error_text(br#"{"error":"You need to sign in"}"#).as_deref(), Some("You need to sign in"));
    assert_eq!(error_text(b"<html>"), None);
}
