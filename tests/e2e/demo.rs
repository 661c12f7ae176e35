//! `frontdesk demo`: seeded data and live simulated traffic.

use std::time::Duration;

use frontdesk::config::Config;
use frontdesk_server::demo;
use serde_json::Value;

async fn get(client: &reqwest::Client, url: &str, key: &str) -> Value {
    client.get(url).bearer_auth(key).send().await.expect("sent").json().await.expect("json")
}

async fn all_conversations(client: &reqwest::Client, base: &str, key: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = get(client, &format!("{base}/v1/conversations?limit=100{cursor}"), key).await;
        out.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

#[tokio::test]
async fn the_demo_is_a_believable_inbox() {
    let dir = tempfile::tempdir().expect("dir");
    let d = demo::start(&Config::default().server, dir.path(), "127.0.0.1:0", None).await.expect("demo starts");
    assert_eq!(d.keys.len(), 2);
    let (base, key) = (d.running.url(), d.keys[0].key.clone());
    let client = reqwest::Client::new();
    let mut all = all_conversations(&client, &base, &key).await;
    all.extend(
        get(&client, &format!("{base}/v1/conversations?archived=true&limit=100"), &key).await["items"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    assert!(all.len() >= 150, "at least 150 conversations, got {}", all.len());
    for channel in ["sms", "whatsapp", "email", "web", "voice", "api"] {
        assert!(all.iter().any(|c| c["channel"] == channel), "no {channel} conversation");
    }
    for status in ["open", "pending", "snoozed", "closed"] {
        assert!(all.iter().any(|c| c["status"] == status), "no {status} conversation");
    }
    assert!(all.iter().any(|c| c["ai_state"] == "handoff_requested"), "no handoff requested");
    assert!(all.iter().any(|c| c["ai_state"] == "ai_led"), "no AI-led conversation");
    assert!(all.iter().filter(|c| c["has_pending_suggestion"] == true).count() >= 5, "pending suggestions");
    assert!(all.iter().any(|c| c["message_count"].as_u64().unwrap_or(0) >= 20), "a long thread");
    // Started from the seed's copy, its times are today's: the newest is minutes old.
    let newest =
        all.iter().filter_map(|c| c["updated_at"].as_str()?.parse::<jiff::Timestamp>().ok()).max().expect("times");
    let age = jiff::Timestamp::now().duration_since(newest);
    assert!(age < jiff::SignedDuration::from_hours(1) && age > -jiff::SignedDuration::from_mins(1), "newest {newest}");
    let views = get(&client, &format!("{base}/v1/views"), &key).await;
    let overdue = views
        .as_array()
        .and_then(|v| v.iter().find(|v| v["id"] == "overdue"))
        .map(|v| v["count"].as_u64().unwrap_or(0));
    assert!(overdue.unwrap_or(0) > 0, "some conversations are overdue: {views}");
    let agents = get(&client, &format!("{base}/v1/agents"), &key).await;
    assert!(agents.as_array().map_or(0, Vec::len) >= 4, "several agents");
    // The first key printed can do everything.
    let first = agents.as_array().and_then(|a| a.iter().find(|a| a["email"] == d.keys[0].email.as_str()));
    assert_eq!(first.map(|a| a["role"].clone()), Some(Value::from("admin")), "{agents}");
    let org = d.org.clone();
    d.stop().await;

    // Started again on the same directory, it keeps its data instead of seeding twice.
    let d = demo::start(&Config::default().server, dir.path(), "127.0.0.1:0", None).await.expect("demo restarts");
    assert_eq!(d.org, org);
    let again = all_conversations(&client, &d.running.url(), &d.keys[0].key).await;
    assert!(again.len() >= 150 && again.len() < 400, "not seeded twice: {}", again.len());
    d.stop().await;
}

/// A database file that is there but was never seeded (a first start stopped
/// halfway) is seeded in full, the copilot's drafts included: they are made then,
/// not while the database opened.
#[tokio::test]
async fn a_database_left_empty_is_seeded_in_full() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("demo.db"), b"").expect("an empty database file");
    let d = demo::start(&Config::default().server, dir.path(), "127.0.0.1:0", None).await.expect("demo starts");
    let client = reqwest::Client::new();
    let all = all_conversations(&client, &d.running.url(), &d.keys[0].key).await;
    assert!(all.len() >= 100, "seeded: {}", all.len());
    assert!(all.iter().filter(|c| c["has_pending_suggestion"] == true).count() >= 5, "pending suggestions");
    d.stop().await;
}

#[tokio::test]
async fn the_simulator_brings_new_messages() {
    let dir = tempfile::tempdir().expect("dir");
    let d = demo::start(&Config::default().server, dir.path(), "127.0.0.1:0", Some(0.05)).await.expect("demo starts");
    let client = reqwest::Client::new();
    let url = format!("{}/v1/conversations?limit=1", d.running.url());
    let first = get(&client, &url, &d.keys[0].key).await["items"][0]["updated_at"].clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let now = get(&client, &url, &d.keys[0].key).await["items"][0].clone();
        if now["updated_at"] != first && now["last_message"]["direction"] == "inbound" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no simulated message arrived in 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    d.stop().await;
}

/// The demo keeps a rate limit (the configured one unless `--rate-limit` says
/// otherwise) and says it in its banner, so what a client does on 429 can be seen.
#[tokio::test]
async fn the_demo_keeps_a_rate_limit_and_says_it() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .args(["demo", "--headless", "--quiet", "--rate-limit", "2", "--data"])
        .arg(dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let (mut url, mut key, mut said) = (None, None, None);
    while let Ok(Ok(Some(line))) = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["URL", u] => url = Some((*u).to_owned()),
            [_, k, ..] if k.starts_with("fd_") && key.is_none() => key = Some((*k).to_owned()),
            ["rate", "limit:", ..] => said = Some(line.clone()),
            _ => {}
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let said = said.expect("the banner says the rate limit");
    assert!(said.contains("2 requests a second per key, bursts of 4"), "{said}");
    let (url, key) = (url.expect("a URL"), key.expect("a key"));
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let resp = client.get(format!("{url}/v1/me")).bearer_auth(&key).send().await.expect("sent");
        statuses.push(resp.status().as_u16());
    }
    assert!(statuses.contains(&429), "past the burst the demo answers 429: {statuses:?}");
    let _ = child.kill().await;
}

/// Issue 23: `frontdesk demo --conversations N` seeds N in all: the demo's own, then
/// history made from their threads, each with a customer and order numbers of its own.
#[tokio::test]
async fn the_demo_grows_to_the_size_asked() {
    let dir = tempfile::tempdir().expect("dir");
    let d =
        demo::start_with(&Config::default().server, dir.path(), "127.0.0.1:0", None, 1_500).await.expect("demo starts");
    let (base, key) = (d.running.url(), d.keys[0].key.clone());
    let client = reqwest::Client::new();
    let live = all_conversations(&client, &base, &key).await;
    let mut archived = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = get(&client, &format!("{base}/v1/conversations?archived=true&limit=100{cursor}"), &key).await;
        archived.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(live.len() + archived.len(), 1_500, "the size asked, archived ones included");
    // Every customer is their own; history spreads over months, mostly closed.
    let names: std::collections::HashSet<&str> = live.iter().filter_map(|c| c["contact"]["handle"].as_str()).collect();
    assert!(names.len() > 1_000, "{} distinct customers", names.len());
    let closed = live.iter().filter(|c| c["status"] == "closed").count();
    assert!(closed * 2 > live.len(), "{closed} of {} closed", live.len());
    // A search finds history too: an order number is a rare word, a product a common one.
    let common = get(&client, &format!("{base}/v1/conversations?q=Kestrel&limit=100"), &key).await;
    assert_eq!(common["items"].as_array().map(Vec::len), Some(100));
    d.stop().await;
    // A database seeded before keeps what it has.
    let again = demo::start_with(&Config::default().server, dir.path(), "127.0.0.1:0", None, 3_000)
        .await
        .expect("demo starts again");
    let (base, key) = (again.running.url(), again.keys[0].key.clone());
    let views = get(&client, &format!("{base}/v1/views"), &key).await;
    let all = views.as_array().and_then(|v| v.iter().find(|v| v["id"] == "all")).map(|v| v["count"].clone());
    assert_eq!(all, Some(Value::from(live.len())));
    again.stop().await;
}
