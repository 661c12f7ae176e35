//! Inbound messages are deduplicated by their provider ids, one lookup per batch.
//! The lookup must read only the ids asked for, whatever the planner's statistics
//! say: an org's first burst of webhook traffic comes before autovacuum has seen
//! any provider id, and a plan chosen from those statistics read every one of the
//! org's ids on each batch (12 ms a batch after 10,000 messages).

use sqlx::AssertSqlSafe;

use super::ingest::provider_id_lookup;
use super::test_connection;

#[tokio::test]
async fn the_provider_id_lookup_reads_only_the_ids_asked_whatever_the_statistics() {
    let mut conn = test_connection().await;
    // 3,000 messages without a provider id, analysed; then 5,000 with one, not yet.
    sqlx::raw_sql(
        "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0);
         INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES ('k', 'a', 'Kim', 'kim@a.test', 0);
         INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at)
             VALUES ('c', 'a', 'k', 'sms', NULL, 'open', 0, 0, 0);
         INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_name, kind, body, delivery, created_at)
             SELECT 'm' || i, 'a', 'c', 'inbound', 'contact', 'Kim', 'reply', 'hello', 'delivered', 0
             FROM generate_series(1, 3000) AS i;
         ANALYZE messages;
         INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_name, kind, body, delivery,
                               provider_message_id, created_at)
             SELECT 'p' || i, 'a', 'c', 'inbound', 'contact', 'Kim', 'reply', 'hello', 'delivered', 'load-' || i, 0
             FROM generate_series(1, 5000) AS i;",
    )
    .execute(&mut conn)
    .await
    .expect("seeded");
    // The lookup `ingest::mark_duplicates` makes.
    let plan: serde_json::Value =
        sqlx::query_scalar(AssertSqlSafe(format!("EXPLAIN (ANALYZE, FORMAT JSON) {}", provider_id_lookup(3))))
            .bind("a")
            .bind("load-7")
            .bind("load-4242")
            .bind("load-none")
            .fetch_one(&mut conn)
            .await
            .expect("explained");
    let top = &plan[0]["Plan"];
    assert_eq!(top["Actual Rows"], 2, "{plan:#}");
    let read = |node: &serde_json::Value| -> u64 {
        node["Actual Rows"].as_u64().unwrap_or(0) + node["Rows Removed by Filter"].as_u64().unwrap_or(0)
    };
    assert!(read(top) <= 3, "read only the ids asked for, not the org's every id: {plan:#}");
}
