//! `admin copy-database`: a team's SQLite database moved to PostgreSQL serves the
//! same API afterwards, keys, threads, views, search, event numbers and idempotency
//! records included, and numbering goes on where it stopped.

use reqwest::StatusCode;
use serde_json::json;

use super::api::ids;
use super::events;
use super::support::TestServer;
use crate::support::TestServer as SqliteServer;

#[tokio::test]
async fn a_sqlite_team_moves_to_postgres_with_nothing_lost() {
    let old = SqliteServer::start().await;
    let refund = old.conversation("+15550160001").await;
    old.inbound("+15550160002", "Where is parcel QX-77812?").await;
    old.question("+15550160003").await;
    let reply = json!({"body": "Refund on its way.", "kind": "reply"});
    let send = |s: &SqliteServer| {
        s.client
            .post(s.path(&format!("/v1/conversations/{refund}/messages")))
            .bearer_auth(&s.key)
            .header("Idempotency-Key", "move-1")
            .json(&reply)
            .send()
    };
    assert_eq!(send(&old).await.expect("sent").status(), StatusCode::CREATED);
    let (status, _) = old.post(&format!("/v1/conversations/{refund}/star"), json!({})).await;
    assert!(status.is_success());
    let (status, _) = old.post("/v1/views", json!({"name": "Refunds", "filter": {"q": "refund"}})).await;
    assert!(status.is_success());
    let newest = crate::events::open(&old, &old.key, None, "").await.ready().await;
    let (_, list) = old.get("/v1/conversations").await;
    let (_, thread) = old.get(&format!("/v1/conversations/{refund}/messages")).await;
    let (_, views) = old.get("/v1/views").await;
    let from = old.db_url.clone();
    let old = old.stop().await;

    let to = crate::postgres::database().await;
    let copied = frontdesk_server::admin::copy_database(&from, &to).await.expect("copied");
    let rows = |table: &str| copied.tables.iter().find(|(t, _)| *t == table).map_or(0, |(_, n)| *n);
    assert_eq!(rows("orgs"), 2);
    assert_eq!(rows("conversations"), 3);
    assert!(rows("events") > 0 && rows("idempotency_keys") == 1 && rows("saved_views") == 1);
    let again = frontdesk_server::admin::copy_database(&from, &to).await.map(|_| ()).expect_err("not twice");
    assert!(again.to_string().contains("already holds 2 org(s)"), "{again}");

    let new = TestServer::on_database(to, &old).await;
    let (status, moved) = new.get("/v1/conversations").await;
    assert_eq!(status, StatusCode::OK, "the copied key works: {moved}");
    assert_eq!(ids(&moved), ids(&list), "the same conversations in the same order");
    assert_eq!(moved["items"], list["items"], "and the same in every field");
    let (_, moved_thread) = new.get(&format!("/v1/conversations/{refund}/messages")).await;
    assert_eq!(moved_thread, thread);
    let (_, moved_views) = new.get("/v1/views").await;
    assert_eq!(moved_views, views, "saved views and their counts");
    let (_, found) = new.get("/v1/conversations?q=QX-77812").await;
    assert_eq!(ids(&found).len(), 1, "search is rebuilt on the target: {found}");
    // The retried send is answered from the copied record, not sent again.
    let retried = new
        .client
        .post(new.path(&format!("/v1/conversations/{refund}/messages")))
        .bearer_auth(&new.key)
        .header("Idempotency-Key", "move-1")
        .json(&reply)
        .send()
        .await
        .expect("retried");
    assert_eq!(
        retried.headers().get("idempotent-replayed").map(reqwest::header::HeaderValue::as_bytes),
        Some(&b"true"[..])
    );
    // A stream resuming from before the move goes on with the next number.
    let mut stream = events::open(&new, &new.key, Some(&newest.to_string()), "").await;
    new.inbound("+15550160001", "one more thing").await;
    let next = stream.stored(1, "the first event after the move").await;
    assert_eq!(next[0].id, Some(newest + 1), "event numbers go on where they stopped");
    let (_, after) = new.get(&format!("/v1/conversations/{refund}/messages")).await;
    let bodies: Vec<&str> =
        after["items"].as_array().expect("items").iter().filter_map(|m| m["body"].as_str()).collect();
    assert_eq!(bodies.last(), Some(&"one more thing"), "new messages follow the copied ones");
}

/// The verb as a person runs it: the binary copies, prints each table's rows and the
/// target with its password hidden, and refuses to copy twice, saying why.
#[test]
fn the_copy_database_verb_copies_reports_and_refuses_a_second_time() {
    let home = tempfile::tempdir().expect("dir");
    let from = format!("sqlite://{}", home.path().join("team.db").display());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // Trust authentication ignores the password: it is there to be hidden.
    let to = runtime.block_on(crate::postgres::database()).replacen("frontdesk@", "frontdesk:s3cret-pw@", 1);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .args(args)
            .env("XDG_CONFIG_HOME", home.path())
            .env("XDG_STATE_HOME", home.path())
            .env_remove("FRONTDESK_CONFIG")
            .output()
            .expect("the binary runs")
    };
    let made = run(&[
        "admin",
        "--database",
        &from,
        "create-org",
        "Acme",
        "--admin-name",
        "Ana",
        "--admin-email",
        "ana@acme.test",
    ]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let copied = run(&["admin", "copy-database", "--from", &from, "--to", &to]);
    let (out, err) = (String::from_utf8_lossy(&copied.stdout), String::from_utf8_lossy(&copied.stderr));
    assert!(copied.status.success(), "{out}{err}");
    assert!(out.lines().any(|l| l.starts_with("orgs") && l.trim_end().ends_with("1 rows")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("api_keys") && l.trim_end().ends_with("1 rows")), "{out}");
    assert!(err.contains("every table's count matches") && err.contains(":***@"), "{err}");
    assert!(!format!("{out}{err}").contains("s3cret-pw"), "the password was printed");
    let again = run(&["admin", "copy-database", "--from", &from, "--to", &to]);
    let said = format!("{}{}", String::from_utf8_lossy(&again.stdout), String::from_utf8_lossy(&again.stderr));
    assert!(!again.status.success());
    assert!(said.contains("already holds 1 org(s)") && !said.contains("s3cret-pw"), "{said}");
}
