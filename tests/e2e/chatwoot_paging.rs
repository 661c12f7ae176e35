//! Chatwoot's list read both ways by page number, against a wiremock Chatwoot whose
//! list changes between reads: `G` reads the last page the view's count names (not
//! every page), and the pages above and below follow, skipping no conversation and
//! repeating none while conversations arrive or are resolved meanwhile.

use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use frontdesk_domain::{Conversation, Page, ViewId};
use frontdesk_provider::{ListQuery, Provider, Towards};
use frontdesk_provider_chatwoot::ChatwootProvider;
use secrecy::SecretString;

use super::chatwoot::{ACCOUNT, KEY, T0, acct, conv, ok};
use super::walks::{self, Changing};

/// Chatwoot's page size.
const PAGE: usize = 25;

/// A Chatwoot whose "all open" list is `rows`, newest first, paged by 25, with the
/// count in `meta` beside every page and at `/conversations/meta`.
#[derive(Clone, Default)]
struct Inbox(Arc<Mutex<Vec<i64>>>);

impl Inbox {
    fn rows(&self) -> Vec<i64> {
        self.0.lock().expect("inbox").clone()
    }

    fn set(&self, rows: Vec<i64>) {
        *self.0.lock().expect("inbox") = rows;
    }

    /// New conversations at the top, as new activity puts them.
    fn arrive(&self, ids: impl IntoIterator<Item = i64>) {
        let mut rows = self.0.lock().expect("inbox");
        for id in ids {
            rows.insert(0, id);
        }
    }

    /// Conversations resolved: gone from the open list.
    fn resolve(&self, ids: &[i64]) {
        self.0.lock().expect("inbox").retain(|r| !ids.contains(r));
    }
}

fn meta(count: usize) -> Value {
    json!({ "mine_count": 0, "unassigned_count": 0, "assigned_count": 0, "all_count": count })
}

impl Respond for Inbox {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let rows = self.rows();
        if request.url.path().ends_with("/meta") {
            return ok(&json!({ "meta": meta(rows.len()) }));
        }
        let page: usize =
            request.url.query_pairs().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse().ok()).unwrap_or(1);
        let payload: Vec<Value> = rows
            .iter()
            .skip((page.max(1) - 1) * PAGE)
            .take(PAGE)
            .map(|&id| {
                let mut c = conv(id, "open", &[], T0 - id);
                c["meta"]["sender"]["name"] = json!(format!("Customer {id:03}"));
                c
            })
            .collect();
        ok(&json!({ "data": { "meta": meta(rows.len()), "payload": payload } }))
    }
}

async fn chatwoot(inbox: &Inbox) -> (MockServer, ChatwootProvider) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex(format!("^{}(/meta)?$", acct("/conversations"))))
        .respond_with(inbox.clone())
        .mount(&server)
        .await;
    let p = ChatwootProvider::new("chatwoot", &server.uri(), ACCOUNT, SecretString::from(KEY.to_owned()))
        .expect("provider builds");
    (server, p)
}

fn query(towards: Towards, cursor: Option<String>) -> ListQuery {
    ListQuery { view: Some(ViewId::from("all")), limit: 25, towards, cursor, ..ListQuery::default() }
}

async fn list(p: &ChatwootProvider, towards: Towards, cursor: Option<String>) -> Page<Conversation> {
    p.list(query(towards, cursor)).await.expect("list")
}

fn ids(items: &[Conversation]) -> Vec<i64> {
    items.iter().map(|c| c.id.as_str().parse().expect("numeric id")).collect()
}

/// The pages each request asked for, `meta` as 0.
async fn asked(server: &MockServer) -> Vec<usize> {
    let requests = server.received_requests().await.expect("recording");
    requests
        .iter()
        .map(|r| {
            if r.url.path().ends_with("/meta") {
                return 0;
            }
            r.url.query_pairs().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse().ok()).unwrap_or(1)
        })
        .collect()
}

#[tokio::test]
async fn g_reads_the_count_then_the_last_page_and_the_pages_above_follow() {
    let inbox = Inbox::default();
    inbox.set((1..=53).collect());
    let (server, p) = chatwoot(&inbox).await;

    let end = list(&p, Towards::Up, None).await;
    assert_eq!(ids(&end.items), (51..=53).collect::<Vec<_>>(), "the view's last rows");
    assert_eq!(end.next_cursor, None, "nothing below the end");
    let two = list(&p, Towards::Up, end.prev_cursor.clone()).await;
    assert_eq!(ids(&two.items), (26..=50).collect::<Vec<_>>());
    let one = list(&p, Towards::Up, two.prev_cursor.clone()).await;
    assert_eq!(ids(&one.items), (1..=25).collect::<Vec<_>>());
    assert_eq!(one.prev_cursor, None, "the first page has nothing above it");
    assert_eq!(asked(&server).await, [0, 3, 2, 1], "the count, then one page each: none walked through");

    // A page read upward says how to read the one below it again.
    let again = list(&p, Towards::Down, one.next_cursor).await;
    assert_eq!(ids(&again.items), (26..=50).collect::<Vec<_>>());
}

#[tokio::test]
async fn g_reads_the_last_page_again_when_the_view_grew_past_it_between_count_and_page() {
    let inbox = Inbox::default();
    inbox.set((1..=50).collect());
    let (server, p) = chatwoot(&inbox).await;
    // The count says two pages; by the time page 2 is read, there are three.
    Mock::given(method("GET"))
        .and(path_regex(format!("^{}/meta$", acct("/conversations"))))
        .respond_with(ok(&json!({ "meta": meta(50) })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    inbox.arrive(101..=103);

    let end = list(&p, Towards::Up, None).await;
    assert_eq!(ids(&end.items), (48..=50).collect::<Vec<_>>(), "the true end, not page 2's rows");
    assert_eq!(asked(&server).await, [0, 2, 3]);
}

#[tokio::test]
async fn an_empty_view_has_an_end_of_nothing() {
    let inbox = Inbox::default();
    let (_server, p) = chatwoot(&inbox).await;
    let end = list(&p, Towards::Up, None).await;
    assert!(end.items.is_empty());
    assert_eq!((end.next_cursor, end.prev_cursor), (None, None));
}

#[tokio::test]
async fn a_view_without_a_count_says_so_rather_than_guessing_its_end() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex(format!("^{}/meta$", acct("/conversations"))))
        .respond_with(ok(&json!({ "meta": {} })))
        .mount(&server)
        .await;
    let p = ChatwootProvider::new("chatwoot", &server.uri(), ACCOUNT, SecretString::from(KEY.to_owned()))
        .expect("provider builds");
    let err = p.list(query(Towards::Up, None)).await.expect_err("no count, no end");
    assert!(err.to_string().contains("count"), "{err}");
    assert!(err.to_string().contains("all_count"), "names the field it lacked: {err}");
}

#[tokio::test]
async fn reading_up_while_conversations_arrive_skips_none() {
    let inbox = Inbox::default();
    inbox.set((1..=60).collect());
    let (_server, p) = chatwoot(&inbox).await;

    let end = list(&p, Towards::Up, None).await;
    assert_eq!(ids(&end.items), (51..=60).collect::<Vec<_>>());
    // Four arrive: page 2 is now rows 22–46, and 47–50 sank onto page 3, which is
    // read for them; page 2 comes with them.
    inbox.arrive(1001..=1004);
    let two = list(&p, Towards::Up, end.prev_cursor).await;
    assert_eq!(ids(&two.items), (22..=50).collect::<Vec<_>>(), "the rows above row 51, wherever they went");
    // A page and more arrive: row 22 is now on page 3.
    inbox.arrive(2001..=2030);
    let one = list(&p, Towards::Up, two.prev_cursor).await;
    let above: Vec<i64> = ids(&one.items);
    assert_eq!(above.last(), Some(&21), "right above row 22: {above:?}");
    assert!(above.iter().all(|&id| id < 22), "{above:?}");
}

#[tokio::test]
async fn reading_down_while_conversations_above_are_resolved_skips_none() {
    let inbox = Inbox::default();
    inbox.set((1..=80).collect());
    let (_server, p) = chatwoot(&inbox).await;

    let one = list(&p, Towards::Down, None).await;
    assert_eq!(ids(&one.items), (1..=25).collect::<Vec<_>>());
    // Three resolved above: rows 26–28 rose onto page 1.
    inbox.resolve(&[3, 7, 11]);
    let two = list(&p, Towards::Down, one.next_cursor).await;
    assert_eq!(ids(&two.items).first(), Some(&26), "right below row 25");
    assert!(ids(&two.items).contains(&28));
    // New ones at the top push the rest down: nothing is handed out twice.
    inbox.arrive(501..=505);
    let three = list(&p, Towards::Down, two.next_cursor).await;
    let last = *ids(&two.items).last().expect("rows");
    assert_eq!(ids(&three.items).first(), Some(&(last + 1)), "{:?}", ids(&three.items));
}

impl Changing for Inbox {
    fn rows(&self) -> Vec<u64> {
        Inbox::rows(self).into_iter().map(i64::unsigned_abs).collect()
    }

    fn arrive(&self, ids: std::ops::Range<u64>) {
        Inbox::arrive(self, ids.map(|id| i64::try_from(id).expect("small")));
    }

    fn resolve(&self, ids: &[u64]) {
        let ids: Vec<i64> = ids.iter().map(|&id| i64::try_from(id).expect("small")).collect();
        Inbox::resolve(self, &ids);
    }

    fn bump(&self, _: &[u64]) {
        unreachable!("Chatwoot's walks change the count with every change")
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every conversation there throughout is handed out, once, in the view's
    /// order, whichever way the view is read and however it changes between reads.
    #[test]
    fn a_walk_either_way_hands_out_every_row_that_stayed_once_in_order(
        up in any::<bool>(),
        len in 0..130_i64,
        changes in walks::changes(false),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let towards = if up { Towards::Up } else { Towards::Down };
        let (seen, moved) = rt.block_on(async {
            let inbox = Inbox::default();
            inbox.set((1..=len).collect());
            let (_server, p) = chatwoot(&inbox).await;
            walks::walk(towards, &inbox, &changes, |cursor| {
                let p = &p;
                async move {
                    let page = list(p, towards, cursor).await;
                    (ids(&page.items).into_iter().map(i64::unsigned_abs).collect(), page)
                }
            })
            .await
        });
        walks::check(&seen, &moved, len.unsigned_abs())?;
    }
}

/// The real binary in tmux on a Chatwoot of 260 open conversations: `G` shows the
/// view's last one, and the pages between were never asked for.
#[tokio::test]
async fn g_in_the_binary_shows_the_last_conversation_without_reading_the_pages_between() {
    use super::tmux::Tmux;
    use super::tmux_walk::{command_polling, get};

    let inbox = Inbox::default();
    inbox.set((1..=260).collect());
    let (server, _) = chatwoot(&inbox).await;
    let profile =
        json!({ "id": 3, "name": "Ana Álvarez", "available_name": "Ana", "email": "ana@acme.test", "role": "agent" });
    for m in [get("/api/v1/profile", &profile), get(&acct("/agents"), &json!([])), get(&acct("/teams"), &json!([]))] {
        m.mount(&server).await;
    }
    let dir = tempfile::tempdir().expect("dir");
    let account = format!(
        "name = \"chatwoot\"\nprovider = \"chatwoot\"\nurl = \"{}\"\naccount_id = {ACCOUNT}\n\
         api_key_env = \"FD_CHATWOOT\"\n",
        server.uri()
    );
    // Polled once an hour: a poll's pages would count among those read.
    let t = Tmux::start(110, 32, &command_polling(dir.path(), &account, &format!("FD_CHATWOOT={KEY}"), 3600));
    t.send(&["g", "a"]);
    // All's title beside the row: the first view may list it too, and the next key
    // must land on All's rows, not on its list still loading.
    t.wait_until("All listing Customer 001", |s| s.contains("┌ All ") && s.contains("Customer 001"));
    t.send(&["G"]);
    // The last one, and the rows above it.
    t.wait_until("the view's last rows", |s| s.contains("Customer 260") && s.contains("Customer 259"));
    let pages = asked(&server).await;
    assert!(pages.contains(&11), "the last page was read: {pages:?}");
    let between: Vec<usize> = pages.iter().copied().filter(|p| (3..=9).contains(p)).collect();
    assert!(between.is_empty(), "pages walked through on the way to the end: {pages:?}");
    t.send(&["q"]);
}
