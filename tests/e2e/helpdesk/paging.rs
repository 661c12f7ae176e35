//! Bancroft's list read both ways by offset, against a wiremock Bancroft whose list
//! changes between reads: `G` reads the count, then the last page (not every
//! page), and the pages above and below follow, skipping no conversation and
//! repeating none while conversations arrive or are resolved meanwhile, also from
//! a server that caps `limit` below what is asked.

use std::sync::Mutex;

use frontdesk_provider::Towards;
use proptest::prelude::*;

use super::*;
use crate::walks::{self, Changing};

/// A Bancroft whose open list is `rows`, freshest first: rows `offset..offset +
/// limit` (at most `cap` of them), the count, and a `next` link while rows follow.
#[derive(Clone, Default)]
struct Desk {
    rows: Arc<Mutex<Vec<u32>>>,
    cap: Option<usize>,
}

/// Conversations made by the test past the first ones are newer than all of them.
const FRESH: u32 = 10_000;

impl Desk {
    fn new(len: u32, cap: Option<usize>) -> Self {
        Self { rows: Arc::new(Mutex::new((1..=len).collect())), cap }
    }

    fn rows(&self) -> Vec<u32> {
        self.rows.lock().expect("desk").clone()
    }

    /// New conversations at the top, as new activity puts them.
    fn arrive(&self, ids: impl IntoIterator<Item = u32>) {
        let mut rows = self.rows.lock().expect("desk");
        for id in ids {
            rows.insert(0, id);
        }
    }

    /// Conversations updated: to the top, the count as it was.
    fn bump(&self, ids: &[u32]) {
        let mut rows = self.rows.lock().expect("desk");
        rows.retain(|r| !ids.contains(r));
        for &id in ids {
            rows.insert(0, id);
        }
    }

    /// Conversations resolved: gone from the open list.
    fn resolve(&self, ids: &[u32]) {
        self.rows.lock().expect("desk").retain(|r| !ids.contains(r));
    }
}

impl wiremock::Respond for Desk {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let rows = self.rows();
        let number = |key: &str| query_of(request, key).and_then(|v| v.parse::<usize>().ok());
        let offset = number("offset").unwrap_or(0);
        let limit = number("limit").unwrap_or(20).min(100).min(self.cap.unwrap_or(usize::MAX));
        let page: Vec<Value> = rows
            .iter()
            .skip(offset)
            .take(limit)
            // Freshest first: the newer a conversation, the later its update.
            .map(|&n| conv(n, "open", if n >= FRESH { i64::from(n) } else { -i64::from(n) }))
            .collect();
        let end = offset + page.len();
        let next = (end < rows.len()).then(|| format!("http://bancroft.test{LIST}?limit={limit}&offset={end}"));
        ok(&envelope(rows.len(), next.as_deref(), &page))
    }
}

async fn desk(d: &Desk) -> (MockServer, HelpdeskProvider) {
    let (server, p) = bancroft().await;
    Mock::given(method("GET")).and(path(LIST)).respond_with(d.clone()).mount(&server).await;
    (server, p)
}

fn asked(towards: Towards, cursor: Option<String>) -> ListQuery {
    ListQuery { towards, cursor, ..query("open", 25) }
}

fn numbers(items: &[Conversation]) -> Vec<u32> {
    items.iter().map(|c| c.id.as_str().rsplit('-').next().and_then(|n| n.parse().ok()).expect("a test id")).collect()
}

/// `(offset, limit)` of each request.
async fn reads(server: &MockServer) -> Vec<(String, String)> {
    requests(server)
        .await
        .iter()
        .map(|r| (query_of(r, "offset").unwrap_or_default(), query_of(r, "limit").unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn g_reads_the_count_then_the_last_page_and_the_pages_above_follow() {
    let d = Desk::new(53, None);
    let (server, p) = desk(&d).await;
    let end = within(p.list(asked(Towards::Up, None))).await.expect("G");
    assert_eq!(numbers(&end.items), (29..=53).collect::<Vec<_>>());
    assert_eq!(end.next_cursor, None, "nothing below the end");
    let pairs = |v: &[(&str, &str)]| v.iter().map(|(o, l)| ((*o).to_owned(), (*l).to_owned())).collect::<Vec<_>>();
    assert_eq!(reads(&server).await, pairs(&[("0", "1"), ("28", "25")]), "the count, then the last page");

    let mut view = numbers(&end.items);
    let mut cursor = end.prev_cursor;
    while let Some(c) = cursor {
        let page = within(p.list(asked(Towards::Up, Some(c)))).await.expect("a page above");
        view.splice(0..0, numbers(&page.items));
        cursor = page.prev_cursor;
    }
    assert_eq!(view, (1..=53).collect::<Vec<_>>(), "read up from the end, the view as it reads down");
}

#[tokio::test]
async fn g_without_a_count_says_the_end_is_unknown() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET")).and(path(LIST)).respond_with(ok(&json!([conv(1, "open", 0)]))).mount(&server).await;
    let err = within(p.list(asked(Towards::Up, None))).await.expect_err("no count");
    assert!(err.to_string().contains("without a count"), "{err}");
    assert!(err.to_string().contains("scroll down"), "what still reaches it: {err}");
}

impl Changing for Desk {
    fn rows(&self) -> Vec<u64> {
        Desk::rows(self).into_iter().map(u64::from).collect()
    }

    fn arrive(&self, ids: std::ops::Range<u64>) {
        Desk::arrive(self, ids.map(|id| u32::try_from(id).expect("small")));
    }

    fn resolve(&self, ids: &[u64]) {
        Desk::resolve(self, &small(ids));
    }

    fn bump(&self, ids: &[u64]) {
        Desk::bump(self, &small(ids));
    }
}

fn small(ids: &[u64]) -> Vec<u32> {
    ids.iter().map(|&id| u32::try_from(id).expect("small")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every conversation there throughout, and not moved, is handed out, once, in
    /// the view's order, whichever way the view is read and however it changes
    /// between reads (updates that leave the count as it was too), from a server
    /// that gives what is asked or caps it at 10 rows.
    #[test]
    fn a_walk_either_way_hands_out_every_row_that_stayed_once_in_order(
        up in any::<bool>(),
        capped in any::<bool>(),
        len in 0..130_u32,
        changes in walks::changes(true),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let towards = if up { Towards::Up } else { Towards::Down };
        let (seen, moved) = rt.block_on(async {
            let d = Desk::new(len, capped.then_some(10));
            let (_server, p) = desk(&d).await;
            walks::walk(towards, &d, &changes, |cursor| {
                let p = &p;
                async move {
                    let page = within(p.list(asked(towards, cursor))).await.expect("list");
                    (numbers(&page.items).into_iter().map(u64::from).collect(), page)
                }
            })
            .await
        });
        walks::check(&seen, &moved, u64::from(len))?;
    }
}

/// The real binary in tmux on a Bancroft of 260 conversations: `G` shows the view's
/// last one, and the rows between were never asked for.
#[tokio::test]
async fn g_in_the_binary_shows_the_last_conversation_without_reading_the_rows_between() {
    use crate::tmux::Tmux;
    use crate::tmux_walk::command_polling;

    let d = Desk::new(260, None);
    let (server, _) = desk(&d).await;
    let dir = tempfile::tempdir().expect("dir");
    let account = format!(
        "name = \"bancroft\"\nprovider = \"helpdesk\"\nurl = \"{}\"\nagent_email = \"{AGENT}\"\n\
         api_key_env = \"FD_BANCROFT\"\n",
        server.uri()
    );
    // Polled once an hour: the poller's own pages down the list would read like a
    // walk to the end.
    let t = Tmux::start(110, 32, &command_polling(dir.path(), &account, &format!("FD_BANCROFT={SERVER_KEY}"), 3600));
    t.send(&["g", "a"]);
    // All's title beside the row: the next key must land on All's rows.
    t.wait_until("All listing Question 1", |s| s.contains("┌ All ") && s.contains("Question 1 "));
    // What the client read on its way in (its first poll among it) is done: from
    // here on, every read is G's.
    let mut before = requests(&server).await.len();
    let settling = std::time::Instant::now();
    loop {
        assert!(settling.elapsed() < std::time::Duration::from_secs(20), "the client never stopped reading");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let now = requests(&server).await.len();
        if now == before {
            break;
        }
        before = now;
    }
    t.send(&["G"]);
    // The last one, and the rows above it.
    t.wait_until("the view's last rows", |s| s.contains("Question 260") && s.contains("Question 259"));
    let reads: Vec<(String, String)> = requests(&server)
        .await
        .iter()
        .skip(before)
        .filter(|r| r.url.path() == LIST && query_of(r, "status").is_none())
        .map(|r| (query_of(r, "offset").unwrap_or_default(), query_of(r, "limit").unwrap_or_default()))
        .collect();
    let at = |o: &str, l: &str| reads.iter().position(|(ro, rl)| ro == o && rl == l);
    let (Some(count), Some(last)) = (at("0", "1"), at("160", "100")) else {
        panic!("G reads the count, then the last 100 rows: {reads:?}");
    };
    assert!(count < last, "the count first: {reads:?}");
    let walked: Vec<&(String, String)> = reads.iter().filter(|(o, _)| o != "0" && o != "160").collect();
    assert!(walked.is_empty(), "rows walked through on the way to the end: {reads:?}");
    t.send(&["q"]);
}
