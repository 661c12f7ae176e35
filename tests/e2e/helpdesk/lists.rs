//! Section 2: lists by status and offset, the views and their counts.

use super::*;

#[tokio::test]
async fn list_filters_by_status_and_pages_by_offset_to_the_end() {
    let (server, p) = bancroft().await;
    let next = format!("{}{LIST}?limit=2&offset=2&status=open", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("status", "open"))
        .and(query_param("offset", "0"))
        .respond_with(ok(&envelope(3, Some(next.as_str()), &[conv(1, "open", 9), conv(2, "open", 8)])))
        .mount(&server)
        .await;
    let prev = format!("{}{LIST}?limit=2&status=open", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("status", "open"))
        .and(query_param("offset", "2"))
        .respond_with(ok(&json!({ "count": 3, "next": null, "previous": prev, "results": [conv(3, "open", 7)] })))
        .mount(&server)
        .await;

    let first = within(p.list(query("open", 2))).await.expect("page 1");
    assert_eq!(ids(&first.items), [cid(1), cid(2)]);
    // The offset, the view's count, and the row the next page follows.
    assert_eq!(first.next_cursor, Some(format!("2.3.{}", cid(2))));
    let second = within(p.list(ListQuery { cursor: first.next_cursor, ..query("open", 2) })).await.expect("page 2");
    assert_eq!(ids(&second.items), [cid(3)]);
    assert_eq!(second.next_cursor, None, "next is null: the end");

    let asked = requests(&server).await;
    assert_eq!(query_of(&asked[0], "limit").as_deref(), Some("2"), "the first page is the size asked");
    for r in &asked {
        assert_eq!(query_of(r, "ordering").as_deref(), Some("-updated_at"), "freshest first");
    }
}

#[tokio::test]
async fn all_and_resolved_ask_without_a_status_and_keep_their_own() {
    let (server, p) = bancroft().await;
    let rows = [conv(1, "open", 9), conv(2, "closed", 8), conv(3, "pending", 7), conv(4, "resolved", 6)];
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param_is_missing("status"))
        .respond_with(ok(&envelope(4, None, &rows)))
        .mount(&server)
        .await;
    let all = within(p.list(query("all", 25))).await.expect("all");
    assert_eq!(ids(&all.items), [cid(1), cid(2), cid(3), cid(4)], "All is every conversation, resolved too");
    let resolved = within(p.list(query("resolved", 25))).await.expect("resolved");
    assert_eq!(ids(&resolved.items), [cid(2), cid(4)], "resolved and closed are one state");
    assert!(resolved.items.iter().all(|c| c.status == Status::Closed));
    let filter = ViewFilter { status: vec![Status::Pending], ..ViewFilter::default() };
    assert_eq!(requests(&server).await.len(), 2);
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("status", "pending"))
        .respond_with(ok(&envelope(1, None, &[conv(3, "pending", 7)])))
        .mount(&server)
        .await;
    let pending = within(p.list(ListQuery { filter, ..query("all", 25) })).await.expect("pending");
    assert_eq!(ids(&pending.items), [cid(3)], "a filter's one status goes to Bancroft");
}

#[tokio::test]
async fn an_email_as_the_query_filters_by_user_email_and_other_search_is_unsupported() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("user_email", "customer@example.com"))
        .respond_with(ok(&envelope(1, None, &[page_conversation()])))
        .expect(1)
        .mount(&server)
        .await;
    let by_email = ViewFilter { q: Some(" customer@example.com ".into()), ..ViewFilter::default() };
    let page = within(p.list(ListQuery { filter: by_email, ..query("open", 25) })).await.expect("by email");
    assert_eq!(ids(&page.items), [ID]);
    let phrase = ViewFilter { q: Some("refund".into()), ..ViewFilter::default() };
    let e = within(p.list(ListQuery { filter: phrase, ..query("open", 25) })).await.expect_err("no search");
    assert!(matches!(e, ProviderError::Unsupported(_)), "{e:?}");
    server.verify().await;
}

#[tokio::test]
async fn list_tolerates_unknown_fields_and_values_and_skips_a_row_without_an_id() {
    let (server, p) = bancroft().await;
    let mut odd = conv(1, "escalated", 9);
    odd["priority"] = json!("critical");
    odd["channel"] = json!("whatsapp");
    odd["sla"] = json!({ "breached": false, "nested": [1, 2] });
    odd["requester"]["locale"] = json!("fr");
    let mut no_id = conv(2, "open", 8);
    no_id.as_object_mut().expect("an object").remove("id");
    let mut callback = conv(3, "pending", 7);
    callback["channel"] = json!("callback");
    callback["priority"] = json!("urgent");
    let body = json!({ "count": 3, "next": null, "previous": null, "results": [odd, no_id, callback], "facets": {} });
    Mock::given(method("GET")).and(path(LIST)).respond_with(ok(&body)).mount(&server).await;
    let page = within(p.list(query("all", 25))).await.expect("tolerant");
    assert_eq!(ids(&page.items), [cid(1), cid(3)]);
    let (a, b) = (&page.items[0], &page.items[1]);
    // Values the page does not list are kept as Bancroft sent them.
    assert_eq!(
        (&a.status, &a.priority, &a.channel),
        (&Status::Other("escalated".into()), &Priority::Other("critical".into()), &Channel::Whatsapp)
    );
    assert_eq!(
        (b.status.clone(), b.priority.clone(), b.channel.clone()),
        (Status::Pending, Priority::Urgent, Channel::Voice)
    );
}

#[tokio::test]
async fn a_bare_array_is_a_list_too() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ok(&json!([conv(1, "open", 9), conv(2, "open", 8)])))
        .mount(&server)
        .await;
    let full = within(p.list(query("open", 2))).await.expect("bare");
    assert_eq!(ids(&full.items), [cid(1), cid(2)]);
    assert_eq!(full.next_cursor, Some(format!("2..{}", cid(2))), "a full page may have more (no count to carry)");
    let short = within(p.list(query("open", 3))).await.expect("bare");
    assert_eq!(short.next_cursor, None, "fewer than asked: the end");
}

async fn mount_count(server: &MockServer, status: &str, count: usize) {
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("status", status))
        .and(query_param("limit", "1"))
        .respond_with(ok(&envelope(count, None, &[conv(1, status, 0)])))
        .mount(server)
        .await;
}

#[tokio::test]
async fn views_count_each_status_from_the_envelope_with_limit_1() {
    let (server, p) = bancroft().await;
    mount_count(&server, "open", 12).await;
    mount_count(&server, "pending", 3).await;
    mount_count(&server, "resolved", 40).await;
    // A server without `count` (a bare array): the rows of a full page are counted.
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("status", "closed"))
        .and(query_param("limit", "1"))
        .respond_with(ok(&json!([conv(9, "closed", 0)])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("status", "closed"))
        .and(query_param("limit", "100"))
        .respond_with(ok(&json!([conv(9, "closed", 0), conv(10, "closed", 0)])))
        .mount(&server)
        .await;
    let views = within(p.views()).await.expect("views");
    let got: Vec<(&str, &str, u64)> =
        views.iter().map(|v| (v.view.id.as_str(), v.view.name.as_str(), v.count)).collect();
    assert_eq!(
        got,
        [("all", "All", 57), ("open", "Open", 12), ("pending", "Pending", 3), ("resolved", "Resolved", 42)]
    );
}
