//! `G` in the unified inbox: the merged list read from its end, each account's
//! last page first and the pages above them as the merge needs them, hands out the
//! same rows in the same order as reading it down, whatever the page size.

use frontdesk_domain::Conversation;
use frontdesk_provider::{ListQuery, Provider, ProviderError, Sort, Towards};

use super::accounts::{Two, all, assert_once_each};

/// The whole merged list read up from its end by `prev_cursor`, in the list's order.
async fn from_the_end(p: &dyn Provider, limit: u32) -> Vec<Conversation> {
    let mut rows: Vec<Conversation> = Vec::new();
    let mut cursor = None;
    for _ in 0..60 {
        let page = p.list(ListQuery { towards: Towards::Up, ..all(limit, cursor.take()) }).await.expect("a page");
        if cursor.is_none() && rows.is_empty() {
            assert_eq!(page.next_cursor, None, "nothing below the end");
        }
        rows.splice(0..0, page.items);
        match page.prev_cursor {
            Some(c) => cursor = Some(c),
            None => return rows,
        }
    }
    panic!("the list never reaches its top: {} rows so far", rows.len());
}

fn ids(rows: &[Conversation]) -> Vec<String> {
    rows.iter().map(|c| c.id.to_string()).collect()
}

#[tokio::test]
async fn the_merged_list_read_from_its_end_is_the_list_read_down() {
    let two = Two::start(10, 8).await;
    let u = two.unified();
    assert!(u.capabilities().list_upward, "both accounts read from their end, so the merge can");
    for limit in [7, 1, 5, 100] {
        let down = assert_once_each(&u, &two, limit).await;
        let up = from_the_end(&u, limit).await;
        assert_eq!(ids(&up), ids(&down), "at limit {limit}");
    }
    // The end alone: the last rows of the merged list, in its order.
    let down = assert_once_each(&u, &two, 100).await;
    let end = u.list(ListQuery { towards: Towards::Up, ..all(4, None) }).await.expect("the end");
    assert_eq!(ids(&end.items), ids(&down[down.len() - 4..]));
    assert!(end.prev_cursor.is_some(), "rows above it");
}

#[tokio::test]
async fn a_cursor_is_read_only_the_way_it_was_made() {
    let two = Two::start(3, 3).await;
    let u = two.unified();
    let end = u.list(ListQuery { towards: Towards::Up, ..all(2, None) }).await.expect("the end");
    let up = end.prev_cursor.expect("rows above");
    let err = u.list(all(2, Some(up))).await.expect_err("an upward cursor read down");
    assert!(matches!(&err, ProviderError::Permanent { code, .. } if code == "INVALID_CURSOR"), "{err:?}");
    let by_urgency = ListQuery { towards: Towards::Up, sort: Sort::Urgency, ..all(2, None) };
    assert!(matches!(u.list(by_urgency).await, Err(ProviderError::Unsupported(_))));
}
