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
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use frontdesk::config::Config;
use frontdesk_domain::{AgentRole, Channel, OrgId};
use frontdesk_server::store::Inbound;
use frontdesk_server::{self as server, Running, admin, demo};
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// The words to search the demo's history by.
#[path = "support/demo.rs"]
mod demo_words;

// --- budgets -------------------------------------------------------------------------

const INGEST_TIME: Duration = Duration::from_secs(10);
const INGEST_MAX: usize = 50_000;
const HTTP_CLIENTS: usize = 32;
const STORAGE_TASKS: usize = 64;
/// Ingestion capacity: with ~15 ms per batch, 64 senders cap throughput at ~4,000/s
/// (Little's law), so a heavier load shows what one batch per turn can carry.
const HTTP_CLIENTS_HEAVY: usize = 128;
const STORAGE_TASKS_HEAVY: usize = 256;
/// Contacts known before an ingestion run starts: half the traffic writes to them.
const KNOWN_CONTACTS: usize = 1_000;
/// The diagnostic runs that split the storage path's cost.
const DIAG_TIME: Duration = Duration::from_secs(3);
/// Tasks ingesting into the 100k-conversation database.
const BIG_TASKS: usize = 4;

const CONVERSATIONS: usize = 100_000;
const LIST_REQUESTS: usize = 1_000;
const LIST_TIME: Duration = Duration::from_secs(5);
const COUNTS_REQUESTS: usize = 200;
const WARMUP: usize = 20;
/// How deep the "later page" row starts: this many pages of 50 in.
const CURSOR_DEPTH: usize = 100;

const SSE_CLIENTS: usize = 200;
const SSE_ROUNDS: usize = 50;
const SSE_WARMUP_ROUNDS: usize = 3;
const SSE_ROUND_TIMEOUT: Duration = Duration::from_secs(5);

const INGEST_TARGET: f64 = 5_000.0;
const LIST_TARGET: Duration = Duration::from_millis(10);
const SSE_TARGET: Duration = Duration::from_millis(50);

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

// --- 1. ingestion --------------------------------------------------------------------

const CUSTOMER_SAYS: &[&str] = &[
    "Hi, my order #{n} has not arrived yet. Can you check where it is?",
    "I was charged twice for order #{n}, please refund one of the payments",
    "Can I change the delivery address for #{n}?",
    "The invoice for order #{n} shows the wrong company name",
    "How do I reset my password? The link in the email has expired",
    "The app crashes when I open the settings page on Android",
    "I'd like to return the shoes from order #{n}, they are too small",
    "Do you ship to Norway? I could not find it in the checkout",
    "My discount code SPRING{n} is not accepted at checkout",
    "Please send me a copy of the invoice for my last payment",
    "Is there a way to pause my subscription for a month?",
    "The parcel arrived damaged, the box was crushed. Order #{n}",
    "Thanks, that fixed it!",
    "Hello? Anyone there? I have been waiting for an answer since yesterday",
];

fn say(rng: &mut StdRng, from: &[&str]) -> String {
    from[rng.random_range(0..from.len())].replace("{n}", &rng.random_range(10_000..99_999).to_string())
}

/// The `n`th message of a run: half from one of the known contacts (threads into
/// their live conversation), half from a contact never seen (opens one).
fn inbound(run: &str, n: usize, rng: &mut StdRng) -> Inbound {
    let (handle, channel) = if rng.random_bool(0.5) {
        let c = rng.random_range(0..KNOWN_CONTACTS);
        (format!("+1555{c:07}"), Channel::ALL[c % Channel::ALL.len()].clone())
    } else {
        (format!("{run}-{n}@example.com"), Channel::ALL[rng.random_range(0..Channel::ALL.len())].clone())
    };
    Inbound {
        name: Some(format!("Customer {handle}")),
        provider_message_id: Some(format!("{run}-{n}")),
        ..Inbound::text(channel, &handle, &say(rng, CUSTOMER_SAYS))
    }
}

/// Makes the known contacts, each with a live conversation, in one write.
async fn seed_known_contacts(env: &Env, run: &str) -> Result<()> {
    let org = env.org.clone();
    let run = run.to_owned();
    env.running
        .state
        .db
        .write(move |w| {
            Box::pin(async move {
                let mut rng = StdRng::seed_from_u64(7);
                for c in 0..KNOWN_CONTACTS {
                    let mut m = inbound(&run, 0, &mut rng);
                    m.handle = format!("+1555{c:07}");
                    m.channel = Channel::ALL[c % Channel::ALL.len()].clone();
                    m.provider_message_id = Some(format!("{run}-known-{c}"));
                    w.ingest(&org, vec![m]).await?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(())
}

type TaskResult = (Vec<Duration>, usize);

async fn gather(tasks: Vec<tokio::task::JoinHandle<TaskResult>>) -> Result<TaskResult> {
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, err) = t.await?;
        all.extend(lat);
        errors += err;
    }
    Ok((all, errors))
}

async fn ingest_http(env: &Env, clients: usize, run: &'static str) -> Result<Row> {
    seed_known_contacts(env, run).await?;
    let next = Arc::new(AtomicUsize::new(0));
    let url = env.url("/v1/inbound");
    let start = Instant::now();
    let deadline = start + INGEST_TIME;
    let mut tasks = Vec::new();
    for t in 0..clients {
        let (client, url, key, next) = (env.http.clone(), url.clone(), env.key.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(1_000 + t as u64);
            let (mut lat, mut errors) = (Vec::new(), 0);
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= INGEST_MAX || Instant::now() >= deadline {
                    break;
                }
                let m = inbound(run, n, &mut rng);
                let body = json!({
                    "channel": m.channel.as_str(),
                    "contact": {"handle": m.handle, "name": m.name},
                    "body": m.body,
                    "provider_message_id": m.provider_message_id,
                });
                let req = client.post(&url).bearer_auth(&key).json(&body);
                let t0 = Instant::now();
                let ok = match req.send().await {
                    Ok(resp) => resp.status() == StatusCode::CREATED && resp.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok {
                    lat.push(t0.elapsed());
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let (mut lat, errors) = gather(tasks).await?;
    let elapsed = start.elapsed();
    Ok(Row {
        name: format!("ingest via POST /v1/inbound ({clients} clients)"),
        n: lat.len(),
        throughput: Some(per_sec(lat.len(), elapsed)),
        stats: stats(&mut lat),
        target: Target::Rate(INGEST_TARGET),
        errors,
    })
}

/// What each writer job does in a storage-path run.
#[derive(Clone, Copy)]
enum Load {
    /// `Tx::ingest` of one customer message, one writer job each.
    Ingest,
    /// `AppState::intake`: what `POST /v1/inbound` calls; concurrent messages share a job.
    Intake,
    /// Nothing: the writer's own cost per job (savepoint, answer, batch commit).
    Empty,
}

/// `tasks` tasks submitting `load` jobs back to back, for `time` or
/// `INGEST_MAX` jobs in all. Returns per-job latencies, failures and the elapsed time.
async fn write_load(
    env: &Env,
    run: &'static str,
    load: Load,
    tasks: usize,
    time: Duration,
) -> Result<(Vec<Duration>, usize, Duration)> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + time;
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (state, org, next) = (env.running.state.clone(), env.org.clone(), next.clone());
        handles.push(tokio::spawn(async move {
            let db = &state.db;
            let mut rng = StdRng::seed_from_u64(2_000 + t as u64);
            let (mut lat, mut errors) = (Vec::new(), 0);
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= INGEST_MAX || Instant::now() >= deadline {
                    break;
                }
                let t0 = Instant::now();
                let ok = match load {
                    Load::Ingest => {
                        let (m, org) = (inbound(run, n, &mut rng), org.clone());
                        let done = db
                            .write(move |w| {
                                Box::pin(async move {
                                    let done = w.ingest(&org, vec![m]).await?;
                                    Ok(done.first().is_some_and(|i| i.duplicate))
                                })
                            })
                            .await;
                        matches!(done, Ok(false))
                    }
                    Load::Intake => {
                        let done = state.intake.ingest(org.clone(), inbound(run, n, &mut rng)).await;
                        matches!(done, Ok(ref i) if !i.duplicate)
                    }
                    Load::Empty => db.write(|_| Box::pin(async { Ok(()) })).await.is_ok(),
                };
                if ok {
                    lat.push(t0.elapsed());
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let (lat, errors) = gather(handles).await?;
    Ok((lat, errors, start.elapsed()))
}

async fn storage_row(
    env: &Env,
    name: String,
    run: &'static str,
    load: Load,
    tasks: usize,
    time: Duration,
    target: Target,
) -> Result<Row> {
    let (mut lat, errors, elapsed) = write_load(env, run, load, tasks, time).await?;
    Ok(Row {
        name,
        n: lat.len(),
        throughput: Some(per_sec(lat.len(), elapsed)),
        stats: stats(&mut lat),
        target,
        errors,
    })
}

/// The storage path alone, then what a writer job costs without ingest's work.
async fn ingest_storage(env: &Env, rows: &mut Vec<Row>) -> Result<()> {
    seed_known_contacts(env, "store").await?;
    let name = format!("ingest via Db::write + ingest ({STORAGE_TASKS} tasks)");
    report(
        rows,
        storage_row(env, name, "store", Load::Ingest, STORAGE_TASKS, INGEST_TIME, Target::Rate(INGEST_TARGET)).await?,
    );
    let name = format!("ingest via AppState::intake ({STORAGE_TASKS} tasks)");
    report(
        rows,
        storage_row(env, name, "intake", Load::Intake, STORAGE_TASKS, INGEST_TIME, Target::Rate(INGEST_TARGET)).await?,
    );
    let name = format!("ingest via AppState::intake ({STORAGE_TASKS_HEAVY} tasks)");
    report(
        rows,
        storage_row(env, name, "intake2", Load::Intake, STORAGE_TASKS_HEAVY, INGEST_TIME, Target::Rate(INGEST_TARGET))
            .await?,
    );
    let name = "  diag: ingest, 1 task (a commit per message)".to_owned();
    report(rows, storage_row(env, name, "seq", Load::Ingest, 1, DIAG_TIME, Target::None).await?);
    let name = format!("  diag: empty write job ({STORAGE_TASKS} tasks)");
    report(rows, storage_row(env, name, "empty", Load::Empty, STORAGE_TASKS, DIAG_TIME, Target::None).await?);
    Ok(())
}

// --- 2. list latency -----------------------------------------------------------------

fn query_string(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

async fn get_json(env: &Env, path: &str) -> Result<Value> {
    let resp = env.http.get(env.url(path)).bearer_auth(&env.key).send().await?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("GET {path}: {status} {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

/// Times GET `path` sequentially and returns the row (unnamed) and the first answer.
/// The first request is a sample too; when it was quick, `WARMUP` unrecorded requests
/// follow, then samples up to `max` in all or `LIST_TIME`, whichever ends first. A
/// query slower than the budget thus costs one request, not a thousand.
async fn time_get(env: &Env, path: &str, max: usize, target: Target) -> Result<(Row, Value)> {
    let url = env.url(path);
    let start = Instant::now();
    let resp = env.http.get(&url).bearer_auth(&env.key).send().await?;
    let status = resp.status();
    let text = resp.text().await?;
    let mut lat = vec![start.elapsed()];
    if status != StatusCode::OK {
        bail!("GET {path}: {status} {text}");
    }
    let first: Value = serde_json::from_str(&text)?;
    if lat[0] < Duration::from_millis(50) {
        for _ in 0..WARMUP {
            env.http.get(&url).bearer_auth(&env.key).send().await?.bytes().await?;
        }
    }
    let mut errors = 0;
    let start = Instant::now();
    // The first sample counts against the budget: a 6 s query is measured once.
    while lat.len() + errors < max && lat[0] + start.elapsed() < LIST_TIME {
        let t0 = Instant::now();
        let ok = match env.http.get(&url).bearer_auth(&env.key).send().await {
            Ok(resp) => resp.status() == StatusCode::OK && resp.bytes().await.is_ok(),
            Err(_) => false,
        };
        if ok {
            lat.push(t0.elapsed());
        } else {
            errors += 1;
        }
    }
    // Sequential requests: the rate is one over the mean, client costs included.
    let busy: Duration = lat.iter().sum();
    let row = Row {
        name: String::new(),
        n: lat.len(),
        throughput: Some(per_sec(lat.len(), busy)),
        stats: stats(&mut lat),
        target,
        errors,
    };
    Ok((row, first))
}

async fn list_latency(env: &Env, rare: &str, rows: &mut Vec<Row>) -> Result<()> {
    // The cursor of a later page: walk the "all" view from the top.
    let mut cursor = String::new();
    for _ in 0..CURSOR_DEPTH {
        let q = if cursor.is_empty() {
            query_string(&[("view", "all"), ("limit", "50")])
        } else {
            query_string(&[("view", "all"), ("limit", "50"), ("cursor", &cursor)])
        };
        let page = get_json(env, &format!("/v1/conversations?{q}")).await?;
        page["next_cursor"].as_str().context("the all view ran out of pages")?.clone_into(&mut cursor);
    }
    let later = format!("cursor (page {})", CURSOR_DEPTH + 1);
    let queries: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("view=all".into(), vec![("view", "all")]),
        ("view=unread".into(), vec![("view", "unread")]),
        ("view=mine".into(), vec![("view", "mine")]),
        ("view=overdue".into(), vec![("view", "overdue")]),
        ("tag=refund".into(), vec![("tag", "refund")]),
        (format!("view=all {later}"), vec![("view", "all"), ("cursor", &cursor)]),
        ("q=order (common word)".into(), vec![("q", "order")]),
        ("q=the (commonest word)".into(), vec![("q", "the")]),
        ("q=<one order number> (rare)".into(), vec![("q", rare)]),
    ];
    for (label, mut params) in queries {
        params.push(("limit", "50"));
        let path = format!("/v1/conversations?{}", query_string(&params));
        let (mut row, first) = time_get(env, &path, LIST_REQUESTS, Target::P99(LIST_TARGET)).await?;
        let items = first["items"].as_array().map_or(0, Vec::len);
        row.name = format!("list {label} [{items} items]");
        report(rows, row);
    }
    let (mut row, counts) = time_get(env, "/v1/views/counts", COUNTS_REQUESTS, Target::None).await?;
    "GET /v1/views/counts".clone_into(&mut row.name);
    report(rows, row);
    let summary: Vec<String> = counts
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| format!("{}={}", c["view_id"].as_str().unwrap_or("?"), c["count"]))
        .collect();
    println!("    view counts at {CONVERSATIONS} conversations: {}", summary.join(", "));
    Ok(())
}

// --- 3. SSE fan-out ------------------------------------------------------------------

enum Heard {
    Ready,
    /// The client's `seq`th `conversation_updated`, received at `at`.
    Updated {
        client: usize,
        seq: usize,
        at: Instant,
    },
    Closed,
}

/// Connects `SSE_CLIENTS` event streams and waits until each has said `ready`. Each
/// reports what it hears on the returned channel.
async fn connect_streams(env: &Env) -> Result<(Vec<tokio::task::JoinHandle<()>>, mpsc::UnboundedReceiver<Heard>)> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Heard>();
    let streams = reqwest::Client::new();
    let mut clients = Vec::with_capacity(SSE_CLIENTS);
    let connect = Instant::now();
    for client in 0..SSE_CLIENTS {
        let (http, url, key, tx) = (streams.clone(), env.url("/v1/events"), env.key.clone(), tx.clone());
        clients.push(tokio::spawn(async move {
            let resp = match http.get(url).bearer_auth(key).send().await {
                Ok(r) if r.status().is_success() => r,
                _ => {
                    let _ = tx.send(Heard::Closed);
                    return;
                }
            };
            let mut events = sse_stream::SseByteStream::new(resp.bytes_stream());
            let mut seq = 0;
            while let Some(Ok(event)) = events.next().await {
                match event.event.as_deref() {
                    Some("ready") => {
                        let _ = tx.send(Heard::Ready);
                    }
                    Some("conversation_updated") => {
                        seq += 1;
                        let _ = tx.send(Heard::Updated { client, seq, at: Instant::now() });
                    }
                    _ => {}
                }
            }
            let _ = tx.send(Heard::Closed);
        }));
    }
    drop(tx);
    let mut ready = 0;
    while ready < SSE_CLIENTS {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(Heard::Ready)) => ready += 1,
            Ok(Some(Heard::Closed)) => bail!("an event stream closed before it was ready"),
            Ok(Some(Heard::Updated { .. })) => {}
            Ok(None) | Err(_) => bail!("only {ready} of {SSE_CLIENTS} event streams became ready"),
        }
    }
    println!(
        "    {SSE_CLIENTS} event streams ready in {}; hub subscribers: {}",
        ms(connect.elapsed()),
        env.running.state.hub.subscribers()
    );

    Ok((clients, rx))
}

async fn sse_fanout(env: &Env, rows: &mut Vec<Row>) -> Result<()> {
    let conversation = get_json(env, "/v1/conversations?view=all&limit=1").await?["items"][0]["id"]
        .as_str()
        .context("no conversation to star")?
        .to_owned();
    let (clients, mut rx) = connect_streams(env).await?;

    let (mut last, mut first, mut every, mut post) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut failed, mut closed) = (0, 0);
    for round in 1..=SSE_WARMUP_ROUNDS + SSE_ROUNDS {
        let change = if round % 2 == 1 { "star" } else { "unstar" };
        let req = env.http.post(env.url(&format!("/v1/conversations/{conversation}/{change}"))).bearer_auth(&env.key);
        let t0 = Instant::now();
        let resp = req.send().await?;
        let status = resp.status();
        resp.bytes().await?;
        let posted = t0.elapsed();
        if status != StatusCode::OK {
            bail!("POST {change}: {status}");
        }
        let mut got = vec![None::<Instant>; SSE_CLIENTS];
        let mut heard = 0;
        let until = Instant::now() + SSE_ROUND_TIMEOUT;
        while heard < SSE_CLIENTS {
            match tokio::time::timeout_at(until.into(), rx.recv()).await {
                Ok(Some(Heard::Updated { client, seq, at })) if seq == round && got[client].is_none() => {
                    got[client] = Some(at);
                    heard += 1;
                }
                Ok(Some(Heard::Closed)) => closed += 1,
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        if round <= SSE_WARMUP_ROUNDS {
            continue;
        }
        if heard < SSE_CLIENTS {
            failed += 1;
            continue;
        }
        let times: Vec<Duration> = got.iter().flatten().map(|at| at.duration_since(t0)).collect();
        last.push(times.iter().copied().max().unwrap_or_default());
        first.push(times.iter().copied().min().unwrap_or_default());
        every.extend(times);
        post.push(posted);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for c in &clients {
        c.abort();
    }
    if closed > 0 {
        println!("    {closed} event streams closed during the rounds (lagged?)");
    }
    let rounds = last.len();
    let row = |name: String, samples: &mut Vec<Duration>, target: Target, errors: usize| Row {
        name,
        n: samples.len(),
        throughput: None,
        stats: stats(samples),
        target,
        errors,
    };
    report(
        rows,
        row(format!("SSE star -> last of {SSE_CLIENTS} clients has it"), &mut last, Target::P99(SSE_TARGET), failed),
    );
    report(rows, row(format!("SSE star -> first of {SSE_CLIENTS} clients has it"), &mut first, Target::None, 0));
    report(
        rows,
        row(format!("SSE star -> each client ({rounds} rounds x {SSE_CLIENTS})"), &mut every, Target::None, 0),
    );
    report(rows, row("POST star/unstar round trip (during fan-out)".into(), &mut post, Target::None, 0));
    Ok(())
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
