use super::*;
use frontdesk_domain::Status;

fn headers() -> header::HeaderMap {
    header::HeaderMap::new()
}

#[test]
fn the_24_hour_window_is_permanent_and_says_what_to_do() {
    let body = br#"{"error":{"code":"WHATSAPP_OUTSIDE_24H_WINDOW","message":"Outside the 24h window","status":422}}"#;
    let e = error_for(StatusCode::UNPROCESSABLE_ENTITY, &headers(), body);
    assert!(!e.is_transient());
    assert!(
        matches!(&e, ProviderError::Permanent { code, message } if code == "WHATSAPP_OUTSIDE_24H_WINDOW"
            && message.contains("24-hour window is closed") && message.contains("template")),
        "{e:?}"
    );
}

#[test]
fn the_body_status_wins_and_codes_map_to_kinds() {
    // A 200-range transport status with an error body saying 401.
    let body = br#"{"error":{"code":"INVALID_API_KEY","message":"bad key","status":401}}"#;
    let e = error_for(StatusCode::BAD_REQUEST, &headers(), body);
    assert!(matches!(&e, ProviderError::Auth(m) if m.contains("wrong or revoked")), "{e:?}");

    let body =
        br#"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down","status":429,"details":{"retry_after":12}}}"#;
    assert_eq!(
        error_for(StatusCode::TOO_MANY_REQUESTS, &headers(), body),
        ProviderError::RateLimited { retry_after: Some(Duration::from_secs(12)) }
    );
    let mut h = headers();
    h.insert(header::RETRY_AFTER, header::HeaderValue::from_static("3"));
    assert_eq!(
        error_for(StatusCode::TOO_MANY_REQUESTS, &h, body),
        ProviderError::RateLimited { retry_after: Some(Duration::from_secs(3)) },
        "the header is honoured first"
    );

    let body = br#"{"error":{"code":"VALIDATION_ERROR","message":"body is required","status":422}}"#;
    assert_eq!(
        error_for(StatusCode::UNPROCESSABLE_ENTITY, &headers(), body),
        ProviderError::Permanent {
            code: "VALIDATION_ERROR".into(),
            message: "VALIDATION_ERROR: body is required".into()
        }
    );
    assert!(error_for(StatusCode::BAD_GATEWAY, &headers(), b"<html>").is_transient());
    let hostile = br#"{"error":{"code":"X","message":"\u001b]52;c;aGk=\u0007boom","status":400}}"#;
    let e = error_for(StatusCode::BAD_REQUEST, &headers(), hostile).to_string();
    assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{e:?}");
}

#[test]
fn unknown_fields_and_enum_values_are_tolerated() {
    let json = r#"{
        "id": "conv_1", "channel": "telegram_business", "status": "escalated_v2",
        "contact": {"id": "cnt_1", "name": "Jane", "phone": "+14155550123", "loyalty": {"tier": 3}},
        "ai_state": "quantum", "brand_new_field": [1, 2, 3]
    }"#;
    let c: wire::Conv = serde_json::from_str(json).expect("parses");
    let c = c.into_domain();
    assert_eq!(c.id.as_str(), "conv_1");
    assert_eq!(c.status, Status::Other("escalated_v2".into()));
    assert_eq!(c.contact.handle, "+14155550123");
    assert_eq!(c.channel, frontdesk_domain::Channel::Other("telegram_business".into()));
}

#[test]
fn stream_events_shaped_as_webhooks_become_domain_events() {
    let data = r#"{"id":"evt_1","type":"message.received","created_at":"2026-03-08T12:00:00Z",
        "data":{"id":"msg_9","conversation_id":"conv_1","direction":"inbound","body":"hello?"}}"#;
    let e = event(Some("message.received"), data).expect("readable").expect("an event");
    assert!(
        matches!(&e.kind, EventKind::MessageCreated(m) if m.body == "hello?" && m.conversation_id.as_str() == "conv_1")
    );
    let data = r#"{"type":"conversation.assigned","data":{"conversation":{"id":"conv_1","status":"open"}}}"#;
    assert!(matches!(event(None, data).map(|e| e.map(|e| e.kind)), Ok(Some(EventKind::ConversationUpdated(_)))));
    assert_eq!(event(None, r#"{"type":"billing.invoice_paid","data":{}}"#), Ok(None), "nothing for the inbox");
    assert!(event(None, "not json").is_err(), "unreadable, to be counted");
}

/// Orbit's list filter: `status` takes one value, `statuses` the comma-separated
/// list (its docs); `status=open,pending` is refused by a strict server.
#[test]
fn one_status_is_status_and_several_are_statuses() {
    use frontdesk_domain::{Status, ViewFilter};
    let one = ViewFilter { status: vec![Status::Open], ..ViewFilter::default() };
    assert!(super::views::filter_params(&one).contains(&("status", "open".to_owned())));
    let two = ViewFilter { status: vec![Status::Open, Status::Pending], ..ViewFilter::default() };
    let p = super::views::filter_params(&two);
    assert!(p.contains(&("statuses", "open,pending".to_owned())), "{p:?}");
    assert!(!p.iter().any(|(k, _)| *k == "status"), "{p:?}");
}

/// The same for channels (`channel` / `channels`). A saved view's names are read as
/// rows are (active is open), and those we have no word for (rcs, escalated) are
/// kept, so the view asks Orbit for what it was saved with rather than for everything.
#[test]
fn channels_likewise_and_a_saved_views_own_names_are_kept() {
    use frontdesk_domain::{Channel, Status, ViewFilter};
    let one = ViewFilter { channels: vec![Channel::Other("rcs".into())], ..ViewFilter::default() };
    assert_eq!(super::views::filter_params(&one), [("channel", "rcs".to_owned())]);
    let two = ViewFilter { channels: vec![Channel::Sms, Channel::Whatsapp], ..ViewFilter::default() };
    assert_eq!(super::views::filter_params(&two), [("channels", "sms,whatsapp".to_owned())]);
    let saved =
        super::views::saved_filter(&serde_json::json!({ "statuses": "active,escalated", "channels": ["rcs", "sms"] }));
    assert_eq!(saved.status, [Status::Open, Status::Other("escalated".into())]);
    assert_eq!(saved.channels, [Channel::Other("rcs".into()), Channel::Sms]);
    assert_eq!(
        super::views::filter_params(&saved),
        [("statuses", "open,escalated".to_owned()), ("channels", "rcs,sms".to_owned())]
    );
}

#[test]
fn an_error_code_is_sanitised_like_any_vendor_text() {
    let body = br#"{"error":{"code":"BAD\u001b]52;c;aGk=\u0007CODE","message":"no","status":400}}"#;
    let e = super::error_for(reqwest::StatusCode::BAD_REQUEST, &reqwest::header::HeaderMap::new(), body);
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains('\u{1b}') && !shown.contains('\u{7}'), "{shown:?}");
}

/// The assignee as Orbit's legacy `assigned_agent` (an object or an id), or
/// `assignee` as a bare id: read, not left "unassigned".
#[test]
fn the_assignee_is_read_under_either_name_as_an_object_or_an_id() {
    let read = |v: serde_json::Value| {
        let c: super::wire::Conv = serde_json::from_value(v).expect("a conversation");
        c.into_domain().assignee.map(|a| (a.id.0.to_string(), a.name.clone()))
    };
    let object = serde_json::json!({ "id": "c1", "assigned_agent": { "id": "usr_ana", "name": "Ana Lima" } });
    assert_eq!(read(object), Some(("usr_ana".into(), "Ana Lima".into())));
    let id = serde_json::json!({ "id": "c1", "assigned_agent": "usr_ana" });
    assert_eq!(read(id).map(|(i, _)| i), Some("usr_ana".into()));
    let bare = serde_json::json!({ "id": "c1", "assignee": "usr_bo" });
    assert_eq!(read(bare).map(|(i, _)| i), Some("usr_bo".into()));
    assert_eq!(read(serde_json::json!({ "id": "c1" })), None);
}
