//! Iron's conversation list followed to the end, against a wiremock Iron that pages
//! the way a server would (rows sliced by what each request asks): by the server's
//! `cursor`, and by `limit`/`offset`, with each way of saying where the list ends.
//! Every row must come once, in order, and the walk must stop.
//!
//! Paging is not published (`vendors/NOTES.md`): the envelopes (`conversations` or
//! `items`, `next_cursor`, `has_more`, `total`) are ASSUMPTIONS, the ones the
//! adapter reads. The timeline is read in one answer (the adapter does not page
//! it): a cursor in that answer must not break the reading.

use std::future::Future;
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use frontdesk_domain::ConversationId;
use frontdesk_provider::{ListQuery, Provider};
use frontdesk_provider_crm::CrmProvider;

use crate::crm::{C1, conv, conv_path, setup};

const LIST: &str = "/api/v1/conversations";

async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f).await.expect("no answer in 20 s (hang guard)")
}

fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("c{i}")).collect()
}

fn param(r: &Request, key: &str) -> Option<String> {
    r.url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// How an offset-paging Iron says where the list ends.
#[derive(Clone, Copy, Debug)]
enum OffsetEnd {
    /// A bare array: a short or empty page is the end.
    Nothing,
    /// `{items, total}`.
    Total,
    /// `{items, has_more}`.
    HasMore,
}

/// An Iron with `rows` conversations, paged by `limit`/`offset`, never more than
/// `cap` a page whatever was asked (servers cap below what a client asks).
struct ByOffset {
    rows: usize,
    cap: usize,
    end: OffsetEnd,
}

impl Respond for ByOffset {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let offset: usize = param(r, "offset").and_then(|o| o.parse().ok()).unwrap_or(0);
        let limit: usize = param(r, "limit").and_then(|l| l.parse().ok()).unwrap_or(25);
        let page: Vec<Value> = ids(self.rows).iter().skip(offset).take(limit.min(self.cap)).map(|i| conv(i)).collect();
        let more = offset + page.len() < self.rows;
        ResponseTemplate::new(200).set_body_json(match self.end {
            OffsetEnd::Nothing => json!(page),
            OffsetEnd::Total => json!({ "items": page, "total": self.rows }),
            OffsetEnd::HasMore => json!({ "items": page, "has_more": more }),
        })
    }
}

/// How a cursor-paging Iron says the last page is the last.
#[derive(Clone, Copy, Debug)]
enum CursorEnd {
    Null,
    Missing,
    EmptyString,
    /// A cursor after the last row, as keyset paging hands out, with
    /// `has_more: false` beside it (every page says `has_more`).
    HasMoreFalse,
    /// The cursor it was asked with, handed back.
    Echo,
    /// A cursor after the last row, then an empty page with another cursor.
    TrailingEmpty,
}

/// A cursor as opaque as a server's: base64 with the characters a query string
/// must escape.
fn cursor_after(n: usize) -> String {
    format!("eyJhZnRlciI6{n}+/==")
}

fn after_of(cursor: &str) -> Option<usize> {
    cursor.strip_prefix("eyJhZnRlciI6")?.strip_suffix("+/==")?.parse().ok()
}

/// An Iron with `rows` conversations, `per_page` a page, by `cursor`.
struct ByCursor {
    rows: usize,
    per_page: usize,
    end: CursorEnd,
}

impl Respond for ByCursor {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let start = match param(r, "cursor") {
            None => 0,
            Some(c) => match after_of(&c) {
                Some(n) => n,
                None => return ResponseTemplate::new(400).set_body_json(json!({ "detail": "Invalid cursor" })),
            },
        };
        let page: Vec<Value> = ids(self.rows).iter().skip(start).take(self.per_page).map(|i| conv(i)).collect();
        let next = start + page.len();
        let mut body = json!({ "conversations": page });
        if next < self.rows {
            body["next_cursor"] = json!(cursor_after(next));
            if matches!(self.end, CursorEnd::HasMoreFalse) {
                body["has_more"] = json!(true);
            }
            return ResponseTemplate::new(200).set_body_json(body);
        }
        match self.end {
            CursorEnd::Null => body["next_cursor"] = Value::Null,
            CursorEnd::Missing => {}
            CursorEnd::EmptyString => body["next_cursor"] = json!(""),
            CursorEnd::HasMoreFalse => {
                body["next_cursor"] = json!(cursor_after(next));
                body["has_more"] = json!(false);
            }
            CursorEnd::Echo => body["next_cursor"] = json!(param(r, "cursor")),
            CursorEnd::TrailingEmpty if start < self.rows => body["next_cursor"] = json!(cursor_after(next)),
            CursorEnd::TrailingEmpty => body["next_cursor"] = json!("eyJlbmQiOnRydWV9"),
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

/// Follows the list's cursor from the first page until there is none: the ids
/// read and how many requests the list took.
async fn walk(server: &MockServer, p: &CrmProvider, limit: u32) -> (Vec<String>, usize) {
    let mut q = ListQuery { limit, ..ListQuery::default() };
    let mut read = Vec::new();
    for _ in 0..20 {
        let page = within(p.list(q.clone())).await.expect("a page");
        read.extend(page.items.into_iter().map(|c| c.id.to_string()));
        q.cursor = page.next_cursor;
        if q.cursor.is_none() {
            let requests = server.received_requests().await.unwrap_or_default();
            return (read, requests.iter().filter(|r| r.url.path() == LIST).count());
        }
    }
    panic!("the list had no end after 20 pages: {read:?}");
}

async fn iron_with(responder: impl Respond + 'static) -> (MockServer, CrmProvider) {
    let (server, p) = setup().await;
    Mock::given(method("GET")).and(path(LIST)).respond_with(responder).mount(&server).await;
    (server, p)
}

#[tokio::test]
async fn crm_list_follows_the_server_cursor_to_the_end_however_the_end_is_said() {
    // (how the end is said, requests it takes: three pages, and one empty page
    // past them where the server hands out a cursor after the last row)
    let cases = [
        (CursorEnd::Null, 3),
        (CursorEnd::Missing, 3),
        (CursorEnd::EmptyString, 3),
        (CursorEnd::HasMoreFalse, 3),
        (CursorEnd::Echo, 3),
        (CursorEnd::TrailingEmpty, 4),
    ];
    for (end, pages) in cases {
        let (server, p) = iron_with(ByCursor { rows: 5, per_page: 2, end }).await;
        let (read, requests) = walk(&server, &p, 2).await;
        assert_eq!(read, ids(5), "{end:?}: every row once, in order");
        assert_eq!(requests, pages, "{end:?}: requests");
    }
}

#[tokio::test]
async fn crm_list_pages_by_offset_to_the_end_however_the_end_is_said() {
    // (rows, limit, cap, how the end is said, requests it takes)
    let cases = [
        // A short last page ends it.
        (5, 2, 100, OffsetEnd::Nothing, 3),
        // Full pages to the last row: an empty page ends it.
        (4, 2, 100, OffsetEnd::Nothing, 3),
        // The total ends it without an empty page.
        (4, 2, 100, OffsetEnd::Total, 2),
        (4, 2, 100, OffsetEnd::HasMore, 2),
        // A server that caps pages below the limit asked: its total or has_more
        // says a short page is not the last.
        (5, 3, 2, OffsetEnd::Total, 3),
        (5, 3, 2, OffsetEnd::HasMore, 3),
    ];
    for (rows, limit, cap, end, pages) in cases {
        let (server, p) = iron_with(ByOffset { rows, cap, end }).await;
        let (read, requests) = walk(&server, &p, limit).await;
        let case = format!("{rows} rows, limit {limit}, cap {cap}, {end:?}");
        assert_eq!(read, ids(rows), "{case}: every row once, in order");
        assert_eq!(requests, pages, "{case}: requests");
    }
}

#[tokio::test]
async fn crm_timeline_follows_a_string_cursor_and_reads_other_paging_shapes_as_one_answer() {
    let (server, p) = setup().await;
    let rows = json!([
        { "id": "a1", "type": "sms", "direction": "inbound", "actor": "contact:k1", "body": "Hi", "created_at": "2026-03-01T10:00:00Z" },
        { "id": "a2", "type": "sms", "direction": "outbound", "actor": "user:u9", "body": "Hello", "created_at": "2026-03-01T10:01:00Z" },
        { "id": "a9", "type": "sms", "actor": "agent:setter", "status": "pending", "body": "Book it?", "created_at": "2026-03-01T10:02:00Z" }
    ]);
    // A string cursor is followed (here the server ignores it and sends the same
    // page, which ends it, each row read once); an object cursor or a `next` link
    // is not something the adapter can ask with: one answer.
    let answers = [
        (json!({ "items": rows, "next_cursor": "eyJiZWZvcmUiOiJhMSJ9", "has_more": true }), 4),
        (json!({ "messages": rows, "next_cursor": { "before": "a1" }, "total": 40 }), 2),
        (json!({ "data": rows, "next": "/api/v1/conversations/c/messages?cursor=x" }), 2),
    ];
    for (answer, requests) in answers {
        let guard = Mock::given(method("GET"))
            .and(path(conv_path("/messages")))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer.clone()))
            .expect(requests)
            .mount_as_scoped(&server)
            .await;
        let thread = within(p.thread(ConversationId::from(C1), 50)).await.expect("thread");
        let read: Vec<&str> = thread.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(read, ["a1", "a2"], "{answer}");
        let suggestions = within(p.suggestions(ConversationId::from(C1))).await.expect("suggestions");
        assert_eq!(suggestions.len(), 1, "{answer}");
        drop(guard);
    }
    let requests = server.received_requests().await.unwrap_or_default();
    let timeline: Vec<_> = requests.iter().filter(|r| r.url.path() == conv_path("/messages")).collect();
    assert_eq!(timeline.len(), 8);
    let asked: Vec<Option<&str>> = timeline.iter().map(|r| r.url.query()).collect();
    assert_eq!(asked.iter().filter(|q| **q == Some("cursor=eyJiZWZvcmUiOiJhMSJ9")).count(), 2, "{asked:?}");
    assert_eq!(asked.iter().filter(|q| q.is_none()).count(), 6, "no offset or limit asked: {asked:?}");
}
