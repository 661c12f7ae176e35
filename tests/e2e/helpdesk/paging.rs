//! Bancroft's list read both ways by offset, against a wiremock Bancroft whose list
//! changes between reads: `G` reads the count, then the last page (not every
//! page), and the pages above and below follow, skipping no conversation and
//! repeating none while conversations arrive or are resolved meanwhile, also from
//! a server that caps `limit` below what is asked.

use std::collections::HashSet;
use std::sync::Mutex;

use frontdesk_provider::Towards;
use proptest::prelude::*;

use super::*;

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

#[derive(Clone, Debug)]
enum Change {
    None,
    Arrive(u32),
    Resolve(Vec<prop::sample::Index>),
    /// Up to `OVERLAP` (8) rows updated, the count unchanged.
    Bump(Vec<prop::sample::Index>),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        Just(Change::None),
        (1..40_u32).prop_map(Change::Arrive),
        prop::collection::vec(any::<prop::sample::Index>(), 1..30).prop_map(Change::Resolve),
        prop::collection::vec(any::<prop::sample::Index>(), 1..=8).prop_map(Change::Bump),
    ]
}

/// Walks the whole view one way from its start (`Down`) or its end (`Up`), the
/// list changing between reads; returns the rows handed out in the view's order
/// and the original rows that were resolved or moved on the way.
async fn walk(towards: Towards, len: u32, cap: Option<usize>, changes: &[Change]) -> (Vec<u32>, HashSet<u32>) {
    let d = Desk::new(len, cap);
    let (_server, p) = desk(&d).await;
    let mut seen: Vec<u32> = Vec::new();
    let mut moved = HashSet::new();
    let mut cursor = None;
    let mut fresh = FRESH;
    for step in 0.. {
        let page = within(p.list(asked(towards, cursor.clone()))).await.expect("list");
        let got = numbers(&page.items);
        let on = match towards {
            Towards::Down => {
                seen.extend(got);
                page.next_cursor
            }
            Towards::Up => {
                seen.splice(0..0, got);
                page.prev_cursor
            }
        };
        let Some(on) = on else { break };
        assert!(step < 200, "the walk does not end");
        cursor = Some(on);
        // The row the walk stands beside stays.
        let edge = match towards {
            Towards::Down => seen.last(),
            Towards::Up => seen.first(),
        }
        .copied();
        match changes.get(step).cloned().unwrap_or(Change::None) {
            Change::None => {}
            Change::Arrive(n) => {
                d.arrive(fresh..fresh + n);
                fresh += 1_000;
            }
            Change::Resolve(at) | Change::Bump(at) => {
                let rows = d.rows();
                let mut picked: Vec<u32> = at
                    .iter()
                    .filter(|_| !rows.is_empty())
                    .map(|i| rows[i.index(rows.len())])
                    .filter(|&id| Some(id) != edge)
                    .collect();
                picked.dedup();
                if matches!(changes[step], Change::Bump(_)) {
                    d.bump(&picked);
                } else {
                    d.resolve(&picked);
                }
                moved.extend(picked);
            }
        }
    }
    (seen, moved)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every conversation there throughout, and not moved, is handed out, once, in
    /// the view's order, whichever way the view is read and however it changes between reads,
    /// from a server that gives what is asked or caps it at 10 rows.
    #[test]
    fn a_walk_either_way_hands_out_every_row_that_stayed_once_in_order(
        up in any::<bool>(),
        capped in any::<bool>(),
        len in 0..130_u32,
        changes in prop::collection::vec(change(), 0..8),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let towards = if up { Towards::Up } else { Towards::Down };
        let (seen, moved) = rt.block_on(walk(towards, len, capped.then_some(10), &changes));
        // A row that moved to the top may be met again there: the list keeps one.
        let mut once = HashSet::new();
        for id in seen.iter().filter(|id| !moved.contains(id)) {
            prop_assert!(once.insert(*id), "{id} handed out twice: {seen:?}");
        }
        let stayed: Vec<u32> = (1..=len).filter(|id| !moved.contains(id)).collect();
        let original: Vec<u32> = seen.iter().copied().filter(|&id| id <= len && !moved.contains(&id)).collect();
        prop_assert_eq!(original, stayed, "handed out: {:?}", seen);
    }
}

/// The real binary in tmux on a Bancroft of 260 conversations: `G` shows the view's
/// last one, and the rows between were never asked for.
#[tokio::test]
async fn g_in_the_binary_shows_the_last_conversation_without_reading_the_rows_between() {
    use crate::tmux::Tmux;
    use crate::tmux_walk::command;

    let d = Desk::new(260, None);
    let (server, _) = desk(&d).await;
    let dir = tempfile::tempdir().expect("dir");
    let account = format!(
        "name = \"bancroft\"\nprovider = \"helpdesk\"\nurl = \"{}\"\nagent_email = \"{AGENT}\"\n\
         api_key_env = \"FD_BANCROFT\"\n",
        server.uri()
    );
    let t = Tmux::start(110, 32, &command(dir.path(), &account, &format!("FD_BANCROFT={SERVER_KEY}")));
    t.send(&["g", "a"]);
    // All's title beside the row: the next key must land on All's rows.
    t.wait_until("All listing Question 1", |s| s.contains("┌ All ") && s.contains("Question 1 "));
    // The poller reads the first pages too: what counts is what G asked.
    let before = requests(&server).await.len();
    t.send(&["G"]);
    t.wait_for("Question 260");
    let screen = t.screen();
    assert!(screen.contains("Question 259"), "the rows above the last one, in order:\n{screen}");
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
