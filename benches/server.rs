//! Benchmarks of the reference server, over real loopback HTTP where a client would be:
//!
//! 1. ingestion of inbound customer messages, through `POST /v1/inbound` and through
//!    the storage path alone (`Db::write` + `messages::ingest`);
//! 2. list-page latency with 100,000 conversations, per view, plus `/v1/views/counts`;
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
use frontdesk_domain::{AgentId, AgentRole, Channel, ContactId, ConversationId, MessageId, OrgId};
use frontdesk_server::store::Db;
use frontdesk_server::store::Inbound;
use frontdesk_server::store::rows::{ContactRow, ConversationRow, MessageRow};
use frontdesk_server::{self as server, Running, admin};
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;

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
const CONTACTS: usize = 70_000;
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
    /// Agents of the org: (id, name, team). The first is the admin whose key we hold.
    agents: Vec<(AgentId, String, Option<String>)>,
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
        let mut agents = vec![(made.admin.id.clone(), made.admin.name.clone(), made.admin.team.clone())];
        for i in 0..7_u32 {
            let team = if i.is_multiple_of(2) { "billing" } else { "support" };
            let name = format!("Agent {i}");
            let (agent, _) = admin::create_agent(
                db,
                made.org.as_str(),
                &name,
                &format!("agent{i}@bench.test"),
                AgentRole::Agent,
                Some(team),
            )
            .await?;
            agents.push((agent.id, agent.name, agent.team));
        }
        Ok(Self { running, org: made.org, key: made.key, agents, http: reqwest::Client::new(), dir })
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

const AGENT_SAYS: &[&str] = &[
    "Thanks for reaching out! I've checked order #{n} and it is on its way.",
    "I'm sorry about that. I've issued a refund; it should show in 3-5 business days.",
    "Could you send me a photo of the damage so I can open a claim?",
    "I've updated the address on your order. Anything else I can help with?",
    "You can pause the subscription under Account > Plan. Let me know if it doesn't show up.",
    "I've passed this to our engineers and will update you as soon as I hear back.",
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
        channel,
        name: Some(format!("Customer {handle}")),
        handle,
        email: None,
        phone: None,
        subject: None,
        body: say(rng, CUSTOMER_SAYS),
        attachments: Vec::new(),
        provider_message_id: Some(format!("{run}-{n}")),
        received_at: None,
        ai_agent: None,
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

// --- 2. seeding 100k conversations ---------------------------------------------------

const FIRST: &[&str] =
    &["Ana", "Ben", "Chloe", "Dmitri", "Eva", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi", "Liam"];
const LAST: &[&str] = &["Lopez", "Smith", "Nakamura", "Okafor", "Berg", "Rossi", "Dubois", "Novak", "Khan", "Silva"];
const COMPANIES: &[&str] = &["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay"];
const TAGS: &[(&str, f64)] =
    &[("billing", 0.15), ("shipping", 0.12), ("refund", 0.08), ("returns", 0.06), ("bug", 0.05), ("vip", 0.03)];

struct Contact {
    id: String,
    name: String,
    handle: String,
    email: Option<String>,
    phone: Option<String>,
    company: Option<String>,
}

fn contact(i: usize, rng: &mut StdRng) -> Contact {
    let (first, last) = (FIRST[rng.random_range(0..FIRST.len())], LAST[rng.random_range(0..LAST.len())]);
    let name = format!("{first} {last}");
    let (handle, email, phone) = if i.is_multiple_of(2) {
        let e = format!("{}.{}{i}@example.com", first.to_lowercase(), last.to_lowercase());
        (e.clone(), Some(e), None)
    } else {
        let p = format!("+4420{i:07}");
        (p.clone(), None, Some(p))
    };
    let company = rng.random_bool(0.3).then(|| COMPANIES[rng.random_range(0..COMPANIES.len())].to_owned());
    Contact { id: ContactId::generate().0.to_string(), name, handle, email, phone, company }
}

struct Msg {
    id: String,
    inbound: bool,
    /// Index into the org's agents, for outbound.
    agent: usize,
    body: String,
    at: i64,
}

struct Conv {
    id: String,
    contact: usize,
    channel: &'static str,
    subject: Option<String>,
    status: &'static str,
    snoozed_until: Option<i64>,
    assignee: Option<usize>,
    tags: String,
    starred: bool,
    unread: bool,
    archived: bool,
    priority: &'static str,
    waiting_since: Option<i64>,
    sla_due_at: Option<i64>,
    ai_state: &'static str,
    activity_at: i64,
    created_at: i64,
    messages: Vec<Msg>,
}

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn conversation(contacts: usize, agents: usize, now: i64, rng: &mut StdRng) -> Conv {
    let age = rng.random_range(0..30 * DAY);
    let activity_at = now - age;
    // Recent conversations are mostly live; old ones mostly closed.
    let roll: f64 = rng.random();
    let status = if age < 2 * DAY {
        match roll {
            r if r < 0.60 => "open",
            r if r < 0.80 => "pending",
            r if r < 0.90 => "snoozed",
            _ => "closed",
        }
    } else {
        match roll {
            r if r < 0.08 => "open",
            r if r < 0.13 => "pending",
            r if r < 0.15 => "snoozed",
            _ => "closed",
        }
    };
    let live = status != "closed";
    let channel = Channel::ALL[rng.random_range(0..Channel::ALL.len())].as_str();
    let assignee = rng.random_bool(0.6).then(|| rng.random_range(0..agents));
    // Customer first, then alternating: 1 or 3 messages end with the customer.
    let count = rng.random_range(1..=3usize);
    let mut at = activity_at;
    let mut messages = Vec::with_capacity(count);
    for k in (0..count).rev() {
        let inbound = k.is_multiple_of(2);
        let body = say(rng, if inbound { CUSTOMER_SAYS } else { AGENT_SAYS });
        messages.push(Msg { id: MessageId::generate().0.to_string(), inbound, agent: assignee.unwrap_or(0), body, at });
        at -= rng.random_range(60_000..6 * HOUR);
    }
    messages.reverse();
    let created_at = messages[0].at;
    let last_inbound = count % 2 == 1;
    let waiting = live && status != "snoozed" && last_inbound;
    let waiting_since = waiting.then_some(activity_at);
    let mut tags: Vec<&str> = TAGS.iter().filter(|(_, p)| rng.random_bool(*p)).map(|(t, _)| *t).collect();
    tags.truncate(2);
    Conv {
        id: ConversationId::generate().0.to_string(),
        contact: rng.random_range(0..contacts),
        channel,
        subject: (channel == "email").then(|| format!("Question about order #{}", rng.random_range(10_000..99_999))),
        status,
        snoozed_until: (status == "snoozed").then(|| now + rng.random_range(HOUR..7 * DAY)),
        assignee,
        tags: serde_json::to_string(&tags).unwrap_or_else(|_| "[]".to_owned()),
        starred: rng.random_bool(0.05),
        unread: live && last_inbound && rng.random_bool(0.7),
        archived: rng.random_bool(0.03),
        priority: match rng.random_range(0..20) {
            0 => "urgent",
            1 | 2 => "high",
            3 => "low",
            _ => "normal",
        },
        waiting_since,
        sla_due_at: waiting_since.map(|w| w + HOUR),
        ai_state: match rng.random_range(0..50) {
            0..=3 => "ai_led",
            4 => "handoff_requested",
            _ => "human",
        },
        activity_at,
        created_at,
        messages,
    }
}

/// Seeds the org with contacts, conversations and their messages by multi-row INSERTs
/// on the writer (the search index fills through the schema's triggers). Returns a
/// handle of one contact, for a selective search.
async fn seed(env: &Env) -> Result<String> {
    let mut rng = StdRng::seed_from_u64(42);
    let now = jiff::Timestamp::now().as_millisecond();
    let contacts: Vec<Contact> = (0..CONTACTS).map(|i| contact(i, &mut rng)).collect();
    let convs: Vec<Conv> =
        (0..CONVERSATIONS).map(|_| conversation(CONTACTS, env.agents.len(), now, &mut rng)).collect();
    let rare = convs[CONVERSATIONS / 3].contact;
    let rare_handle = contacts[rare].email.clone().unwrap_or_else(|| contacts[rare].name.clone());
    let org = env.org.as_str().to_owned();
    let agents = Arc::new(env.agents.clone());
    let db = &env.running.state.db;

    let contact_ids: Arc<Vec<(String, String)>> =
        Arc::new(contacts.iter().map(|c| (c.id.clone(), c.name.clone())).collect());
    insert_contacts(db, &org, contacts, now).await?;
    insert_conversations(db, &org, &agents, &contact_ids, convs).await?;
    Ok(rare_handle)
}

/// Contacts, loaded in writer jobs of 10,000.
async fn insert_contacts(db: &Db, org: &str, mut contacts: Vec<Contact>, now: i64) -> Result<()> {
    let org = OrgId::from(org.to_owned());
    while !contacts.is_empty() {
        let rows: Vec<ContactRow> = contacts
            .drain(..contacts.len().min(10_000))
            .map(|c| ContactRow {
                id: c.id,
                name: c.name,
                handle: c.handle,
                email: c.email,
                phone: c.phone,
                company: c.company,
                created_at: now - 60 * DAY,
            })
            .collect();
        let org = org.clone();
        db.write(move |w| Box::pin(async move { w.load_contacts(&org, &rows).await })).await?;
    }
    Ok(())
}

/// Conversations and their messages, loaded in writer jobs of 10,000 conversations;
/// the search index fills as they load.
async fn insert_conversations(
    db: &Db,
    org: &str,
    agents: &Arc<Vec<(AgentId, String, Option<String>)>>,
    contact_ids: &Arc<Vec<(String, String)>>,
    mut convs: Vec<Conv>,
) -> Result<()> {
    let org = OrgId::from(org.to_owned());
    while !convs.is_empty() {
        let chunk: Vec<Conv> = convs.drain(..convs.len().min(10_000)).collect();
        let mut conversations = Vec::with_capacity(chunk.len());
        let mut messages = Vec::new();
        for c in chunk {
            let last = &c.messages[c.messages.len() - 1];
            let assignee = c.assignee.map(|a| &agents[a]);
            conversations.push(ConversationRow {
                id: c.id.clone(),
                contact_id: contact_ids[c.contact].0.clone(),
                channel: c.channel.to_owned(),
                subject: c.subject.clone(),
                status: c.status.to_owned(),
                snoozed_until: c.snoozed_until,
                assignee_id: assignee.map(|a| a.0.as_str().to_owned()),
                team: assignee.and_then(|a| a.2.clone()),
                tags: c.tags.clone(),
                starred: c.starred,
                unread: c.unread,
                archived: c.archived,
                priority: c.priority.to_owned(),
                last_preview: Some(last.body.clone()),
                last_direction: Some(if last.inbound { "inbound" } else { "outbound" }),
                last_message_at: Some(last.at),
                waiting_since: c.waiting_since,
                sla_due_at: c.sla_due_at,
                ai_state: c.ai_state.to_owned(),
                ai_agent: (c.ai_state != "human").then(|| "Sunny".to_owned()),
                message_count: i64::try_from(c.messages.len()).unwrap_or(i64::MAX),
                activity_at: c.activity_at,
                created_at: c.created_at,
                updated_at: c.activity_at,
            });
            for m in c.messages {
                let (author_kind, author_id, author_name) = if m.inbound {
                    let (id, name) = &contact_ids[c.contact];
                    ("contact", id.clone(), name.clone())
                } else {
                    let a = &agents[m.agent];
                    ("agent", a.0.as_str().to_owned(), a.1.clone())
                };
                messages.push(MessageRow {
                    id: m.id,
                    conversation_id: c.id.clone(),
                    direction: if m.inbound { "inbound" } else { "outbound" },
                    author_kind,
                    author_id: Some(author_id),
                    author_name,
                    kind: "reply",
                    body: m.body,
                    attachments: "[]".to_owned(),
                    call: None,
                    delivery: if m.inbound { "delivered" } else { "sent" },
                    created_at: m.at,
                });
            }
        }
        let org = org.clone();
        db.write(move |w| {
            Box::pin(async move {
                w.load_conversations(&org, &conversations).await?;
                w.load_messages(&org, &messages).await
            })
        })
        .await?;
    }
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

async fn list_latency(env: &Env, rare_handle: &str, rows: &mut Vec<Row>) -> Result<()> {
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
        ("q=invoice (common word)".into(), vec![("q", "invoice")]),
        ("q=<one contact's email> (rare)".into(), vec![("q", rare_handle)]),
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
        let rare = seed(&env).await?;
        println!(
            "    seeded {CONVERSATIONS} conversations, {CONTACTS} contacts and their messages in {:.1}s",
            t.elapsed().as_secs_f64()
        );
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
