//! View counts on `SQLite`: their own index answers them alone (migration 0009).

use jiff::Timestamp;
use sqlx::QueryBuilder;

use super::counts::push_count;
use super::engine::Engine;
use super::search_tests::seed;
use super::test_connection as migrated;
use super::views;
use frontdesk_domain::{AiState, AssigneeFilter, Channel, OrgId, Status, ViewFilter};

/// Every filter a view can hold but words: the counts read the index, never a row of
/// the table. A column left out of the index fails it.
#[tokio::test]
async fn every_view_is_counted_from_its_index_alone() {
    let mut conn = migrated().await;
    seed(&mut conn, 400).await;
    sqlx::raw_sql("ANALYZE").execute(&mut conn).await.expect("analysed");
    let org = OrgId::from("a".to_owned());
    let open = vec![Status::Open, Status::Pending];
    let filters = [
        ViewFilter { status: open.clone(), unread: Some(true), ..ViewFilter::default() },
        ViewFilter { starred: Some(true), ..ViewFilter::default() },
        ViewFilter { assignee: Some(AssigneeFilter::Me), status: open.clone(), ..ViewFilter::default() },
        ViewFilter { assignee: Some(AssigneeFilter::Unassigned), ..ViewFilter::default() },
        ViewFilter { overdue: true, ..ViewFilter::default() },
        ViewFilter { archived: true, ..ViewFilter::default() },
        ViewFilter { tags: vec!["billing".to_owned()], channels: vec![Channel::Email], ..ViewFilter::default() },
        ViewFilter { team: Some("Tier 2".to_owned()), ai_state: Some(AiState::AiLed), ..ViewFilter::default() },
    ];
    for (n, filter) in filters.iter().enumerate() {
        views::create(&mut conn, &org, &format!("view {n}"), filter).await.expect("a view");
    }
    let all = views::all(&mut conn, &org).await.expect("the views");
    // The built-in views, and these.
    assert_eq!(all.iter().filter(|v| v.name.starts_with("view ")).count(), filters.len());
    let mut qb: QueryBuilder<Engine> = QueryBuilder::new("EXPLAIN QUERY PLAN ");
    push_count(&mut qb, &org, &all, Timestamp::now());
    let plan: Vec<(i64, i64, i64, String)> = qb.build_query_as().fetch_all(&mut conn).await.expect("a plan");
    let reads: Vec<&str> =
        plan.iter().map(|(.., detail)| detail.as_str()).filter(|d| d.contains(" c ") || d.ends_with(" c")).collect();
    assert_eq!(reads, ["SEARCH c USING COVERING INDEX conversations_counts (org_id=?)"], "{plan:?}");
}
