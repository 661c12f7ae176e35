//! Section 2, list-page latency at 100,000 conversations: per view, with full-text
//! search and the views' counts.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use reqwest::StatusCode;
use serde_json::Value;

use super::{CONVERSATIONS, Env, Row, Target, get_json, per_sec, report, stats};

// Budgets and targets.
const LIST_REQUESTS: usize = 1_000;
const LIST_TIME: Duration = Duration::from_secs(5);
const COUNTS_REQUESTS: usize = 200;
const WARMUP: usize = 20;
/// How deep the "later page" row starts: this many pages of 50 in.
const CURSOR_DEPTH: usize = 100;
const LIST_TARGET: Duration = Duration::from_millis(10);

fn query_string(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
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

pub(super) async fn list_latency(env: &Env, rare: &str, rows: &mut Vec<Row>) -> Result<()> {
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
