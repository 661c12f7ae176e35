//! Conversations, messages, views, SLA and bulk over HTTP.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{TestServer, code};

pub(crate) fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn list_returns_latest_activity_first_and_get_returns_one() {
    let s = TestServer::start().await;
    let first = s.conversation("+15550000001").await;
    let second = s.conversation("+15550000002").await;
    let (status, page) = s.get("/v1/conversations").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&page), vec![second.clone(), first.clone()]);
    let (status, one) = s.get(&format!("/v1/conversations/{first}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["id"], first.as_str());
    assert_eq!(one["contact"]["handle"], "+15550000001");
    assert_eq!(one["channel"], "sms");
    assert_eq!(one["status"], "open");
    assert_eq!(one["unread"], true);
    assert_eq!(one["message_count"], 1);
    let (status, missing) = s.get("/v1/conversations/cnv_nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&missing), "NOT_FOUND");
}

#[tokio::test]
async fn pagination_neither_skips_nor_repeats_under_concurrent_inserts() {
    let s = TestServer::start().await;
    let mut created = HashSet::new();
    for i in 0..45 {
        created.insert(s.conversation(&format!("+1555100{i:04}")).await);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/conversations?limit=10&cursor={c}"),
            None => "/v1/conversations?limit=10".to_owned(),
        };
        let (status, page) = s.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(ids(&page));
        pages += 1;
        // New conversations arrive while the walk goes on.
        for j in 0..3 {
            s.conversation(&format!("+1555200{pages:02}{j}")).await;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 20, "pagination does not end");
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a conversation was repeated");
    for id in &created {
        assert!(unique.contains(id), "conversation {id} was skipped");
    }
}

/// Every page from the top, 10 at a time.
async fn walk_down(s: &TestServer, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/conversations?limit=10{query}&cursor={c}"),
            None => format!("/v1/conversations?limit=10{query}"),
        };
        let (status, page) = s.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn from_end_gives_the_last_page_and_prev_cursors_climb_to_the_top() {
    let s = TestServer::start().await;
    for i in 0..25 {
        s.conversation(&format!("+1555700{i:04}")).await;
    }
    let down = walk_down(&s, "").await;
    assert_eq!(down.len(), 25);

    let (status, last) = s.get("/v1/conversations?limit=10&from=end").await;
    assert_eq!(status, StatusCode::OK, "{last}");
    assert_eq!(ids(&last), down[15..], "the last page, in the list's own order");
    assert!(last.get("next_cursor").is_none(), "nothing below the end");
    let mut up = ids(&last);
    let mut prev = last["prev_cursor"].as_str().map(str::to_owned);
    let mut pages = 1;
    while let Some(c) = prev {
        let (status, page) = s.get(&format!("/v1/conversations?limit=10&cursor={c}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page["next_cursor"].is_string(), "a page above has rows below it");
        up.splice(0..0, ids(&page));
        prev = page["prev_cursor"].as_str().map(str::to_owned);
        pages += 1;
        assert!(pages < 10, "climbing does not end");
    }
    assert_eq!(up, down, "read up from the end, the same list");
    assert_eq!(pages, 3);

    // Down from the top, the second page leads back to the first.
    let (_, first) = s.get("/v1/conversations?limit=10").await;
    assert!(first.get("prev_cursor").is_none(), "nothing above the top");
    let next = first["next_cursor"].as_str().expect("a second page");
    let (_, second) = s.get(&format!("/v1/conversations?limit=10&cursor={next}")).await;
    assert_eq!(ids(&second), down[10..20]);
    let prev = second["prev_cursor"].as_str().expect("the page above");
    let (_, again) = s.get(&format!("/v1/conversations?limit=10&cursor={prev}")).await;
    assert_eq!(ids(&again), down[..10]);
    assert!(again.get("prev_cursor").is_none());

    // A view's end is the view's: a filter narrows it as from the top.
    let closed = &down[3];
    s.post(&format!("/v1/conversations/{closed}/close"), json!({})).await;
    let open = walk_down(&s, "&status=open").await;
    let (_, end) = s.get("/v1/conversations?limit=10&status=open&from=end").await;
    assert_eq!(ids(&end), open[open.len() - 10..]);
}

#[tokio::test]
async fn from_end_refuses_what_it_cannot_start_from() {
    let s = TestServer::start().await;
    s.conversation("+15557100001").await;
    for query in ["from=end&sort=urgency", "from=end&updated_since=2026-01-01T00:00:00Z", "from=sideways"] {
        let (status, err) = s.get(&format!("/v1/conversations?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {err}");
        assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("from")), "{query}: {err}");
    }
    s.conversation("+15557100002").await;
    let (_, page) = s.get("/v1/conversations?limit=1").await;
    let next = page["next_cursor"].as_str().expect("a next page");
    let (status, err) = s.get(&format!("/v1/conversations?from=end&cursor={next}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
}

#[tokio::test]
async fn limit_is_capped_and_bad_cursor_is_refused() {
    let s = TestServer::start().await;
    for i in 0..3 {
        s.conversation(&format!("+155530000{i}")).await;
    }
    let (status, page) = s.get("/v1/conversations?limit=1000").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&page).len(), 3);
    let (status, err) = s.get("/v1/conversations?cursor=not-a-cursor").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&err), "INVALID_CURSOR");
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let s = TestServer::start().await;
    let a = s.conversation("+15554000001").await;
    let b = s.inbound_on("email", "kim@example.com", "Where is my refund?", None).await["conversation"]["id"]
        .as_str()
        .map(str::to_owned)
        .expect("id");
    let c = s.conversation("+15554000003").await;
    s.post(&format!("/v1/conversations/{a}/star"), json!({})).await;
    s.put(&format!("/v1/conversations/{b}/tags"), json!({"tags": ["Refund", "vip"]})).await;
    s.post(&format!("/v1/conversations/{c}/close"), json!({})).await;

    let (_, starred) = s.get("/v1/conversations?view=starred").await;
    assert_eq!(ids(&starred), vec![a.clone()]);
    let (_, tagged) = s.get("/v1/conversations?tag=refund").await;
    assert_eq!(ids(&tagged), vec![b.clone()]);
    let (_, email) = s.get("/v1/conversations?channel=email").await;
    assert_eq!(ids(&email), vec![b.clone()]);
    let (_, closed) = s.get("/v1/conversations?status=closed").await;
    assert_eq!(ids(&closed), vec![c.clone()]);
    let (_, open) = s.get("/v1/conversations?status=open,pending").await;
    assert_eq!(ids(&open).len(), 2);
    let (_, found) = s.get("/v1/conversations?q=refund").await;
    assert_eq!(ids(&found), vec![b.clone()], "full text finds the message body");
    let (_, by_name) = s.get("/v1/conversations?q=kim@example.com").await;
    assert_eq!(ids(&by_name), vec![b.clone()], "full text finds the contact handle");
    let (status, bad) = s.get("/v1/conversations?status=bogus").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["error"]["field"], "status");
}

#[tokio::test]
async fn scope_mine_and_team_follow_the_caller() {
    let s = TestServer::start().await;
    let a = s.conversation("+15554100001").await;
    let b = s.conversation("+15554100002").await;
    let (_, me) = s.call_as(Some(&s.key2), Method::GET, "/v1/me", None).await;
    let bo = me["agent"]["id"].as_str().expect("agent id").to_owned();
    s.post(&format!("/v1/conversations/{a}/assign"), json!({"agent_id": bo})).await;
    let (_, mine_for_bo) = s.call_as(Some(&s.key2), Method::GET, "/v1/conversations?scope=mine", None).await;
    assert_eq!(ids(&mine_for_bo), vec![a.clone()]);
    let (_, mine_for_ada) = s.get("/v1/conversations?view=mine").await;
    assert!(ids(&mine_for_ada).is_empty());
    // Bo is on the billing team, so his assignment is the team's.
    let (_, team) = s.call_as(Some(&s.key2), Method::GET, "/v1/conversations?scope=team", None).await;
    assert_eq!(ids(&team), vec![a.clone()]);
    let (_, unassigned) = s.get("/v1/conversations?assignee=unassigned").await;
    assert_eq!(ids(&unassigned), vec![b]);
}

#[tokio::test]
async fn updated_since_is_a_change_feed() {
    let s = TestServer::start().await;
    let a = s.conversation("+15554200001").await;
    let _b = s.conversation("+15554200002").await;
    let (_, one) = s.get(&format!("/v1/conversations/{a}")).await;
    let mark = one["updated_at"].as_str().expect("updated_at").to_owned();
    let (_, before) = s.get(&format!("/v1/conversations?updated_since={mark}")).await;
    assert!(!ids(&before).contains(&a), "not changed since its own mark");
    s.post(&format!("/v1/conversations/{a}/star"), json!({})).await;
    let (_, after) = s.get(&format!("/v1/conversations?updated_since={mark}")).await;
    assert!(ids(&after).contains(&a), "changed after the mark: {after}");
}

#[tokio::test]
async fn every_action_changes_state_and_leaves_event_lines() {
    let s = TestServer::start().await;
    let id = s.conversation("+15554300001").await;
    let p = |a: &str| format!("/v1/conversations/{id}/{a}");
    let (_, c) = s.post(&p("star"), json!({})).await;
    assert_eq!(c["starred"], true);
    let (_, c) = s.post(&p("unstar"), json!({})).await;
    assert_eq!(c["starred"], false);
    let (_, c) = s.post(&p("read"), json!({})).await;
    assert_eq!(c["unread"], false);
    let (_, c) = s.post(&p("unread"), json!({})).await;
    assert_eq!(c["unread"], true);
    let (_, c) = s.post(&p("pending"), json!({})).await;
    assert_eq!(c["status"], "pending");
    let (_, c) = s.post(&p("close"), json!({})).await;
    assert_eq!(c["status"], "closed");
    let (_, c) = s.post(&p("reopen"), json!({})).await;
    assert_eq!(c["status"], "open");
    let (_, c) = s.put(&p("priority"), json!({"priority": "urgent"})).await;
    assert_eq!(c["priority"], "urgent");
    let (_, c) = s.put(&p("tags"), json!({"tags": ["  Billing ", "billing", "VIP"]})).await;
    assert_eq!(c["tags"], json!(["billing", "vip"]));
    let (_, me) = s.call_as(Some(&s.key2), Method::GET, "/v1/me", None).await;
    let (_, c) = s.post(&p("assign"), json!({"agent_id": me["agent"]["id"]})).await;
    assert_eq!(c["assignee"]["name"], "Bo Agent");
    assert_eq!(c["team"], "billing", "the agent's team comes along");
    let (_, c) = s.post(&p("unassign"), json!({})).await;
    assert!(c.get("assignee").is_none(), "{c}");
    let (_, c) = s.post(&p("archive"), json!({})).await;
    assert_eq!(c["archived"], true);
    let (_, all) = s.get("/v1/conversations").await;
    assert!(!ids(&all).contains(&id), "archived conversations leave the views");
    let (_, archived) = s.get("/v1/conversations?archived=true").await;
    assert_eq!(ids(&archived), vec![id.clone()]);
    let (_, c) = s.post(&p("unarchive"), json!({})).await;
    assert_eq!(c["archived"], false);

    let (_, thread) = s.get(&format!("/v1/conversations/{id}/messages?limit=100")).await;
    let lines = super::support::event_lines(&thread);
    for expected in [
        "Marked pending",
        "Closed",
        "Reopened",
        "Priority set to urgent",
        "Assigned to Bo Agent",
        "Unassigned from Bo Agent",
        "Archived",
        "Unarchived",
    ] {
        assert!(lines.contains(&expected), "missing event line {expected:?} in {lines:?}");
    }
    let (status, err) = s.post(&p("assign"), json!({"agent_id": "agt_nobody"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&err), "NOT_FOUND");
}

#[tokio::test]
async fn replies_and_notes_thread_in_order_and_page_both_ways() {
    let s = TestServer::start().await;
    let id = s.conversation("+15554400001").await;
    for i in 0..5 {
        let (status, m) =
            s.post(&format!("/v1/conversations/{id}/messages"), json!({"body": format!("reply {i}")})).await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        assert_eq!(m["direction"], "outbound");
        assert_eq!(m["author"]["kind"], "agent");
    }
    let (status, note) =
        s.post(&format!("/v1/conversations/{id}/messages"), json!({"kind": "note", "body": "@bo check Stripe"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(note["kind"], "note");
    let (_, first) = s.get(&format!("/v1/conversations/{id}/messages?limit=4")).await;
    let bodies: Vec<&str> =
        first["items"].as_array().expect("items").iter().filter_map(|m| m["body"].as_str()).collect();
    assert_eq!(bodies, vec!["Hello, I need help with my order #4821", "reply 0", "reply 1", "reply 2"]);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let (_, second) = s.get(&format!("/v1/conversations/{id}/messages?limit=4&cursor={cursor}")).await;
    let bodies: Vec<&str> =
        second["items"].as_array().expect("items").iter().filter_map(|m| m["body"].as_str()).collect();
    assert_eq!(bodies, vec!["reply 3", "reply 4", "@bo check Stripe"]);
    assert!(second.get("next_cursor").is_none());
    let (_, newest) = s.get(&format!("/v1/conversations/{id}/messages?limit=2&order=desc")).await;
    let bodies: Vec<&str> =
        newest["items"].as_array().expect("items").iter().filter_map(|m| m["body"].as_str()).collect();
    assert_eq!(bodies, vec!["@bo check Stripe", "reply 4"]);
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(c["last_message"]["preview"], "reply 4", "a note does not replace the customer-facing preview");
    assert_eq!(c["message_count"], 7);
    let (status, err) = s.post(&format!("/v1/conversations/{id}/messages"), json!({"body": "   "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["field"], "body");
}

async fn send_with_key(s: &TestServer, id: &str, key: &str, body: &str) -> (StatusCode, Value, bool) {
    let resp = s
        .client
        .post(s.path(&format!("/v1/conversations/{id}/messages")))
        .bearer_auth(&s.key)
        .header("Idempotency-Key", key)
        .json(&json!({"body": body}))
        .send()
        .await
        .expect("sent");
    let status = resp.status();
    let replayed = resp.headers().get("idempotent-replayed").is_some();
    (status, resp.json().await.expect("json"), replayed)
}

#[tokio::test]
async fn the_same_idempotency_key_sends_one_message() {
    let s = TestServer::start().await;
    let id = s.conversation("+15554500001").await;
    let (s1, m1, r1) = send_with_key(&s, &id, "key-1", "Refund issued").await;
    let (s2, m2, r2) = send_with_key(&s, &id, "key-1", "Refund issued").await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert!(!r1 && r2, "the second answer is a replay");
    assert_eq!(m1["id"], m2["id"], "the replay returns the first message");
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(c["message_count"], 2, "one inbound, one reply: {c}");
    let (status, err, _) = send_with_key(&s, &id, "key-1", "A different text").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&err), "IDEMPOTENCY_KEY_REUSED");
    // Concurrent retries of one key: still one message.
    let futures: Vec<_> = (0..8).map(|_| send_with_key(&s, &id, "key-2", "Concurrent")).collect();
    let results = futures::future::join_all(futures).await;
    let first_id = &results[0].1["id"];
    assert!(results.iter().all(|(st, m, _)| *st == StatusCode::CREATED && &m["id"] == first_id));
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(c["message_count"], 3);
}

#[tokio::test]
async fn views_are_built_in_and_saved_with_counts() {
    let s = TestServer::start().await;
    let a = s.conversation("+15554600001").await;
    s.conversation("+15554600002").await;
    s.post(&format!("/v1/conversations/{a}/star"), json!({})).await;
    let (status, views) = s.get("/v1/views").await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = views.as_array().expect("views").iter().filter_map(|v| v["name"].as_str()).collect();
    assert_eq!(names, vec!["Unread", "Starred", "Mine", "All", "Overdue"]);
    let count = |views: &Value, id: &str| {
        views.as_array().and_then(|a| a.iter().find(|v| v["id"] == id)).map(|v| v["count"].clone())
    };
    assert_eq!(count(&views, "unread"), Some(json!(2)));
    assert_eq!(count(&views, "starred"), Some(json!(1)));
    assert_eq!(count(&views, "all"), Some(json!(2)));

    let (status, saved) =
        s.post("/v1/views", json!({"name": "VIP sms", "filter": {"channels": ["sms"], "tags": ["vip"]}})).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let vid = saved["id"].as_str().expect("view id").to_owned();
    s.put(&format!("/v1/conversations/{a}/tags"), json!({"tags": ["vip"]})).await;
    let (_, listed) = s.get(&format!("/v1/conversations?view={vid}")).await;
    assert_eq!(ids(&listed), vec![a.clone()]);
    let (_, counts) = s.get("/v1/views/counts").await;
    let saved_count =
        counts.as_array().and_then(|a| a.iter().find(|c| c["view_id"] == vid.as_str())).map(|c| c["count"].clone());
    assert_eq!(saved_count, Some(json!(1)));

    let (status, renamed) =
        s.call_as(Some(&s.key), Method::PATCH, &format!("/v1/views/{vid}"), Some(json!({"name": "VIPs"}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["name"], "VIPs");
    let (status, err) = s.call_as(Some(&s.key), Method::DELETE, "/v1/views/unread", None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&err), "BUILTIN_VIEW");
    let (status, _) = s.call_as(Some(&s.key), Method::DELETE, &format!("/v1/views/{vid}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = s.get(&format!("/v1/conversations?view={vid}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, err) = s.post("/v1/views", json!({"name": "All"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
}

/// Counts are kept between changes (counting reads the whole org), and every kind of
/// change is in the next answer at once: a new conversation, a star, a view made,
/// its filter changed, the view gone.
#[tokio::test]
async fn counts_kept_between_changes_follow_every_change_at_once() {
    let s = TestServer::start().await;
    let count = |views: &Value, id: &str| {
        views.as_array().and_then(|a| a.iter().find(|v| v["id"] == id)).and_then(|v| v["count"].as_u64())
    };
    s.conversation("+15554650001").await;
    let (_, views) = s.get("/v1/views").await;
    assert_eq!((count(&views, "all"), count(&views, "starred")), (Some(1), Some(0)));
    // Asked again with nothing changed: the same.
    let (_, again) = s.get("/v1/views").await;
    assert_eq!(again, views);
    let b = s.conversation("+15554650002").await;
    let (_, views) = s.get("/v1/views").await;
    assert_eq!(count(&views, "all"), Some(2), "a new conversation: {views}");
    s.post(&format!("/v1/conversations/{b}/star"), json!({})).await;
    let (_, counts) = s.get("/v1/views/counts").await;
    let starred =
        counts.as_array().and_then(|a| a.iter().find(|c| c["view_id"] == "starred")).map(|c| c["count"].clone());
    assert_eq!(starred, Some(json!(1)), "a star: {counts}");
    let (_, made) = s.post("/v1/views", json!({"name": "Email", "filter": {"channels": ["email"]}})).await;
    let vid = made["id"].as_str().expect("view id").to_owned();
    let (_, views) = s.get("/v1/views").await;
    assert_eq!(count(&views, &vid), Some(0), "a view made: {views}");
    let (status, _) = s
        .call_as(
            Some(&s.key),
            Method::PATCH,
            &format!("/v1/views/{vid}"),
            Some(json!({"filter": {"channels": ["sms"]}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, views) = s.get("/v1/views").await;
    assert_eq!(count(&views, &vid), Some(2), "its filter changed: {views}");
    let (status, _) = s.call_as(Some(&s.key), Method::DELETE, &format!("/v1/views/{vid}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, counts) = s.get("/v1/views/counts").await;
    assert!(counts.as_array().is_some_and(|a| a.iter().all(|c| c["view_id"] != vid.as_str())), "gone: {counts}");
}

#[tokio::test]
async fn sla_marks_waiting_conversations_overdue() {
    let s = TestServer::start().await;
    let id = s.conversation("+15554700001").await;
    let (_, sla) = s.get("/v1/sla").await;
    assert_eq!(sla["first_response_secs"], 3600);
    assert_eq!(sla["overdue"], 0);
    // A one-minute target; the customer wrote a moment ago, so nothing is overdue yet.
    let (status, sla) = s.put("/v1/sla", json!({"first_response_secs": 60})).await;
    assert_eq!(status, StatusCode::OK, "{sla}");
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    let waiting = c["waiting_since"].as_str().expect("waiting").parse::<jiff::Timestamp>().expect("time");
    let due = c["sla_due_at"].as_str().expect("due").parse::<jiff::Timestamp>().expect("time");
    assert_eq!(due.duration_since(waiting).as_secs(), 60, "the running clock moved with the target");
    // An inbound message with a receive time long past is overdue at once.
    let (status, v) = s
        .post(
            "/v1/inbound",
            json!({"channel": "email", "contact": {"handle": "late@example.com"}, "body": "Hello?",
                   "received_at": jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_mins(10)).expect("time").to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let late = v["conversation"]["id"].as_str().expect("id").to_owned();
    let (_, overdue) = s.get("/v1/conversations?view=overdue").await;
    assert_eq!(ids(&overdue), vec![late.clone()]);
    let (_, sla) = s.get("/v1/sla").await;
    assert_eq!(sla["overdue"], 1);
    // Answering stops the clock.
    s.post(&format!("/v1/conversations/{late}/messages"), json!({"body": "Sorry for the wait!"})).await;
    let (_, overdue) = s.get("/v1/conversations?view=overdue").await;
    assert!(ids(&overdue).is_empty());
    // Only admins may change the target.
    let (status, err) =
        s.call_as(Some(&s.key2), Method::PUT, "/v1/sla", Some(json!({"first_response_secs": 120}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&err), "FORBIDDEN");
}

#[tokio::test]
async fn bulk_applies_per_id_and_reports_each() {
    let s = TestServer::start().await;
    let a = s.conversation("+15554800001").await;
    let b = s.conversation("+15554800002").await;
    let (status, result) =
        s.post("/v1/conversations/bulk", json!({"ids": [a, "cnv_missing", b], "action": {"type": "close"}})).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    let results = result["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["ok"], true);
    assert_eq!(results[0]["conversation"]["status"], "closed");
    assert_eq!(results[1]["ok"], false);
    assert_eq!(results[1]["error"]["code"], "NOT_FOUND");
    assert_eq!(results[2]["ok"], true);
    let (_, closed) = s.get("/v1/conversations?status=closed").await;
    assert_eq!(ids(&closed).len(), 2);
    let (status, err) = s.post("/v1/conversations/bulk", json!({"ids": [], "action": {"type": "star"}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["field"], "ids");
    let (status, err) = s.post("/v1/conversations/bulk", json!({"ids": ["x"], "action": {"type": "explode"}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
}

#[tokio::test]
async fn me_and_agents_describe_the_team() {
    let s = TestServer::start().await;
    let (status, me) = s.get("/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["agent"]["email"], "ada@a.test");
    assert_eq!(me["agent"]["role"], "admin");
    assert_eq!(me["org_name"], "Org A");
    let (_, agents) = s.get("/v1/agents").await;
    let names: Vec<&str> = agents.as_array().expect("agents").iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, vec!["Ada Admin", "Bo Agent"], "only this org's agents");
}

/// `SQLite` is one process per file (a second would number events from the same
/// counter); PostgreSQL is made for several instances, which serve the same data.
#[tokio::test]
async fn a_second_server_on_the_same_database() {
    let s = TestServer::start().await;
    let second = frontdesk_server::start(&super::support::config().server, &s.db_url, "127.0.0.1:0").await;
    if s.engine() == "sqlite" {
        let err = second.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("another frontdesk server is using"), "{err}");
    } else {
        let second = second.expect("a second instance starts on the same database");
        let me: Value = s
            .client
            .get(format!("{}/v1/me", second.url()))
            .bearer_auth(&s.key)
            .send()
            .await
            .expect("asked the second instance")
            .json()
            .await
            .expect("json");
        assert_eq!(me["org_name"], "Org A", "the second instance knows the key and the org");
        second.stop().await;
    }
    // The first one is unaffected.
    let (status, _) = s.get("/v1/me").await;
    assert_eq!(status, StatusCode::OK);
}
