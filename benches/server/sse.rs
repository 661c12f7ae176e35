//! Section 3, SSE fan-out: one write, many connected `/v1/events` clients, until the
//! last has the event.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use reqwest::StatusCode;
use tokio::sync::mpsc;

use super::{Env, Row, Target, get_json, ms, report, stats};

// Budgets and targets.
const SSE_CLIENTS: usize = 200;
const SSE_ROUNDS: usize = 50;
const SSE_WARMUP_ROUNDS: usize = 3;
const SSE_ROUND_TIMEOUT: Duration = Duration::from_secs(5);
const SSE_TARGET: Duration = Duration::from_millis(50);

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

pub(super) async fn sse_fanout(env: &Env, rows: &mut Vec<Row>) -> Result<()> {
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
