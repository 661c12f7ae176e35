//! Section 1, ingestion: over HTTP from concurrent senders, and through the storage
//! path alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use frontdesk_domain::Channel;
use frontdesk_server::store::Inbound;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::json;

use super::{Env, Row, Target, per_sec, report, stats};

// Budgets and targets.
const INGEST_TIME: Duration = Duration::from_secs(10);
const INGEST_MAX: usize = 50_000;
pub(super) const HTTP_CLIENTS: usize = 32;
const STORAGE_TASKS: usize = 64;
/// Ingestion capacity: with ~15 ms per batch, 64 senders cap throughput at ~4,000/s
/// (Little's law), so a heavier load shows what one batch per turn can carry.
pub(super) const HTTP_CLIENTS_HEAVY: usize = 128;
const STORAGE_TASKS_HEAVY: usize = 256;
/// Contacts known before an ingestion run starts: half the traffic writes to them.
const KNOWN_CONTACTS: usize = 1_000;
/// The diagnostic runs that split the storage path's cost.
pub(super) const DIAG_TIME: Duration = Duration::from_secs(3);
/// Tasks ingesting into the 100k-conversation database.
pub(super) const BIG_TASKS: usize = 4;
const INGEST_TARGET: f64 = 5_000.0;

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

pub(super) async fn ingest_http(env: &Env, clients: usize, run: &'static str) -> Result<Row> {
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
pub(super) enum Load {
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

pub(super) async fn storage_row(
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
pub(super) async fn ingest_storage(env: &Env, rows: &mut Vec<Row>) -> Result<()> {
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
