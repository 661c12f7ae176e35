use secrecy::SecretString;
use serde_json::json;

use super::CrmProvider;
use super::auth::User;
use super::media::{Media, content_type, read_media};
use super::views::{fingerprint, read_counts, read_views};
use super::wire::{Activity, Conv, Ctx, Row, channel_of, error_text};
use frontdesk_domain::{Channel, ConversationId, SuggestionId, SuggestionStatus, ViewKind};
use frontdesk_provider::ProviderError;

fn provider(base: &str, auth: &str, email: &str) -> Result<CrmProvider, ProviderError> {
    CrmProvider::new("iron", base, auth, email, SecretString::from("pw".to_owned()), Some("  ".into()))
}

#[test]
fn config_is_checked_and_the_api_prefix_is_optional() {
    let p =
        provider("https://crm.acme.test/api/v1/", "https://x.supabase.co/auth/v1", "ana@acme.test").expect("builds");
    assert_eq!(p.api, "https://crm.acme.test/api/v1");
    assert_eq!(p.org_id, None, "a blank org is none");
    assert!(matches!(provider("ftp://h", "https://a", "a@b"), Err(ProviderError::Permanent { .. })));
    assert!(matches!(provider("https://h", "nope", "a@b"), Err(ProviderError::Permanent { .. })));
    assert!(matches!(provider("https://h", "https://a", " "), Err(ProviderError::Permanent { .. })));
}

#[test]
fn error_bodies_read_in_every_shape() {
    assert_eq!(error_text(br#"{"detail":"Not a member"}"#).as_deref(), Some("Not a member"));
    assert_eq!(
        error_text(br#"{"detail":[{"loc":["body","assigned_to"],"msg":"bad uuid"}]}"#).as_deref(),
        Some("assigned_to: bad uuid")
    );
    assert_eq!(
        error_text(br#"{"error":"invalid_grant","error_description":"Invalid login"}"#).as_deref(),
        Some("Invalid login")
    );
    assert_eq!(error_text(br#"{"code":400,"msg":"Email not confirmed"}"#).as_deref(), Some("Email not confirmed"));
    assert_eq!(error_text(b"Internal Server Error").as_deref(), Some("Internal Server Error"));
    assert_eq!(error_text(b"\"quoted\"").as_deref(), Some("quoted"));
    assert_eq!(error_text(b"<html>oops</html>"), None);
    assert_eq!(error_text(b"   "), None);
}

#[test]
fn suggestion_ids_carry_their_conversation() {
    let (c, a) = CrmProvider::split_suggestion(&SuggestionId::from("c:1:a9")).expect("splits");
    assert_eq!((c.as_str(), a.as_str()), ("c:1", "a9"));
    assert!(CrmProvider::split_suggestion(&SuggestionId::from("a9")).is_err());
    assert!(CrmProvider::split_suggestion(&SuggestionId::from("c1:")).is_err());
}

#[test]
fn unknown_channels_are_kept_and_a_missing_one_is_sms() {
    assert_eq!(channel_of(Some("EMAIL")), Channel::Email);
    assert_eq!(channel_of(Some("call")), Channel::Voice);
    assert_eq!(channel_of(Some("carrier-pigeon")), Channel::Other("carrier-pigeon".into()));
    assert_eq!(channel_of(Some("RCS")), Channel::Other("RCS".into()));
    assert_eq!(channel_of(None), Channel::Sms);
}

#[test]
fn setter_rows_split_into_drafts_and_sent_messages() {
    let me = User::default();
    let ctx = Ctx { me: &me };
    let id = ConversationId::from("c1");
    let row = |v| Activity::read(v).and_then(|a| a.into_row(&id, &ctx));
    let draft = row(json!({ "id": 9, "actor": "agent:setter", "suggestion_status": "draft", "body": "x" }));
    assert!(
        matches!(draft, Some(Row::Suggestion(s)) if s.status == SuggestionStatus::Pending && s.id.as_str() == "c1:9")
    );
    let dismissed = row(json!({ "id": "d", "actor": "agent:setter", "status": "dismissed" }));
    assert!(matches!(dismissed, Some(Row::Suggestion(s)) if s.status == SuggestionStatus::Dismissed));
    // A pending SMS from a person is a queued message, not a suggestion.
    let queued = row(json!({ "id": "q", "actor": "user:u1", "status": "pending", "body": "x" }));
    assert!(matches!(queued, Some(Row::Message(_))));
    assert!(row(json!({ "actor": "system" })).is_none(), "no id, no row");
    assert!(row(json!({ "id": "t", "created_at": {"weird": true}, "duration": "12" })).is_some());
}

#[test]
fn views_fall_back_to_the_builtins_and_counts_read_as_a_list() {
    let views = read_views(json!({ "views": [] }));
    assert_eq!(views.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["Unread", "Recents", "Starred", "All"]);
    assert!(views.iter().all(|v| v.kind == ViewKind::Builtin));
    let counts =
        read_counts(json!([{ "view_id": "Unread", "unread": 3 }, { "id": 7, "total": "5" }, { "nothing": 1 }]));
    assert_eq!((counts.get("unread"), counts.get("7"), counts.len()), (Some(&3), Some(&5), 2));
}

#[test]
fn count_fingerprints_ignore_order_and_stray_fields_and_need_a_count() {
    let a = fingerprint(json!({ "counts": { "unread": { "unread": 1, "total": 1, "as_of": 17 }, "all": 9 } }));
    let b = fingerprint(json!({ "all": "9", "Unread": { "total": 1, "unread": 1, "as_of": 18 } }));
    assert!(a.is_some());
    assert_eq!(a, b, "order, case and a server timestamp do not matter");
    let moved = fingerprint(json!({ "all": 9, "unread": { "total": 1, "unread": 0 } }));
    assert_ne!(a, moved);
    assert_eq!(fingerprint(json!([])), None);
    assert_eq!(fingerprint(json!({ "unread": { "as_of": 1 } })), None, "no count, no fingerprint");
}

#[test]
fn upload_answers_read_in_every_assumed_shape() {
    let id = |id: &str| Media { id: Some(id.to_owned()), url: None };
    assert_eq!(read_media(json!({ "id": "m1" })), Ok(id("m1")));
    assert_eq!(read_media(json!({ "data": { "media_id": 4 } })), Ok(id("4")));
    assert_eq!(read_media(json!([{ "media": { "id": "m2" } }])), Ok(id("m2")));
    assert_eq!(
        read_media(json!({ "data": { "media": { "media_url": " https://x.test/1 " } } })),
        Ok(Media { id: None, url: Some("https://x.test/1".to_owned()) })
    );
    assert!(matches!(read_media(json!({ "id": "" })), Err(ProviderError::Malformed(_))));
    assert!(matches!(read_media(json!(null)), Err(ProviderError::Malformed(_))));
}

#[test]
fn content_types_come_from_the_extension() {
    use std::path::Path;
    assert_eq!(content_type(Path::new("/tmp/A.JPEG")), "image/jpeg");
    assert_eq!(content_type(Path::new("quote.pdf")), "application/pdf");
    assert_eq!(content_type(Path::new("setup.exe")), "application/octet-stream");
    assert_eq!(content_type(Path::new("README")), "application/octet-stream");
}

/// Iron gives no roster: a colleague known by id alone is "a colleague", never
/// their UUID; one whose name came with the row keeps it.
#[test]
fn a_colleague_known_by_id_alone_is_never_shown_as_a_uuid() {
    let me = User { id: Some("u-me".into()), email: Some("ana@x.test".into()), name: Some("Ana".into()) };
    let ctx = Ctx { me: &me };
    let uuid = "5f0e4b8a-1c2d-4e3f-9a8b-7c6d5e4f3a2b";
    let row = |extra: serde_json::Value| {
        let mut v = serde_json::json!({ "id": "c1", "assigned_to": uuid });
        if let (serde_json::Value::Object(o), serde_json::Value::Object(e)) = (&mut v, extra) {
            o.extend(e);
        }
        Conv::read(v)
            .and_then(|c| c.into_domain(&ctx))
            .and_then(|c| c.assignee)
            .map(|a| (a.id.0.to_string(), a.name.clone()))
    };
    assert_eq!(row(serde_json::json!({})), Some((uuid.to_owned(), "a colleague".to_owned())));
    let named = serde_json::json!({ "assignee": { "id": uuid, "first_name": "Bo", "last_name": "Berg" } });
    assert_eq!(row(named).map(|(_, n)| n), Some("Bo Berg".to_owned()));
    let mine = serde_json::json!({ "assigned_to": "u-me" });
    assert_eq!(row(mine).map(|(_, n)| n), Some("Ana".to_owned()));
}
