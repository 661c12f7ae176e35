//! The seed's copy against a fresh seed: every column of every table, the ids
//! aside (new ones each seed) and times within a minute (the two are made seconds
//! apart; the copy's own times are days old until moved).

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use sqlx::{AssertSqlSafe, Connection as _, SqliteConnection};

use super::{SEEDED, fits, moved_by, seeded_at, write_bytes};
use crate::config::ServerConfig;
use crate::copilot::{Copilot, CopilotConfig};
use crate::demo::{DEMO_SEED, KEYS, plan, seed};
use crate::hub::Hub;
use crate::store::Db;
use frontdesk_domain::OrgId;

/// Set, the test makes the copy again and writes it into `assets/demo/`.
const BLESS: &str = "FRONTDESK_BLESS_DEMO";

/// The SLA target the copy is made with: the default configuration's
/// (`config.example.toml`; the binary's tests hold the default to fitting).
const MINUTES: i64 = 60;

fn url(file: &Path) -> String {
    format!("sqlite://{}", file.display())
}

async fn raw(file: &Path) -> SqliteConnection {
    SqliteConnection::connect(&url(file)).await.expect("a plain connection")
}

/// Seeds `file` as a new demo database is seeded without the copy.
async fn seeded(file: &Path, now: Timestamp, keys: usize) -> (Db, OrgId) {
    let db = Db::open(&url(file), Hub::default()).await.expect("open");
    let copilot = Copilot::new(&CopilotConfig::default()).expect("the built-in copilot");
    let plan = plan::plan(now, DEMO_SEED).expect("plan");
    let drafts = seed::drafts(&copilot, &plan).await;
    let (org, _) = seed::seed(&db, plan, drafts, MINUTES * 60, keys).await.expect("seed");
    (db, org)
}

/// Makes the copy: a seed without keys, its events pruned, compacted into one file.
async fn make(dir: &Path) -> (Vec<u8>, i64) {
    let now = Timestamp::now();
    let (file, out) = (dir.join("make.db"), dir.join("made.db"));
    let (db, _) = seeded(&file, now, 0).await;
    let mut c = raw(&file).await;
    sqlx::query(AssertSqlSafe(format!("VACUUM INTO '{}'", out.display()))).execute(&mut c).await.expect("vacuum into");
    drop(db);
    let mut c = raw(&out).await;
    for sql in ["DELETE FROM events", "UPDATE event_sequences SET pruned_through = last_seq", "VACUUM"] {
        sqlx::query(sql).execute(&mut c).await.expect(sql);
    }
    c.close().await.expect("close");
    (std::fs::read(&out).expect("the copy"), now.as_millisecond())
}

/// Columns that differ by design: the copy's events are pruned (their payloads
/// hold times), a key is new each start, and the migrations ran when the copy was made.
fn skipped(table: &str, column: &str) -> bool {
    table == "events"
        || table.starts_with("sqlite_stat")
        || matches!(
            (table, column),
            ("event_sequences", "pruned_through")
                | ("api_keys", "hash" | "prefix")
                | ("schema_migrations", "applied_at")
        )
}

/// An id (`cnv_` and 32 hex digits) anywhere in `value`, as `<id>`.
fn without_ids(value: &str) -> String {
    let b = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < b.len() {
        let id = b.len() >= i + 36
            && b[i..i + 3].iter().all(u8::is_ascii_lowercase)
            && b[i + 3] == b'_'
            && b[i + 4..i + 36].iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c));
        if id {
            out.push_str("<id>");
            i += 36;
        } else {
            let ch = value[i..].chars().next().unwrap_or_default();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Every column's values, sorted, by `table.column`.
async fn dump(file: &Path) -> BTreeMap<String, Vec<String>> {
    let mut c = raw(file).await;
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .fetch_all(&mut c)
        .await
        .expect("tables");
    let mut out = BTreeMap::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
            .bind(&table)
            .fetch_all(&mut c)
            .await
            .expect("columns");
        for column in columns.into_iter().filter(|col| !skipped(&table, col)) {
            let sql = format!("SELECT quote(\"{column}\") FROM \"{table}\"");
            let values: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql)).fetch_all(&mut c).await.expect("values");
            let mut values: Vec<String> = values.iter().map(|v| without_ids(v)).collect();
            values.sort();
            out.insert(format!("{table}.{column}"), values);
        }
    }
    out
}

/// A time in unix milliseconds (after 2001), as the schema keeps them.
fn millis(v: &str) -> Option<i64> {
    v.parse().ok().filter(|&n: &i64| n > 1_000_000_000_000)
}

fn differences(copy: &BTreeMap<String, Vec<String>>, fresh: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut out = Vec::new();
    for (column, want) in fresh {
        let Some(got) = copy.get(column) else {
            out.push(format!("{column}: not in the copy"));
            continue;
        };
        if got.len() != want.len() {
            out.push(format!("{column}: {} rows in the copy, {} seeded", got.len(), want.len()));
            continue;
        }
        let off = got.iter().zip(want).find(|(g, w)| match (millis(g), millis(w)) {
            (Some(g), Some(w)) => (g - w).abs() > 60_000,
            _ => g != w,
        });
        if let Some((g, w)) = off {
            let hint = if millis(g).is_some() { " (a time the move leaves out: add it to load::TIMES)" } else { "" };
            out.push(format!("{column}: the copy has {g}, a seed {w}{hint}"));
        }
    }
    out.extend(copy.keys().filter(|k| !fresh.contains_key(*k)).map(|k| format!("{k}: only in the copy")));
    out
}

#[tokio::test]
async fn the_copy_is_this_builds_seed_moved_to_now() {
    let dir = tempfile::tempdir().expect("dir");
    let (bytes, at) = if std::env::var_os(BLESS).is_some() {
        let (bytes, at) = make(dir.path()).await;
        let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
        std::fs::write(assets.join("seeded.db"), &bytes).expect("write the copy");
        std::fs::write(assets.join("seeded.txt"), format!("at={at}\nfirst_response_minutes={MINUTES}\n"))
            .expect("write what it was seeded with");
        (bytes, at)
    } else {
        (SEEDED.to_vec(), seeded_at().expect("seeded.txt names its instant"))
    };

    // As a demo starts from the copy: written, opened (migrated, if the schema
    // moved on), moved to now, with keys.
    let copy = dir.path().join("copy.db");
    write_bytes(&copy, &bytes).expect("write");
    let db = Db::open(&url(&copy), Hub::default()).await.expect("open the copy");
    let now = Timestamp::now();
    let plan = plan::plan(now, DEMO_SEED).expect("plan");
    let org = db.find_org(&plan.org_name).await.expect("the copy holds the demo org");
    // Blessed just now, the copy is read from disk rather than from the build.
    let by = if std::env::var_os(BLESS).is_some() { now.as_millisecond() - at } else { moved_by(now) };
    let keys = seed::settle(&db, &org, by, &plan, KEYS).await.expect("settle");
    assert_eq!(keys.len(), KEYS, "fresh keys");

    // As a demo seeds without it.
    let fresh = dir.path().join("fresh.db");
    let (_db, _) = seeded(&fresh, now, KEYS).await;

    let problems = differences(&dump(&copy).await, &dump(&fresh).await);
    assert!(
        problems.is_empty(),
        "the demo's seed copy (assets/demo/seeded.db) is not this build's seed; {} columns differ:\n{}\n\
         Make it again: FRONTDESK_BLESS_DEMO=1 cargo test -p frontdesk-server demo::snapshot",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn only_the_configuration_the_copy_was_made_with_starts_from_it() {
    let cfg = |minutes: u32, copilot: CopilotConfig| ServerConfig {
        first_response_minutes: minutes,
        copilot,
        bind: String::new(),
        database: String::new(),
        body_limit_bytes: 1 << 20,
        rate_limit_per_second: 0,
        rate_limit_burst: 0,
        event_retention_hours: 24,
        event_keep_alive_secs: 15,
        tls_cert: None,
        tls_key: None,
    };
    assert!(fits(&cfg(60, CopilotConfig::default())));
    assert!(!fits(&cfg(30, CopilotConfig::default())), "another SLA target seeds");
    let llm = CopilotConfig { engine: crate::copilot::Engine::Llm, ..CopilotConfig::default() };
    assert!(!fits(&cfg(60, llm)), "another copilot seeds");
}

#[test]
fn a_log_left_from_a_database_that_is_gone_is_not_kept_beside_the_copy() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("demo.db");
    std::fs::write(dir.path().join("demo.db-wal"), b"frames of another database").expect("orphan log");
    std::fs::write(dir.path().join("demo.db-shm"), b"its index").expect("orphan index");
    super::write(&file).expect("the copy");
    assert!(!dir.path().join("demo.db-wal").exists() && !dir.path().join("demo.db-shm").exists());
    assert_eq!(std::fs::read(&file).expect("read").len(), SEEDED.len());
    std::fs::write(dir.path().join("demo.db-wal"), b"a live database's log").expect("log");
    assert!(super::write(&file).is_err(), "never over a database that is there");
    assert!(dir.path().join("demo.db-wal").exists(), "nor its log");
}

#[test]
fn ids_are_told_apart_from_text() {
    assert_eq!(without_ids("cnv_01a24ecdde127787af092a62b8c1939f"), "<id>");
    assert_eq!(without_ids("[\"agt_01a24ecdde1070488bc53fb7831213ad\",\"x\"]"), "[\"<id>\",\"x\"]");
    assert_eq!(without_ids("order_12 café"), "order_12 café");
}
