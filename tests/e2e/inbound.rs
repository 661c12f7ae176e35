//! `POST /v1/inbound`: customer messages from channels. Dedupe by provider message id,
//! threading into the contact's live conversation on the channel, the first-response
//! clock, sanitising what strangers send, and validation.

use frontdesk_domain::text::contains_escape;
use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{TestServer, code};

async fn post_inbound(s: &TestServer, body: Value) -> (StatusCode, Value) {
    s.post("/v1/inbound", body).await
}

fn msg(channel: &str, handle: &str, body: &str) -> Value {
    json!({"channel": channel, "contact": {"handle": handle, "name": format!("Customer {handle}")}, "body": body})
}

fn conv_id(v: &Value) -> String {
    v["conversation"]["id"].as_str().unwrap_or_else(|| panic!("no conversation id in {v}")).to_owned()
}

async fn conversation(s: &TestServer, id: &str) -> Value {
    let (status, v) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(status, StatusCode::OK, "GET conversation {id}: {v}");
    v
}

async fn messages(s: &TestServer, id: &str) -> Vec<Value> {
    let (status, page) = s.get(&format!("/v1/conversations/{id}/messages?limit=100")).await;
    assert_eq!(status, StatusCode::OK, "GET messages of {id}: {page}");
    page["items"].as_array().unwrap_or_else(|| panic!("no items in the thread of {id}: {page}")).clone()
}

fn ts(v: &Value, field: &str) -> Option<Timestamp> {
    v[field].as_str().map(|s| s.parse().unwrap_or_else(|e| panic!("{field} {s:?} is not a timestamp: {e}")))
}

#[tokio::test]
async fn a_new_handle_opens_a_conversation() {
    let s = TestServer::start().await;
    let (status, v) = post_inbound(&s, msg("sms", "+15553330001", "Where is my parcel?")).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["opened"], true);
    assert_eq!(v["duplicate"], false);
    let c = &v["conversation"];
    assert_eq!(c["status"], "open");
    assert_eq!(c["channel"], "sms");
    assert_eq!(c["contact"]["handle"], "+15553330001");
    assert_eq!(c["contact"]["name"], "Customer +15553330001");
    assert_eq!(c["unread"], true);
    assert_eq!(c["message_count"], 1);
    assert_eq!(c["last_message"]["preview"], "Where is my parcel?");
    assert_eq!(c["last_message"]["direction"], "inbound");
    let m = &v["message"];
    assert_eq!(m["body"], "Where is my parcel?");
    assert_eq!(m["direction"], "inbound");
    assert_eq!(m["kind"], "reply");
    assert_eq!(m["author"]["kind"], "contact");
    assert_eq!(m["conversation_id"], c["id"]);
    assert_eq!(conversation(&s, &conv_id(&v)).await["id"], c["id"]);
}

#[tokio::test]
async fn a_second_message_threads_into_the_same_conversation() {
    let s = TestServer::start().await;
    let first = s.inbound("+15553330002", "Hello").await;
    let (status, second) = post_inbound(&s, msg("sms", "+15553330002", "Anyone there?")).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["opened"], false, "{second}");
    assert_eq!(conv_id(&second), conv_id(&first));
    assert_eq!(second["conversation"]["message_count"], 2);
    let bodies: Vec<Value> = messages(&s, &conv_id(&first)).await.iter().map(|m| m["body"].clone()).collect();
    assert_eq!(bodies, ["Hello", "Anyone there?"]);
}

#[tokio::test]
async fn the_same_handle_on_another_channel_opens_a_separate_conversation() {
    let s = TestServer::start().await;
    let sms = s.inbound_on("sms", "ana@example.com", "By text", None).await;
    let email = s.inbound_on("email", "ana@example.com", "By mail", None).await;
    assert_eq!(email["opened"], true, "{email}");
    assert_ne!(conv_id(&email), conv_id(&sms));
    assert_eq!(email["conversation"]["channel"], "email");
    // One person, two conversations.
    assert_eq!(email["conversation"]["contact"]["id"], sms["conversation"]["contact"]["id"]);
    assert_eq!(conversation(&s, &conv_id(&sms)).await["message_count"], 1);
    assert_eq!(conversation(&s, &conv_id(&email)).await["message_count"], 1);
}

#[tokio::test]
async fn a_seen_provider_message_id_is_a_duplicate_and_stores_nothing() {
    let s = TestServer::start().await;
    let first = s.inbound_on("whatsapp", "+15553330003", "Refund please", Some("wamid.1")).await;
    let c = conv_id(&first);
    let before = conversation(&s, &c).await;
    let thread_before = messages(&s, &c).await;

    let mut again = msg("whatsapp", "+15553330003", "Refund please (resent)");
    again["provider_message_id"] = json!("wamid.1");
    let (status, dup) = post_inbound(&s, again).await;
    assert_eq!(status, StatusCode::OK, "{dup}");
    assert_eq!(dup["duplicate"], true, "{dup}");
    assert_eq!(dup["opened"], false, "{dup}");
    assert_eq!(dup["message"]["id"], first["message"]["id"], "the duplicate answers with the first message");
    assert_eq!(dup["message"]["body"], "Refund please");
    assert_eq!(conv_id(&dup), c);

    let after = conversation(&s, &c).await;
    assert_eq!(after["message_count"], before["message_count"], "the duplicate was counted");
    assert_eq!(after["updated_at"], before["updated_at"], "the duplicate touched the conversation");
    assert_eq!(messages(&s, &c).await, thread_before, "the duplicate was stored");
}

#[tokio::test]
async fn provider_message_ids_are_per_org() {
    let s = TestServer::start().await;
    s.inbound_on("sms", "+15553330004", "Org A's message", Some("sms-42")).await;
    let (status, b) = s
        .call_as(
            Some(&s.other_key),
            Method::POST,
            "/v1/inbound",
            Some(json!({"channel": "sms", "contact": {"handle": "+15553330004"}, "body": "Org B's message",
                        "provider_message_id": "sms-42"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "org B's message was taken for org A's: {b}");
    assert_eq!(b["duplicate"], false);
    assert_eq!(b["message"]["body"], "Org B's message");
}

#[tokio::test]
async fn after_close_a_new_message_opens_a_new_conversation() {
    let s = TestServer::start().await;
    let old = s.conversation("+15553330005").await;
    let (status, v) = s.post(&format!("/v1/conversations/{old}/close"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = post_inbound(&s, msg("sms", "+15553330005", "Me again")).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["opened"], true, "{v}");
    assert_ne!(conv_id(&v), old);
    assert_eq!(conversation(&s, &old).await["status"], "closed", "the closed conversation was touched");
    assert_eq!(conversation(&s, &old).await["message_count"], 1);
}

#[tokio::test]
async fn inbound_starts_the_first_response_clock() {
    let s = TestServer::start().await;
    let before = Timestamp::now();
    let first = s.inbound("+15553330006", "Help").await;
    let after = Timestamp::now();
    let c = &first["conversation"];
    let waiting = ts(c, "waiting_since").unwrap_or_else(|| panic!("no waiting_since: {c}"));
    let due = ts(c, "sla_due_at").unwrap_or_else(|| panic!("no sla_due_at: {c}"));
    // Stored to the millisecond.
    let before = Timestamp::from_millisecond(before.as_millisecond()).expect("timestamp");
    assert!(before <= waiting && waiting <= after, "waiting_since {waiting} is not the time of the message");
    assert_eq!(due, waiting + SignedDuration::from_secs(3600), "the harness orgs' target is 3600 s");

    // A second message while waiting keeps the clock where it started.
    let second = s.inbound("+15553330006", "Hello??").await;
    assert_eq!(ts(&second["conversation"], "waiting_since"), Some(waiting));
    assert_eq!(ts(&second["conversation"], "sla_due_at"), Some(due));
}

#[tokio::test]
async fn an_agent_reply_stops_the_clock_and_a_note_does_not() {
    let s = TestServer::start().await;
    let c = s.conversation("+15553330007").await;
    let started = conversation(&s, &c).await;
    let (waiting, due) = (ts(&started, "waiting_since"), ts(&started, "sla_due_at"));
    assert!(waiting.is_some() && due.is_some(), "{started}");

    let (status, note) =
        s.post(&format!("/v1/conversations/{c}/messages"), json!({"kind": "note", "body": "Checking stock"})).await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert_eq!(note["kind"], "note");
    let noted = conversation(&s, &c).await;
    assert_eq!(ts(&noted, "waiting_since"), waiting, "an internal note stopped the clock");
    assert_eq!(ts(&noted, "sla_due_at"), due, "an internal note stopped the clock");

    let (status, reply) = s.post(&format!("/v1/conversations/{c}/messages"), json!({"body": "It ships today."})).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let replied = conversation(&s, &c).await;
    assert_eq!(replied["waiting_since"], Value::Null, "a reply left the clock running: {replied}");
    assert_eq!(replied["sla_due_at"], Value::Null, "a reply left the clock running: {replied}");

    // The customer writing again starts it afresh.
    let asked_again = Timestamp::from_millisecond(Timestamp::now().as_millisecond()).expect("timestamp");
    let again = s.inbound("+15553330007", "Thanks, and one more thing").await;
    let restarted = ts(&again["conversation"], "waiting_since").expect("the clock restarts");
    assert!(restarted >= asked_again, "the clock restarted at {restarted}, before the new message");
    assert_eq!(ts(&again["conversation"], "sla_due_at"), Some(restarted + SignedDuration::from_secs(3600)));
}

// --- Sanitising -------------------------------------------------------------------

/// Every kind of terminal escape a stranger might send, around visible words.
const HOSTILE_BODY: &str = concat!(
    "hello \x1b[31mred\x1b[0m ",
    "clip\x1b]52;c;ZXZpbA==\x07 ",
    "\x1b]8;;http://evil.test/\x1b\\link\x1b]8;;\x1b\\ ",
    "dcs\x1bP1$qm\x1b\\ ",
    "\u{9b}31meight-bit ",
    "\u{202e}desrever\u{202c} ",
    "nul\0end\nsecond line"
);
const HOSTILE_NAME: &str = "Mallory \x1b[2J\x1b]0;owned\x07\u{202e}evil\u{9b}1m";
const HOSTILE_SUBJECT: &str = "Refund \x1b]0;pwned\x07\u{2066}now\u{2069}\x1b[5m";

async fn hostile(s: &TestServer) -> (Value, Value) {
    let (status, v) = post_inbound(
        s,
        json!({"channel": "email", "contact": {"handle": "mallory@evil.test", "name": HOSTILE_NAME},
               "subject": HOSTILE_SUBJECT, "body": HOSTILE_BODY}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let c = conv_id(&v);
    let stored = conversation(s, &c).await;
    (v, stored)
}

/// The stored strings that came from the stranger: (what, text).
async fn stored_texts(s: &TestServer) -> Vec<(String, String)> {
    let (answer, stored) = hostile(s).await;
    let thread = messages(s, &conv_id(&answer)).await;
    let text = |v: &Value, what: &str| v.as_str().unwrap_or_else(|| panic!("{what} missing")).to_owned();
    vec![
        ("message body (answer)".into(), text(&answer["message"]["body"], "body")),
        ("message body (thread)".into(), text(&thread[0]["body"], "thread body")),
        ("message author".into(), text(&thread[0]["author"]["name"], "author")),
        ("preview".into(), text(&stored["last_message"]["preview"], "preview")),
        ("contact name".into(), text(&stored["contact"]["name"], "contact name")),
        ("subject".into(), text(&stored["subject"], "subject")),
    ]
}

fn is_escape_or_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c)
}

fn is_bidi_control(c: char) -> bool {
    ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c)
}

#[tokio::test]
async fn inbound_text_is_stored_without_escape_or_control_characters() {
    let s = TestServer::start().await;
    let texts = stored_texts(&s).await;
    for (what, text) in &texts {
        assert!(!text.chars().any(is_escape_or_control), "{what} keeps a control character: {text:?}");
        assert!(!contains_escape(text), "{what} holds something a terminal would act on: {text:?}");
    }
    // The words survive; only the body keeps its line break.
    let body = &texts[0].1;
    for word in ["hello", "red", "link", "eight-bit", "desrever", "second line"] {
        assert!(body.contains(word), "the body lost {word:?}: {body:?}");
    }
    assert!(body.contains('\n'), "the body lost its line break: {body:?}");
    for (what, text) in &texts[3..] {
        assert!(!text.contains('\n'), "{what} is not one line: {text:?}");
    }
    assert!(texts[4].1.contains("Mallory") && texts[5].1.contains("Refund"), "{texts:?}");
}

#[tokio::test]
async fn inbound_text_is_stored_without_bidi_controls() {
    let s = TestServer::start().await;
    for (what, text) in stored_texts(&s).await {
        assert!(!text.chars().any(is_bidi_control), "{what} keeps a bidi control: {text:?}");
        assert!(!contains_escape(&text), "{what}: {text:?}");
    }
}

#[tokio::test]
async fn inbound_escape_sequences_are_dropped_whole() {
    let s = TestServer::start().await;
    for (what, text) in stored_texts(&s).await {
        for residue in [
            "[31m",
            "[0m",
            "[2J",
            "[5m",
            "31m",
            "1m",
            "]52;",
            "ZXZpbA==",
            "]8;;",
            "evil.test/",
            "]0;",
            "owned",
            "pwned",
            "P1$q",
        ] {
            assert!(!text.contains(residue), "{what} keeps {residue:?} of an escape sequence: {text:?}");
        }
    }
}

// --- Validation -------------------------------------------------------------------

#[tokio::test]
async fn an_empty_body_is_422_on_body() {
    let s = TestServer::start().await;
    for body in ["", "   \n\t "] {
        let (status, v) = post_inbound(&s, msg("sms", "+15553330008", body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "body {body:?}: {v}");
        assert_eq!(code(&v), "VALIDATION_ERROR");
        assert_eq!(v["error"]["field"], "body", "{v}");
    }
    let (_, page) = s.get("/v1/conversations").await;
    assert_eq!(page["items"], json!([]), "a refused message opened a conversation");
}

#[tokio::test]
async fn an_unknown_channel_is_422_naming_channel() {
    let s = TestServer::start().await;
    let (status, v) = post_inbound(&s, msg("fax", "+15553330009", "Hello")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(code(&v), "VALIDATION_ERROR");
    assert_eq!(v["error"]["field"], "channel", "{v}");
}

#[tokio::test]
async fn a_missing_or_empty_handle_is_422_naming_it() {
    let s = TestServer::start().await;
    let (status, v) = post_inbound(&s, json!({"channel": "sms", "contact": {"name": "No Handle"}, "body": "Hi"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(code(&v), "VALIDATION_ERROR");
    let field = v["error"]["field"].as_str().unwrap_or("");
    let message = v["error"]["message"].as_str().unwrap_or("");
    assert!(field.starts_with("contact"), "field {field:?} does not point at the contact: {v}");
    assert!(field.contains("handle") || message.contains("handle"), "the error does not name handle: {v}");

    // Empty, or nothing left once sanitised.
    for handle in ["", "\x1b\x07"] {
        let (status, v) = post_inbound(&s, msg("sms", handle, "Hi")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "handle {handle:?}: {v}");
        assert_eq!(v["error"]["field"], "contact.handle", "{v}");
    }
    let (_, page) = s.get("/v1/conversations").await;
    assert_eq!(page["items"], json!([]), "a refused message opened a conversation");
}

#[tokio::test]
async fn a_blank_handle_is_422_naming_it() {
    let s = TestServer::start().await;
    for handle in [" ", "\t\n", "\u{3000}"] {
        let (status, v) = post_inbound(&s, msg("sms", handle, "Hi")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "handle {handle:?}: {v}");
        assert_eq!(v["error"]["field"], "contact.handle", "{v}");
    }
}

#[tokio::test]
async fn unknown_extra_fields_are_ignored() {
    let s = TestServer::start().await;
    let mut body = msg("web", "visitor-77", "Hi from the widget");
    body["spam"] = json!({"nested": [1, 2, 3]});
    body["contact"]["favourite_colour"] = json!("teal");
    let (status, v) = post_inbound(&s, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["opened"], true);
    assert_eq!(v["message"]["body"], "Hi from the widget");
}

/// Concurrent requests are written as one batch: messages from one new contact in the
/// same batch must share one new conversation, and repeats of one provider id store
/// one message.
#[tokio::test]
async fn a_burst_from_one_new_contact_opens_one_conversation_and_dedupes() {
    let s = TestServer::start().await;
    let sends = (0..40).map(|i| {
        let pid = format!("burst-{}", i % 10);
        let s = &s;
        async move { s.inbound_on("sms", "+15559990001", &format!("part {}", i % 10), Some(&pid)).await }
    });
    let answers = futures::future::join_all(sends).await;
    let conversations: std::collections::HashSet<&str> =
        answers.iter().filter_map(|a| a["conversation"]["id"].as_str()).collect();
    assert_eq!(conversations.len(), 1, "one conversation for one contact on one channel");
    assert_eq!(answers.iter().filter(|a| a["opened"] == true).count(), 1, "exactly one answer opened it");
    assert_eq!(answers.iter().filter(|a| a["duplicate"] == false).count(), 10, "ten distinct provider ids");
    let id = conversations.into_iter().next().expect("id");
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(c["message_count"], 10, "{c}");
    let (_, thread) = s.get(&format!("/v1/conversations/{id}/messages?limit=100")).await;
    assert_eq!(thread["items"].as_array().map(Vec::len), Some(10));
}

/// Writes `batch` as one batch for the harness's org, as the intake does.
async fn ingest_batch(
    s: &TestServer,
    batch: Vec<frontdesk_server::store::Inbound>,
) -> Vec<frontdesk_server::store::Ingested> {
    let (_, me) = s.get("/v1/me").await;
    let org = frontdesk_domain::OrgId::from(me["org_id"].as_str().expect("org").to_owned());
    s.running
        .state
        .db
        .write(move |w| Box::pin(async move { w.ingest(&org, batch).await }))
        .await
        .expect("batch ingested")
}

/// The same, without leaving batching to timing: one call with a batch holding a new
/// contact twice, a repeated provider id, and a message for an existing conversation.
#[tokio::test]
async fn one_batch_threads_dedupes_and_answers_in_order() {
    use frontdesk_domain::Channel;
    use frontdesk_server::store::Inbound;
    let s = TestServer::start().await;
    let existing = s.conversation("+15559990100").await;
    let msg = |handle: &str, body: &str, pid: &str| Inbound {
        provider_message_id: Some(pid.to_owned()),
        ..Inbound::text(Channel::Sms, handle, body)
    };
    let batch = vec![
        msg("+15559990101", "first", "p1"),
        msg("+15559990101", "second", "p2"),
        msg("+15559990101", "first again", "p1"),
        msg("+15559990100", "follow-up", "p3"),
    ];
    let out = ingest_batch(&s, batch).await;
    assert_eq!(out.len(), 4);
    assert!(out[0].opened && !out[0].duplicate);
    assert!(!out[1].opened && !out[1].duplicate);
    assert_eq!(out[0].conversation.id, out[1].conversation.id);
    assert!(out[2].duplicate, "a repeat inside the batch is a duplicate");
    assert_eq!(out[2].message.id, out[0].message.id, "and answers with the first message");
    assert_eq!(out[3].conversation.id.as_str(), existing, "threads into the live conversation");
    assert_eq!(out[1].conversation.message_count, 2);
    assert_eq!(out[1].conversation.last_message.as_ref().map(|m| m.preview.as_str()), Some("second"));
    let (_, c) = s.get(&format!("/v1/conversations/{existing}")).await;
    assert_eq!(c["message_count"], 2);
}

/// One batch sums up each conversation by what it was: one it opens (two messages
/// received out of order), one already waiting, one an agent answered, one pending
/// and one snoozed. Each is set from the batch's messages, its clock started only
/// where none runs, its status and wake time changed only where they were set.
#[tokio::test]
async fn one_batch_sums_up_each_conversation_by_its_state() {
    use frontdesk_domain::Channel;
    use frontdesk_server::store::Inbound;
    let s = TestServer::start().await;
    let waiting = s.conversation("+15559990201").await;
    let answered = s.conversation("+15559990202").await;
    let (status, _) = s.post(&format!("/v1/conversations/{answered}/messages"), json!({"body": "Done."})).await;
    assert_eq!(status, StatusCode::CREATED);
    let pending = s.conversation("+15559990203").await;
    s.post(&format!("/v1/conversations/{pending}/pending"), json!({})).await;
    let snoozed = s.conversation("+15559990204").await;
    let until = (Timestamp::now() + SignedDuration::from_secs(3600)).to_string();
    s.post(&format!("/v1/conversations/{snoozed}/snooze"), json!({ "until": until })).await;
    let was_waiting = conversation(&s, &waiting).await;
    let was_pending = conversation(&s, &pending).await;

    let now = Timestamp::from_millisecond(Timestamp::now().as_millisecond()).expect("a time");
    let at = |secs_ago: i64| now - SignedDuration::from_secs(secs_ago);
    let msg = |handle: &str, body: &str, received: Timestamp| Inbound {
        received_at: Some(received),
        ..Inbound::text(Channel::Sms, handle, body)
    };
    let batch = vec![
        msg("+15559990205", "newest, first to come", at(10)),
        msg("+15559990205", "oldest, last to come", at(20)),
        // Received now, after what the others hold.
        Inbound::text(Channel::Sms, "+15559990201", "still waiting"),
        Inbound::text(Channel::Sms, "+15559990202", "one more thing"),
        Inbound::text(Channel::Sms, "+15559990203", "any news?"),
        Inbound::text(Channel::Sms, "+15559990204", "hello?"),
    ];
    let out = ingest_batch(&s, batch).await;
    let hour = SignedDuration::from_secs(3600);

    let opened = conversation(&s, out[0].conversation.id.as_str()).await;
    assert!(out[0].opened && !out[1].opened && out[0].conversation.id == out[1].conversation.id);
    assert_eq!(opened["message_count"], 2, "{opened}");
    assert_eq!(opened["unread"], true, "{opened}");
    assert_eq!(opened["status"], "open", "{opened}");
    assert_eq!(opened["last_message"]["preview"], "newest, first to come", "{opened}");
    assert_eq!(ts(&opened["last_message"], "at"), Some(at(10)), "{opened}");
    assert_eq!(ts(&opened, "waiting_since"), Some(at(20)), "the clock starts at the oldest: {opened}");
    assert_eq!(ts(&opened, "sla_due_at"), Some(at(20) + hour), "{opened}");
    assert_eq!(out[0].conversation.message_count, 2, "the answer is the conversation as stored");

    let still = conversation(&s, &waiting).await;
    assert_eq!(still["message_count"], 2, "{still}");
    assert_eq!(still["last_message"]["preview"], "still waiting", "{still}");
    assert_eq!(ts(&still, "waiting_since"), ts(&was_waiting, "waiting_since"), "a running clock moved: {still}");
    assert_eq!(ts(&still, "sla_due_at"), ts(&was_waiting, "sla_due_at"), "a running clock moved: {still}");

    let again = conversation(&s, &answered).await;
    let restarted = ts(&again, "waiting_since").unwrap_or_else(|| panic!("the clock did not restart: {again}"));
    assert!(restarted >= now, "the clock restarts at the message, not before: {again}");
    assert_eq!(ts(&again, "sla_due_at"), Some(restarted + hour), "{again}");
    assert_eq!(again["last_message"]["preview"], "one more thing", "{again}");
    assert_eq!(again["unread"], true, "{again}");

    let reopened = conversation(&s, &pending).await;
    assert_eq!(reopened["status"], "open", "a pending conversation is open again: {reopened}");
    assert_eq!(ts(&reopened, "waiting_since"), ts(&was_pending, "waiting_since"), "{reopened}");
    assert!(ts(&was_pending, "waiting_since").is_some(), "marking it pending stopped its clock: {was_pending}");

    let woken = conversation(&s, &snoozed).await;
    assert_eq!(woken["status"], "open", "{woken}");
    assert_eq!(woken["snoozed_until"], Value::Null, "{woken}");
    assert_eq!(woken["last_message"]["preview"], "hello?", "{woken}");
}
