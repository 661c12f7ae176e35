//! `frontdesk demo`: the reference server in-process on loopback, seeded from
//! `assets/demo/` and kept busy by a traffic simulator, so a newcomer sees a living
//! inbox with one command.

pub mod plan;
mod seed;
mod simulator;

use std::path::Path;
use std::time::Duration;

use crate::config::ServerConfig;
use frontdesk_domain::OrgId;

use super::db::orgs;
use super::error::ApiError;
use super::{Running, StartError};

/// One seed for the plan and the simulator: the simulator's follow-ups then land in
/// the seeded conversations, and every demo (and a restarted one) tells the same story.
const DEMO_SEED: u64 = 2026;

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
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    // The configured rate limit stays on, so the demo shows what a client does
    // on 429 (`frontdesk demo --rate-limit N` sets it).
    let state = super::prepare(cfg, &url).await?;
    let plan = plan::plan(jiff::Timestamp::now(), DEMO_SEED)?;
    let sim = plan::Simulator::from_plan(&plan, DEMO_SEED)?;
    // Finding the demo org in the database means it was seeded on an earlier run.
    let org = match orgs::find_org(&state.db.pool, &plan.org_name).await {
        Ok(org) => org,
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {
            seed::seed(&state, plan, i64::from(cfg.first_response_minutes) * 60).await?
        }
        Err(e) => return Err(e.into()),
    };
    let keys = seed::fresh_keys(&state, &org, 2).await?;
    let running = super::serve(state.clone(), bind).await?;
    let simulator = interval.map(|secs| {
        let period = Duration::from_secs_f64(secs.max(0.05));
        tokio::spawn(simulator::run(state, org.clone(), sim, period))
    });
    Ok(Demo { running, org, keys, simulator })
}
