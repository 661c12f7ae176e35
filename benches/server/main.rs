//! Benchmarks of the reference server, over real loopback HTTP where a client would be:
//!
//! 1. ingestion of inbound customer messages, through `POST /v1/inbound` and through
//!    the storage path alone (`Db::write` + `messages::ingest`);
//! 2. list-page latency with 100,000 conversations of the demo's history
//!    (`demo::bulk`, as `frontdesk demo --conversations N` makes them), per view, plus
//!    full-text search and `/v1/views/counts`;
//! 3. SSE fan-out: one write, 200 connected `/v1/events` clients, time until the last
//!    of them has the event.
//!
//! `cargo bench --bench server`. A plain `main`, no harness: every loop is bounded in
//! count and in time, and a missed target is reported as information, never a panic.
//! Client and server share this process (and the machine's cores): the figures are
//! what one box serving itself over loopback does, client costs included.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use frontdesk::config::Config;
use frontdesk_domain::{AgentRole, OrgId};
use frontdesk_server::{self as server, Running, admin, demo};
use serde_json::Value;

/// The words to search the demo's history by.
#[path = "../support/demo.rs"]
mod demo_words;

mod ingestion;
mod list;
mod sse;

use ingestion::{
    BIG_TASKS, DIAG_TIME, HTTP_CLIENTS, HTTP_CLIENTS_HEAVY, Load, ingest_http, ingest_storage, storage_row,
};
use list::list_latency;
use sse::sse_fanout;

/// Conversations of the demo's history the list and SSE sections run over (and the
/// ingestion diagnostic at that size). Each section keeps its own budgets.
const CONVERSATIONS: usize = 100_000;

// --- results -------------------------------------------------------------------------

struct Stats {
    mean: Duration,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(samples: &mut [Duration]) -> Option<Stats> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let total: Duration = samples.iter().sum();
    let n = samples.len();
    // Nearest rank: the smallest sample with at least p% of samples at or below it.
    let rank = |p: usize| samples[(p * n).div_ceil(100).clamp(1, n) - 1];
    Some(Stats {
        mean: total / u32::try_from(n).unwrap_or(u32::MAX),
        p50: rank(50),
        p99: rank(99),
        max: samples[n - 1],
    })
}

/// `n` per second over `d`.
fn per_sec(n: usize, d: Duration) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX)) / d.as_secs_f64()
}

enum Target {
    None,
    /// At least this many per second.
    Rate(f64),
    /// p99 at most this.
    P99(Duration),
}

struct Row {
    name: String,
    n: usize,
    stats: Option<Stats>,
    /// Per second.
    throughput: Option<f64>,
    target: Target,
    errors: usize,
}

impl Row {
    fn verdict(&self) -> &'static str {
        let ok = match self.target {
            Target::None => return "-",
            Target::Rate(min) => self.throughput.is_some_and(|t| t >= min),
            Target::P99(max) => self.stats.as_ref().is_some_and(|s| s.p99 <= max),
        };
        if self.errors > 0 {
            if ok { "pass*" } else { "MISS*" }
        } else if ok {
            "pass"
        } else {
            "MISS"
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}ms", d.as_secs_f64() * 1e3)
}

const NAME_WIDTH: usize = 44;

fn header() -> String {
    format!(
        "{:<NAME_WIDTH$} {:>6} {:>9} {:>9} {:>9} {:>9} {:>11} {:>12} {:>6}",
        "benchmark", "N", "mean", "p50", "p99", "max", "throughput", "target", "result"
    )
}

fn line(r: &Row) -> String {
    let (mean, p50, p99, max) = match &r.stats {
        Some(s) => (ms(s.mean), ms(s.p50), ms(s.p99), ms(s.max)),
        None => ("-".into(), "-".into(), "-".into(), "-".into()),
    };
    let throughput = r
        .throughput
        .map_or_else(|| "-".to_owned(), |t| if t < 10.0 { format!("{t:.2}/s") } else { format!("{t:.0}/s") });
    let target = match r.target {
        Target::None => "-".to_owned(),
        Target::Rate(min) => format!(">= {min:.0}/s"),
        Target::P99(max) => format!("p99 <= {}ms", max.as_millis()),
    };
    let mut out = format!(
        "{:<NAME_WIDTH$} {:>6} {:>9} {:>9} {:>9} {:>9} {:>11} {:>12} {:>6}",
        r.name,
        r.n,
        mean,
        p50,
        p99,
        max,
        throughput,
        target,
        r.verdict()
    );
    if r.errors > 0 {
        let _ = write!(out, "  ({} errors)", r.errors);
    }
    out
}

fn report(rows: &mut Vec<Row>, row: Row) {
    println!("{}", line(&row));
    rows.push(row);
}

// --- a server to measure -------------------------------------------------------------

struct Env {
    running: Running,
    org: OrgId,
    key: String,
    http: reqwest::Client,
    // Last: the database files go once the server has stopped.
    dir: tempfile::TempDir,
}

impl Env {
    async fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let db_url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let mut cfg = Config::default();
        cfg.server.rate_limit_per_second = 0;
        let running = server::start(&cfg.server, &db_url, "127.0.0.1:0").await?;
        let db = &running.state.db;
        let made = admin::create_org(db, "Bench Org", "Ada Admin", "ada@bench.test", 3600).await?;
        // A team of eight: the history's conversations are assigned among them.
        for i in 0..7_u32 {
            let team = if i.is_multiple_of(2) { "billing" } else { "support" };
            let name = format!("Agent {i}");
            admin::create_agent(
                db,
                made.org.as_str(),
                &name,
                &format!("agent{i}@bench.test"),
                AgentRole::Agent,
                Some(team),
            )
            .await?;
        }
        Ok(Self { running, org: made.org, key: made.key, http: reqwest::Client::new(), dir })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url())
    }

    /// Stops the server. With `BENCH_KEEP_DB` set, the database is kept (and its path
    /// printed) for `EXPLAIN QUERY PLAN` and the like.
    async fn stop(self) {
        let Self { running, dir, .. } = self;
        running.stop().await;
        if std::env::var_os("BENCH_KEEP_DB").is_some() {
            println!("    kept the database: {}", dir.keep().join("bench.db").display());
        }
    }
}

/// GET `path` as the bench's agent, its JSON answer.
async fn get_json(env: &Env, path: &str) -> Result<Value> {
    let resp = env.http.get(env.url(path)).bearer_auth(&env.key).send().await?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("GET {path}: {status} {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

// --- main ----------------------------------------------------------------------------

#[tokio::main]
async fn main() -> Result<()> {
    // RUST_LOG (e.g. `sqlx::query=debug`, which logs every statement with its time) to
    // see where the time goes; silent by default.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let began = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!("frontdesk server benchmarks: {cores} cores available; client and server share this process.");
    println!("{}", header());
    let mut rows = Vec::new();

    // BENCH_ONLY=ingest,list,sse runs only those sections (default: all).
    let only = std::env::var("BENCH_ONLY").ok();
    let want = |section: &str| only.as_deref().is_none_or(|o| o.split(',').any(|s| s.trim() == section));

    if want("ingest") {
        let env = Env::start().await?;
        report(&mut rows, ingest_http(&env, HTTP_CLIENTS, "http").await?);
        report(&mut rows, ingest_http(&env, HTTP_CLIENTS_HEAVY, "http2").await?);
        env.stop().await;

        let env = Env::start().await?;
        ingest_storage(&env, &mut rows).await?;
        env.stop().await;
    }

    if want("list") || want("sse") {
        let env = Env::start().await?;
        let t = Instant::now();
        // The demo's history, as `frontdesk demo --conversations N` makes it.
        let plan = demo::plan::plan(jiff::Timestamp::now(), 7)?;
        demo::bulk::seed(&env.running.state, &env.org, &plan, CONVERSATIONS, 7).await?;
        println!("    seeded {CONVERSATIONS} conversations of the demo's history in {:.1}s", t.elapsed().as_secs_f64());
        let rare = demo_words::rare_word(&env.http, &env.key, &env.running.url()).await?;
        if want("list") {
            list_latency(&env, &rare, &mut rows).await?;
        }
        if want("sse") {
            sse_fanout(&env, &mut rows).await?;
        }
        if want("ingest") {
            // Few tasks: at this size one ingest can take a long time, and the run must
            // end soon after its budget.
            let name = format!("  diag: ingest at {}k conversations ({BIG_TASKS} tasks)", CONVERSATIONS / 1000);
            report(&mut rows, storage_row(&env, name, "big", Load::Ingest, BIG_TASKS, DIAG_TIME, Target::None).await?);
        }
        env.stop().await;
    }

    println!();
    println!("Summary ({cores} cores, {:.0}s in all):", began.elapsed().as_secs_f64());
    println!("{}", header());
    for r in &rows {
        println!("{}", line(r));
    }
    println!("(result is information, not a gate; * = some requests failed, see errors)");
    Ok(())
}
