//! Snoozing: a snoozed conversation leaves the open queue until its time (the
//! scheduler wakes it) or until the customer writes; reopen and close clear it.

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::events::{self, WAIT};
use super::support::{TestServer, code};

/// A time `secs` from now, to the millisecond (what the server stores).
fn in_secs(secs: i64) -> Timestamp {
    let t = Timestamp::now() + SignedDuration::from_secs(secs);
    Timestamp::from_millisecond(t.as_millisecond()).unwrap_or_else(|e| panic!("{t} to the millisecond: {e}"))
}

fn ts(v: &Value, field: &str) -> Option<Timestamp> {
    v[field].as_str().map(|s| s.parse().unwrap_or_else(|e| panic!("{field} {s:?} is not a timestamp: {e}")))
}

async fn conversation(s: &TestServer, id: &str) -> Value {
    let (status, v) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(status, StatusCode::OK, "GET conversation {id}: {v}");
    v
}

/// The thread as (kind, body) pairs, oldest first.
async fn thread(s: &TestServer, id: &str) -> Vec<(String, String)> {
    let (status, page) = s.get(&format!("/v1/conversations/{id}/messages?limit=100")).await;
    assert_eq!(status, StatusCode::OK, "GET messages of {id}: {page}");
    items(&page)
        .iter()
        .map(|m| (m["kind"].as_str().unwrap_or("").to_owned(), m["body"].as_str().unwrap_or("").to_owned()))
        .collect()
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().unwrap_or_else(|| panic!("not a page: {page}"))
}

fn event_lines(thread: &[(String, String)]) -> Vec<&str> {
    thread.iter().filter(|(k, _)| k == "event").map(|(_, b)| b.as_str()).collect()
}

async fn listed(s: &TestServer, query: &str) -> Vec<String> {
    let (status, page) = s.get(&format!("/v1/conversations?{query}")).await;
    assert_eq!(status, StatusCode::OK, "GET /v1/conversations?{query}: {page}");
    items(&page).iter().map(|c| c["id"].as_str().unwrap_or_else(|| panic!("no id in {c}")).to_owned()).collect()
}

/// The answer's body, after checking it succeeded.
fn ok((status, v): (StatusCode, Value)) -> Value {
    assert!(status.is_success(), "{status} {v}");
    v
}

async fn snooze(s: &TestServer, id: &str, until: Timestamp) -> (StatusCode, Value) {
    s.post(&format!("/v1/conversations/{id}/snooze"), json!({"until": until.to_string()})).await
}

#[tokio::test]
async fn snooze_sets_status_and_until_and_leaves_the_open_list() {
    let s = TestServer::start().await;
    let c = s.conversation("+15552220001").await;
    let until = in_secs(3600);
    let (status, v) = snooze(&s, &c, until).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "snoozed");
    assert_eq!(ts(&v, "snoozed_until"), Some(until), "{v}");
    let got = conversation(&s, &c).await;
    assert_eq!(got["status"], "snoozed");
    assert_eq!(ts(&got, "snoozed_until"), Some(until));
    assert!(
        event_lines(&thread(&s, &c).await).iter().any(|l| l.starts_with("Snoozed until")),
        "no 'Snoozed until' line"
    );

    assert!(!listed(&s, "status=open").await.contains(&c), "a snoozed conversation is listed as open");
    assert!(listed(&s, "status=snoozed").await.contains(&c));
    // A snoozed conversation is out of the working views (Unread, Mine, Overdue) until
    // it wakes; All keeps everything not archived.
    assert!(!listed(&s, "view=unread").await.contains(&c), "a snoozed conversation is hidden from Unread");
    assert!(listed(&s, "view=all").await.contains(&c));
    assert!(!listed(&s, "view=overdue").await.contains(&c));
    assert!(!listed(&s, "view=mine").await.contains(&c), "nobody was assigned");
}

#[tokio::test]
async fn snooze_ends_by_itself_when_its_time_comes() {
    let s = TestServer::start().await;
    let c = s.conversation("+15552220002").await;
    ok(s.post(&format!("/v1/conversations/{c}/read"), json!({})).await);
    let mut stream = events::open(&s, &s.key, None, "").await;
    stream.ready().await;

    let until = in_secs(3);
    let (status, v) = snooze(&s, &c, until).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "snoozed");

    // Poll until the scheduler reopens it.
    let deadline = Instant::now() + WAIT;
    let woken = loop {
        let got = conversation(&s, &c).await;
        if got["status"] != "snoozed" {
            break got;
        }
        assert!(Instant::now() < deadline, "still snoozed {WAIT:?} after it was due (until {until})");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(Timestamp::now() >= until, "woken before its time ({until})");
    assert_eq!(woken["status"], "open", "{woken}");
    assert_eq!(woken["snoozed_until"], Value::Null, "snoozed_until outlived the snooze: {woken}");
    assert_eq!(woken["unread"], true, "a woken conversation comes back unread");
    assert!(listed(&s, "status=open").await.contains(&c));
    let lines = thread(&s, &c).await;
    assert!(event_lines(&lines).iter().any(|l| l.starts_with("Snooze ended")), "no 'Snooze ended' line: {lines:?}");

    let e = stream
        .until("conversation_updated showing it open", |e| {
            e.name == "conversation_updated" && e.conversation_id().as_deref() == Some(c.as_str()) && {
                let frontdesk_domain::EventKind::ConversationUpdated(conv) = e.event().kind else { return false };
                conv.status == frontdesk_domain::Status::Open && conv.snoozed_until.is_none()
            }
        })
        .await;
    assert!(e.id.is_some(), "the wake's conversation_updated has no id");
}

#[tokio::test]
async fn snooze_in_the_past_is_422_on_until() {
    let s = TestServer::start().await;
    let c = s.conversation("+15552220003").await;
    for until in [in_secs(-60), in_secs(0)] {
        let (status, v) = snooze(&s, &c, until).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "until {until}: {v}");
        assert_eq!(code(&v), "VALIDATION_ERROR", "{v}");
        assert_eq!(v["error"]["field"], "until", "{v}");
    }
    let (status, v) = s.post(&format!("/v1/conversations/{c}/snooze"), json!({"until": "tomorrow"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "until", "{v}");

    let got = conversation(&s, &c).await;
    assert_eq!(got["status"], "open", "a refused snooze changed the conversation: {got}");
    assert_eq!(got["snoozed_until"], Value::Null);
    assert!(event_lines(&thread(&s, &c).await).is_empty(), "a refused snooze left an event line");
}

#[tokio::test]
async fn inbound_wakes_a_snoozed_conversation_at_once() {
    let s = TestServer::start().await;
    let c = s.conversation("+15552220004").await;
    ok(snooze(&s, &c, in_secs(3600)).await);

    let v = s.inbound("+15552220004", "Any news?").await;
    assert_eq!(v["opened"], false, "{v}");
    assert_eq!(v["conversation"]["id"], c.as_str(), "the message did not thread into the snoozed conversation");
    assert_eq!(v["conversation"]["status"], "open", "{v}");
    assert_eq!(v["conversation"]["snoozed_until"], Value::Null, "{v}");

    let got = conversation(&s, &c).await;
    assert_eq!(got["status"], "open");
    assert_eq!(got["snoozed_until"], Value::Null);
    let lines = thread(&s, &c).await;
    let woken = lines
        .iter()
        .position(|(k, b)| k == "event" && b.starts_with("Woken from snooze"))
        .unwrap_or_else(|| panic!("no 'Woken from snooze' line: {lines:?}"));
    let message = lines.iter().position(|(k, b)| k == "reply" && b == "Any news?").expect("the inbound message");
    assert!(message < woken, "the wake line comes before the message that woke it: {lines:?}");
}

#[tokio::test]
async fn reopen_clears_the_snooze() {
    let s = TestServer::start().await;
    let c = s.conversation("+15552220005").await;
    ok(snooze(&s, &c, in_secs(3600)).await);
    let v = ok(s.post(&format!("/v1/conversations/{c}/reopen"), json!({})).await);
    assert_eq!(v["status"], "open", "{v}");
    assert_eq!(v["snoozed_until"], Value::Null, "{v}");
    let got = conversation(&s, &c).await;
    assert_eq!(got["status"], "open");
    assert_eq!(got["snoozed_until"], Value::Null);
    assert!(!listed(&s, "status=snoozed").await.contains(&c));
    let lines = thread(&s, &c).await;
    assert_eq!(event_lines(&lines).last().copied(), Some("Reopened"), "{lines:?}");
}

#[tokio::test]
async fn close_clears_the_snooze() {
    let s = TestServer::start().await;
    let c = s.conversation("+15552220006").await;
    ok(snooze(&s, &c, in_secs(3600)).await);
    let v = ok(s.post(&format!("/v1/conversations/{c}/close"), json!({})).await);
    assert_eq!(v["status"], "closed", "{v}");
    assert_eq!(v["snoozed_until"], Value::Null, "{v}");
}

#[tokio::test]
async fn close_and_reopen_leave_event_lines_once() {
    let s = TestServer::start().await;
    let c = s.conversation("+15552220007").await;
    ok(s.post(&format!("/v1/conversations/{c}/close"), json!({})).await);
    // Closing what is closed changes nothing, so it says nothing.
    ok(s.post(&format!("/v1/conversations/{c}/close"), json!({})).await);
    assert_eq!(conversation(&s, &c).await["status"], "closed");
    ok(s.post(&format!("/v1/conversations/{c}/reopen"), json!({})).await);
    assert_eq!(conversation(&s, &c).await["status"], "open");

    let (status, page) = s.get(&format!("/v1/conversations/{c}/messages")).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&Value> = items(&page).iter().filter(|m| m["kind"] == "event").collect();
    let bodies: Vec<&str> = lines.iter().map(|m| m["body"].as_str().unwrap_or("")).collect();
    assert_eq!(bodies, ["Closed", "Reopened"]);
    for line in lines {
        assert_eq!(line["author"]["kind"], "agent", "{line}");
        assert_eq!(line["author"]["name"], "Ada Admin", "{line}");
    }
}
