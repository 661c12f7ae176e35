//! `G` on Orbit: the view read from its end is the same list sorted ascending
//! (`sort=last_message_at`, `vendors/NOTES.md`: "`-` for descending"), its rows
//! turned round, and the pages above it follow by Orbit's own cursor: one request
//! a page, never a walk down every page.

use serde_json::Value;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer};

use frontdesk_domain::ViewId;
use frontdesk_provider::{ListQuery, Provider, Towards};

use super::orbit::{conv, ok_page, orbit, query_of, requests, within};

fn rows(ids: &[&str]) -> Value {
    Value::Array(ids.iter().map(|id| conv(id)).collect())
}

fn up(cursor: Option<String>) -> ListQuery {
    ListQuery { view: Some(ViewId::from("all")), limit: 2, towards: Towards::Up, cursor, ..ListQuery::default() }
}

async fn mount(server: &MockServer) {
    // Oldest first: conv_5 is the view's last row, conv_1 its first. Each page:
    // the cursor it is asked with, its rows, the cursor it hands out, `has_more`.
    let pages: [(Option<&str>, &[&str], &str, bool); 3] = [
        (None, &["conv_5", "conv_4"], "asc_p2", true),
        (Some("asc_p2"), &["conv_3", "conv_2"], "asc_p3", true),
        (Some("asc_p3"), &["conv_1"], "asc_tail", false),
    ];
    for (asked, ids, next, more) in pages {
        let mock =
            Mock::given(method("GET")).and(path("/api/v1/conversations")).and(query_param("sort", "last_message_at"));
        let mock = match asked {
            None => mock.and(query_param_is_missing("cursor")),
            Some(c) => mock.and(query_param("cursor", c)),
        };
        mock.respond_with(ok_page(rows(ids), Some(next), more, 5)).expect(1).mount(server).await;
    }
}

#[tokio::test]
async fn g_reads_the_view_ascending_turned_round_and_the_pages_above_follow() {
    let (server, p) = orbit().await;
    mount(&server).await;

    let end = within(p.list(up(None))).await.expect("the last page");
    let ids = |page: &frontdesk_domain::Page<frontdesk_domain::Conversation>| {
        page.items.iter().map(|c| c.id.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&end), ["conv_4", "conv_5"], "newest first, as the view reads");
    assert_eq!(end.next_cursor, None, "nothing below the end");
    let middle = within(p.list(up(end.prev_cursor.clone()))).await.expect("the page above");
    assert_eq!(ids(&middle), ["conv_2", "conv_3"]);
    let top = within(p.list(up(middle.prev_cursor.clone()))).await.expect("the first page");
    assert_eq!(ids(&top), ["conv_1"]);
    assert_eq!(top.prev_cursor, None, "`has_more: false` is the top");
    server.verify().await;
    let sorts: Vec<Option<String>> = requests(&server).await.iter().map(|r| query_of(r, "sort")).collect();
    assert_eq!(sorts, vec![Some("last_message_at".to_owned()); 3], "no page read the other way");
}

#[tokio::test]
async fn read_down_the_view_stays_newest_first() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .and(query_param("sort", "-last_message_at"))
        .respond_with(ok_page(rows(&["conv_1", "conv_2"]), Some("desc_p2"), true, 5))
        .expect(1)
        .mount(&server)
        .await;
    let q = ListQuery { view: Some(ViewId::from("all")), limit: 2, ..ListQuery::default() };
    let page = within(p.list(q)).await.expect("the first page");
    assert_eq!(page.next_cursor.as_deref(), Some("desc_p2"));
    assert_eq!(page.prev_cursor, None);
    server.verify().await;
}
