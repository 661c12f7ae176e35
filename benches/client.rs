//! Benchmarks of the terminal client:
//!
//! 1. frame render time with 100,000 conversations in the list, at 200x60, while the
//!    selection moves (the diffing `Terminal::draw` into ratatui's `TestBackend`, so
//!    layout, every pane, and the buffer diff are all counted);
//! 2. `update()` for a key press on that list (the selection moves and the screen
//!    offset follows);
//! 3. CPU time the real binary uses while idle for 60 s, in tmux, connected to a real
//!    server with its event stream open (target ≈ 0);
//! 4. the first frame from a 100,000-conversation cache (target ≤ 50 ms);
//! 5. event to screen over loopback (target p99 ≤ 50 ms);
//! 6. memory held with 100,000 conversations in the list (target ≤ 80 MB);
//! 7. appending the list a page at a time to 100,000 rows, as `G` does: what a page
//!    costs at the start and at the end (target: the same, the page and not the list).
//!
//! `cargo bench --bench client` (`BENCH_ONLY=render,idle,first-frame,latency,memory,append` picks). A plain `main`:
//! every loop is bounded, and figures are reported, never asserted.

use std::process::Command;

use anyhow::{Context as _, Result, bail};
use std::time::{Duration, Instant};

use frontdesk_domain::ConversationId;
use frontdesk_tui::testing::{conversations, keys, with_thread};
use frontdesk_tui::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const ROWS: usize = 100_000;
const FRAMES: usize = 3_000;
const IDLE: Duration = Duration::from_secs(60);

fn wanted(name: &str) -> bool {
    std::env::var("BENCH_ONLY").map_or(true, |only| only.split(',').any(|o| o.trim() == name))
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn big_state() -> frontdesk_tui::State {
    let mut s = with_thread(200, 60);
    let base = conversations();
    s.list.items = (0..ROWS)
        .map(|i| {
            let mut c = base[i % base.len()].clone();
            c.id = ConversationId::from(format!("cnv_{i:06}").as_str());
            c
        })
        .collect();
    s.focus = frontdesk_tui::state::Focus::List;
    s
}

fn render() -> Result<()> {
    let mut s = big_state();
    let Ok(mut term) = Terminal::new(TestBackend::new(200, 60));
    let mut frames = Vec::with_capacity(FRAMES);
    let mut updates = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        // Walk down through the list, jumping now and then, so frames differ.
        let key = if i % 500 == 499 { "<C-d>" } else { "j" };
        let t = Instant::now();
        keys(&mut s, key);
        updates.push(t.elapsed());
        let t = Instant::now();
        term.draw(|f| ui::render(&s, f))?;
        frames.push(t.elapsed());
    }
    println!(
        "render 200x60, {ROWS} conversations, {FRAMES} frames: p50 {} · p99 {} · max {}  (target p99 ≤ 2 ms)",
        us(percentile(&mut frames, 0.5)),
        us(percentile(&mut frames, 0.99)),
        us(percentile(&mut frames, 1.0)),
    );
    println!(
        "update() per key on that list: p50 {} · p99 {}",
        us(percentile(&mut updates, 0.5)),
        us(percentile(&mut updates, 0.99)),
    );
    Ok(())
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

async fn idle() -> Result<()> {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("idle: skipped, tmux is not installed");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let cfg = frontdesk::config::Config::default();
    let db_url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let key = {
        let db = frontdesk_server::store::Db::open(&db_url, frontdesk_server::hub::Hub::default()).await?;
        frontdesk_server::admin::create_org(&db, "Bench", "Ida Idle", "ida@bench.test", 3600).await?.key
    };
    let running = frontdesk_server::start(&cfg.server, &db_url, "127.0.0.1:0").await?;
    let url = running.url();
    let http = reqwest::Client::new();
    for i in 0..50 {
        let body = serde_json::json!({"channel": "sms", "contact": {"handle": format!("+1555{i:07}")}, "body": "Where is my order?"});
        http.post(format!("{url}/v1/inbound")).bearer_auth(&key).json(&body).send().await?.error_for_status()?;
    }
    let config = dir.path().join("client.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"bench\"\nprovider = \"native\"\nurl = \"{url}\"\napi_key_env = \"FD_BENCH_KEY\"\n"
        ),
    )?;
    let session = format!("fdbench{}", std::process::id());
    let command = format!(
        "env FD_BENCH_KEY={key} XDG_STATE_HOME={} XDG_CACHE_HOME={} TERM=xterm-256color LANG=C.UTF-8 {} --config {}",
        dir.path().display(),
        dir.path().display(),
        env!("CARGO_BIN_EXE_frontdesk"),
        config.display()
    );
    let ok =
        Command::new("tmux").args(["new-session", "-d", "-s", &session, "-x", "160", "-y", "48", &command]).status();
    if !ok.is_ok_and(|s| s.success()) {
        bail!("tmux would not start the client");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let shell =
        Command::new("tmux").args(["display", "-p", "-t", &session, "#{pane_pid}"]).output().context("pane pid")?;
    let pid = String::from_utf8_lossy(&shell.stdout).trim().to_owned();
    let before = cpu_ticks(&pid);
    let start = Instant::now();
    tokio::time::sleep(IDLE).await;
    let after = cpu_ticks(&pid);
    let wall = start.elapsed();
    let _ = Command::new("tmux").args(["kill-session", "-t", &session]).status();
    running.stop().await;
    match (before, after) {
        (Some(b), Some(a)) => {
            // Linux clock ticks are 10 ms (USER_HZ 100).
            let cpu_ms = (a - b) * 10;
            println!(
                "idle client, {:.0} s with the event stream open: {cpu_ms} ms CPU ({:.3}% of one core)  (target ≈ 0)",
                wall.as_secs_f64(),
                Duration::from_millis(cpu_ms).as_secs_f64() * 100.0 / wall.as_secs_f64()
            );
        }
        _ => println!("idle: the client was not running to measure"),
    }
    Ok(())
}

fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
}

/// Memory held by a client state with 100,000 conversations in its list.
fn memory() {
    let before = rss_kb();
    let s = big_state();
    let after = rss_kb();
    if let (Some(b), Some(a)) = (before, after) {
        println!(
            "memory: {ROWS} conversations in the list add {} MB RSS (process now {} MB)  (target ≤ 80 MB)",
            (a.saturating_sub(b)) / 1024,
            a / 1024
        );
    }
    drop(s);
}

/// From start to the first frame, with a 100,000-conversation cache and a server
/// that does not answer (the frame must not wait for it).
async fn first_frame() -> Result<()> {
    use frontdesk_sync::cache::Cache;
    use frontdesk_sync::store::Store;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cache.db");
    {
        let cache = Cache::open(&path).await?;
        let base = conversations();
        let rows: Vec<_> = (0..ROWS)
            .map(|i| {
                let mut c = base[i % base.len()].clone();
                c.id = ConversationId::from(format!("cnv_{i:06}").as_str());
                c
            })
            .collect();
        for (n, chunk) in rows.chunks(5_000).enumerate() {
            cache.put_page(&"unread".into(), chunk, n > 0).await?;
        }
    }
    let mut samples = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let cache = Cache::open(&path).await?;
        let store = Store::memory().await?;
        let provider = frontdesk_provider_native::NativeProvider::new(
            "bench",
            "http://127.0.0.1:9",
            secrecy::SecretString::from("k".to_owned()),
        )?;
        let (sync, mut events) =
            frontdesk_sync::spawn(frontdesk_sync::Account::new(std::sync::Arc::new(provider), store, cache));
        let mut state = frontdesk_tui::State::new(
            frontdesk_tui::testing::settings(ui::theme::Palette::Default, ui::theme::Glyphs::UNICODE),
            sync.capabilities().clone(),
            jiff::Timestamp::now(),
            200,
            60,
        );
        for e in frontdesk_tui::init(&mut state) {
            if let frontdesk_tui::Effect::Sync(c) = e {
                sync.send(c);
            }
        }
        while !state.list.loaded {
            let Some(ev) = events.recv().await else { bail!("engine stopped") };
            let _ = frontdesk_tui::update::update(&mut state, frontdesk_tui::Action::Sync(ev));
        }
        let Ok(mut term) = Terminal::new(TestBackend::new(200, 60));
        term.draw(|f| ui::render(&state, f))?;
        samples.push(start.elapsed());
    }
    println!(
        "first frame from a {ROWS}-conversation cache: median {} · max {}  (target ≤ 50 ms)",
        us(percentile(&mut samples, 0.5)),
        us(percentile(&mut samples, 1.0))
    );
    Ok(())
}

/// From the server emitting an event to the frame that shows it, over loopback.
async fn event_to_screen() -> Result<()> {
    use frontdesk_sync::cache::Cache;
    use frontdesk_sync::store::Store;
    let dir = tempfile::tempdir()?;
    let mut cfg = frontdesk::config::Config::default();
    cfg.server.rate_limit_per_second = 0;
    let db_url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let key = {
        let db = frontdesk_server::store::Db::open(&db_url, frontdesk_server::hub::Hub::default()).await?;
        frontdesk_server::admin::create_org(&db, "Bench", "Eve Event", "eve@bench.test", 3600).await?.key
    };
    let running = frontdesk_server::start(&cfg.server, &db_url, "127.0.0.1:0").await?;
    let url = running.url();
    let provider =
        frontdesk_provider_native::NativeProvider::new("bench", &url, secrecy::SecretString::from(key.clone()))?;
    let (sync, mut events) = frontdesk_sync::spawn(frontdesk_sync::Account::new(
        std::sync::Arc::new(provider),
        Store::memory().await?,
        Cache::memory().await?,
    ));
    let mut state = frontdesk_tui::State::new(
        frontdesk_tui::testing::settings(ui::theme::Palette::Default, ui::theme::Glyphs::UNICODE),
        sync.capabilities().clone(),
        jiff::Timestamp::now(),
        160,
        48,
    );
    let Ok(mut term) = Terminal::new(TestBackend::new(160, 48));
    let http = reqwest::Client::new();
    let mut samples = Vec::new();
    // The stream first.
    loop {
        let Some(ev) = events.recv().await else { bail!("engine stopped") };
        if matches!(ev, frontdesk_sync::SyncEvent::Live(frontdesk_provider::Update::Connected)) {
            break;
        }
    }
    for i in 0..300 {
        let body = format!("event {i}");
        let send = http
            .post(format!("{url}/v1/inbound"))
            .bearer_auth(&key)
            .json(&serde_json::json!({"channel": "sms", "contact": {"handle": format!("+1666{i:07}")}, "body": body}));
        send.send().await?.error_for_status()?;
        loop {
            let Some(ev) = events.recv().await else { bail!("engine stopped") };
            let at = match &ev {
                frontdesk_sync::SyncEvent::Live(frontdesk_provider::Update::Event(e)) => match &e.kind {
                    frontdesk_domain::EventKind::MessageCreated(m) if m.body == body => Some(e.at),
                    _ => None,
                },
                _ => None,
            };
            state.now = jiff::Timestamp::now();
            let _ = frontdesk_tui::update::update(&mut state, frontdesk_tui::Action::Sync(ev));
            if let Some(at) = at {
                term.draw(|f| ui::render(&state, f))?;
                let ms = jiff::Timestamp::now().as_microsecond() - at.as_microsecond();
                samples.push(Duration::from_micros(ms.max(0).unsigned_abs()));
                break;
            }
        }
    }
    running.stop().await;
    if samples.is_empty() {
        println!("event-to-screen: no events measured");
        return Ok(());
    }
    println!(
        "event to screen over loopback, {} events: p50 {} · p99 {}  (target p99 ≤ 50 ms)",
        samples.len(),
        us(percentile(&mut samples, 0.5)),
        us(percentile(&mut samples, 0.99))
    );
    Ok(())
}

/// `update()` for each of 1,000 appended pages of 100 (the selection following, as
/// on the way to the end with `G`), timed per page.
fn append() {
    use frontdesk_domain::Page;
    use frontdesk_sync::SyncEvent;
    const PAGES: usize = 1_000;
    const PER: usize = 100;
    let mut s = with_thread(200, 60);
    s.focus = frontdesk_tui::state::Focus::List;
    s.list.items.clear();
    s.list.going = Some(frontdesk_tui::state::Going::Down);
    let base = conversations();
    let mut samples = Vec::with_capacity(PAGES);
    for page in 0..PAGES {
        let items = (0..PER)
            .map(|i| {
                let mut c = base[(page * PER + i) % base.len()].clone();
                c.id = ConversationId::from(format!("cnv_{:06}", page * PER + i).as_str());
                c
            })
            .collect();
        let next_cursor = (page + 1 < PAGES).then(|| format!("p{page}"));
        let event = SyncEvent::List {
            generation: s.list.generation,
            page: Page { items, next_cursor, prev_cursor: None },
            at: frontdesk_sync::Place::Below,
            cached: false,
        };
        let start = Instant::now();
        let _ = frontdesk_tui::update::update(&mut s, frontdesk_tui::Action::Sync(event));
        samples.push(start.elapsed());
    }
    let mean = |xs: &[Duration]| xs.iter().sum::<Duration>() / u32::try_from(xs.len()).unwrap_or(1);
    println!(
        "append a page of {PER}: first 100 pages {} each, last 100 pages {} each ({} rows at the end; all {} pages {:.2} s)",
        us(mean(&samples[..100])),
        us(mean(&samples[PAGES - 100..])),
        s.list.items.len(),
        PAGES,
        samples.iter().sum::<Duration>().as_secs_f64()
    );
}

#[tokio::main]
async fn main() -> Result<()> {
    if wanted("append") {
        append();
    }
    if wanted("memory") {
        memory();
    }
    if wanted("render") {
        render()?;
    }
    if wanted("first-frame") {
        first_frame().await?;
    }
    if wanted("latency") {
        event_to_screen().await?;
    }
    if wanted("idle") {
        idle().await?;
    }
    Ok(())
}
