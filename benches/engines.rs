//! The server on SQLite and on PostgreSQL side by side, and on PostgreSQL with two
//! instances, each at 100,000 conversations (the demo's history, `demo::bulk`):
//!
//! - ingestion over HTTP (`POST /v1/inbound`) from a separate load generator process
//!   (this binary again, run with `FRONTDESK_LOADGEN`), 32 senders for 10 s, spread
//!   over the instances;
//! - a list page (`GET /v1/conversations`, 50 rows);
//! - full-text search for a rare word (one order number) and common ones ("order",
//!   "your", "the");
//! - every view's count (`GET /v1/views/counts`);
//! - with two instances: a write on one until a stream on the other has it.
//!
//! `cargo bench --bench engines` (`BENCH_ONLY=postgres` for some columns). PostgreSQL runs on a cluster of the bench's own
//! (the tests' harness: `initdb` + `postgres` in a temp dir, fsync off, as the tests
//! run it). A plain `main`: every loop is bounded, and figures are reported, never
//! asserted.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use frontdesk::config::Config;
use frontdesk_server::{self as server, Running, admin, demo};
use futures::StreamExt as _;
use serde_json::json;

/// How long the common words' keeper takes to give its bits and read 100,000
/// conversations (about 25 s on SQLite here), with room.
const KEEPER_SETTLES: Duration = Duration::from_secs(60);

/// How long it takes to read the conversations a load run made (it looks every 5 s).
const KEEPER_CATCHES_UP: Duration = Duration::from_secs(10);

/// The words to search the demo's history by.
#[path = "support/demo.rs"]
mod demo_words;

/// The tests' own cluster harness; a bench, like a test, stops at its first failure.
use frontdesk_testpg as postgres;

const CONVERSATIONS: usize = 100_000;
const SENDERS: usize = 32;
const INGEST_SECS: u64 = 10;
const REQUESTS: usize = 300;
const COUNT_REQUESTS: usize = 100;
const CROSS_WRITES: usize = 200;

fn main() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if let Ok(spec) = std::env::var("FRONTDESK_LOADGEN") {
        return runtime.block_on(loadgen(&spec));
    }
    runtime.block_on(run())
}

/// One configuration's figures, in the table's order.
struct Column {
    name: &'static str,
    cells: Vec<(String, String)>,
}

async fn run() -> Result<()> {
    // BENCH_ONLY=sqlite (or postgres, or "2 instances") runs the columns it names.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default().to_lowercase();
    let wanted = |name: &str| only.is_empty() || name.to_lowercase().contains(&only);
    let mut columns = Vec::new();
    let dir = tempfile::tempdir()?;
    if wanted("SQLite") {
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        columns.push(measure("SQLite", &sqlite, 1).await?);
    }
    for (name, instances) in [("PostgreSQL", 1), ("PostgreSQL, 2 instances", 2)] {
        if wanted(name) {
            columns.push(measure(name, &postgres::database().await, instances).await?);
        }
    }
    print_table(&columns);
    Ok(())
}

async fn measure(name: &'static str, url: &str, instances: usize) -> Result<Column> {
    println!("{name}: seeding {CONVERSATIONS} conversations…");
    let mut cfg = Config::default();
    cfg.server.rate_limit_per_second = 0;
    let state = server::prepare(&cfg.server, url).await?;
    let made = admin::create_org(&state.db, "Bench Org", "Ada Admin", "ada@bench.test", 3600).await?;
    let plan = demo::plan::plan(jiff::Timestamp::now(), 7)?;
    let started = Instant::now();
    demo::bulk::seed(&state, &made.org, &plan, CONVERSATIONS, 7).await?;
    let seeded = started.elapsed();
    let mut running = vec![server::serve(state, "127.0.0.1:0").await?];
    for _ in 1..instances {
        running.push(server::start(&cfg.server, url, "127.0.0.1:0").await?);
    }
    let urls: Vec<String> = running.iter().map(Running::url).collect();
    let key = made.key;
    let http = reqwest::Client::new();
    let mut cells = vec![("seed 100,000 conversations".to_owned(), format!("{:.1} s", seeded.as_secs_f64()))];

    // The common words' keeper gives its bits 5 s after the start and reads every
    // conversation once (`store/sql/word_bits.rs`): measured after it, as a server
    // that has been up a minute is.
    println!("{name}: letting the common words' first reading end…");
    tokio::time::sleep(KEEPER_SETTLES).await;
    println!("{name}: ingestion from a separate process…");
    cells.push(("ingest over HTTP, 32 senders (separate process)".to_owned(), ingest(&urls, &key).await?));
    // The conversations the load made are read for their bits within 5 s.
    tokio::time::sleep(KEEPER_CATCHES_UP).await;
    let first = &urls[0];
    let get = |path: &str| format!("{first}{path}");
    cells.push((
        "list page, 50 rows (p50 / p99)".to_owned(),
        latency(&http, &key, &get("/v1/conversations?limit=50"), REQUESTS).await?,
    ));
    let rare = demo_words::rare_word(&http, &key, first).await?;
    cells.push((
        "search, a rare word (one order number)".to_owned(),
        latency(&http, &key, &get(&format!("/v1/conversations?limit=50&q={rare}")), REQUESTS).await?,
    ));
    // "order" is in about a third of the conversations, "your" and "the" in most.
    for word in ["order", "your", "the"] {
        cells.push((
            format!("search, a common word (\"{word}\")"),
            latency(&http, &key, &get(&format!("/v1/conversations?limit=50&q={word}")), REQUESTS).await?,
        ));
    }
    // Counts are kept between changes: asked again, they are the kept ones; after a
    // write, they are counted.
    cells.push((
        "every view's count, kept".to_owned(),
        latency(&http, &key, &get("/v1/views/counts"), COUNT_REQUESTS).await?,
    ));
    cells.push(("every view's count after a write".to_owned(), counted(&http, &key, first).await?));
    if urls.len() > 1 {
        println!("{name}: a write on one instance until a stream on the other has it…");
        cells.push(("write on one, on the other's stream (p50 / p99)".to_owned(), cross(&http, &key, &urls).await?));
    }
    for r in running {
        r.stop().await;
    }
    Ok(Column { name, cells })
}

/// Runs the load generator as its own process against `urls`; its summary line.
async fn ingest(urls: &[String], key: &str) -> Result<String> {
    let exe = std::env::current_exe()?;
    let spec = format!("{}|{key}|{SENDERS}|{INGEST_SECS}", urls.join(","));
    let out = tokio::process::Command::new(exe).env("FRONTDESK_LOADGEN", spec).output().await?;
    if !out.status.success() {
        bail!("the load generator failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The load generator: `urls|key|senders|secs`; prints "N/s (p50 / p99 per message)".
async fn loadgen(spec: &str) -> Result<()> {
    let parts: Vec<&str> = spec.split('|').collect();
    let [urls, key, senders, secs] = parts[..] else { bail!("FRONTDESK_LOADGEN: urls|key|senders|secs") };
    let urls: Vec<String> = urls.split(',').map(str::to_owned).collect();
    let senders: usize = senders.parse()?;
    let deadline = Instant::now() + Duration::from_secs(secs.parse()?);
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..senders {
        let (http, key, url) = (http.clone(), key.to_owned(), urls[s % urls.len()].clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0_usize;
            let mut n = 0_usize;
            while Instant::now() < deadline {
                let body = json!({"channel": "sms", "contact": {"handle": format!("+1777{s:03}{:05}", n % 500)},
                                  "body": format!("load {s}-{n}: where is my order?"),
                                  "provider_message_id": format!("load-{s}-{n}")});
                let t0 = Instant::now();
                let ok = http
                    .post(format!("{url}/v1/inbound"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    lat.push(t0.elapsed());
                } else {
                    errors += 1;
                }
                n += 1;
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await?;
        all.extend(lat);
        errors += e;
    }
    let elapsed = started.elapsed();
    let rate = f64::from(u32::try_from(all.len()).unwrap_or(u32::MAX)) / elapsed.as_secs_f64();
    let (p50, p99) = percentiles(&mut all);
    println!(
        "{rate:.0} msg/s ({p50} / {p99} per message{})",
        if errors > 0 { format!(", {errors} failed") } else { String::new() }
    );
    Ok(())
}

async fn latency(http: &reqwest::Client, key: &str, url: &str, n: usize) -> Result<String> {
    for _ in 0..10 {
        http.get(url).bearer_auth(key).send().await?.error_for_status()?;
    }
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let t0 = Instant::now();
        let resp = http.get(url).bearer_auth(key).send().await?.error_for_status()?;
        resp.bytes().await?;
        lat.push(t0.elapsed());
    }
    let (p50, p99) = percentiles(&mut lat);
    Ok(format!("{p50} / {p99}"))
}

/// `GET /v1/views/counts` right after an inbound message each time, `COUNT_REQUESTS`
/// times: the counts are taken afresh, not kept.
async fn counted(http: &reqwest::Client, key: &str, url: &str) -> Result<String> {
    let mut lat = Vec::with_capacity(COUNT_REQUESTS);
    for i in 0..COUNT_REQUESTS {
        http.post(format!("{url}/v1/inbound"))
            .bearer_auth(key)
            .json(&json!({"channel": "sms", "contact": {"handle": "+17770000002"}, "body": format!("count {i}")}))
            .send()
            .await?
            .error_for_status()?;
        let t0 = Instant::now();
        let resp = http.get(format!("{url}/v1/views/counts")).bearer_auth(key).send().await?.error_for_status()?;
        resp.bytes().await?;
        lat.push(t0.elapsed());
    }
    let (p50, p99) = percentiles(&mut lat);
    Ok(format!("{p50} / {p99}"))
}

/// A write on the first instance until the second's stream has it, `CROSS_WRITES` times.
async fn cross(http: &reqwest::Client, key: &str, urls: &[String]) -> Result<String> {
    let resp = http.get(format!("{}/v1/events", urls[1])).bearer_auth(key).send().await?.error_for_status()?;
    let mut stream = sse_stream::SseByteStream::new(resp.bytes_stream());
    let mut lat = Vec::with_capacity(CROSS_WRITES);
    for i in 0..CROSS_WRITES {
        let body = format!("cross-instance {i}");
        let t0 = Instant::now();
        http.post(format!("{}/v1/inbound", urls[0]))
            .bearer_auth(key)
            .json(&json!({"channel": "sms", "contact": {"handle": "+17770000001"}, "body": body}))
            .send()
            .await?
            .error_for_status()?;
        loop {
            let block = tokio::time::timeout(Duration::from_secs(10), stream.next())
                .await
                .context("the other instance's stream went quiet")?
                .context("the stream ended")??;
            if block.event.as_deref() == Some("message_created")
                && block.data.as_deref().is_some_and(|d| d.contains(&body))
            {
                break;
            }
        }
        lat.push(t0.elapsed());
    }
    let (p50, p99) = percentiles(&mut lat);
    Ok(format!("{p50} / {p99}"))
}

fn percentiles(samples: &mut [Duration]) -> (String, String) {
    if samples.is_empty() {
        return ("-".into(), "-".into());
    }
    samples.sort();
    // The sample at the given thousandth, rounded to the nearest.
    let at = |permille: usize| {
        let i = ((samples.len() - 1) * permille + 500) / 1000;
        format!("{:.1} ms", samples[i].as_secs_f64() * 1000.0)
    };
    (at(500), at(990))
}

fn print_table(columns: &[Column]) {
    println!();
    let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
    println!("| | {} |", names.join(" | "));
    println!("|---|{}|", vec!["---"; names.len()].join("|"));
    let rows: Vec<String> =
        columns.iter().flat_map(|c| c.cells.iter().map(|(label, _)| label.clone())).fold(Vec::new(), |mut acc, l| {
            if !acc.contains(&l) {
                acc.push(l);
            }
            acc
        });
    for label in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| c.cells.iter().find(|(l, _)| *l == label).map_or_else(|| "—".to_owned(), |(_, v)| v.clone()))
            .collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
}
