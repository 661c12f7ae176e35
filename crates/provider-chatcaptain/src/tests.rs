use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::json;

use super::bot::{BotReply, reply_of};
use super::{ChatCaptainProvider, error, wire};
use frontdesk_domain::{AssigneeFilter, AuthorKind, Channel, ConversationId, Direction, MessageKind, Status};
use frontdesk_provider::ProviderError;

fn provider(base: &str, bot: &str, key: &str) -> Result<ChatCaptainProvider, ProviderError> {
    ChatCaptainProvider::new("captain", base, bot, SecretString::from(key.to_owned()))
}

#[test]
fn the_config_is_checked_and_a_trailing_v1_accepted() {
    let p = provider("https://api.chatcaptain.com/v1/", "bot_abc123xyz", "k").expect("builds");
    assert_eq!(
        p.conversations_url("/find"),
        "https://api.chatcaptain.com/v1/chatbots/bot_abc123xyz/conversations/find"
    );
    assert_eq!(p.inbox_url("views"), "https://api.chatcaptain.com/v1/inbox/bot_abc123xyz/views");
    assert_eq!(p.agent.id.as_str(), "chatbot:bot_abc123xyz");
    assert!(matches!(provider("ftp://x", "b", "k"), Err(ProviderError::Permanent { .. })));
    assert!(matches!(provider("https://h", " ", "k"), Err(ProviderError::Permanent { .. })));
    assert!(matches!(provider("https://h", "b", ""), Err(ProviderError::Permanent { .. })));
}

#[test]
fn a_conversation_reads_tolerantly() {
    let c = wire::conversation(
        &json!({ "id": 42, "contactId": "ct_1", "channelId": "channel_def456", "channelType": "WHATSAPP",
            "archived": "true", "name": "Jane\u{1b}[31m Doe", "status": "inProgress", "mood": "happy",
            "createdAt": { "_seconds": 1_772_100_000, "_nanoseconds": 0 }, "updatedAt": 1_772_100_060_000_i64 }),
    )
    .expect("reads");
    assert_eq!((c.id.as_str(), c.contact.id.as_str(), c.contact.name.as_str()), ("42", "ct_1", "Jane Doe"));
    assert_eq!((c.channel, c.status, c.archived), (Channel::Whatsapp, Status::Pending, true));
    assert_eq!((c.created_at.as_second(), c.updated_at.as_second()), (1_772_100_000, 1_772_100_060));
    let bare = wire::conversation(&json!({ "id": "c", "channelType": "telegram", "status": 3 })).expect("reads");
    // Values we have no name for are kept as they came.
    assert_eq!(
        (&bare.channel, &bare.status, bare.contact.name.as_str()),
        (&Channel::Other("telegram".into()), &Status::Other("3".into()), "Anonymous")
    );
    let none = wire::conversation(&json!({ "id": "c" })).expect("reads");
    assert_eq!((none.channel, none.status), (Channel::Web, Status::Open), "none at all: the widget, open");
    assert!(wire::conversation(&json!({ "contactId": "no id" })).is_none());
    assert!(wire::conversation(&json!("text")).is_none());
}

#[test]
fn senders_map_to_directions() {
    let id = ConversationId::from("c1");
    let read = |v| wire::message(&v, &id, AuthorKind::Contact).expect("reads");
    let m = read(json!({ "id": "m1", "sender": "user", "text": "Hi" }));
    assert_eq!((m.direction, m.author.kind, m.body.as_str()), (Direction::Inbound, AuthorKind::Contact, "Hi"));
    let m = read(json!({ "id": "m2", "sender": { "type": "agent", "id": "u9", "name": "Ana" }, "message": "Hello" }));
    assert_eq!((m.direction, m.author.kind, m.author.name.as_str()), (Direction::Outbound, AuthorKind::Agent, "Ana"));
    let m = read(
        json!({ "id": "m3", "sender": "BOT", "content": { "text": "Beep" }, "createdAt": "2026-02-26T10:00:00Z" }),
    );
    assert_eq!((m.direction, m.author.kind, m.body.as_str()), (Direction::Outbound, AuthorKind::Ai, "Beep"));
    assert_eq!(m.created_at.to_string(), "2026-02-26T10:00:00Z");
    let m = read(json!({ "id": "m4", "sender": "martian" }));
    assert_eq!(m.direction, Direction::Inbound);
    assert_eq!(read(json!({ "id": "m5", "sender": "system" })).kind, MessageKind::Event);
    assert!(wire::message(&json!({ "sender": "user" }), &id, AuthorKind::Contact).is_none());
}

#[test]
fn views_read_their_filters() {
    let (v, n) = wire::view(&json!({ "id": "v1", "name": "Mine", "filters": { "selfAssigned": true, "open": true,
        "inProgress": true, "closed": false, "unread": "1" }, "sorting": "updatedAt", "direction": "desc" }))
    .expect("reads");
    assert_eq!((v.id.as_str(), v.name.as_str(), n), ("v1", "Mine", None));
    assert_eq!(v.filter.status, vec![Status::Open, Status::Pending]);
    assert_eq!((v.filter.assignee, v.filter.unread), (Some(AssigneeFilter::Me), Some(true)));
    let (_, n) = wire::view(&json!({ "id": 7, "closed": true, "count": 12 })).expect("reads");
    assert_eq!(n, Some(12));
}

#[test]
fn lists_and_errors_read_as_the_notes_say() {
    assert_eq!(wire::rows(json!({ "conversations": [{}, {}] }), "conversations").map(|r| r.len()), Ok(2));
    assert_eq!(wire::rows(json!([{}]), "views").map(|r| r.len()), Ok(1));
    assert_eq!(wire::rows(json!({}), "views").map(|r| r.len()), Ok(0));
    assert!(matches!(wire::rows(json!({ "other": [] }), "views"), Err(ProviderError::Malformed(_))));
    assert_eq!(wire::error_in(&json!({ "error": "Chatbot not found." })).as_deref(), Some("Chatbot not found."));
    assert_eq!(wire::error_in(&json!({ "error": null, "conversations": [] })), None);
    assert_eq!(
        wire::error_text(br#"{"error":"Insufficient permissions."}"#).as_deref(),
        Some("Insufficient permissions.")
    );
    assert_eq!(wire::error_text(b"<html>"), None);
    let e = error(StatusCode::FORBIDDEN, None, br#"{"error":"Insufficient permissions."}"#);
    assert_eq!(e, ProviderError::Auth("ChatCaptain refused this key: Insufficient permissions.".into()));
    assert!(matches!(error(StatusCode::UNAUTHORIZED, None, b""), ProviderError::Auth(_)));
    assert!(matches!(error(StatusCode::UNPROCESSABLE_ENTITY, None, b"{}"), ProviderError::Permanent { .. }));
    assert!(matches!(error(StatusCode::BAD_GATEWAY, None, b""), ProviderError::Network(_)));
}

#[test]
fn a_bot_answer_with_messages_reads_as_messages_else_raw() {
    let v = json!({ "conversationId": "conv_1", "messages": [{ "id": "m1", "text": "Hi, I am the bot" }] });
    let BotReply::Messages(m) = reply_of(v, None) else { panic!("messages expected") };
    assert_eq!((&m[0].author.kind, m[0].conversation_id.as_str()), (&AuthorKind::Ai, "conv_1"));
    assert!(matches!(reply_of(json!({ "messages": [{ "id": "m1" }] }), None), BotReply::Raw(_)));
    assert!(matches!(reply_of(json!({ "messages": [{ "id": "m1" }] }), Some("c")), BotReply::Messages(_)));
    assert_eq!(reply_of(json!({ "ok": true }), Some("c")), BotReply::Raw(json!({ "ok": true })));
}

/// The spelling of ChatCaptain's own sample bodies: `created` (ISO) on messages,
/// `created` / `updated` on conversations; read, not replaced by "now".
#[test]
fn created_and_updated_as_chatcaptains_samples_spell_them() {
    let m = serde_json::json!({ "id": "m1", "sender": "USER", "content": { "text": "Hi" }, "created": "2026-02-26T10:00:00Z" });
    let m = wire::message(&m, &"c1".into(), frontdesk_domain::AuthorKind::Contact).expect("a message");
    assert_eq!(m.created_at.to_string(), "2026-02-26T10:00:00Z");
    let c = serde_json::json!({ "id": "c1", "contactId": "u1", "created": "2026-02-25T09:00:00Z", "updated": "2026-02-26T10:00:00Z" });
    let c = wire::conversation(&c).expect("a conversation");
    assert_eq!(
        (c.created_at.to_string(), c.updated_at.to_string()),
        ("2026-02-25T09:00:00Z".into(), "2026-02-26T10:00:00Z".into())
    );
}

/// A row with no time at all is stamped as unknown, not with the moment it loaded:
/// the screen must not say "now" for a time that was never read.
#[test]
fn a_row_with_no_time_says_so() {
    use frontdesk_domain::{UNKNOWN_TIME, known_time};
    let m = wire::message(&json!({ "id": "m1", "sender": "contact", "text": "Hi" }), &"c1".into(), AuthorKind::Contact)
        .expect("a message");
    assert_eq!((m.created_at, known_time(m.created_at)), (UNKNOWN_TIME, None));
    let c = wire::conversation(&json!({ "id": "c1", "contactId": "u1" })).expect("a conversation");
    assert_eq!((c.updated_at, c.created_at), (UNKNOWN_TIME, UNKNOWN_TIME));
}
