//! `frontdesk demo`: the reference server in-process on loopback, seeded from
//! `assets/demo/` and kept busy by a traffic simulator, so a newcomer sees a living
//! inbox with one command.

pub mod bulk;
pub mod plan;
mod seed;
mod simulator;
pub mod snapshot;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::config::ServerConfig;
use crate::copilot::Copilot;
use frontdesk_domain::OrgId;

use super::error::ApiError;
use super::{Running, StartError};

/// One seed for the plan and the simulator: the simulator's follow-ups then land in
/// the seeded conversations, and every demo (and a restarted one) tells the same story.
const DEMO_SEED: u64 = 2026;

/// Keys made at each start, for the first agents of the demo team.
const KEYS: usize = 2;

/// A demo agent's login.
pub struct AgentKey {
    pub name: String,
    pub email: String,
    pub key: String,
}

pub struct Demo {
    pub running: Running,
    pub org: OrgId,
    /// Keys for the first agents of the demo team, made fresh at each start (keys are
    /// stored hashed, so old ones cannot be shown again).
    pub keys: Vec<AgentKey>,
    simulator: Option<tokio::task::JoinHandle<()>>,
}

impl Demo {
    pub async fn stop(self) {
        self.running.stop().await;
        // The simulator ends on the same signal; wait so the database is free after.
        if let Some(sim) = self.simulator {
            let _ = sim.await;
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("demo data: {0}")]
    Plan(#[from] plan::DemoError),
    #[error("seeding the demo failed: {0}")]
    Seed(#[from] ApiError),
}

/// Starts the demo: the database is `dir/demo.db`, seeded on first use.
/// `interval` is the mean seconds between simulated inbound messages; None is quiet.
pub async fn start(cfg: &ServerConfig, dir: &Path, bind: &str, interval: Option<f64>) -> Result<Demo, DemoError> {
    start_with(cfg, dir, bind, interval, 0).await
}

/// As [`start`], with `conversations` in all when the database is new (`frontdesk
/// demo --conversations N`): the demo's own, then history up to that many (see
/// [`bulk`]). A database seeded before keeps what it has.
///
/// # Errors
/// As [`start`].
pub async fn start_with(
    cfg: &ServerConfig,
    dir: &Path,
    bind: &str,
    interval: Option<f64>,
    conversations: usize,
) -> Result<Demo, DemoError> {
    let file = dir.join("demo.db");
    let url = format!("sqlite://{}", file.display());
    let new_file = !file.exists();
    // A new database of the default configuration starts as the seed's copy.
    let copied = new_file
        && snapshot::fits(cfg)
        && snapshot::write(&file)
            .inspect_err(|e| tracing::warn!(error = %e, "demo: the seed's copy was not written; seeding instead"))
            .is_ok();
    // The copilot, the plan and, for a database to seed, the drafts are made while
    // the database opens and migrates.
    let copilot_cfg = cfg.copilot.clone();
    let now = jiff::Timestamp::now();
    let early = tokio::spawn(async move {
        let copilot = Arc::new(Copilot::new(&copilot_cfg).map_err(StartError::from)?);
        let plan = plan::plan(now, DEMO_SEED)?;
        let drafts = if new_file && !copied { Some(seed::drafts(&copilot, &plan).await) } else { None };
        Ok::<_, DemoError>((copilot, plan, drafts))
    });
    let database = match super::open_database(&url).await {
        Ok(database) => database,
        Err(err) => {
            // Nothing to draft for (an LLM engine would go on asking).
            early.abort();
            return Err(err.into());
        }
    };
    let (copilot, plan, drafts) =
        early.await.map_err(|e| ApiError::internal(format!("preparing the demo data: {e}")))??;
    // The copy is brought to now before the server's tasks start: until then its
    // times are the day it was made, and the scheduler would wake its snoozes.
    let settled = if copied {
        match database.db.find_org(&plan.org_name).await {
            Ok(org) => {
                let keys = seed::settle(&database.db, &org, snapshot::moved_by(now), &plan, KEYS).await?;
                Some((org, keys))
            }
            // Not the copy after all (an empty one): seeded below.
            Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    // The configured rate limit stays on, so the demo shows what a client does
    // on 429 (`frontdesk demo --rate-limit N` sets it).
    let state = super::assemble(cfg, database, copilot)?;
    let sim = plan::Simulator::from_plan(&plan, DEMO_SEED)?;
    let extra = conversations.saturating_sub(plan.conversations.len());
    if let Some((org, keys)) = settled {
        history(&state, &org, &plan, extra).await?;
        return finish(state, bind, interval, org, keys, sim).await;
    }
    // Finding the demo org in the database means it was seeded on an earlier run.
    let (org, keys) = match state.db.find_org(&plan.org_name).await {
        Ok(org) => {
            let keys = seed::fresh_keys(&state.db, &org, KEYS).await?;
            (org, keys)
        }
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {
            let drafts = match drafts {
                Some(drafts) => drafts,
                None => seed::drafts(&state.copilot, &plan).await,
            };
            let secs = i64::from(cfg.first_response_minutes) * 60;
            let (org, keys) = seed::seed(&state.db, plan.clone(), drafts, secs, KEYS).await?;
            history(&state, &org, &plan, extra).await?;
            (org, keys)
        }
        Err(e) => return Err(e.into()),
    };
    finish(state, bind, interval, org, keys, sim).await
}

/// Serves the demo, its simulator running when `interval` says so.
async fn finish(
    state: super::AppState,
    bind: &str,
    interval: Option<f64>,
    org: OrgId,
    keys: Vec<AgentKey>,
    sim: plan::Simulator,
) -> Result<Demo, DemoError> {
    let running = super::serve(state.clone(), bind).await?;
    let simulator = interval.map(|secs| {
        let period = Duration::from_secs_f64(secs.max(0.05));
        tokio::spawn(simulator::run(state, org.clone(), sim, period))
    });
    Ok(Demo { running, org, keys, simulator })
}

/// `--conversations N`: history beyond the demo's own, on a new database.
async fn history(state: &super::AppState, org: &OrgId, plan: &plan::DemoPlan, extra: usize) -> Result<(), DemoError> {
    let started = std::time::Instant::now();
    let written = bulk::seed(state, org, plan, extra, DEMO_SEED).await?;
    if written > 0 {
        tracing::info!(conversations = written, secs = started.elapsed().as_secs_f64(), "demo history seeded");
    }
    Ok(())
}
