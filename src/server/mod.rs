//! The reference inbox server: axum over `SQLite`. `start()` binds, spawns the
//! background tasks (writer, counts, scheduler) and serves; `frontdesk serve`, `frontdesk
//! demo` and the end-to-end tests all start it the same way.

pub mod admin;
pub mod auth;
pub mod copilot;
pub mod counts;
pub mod db;
pub mod demo;
pub mod error;
pub mod extract;
pub mod hub;
pub mod intake;
pub mod routes;
pub mod scheduler;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use jiff::SignedDuration;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::ServerConfig;

use self::copilot::Copilot;
use self::db::Db;
use self::hub::Hub;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub hub: Hub,
    pub copilot: Arc<Copilot>,
    pub intake: intake::Intake,
    pub limiter: Option<Arc<auth::Limiter>>,
    pub body_limit: usize,
    /// Flips to true when the server stops: open event streams end on it.
    pub stopping: watch::Receiver<bool>,
    stop: Arc<watch::Sender<bool>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("copilot: {0}")]
    Copilot(#[from] copilot::CopilotError),
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets open requests finish, and waits.
    pub async fn stop(self) {
        let _ = self.state.stop.send(true);
        let _ = self.task.await;
    }
}

/// Resolves once the server is stopping (or its stop switch is gone).
pub async fn stopped(rx: &mut watch::Receiver<bool>) {
    while !*rx.borrow_and_update() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// Opens the database and builds the shared state, without listening.
pub async fn prepare(cfg: &ServerConfig, database_url: &str) -> Result<AppState, StartError> {
    let hub = Hub::default();
    let db = Db::open(database_url, hub.clone()).await?;
    let copilot = Arc::new(Copilot::new(&cfg.copilot)?);
    let (stop, stopping) = watch::channel(false);
    let state = AppState {
        stopping,
        stop: Arc::new(stop),
        db: db.clone(),
        hub: hub.clone(),
        copilot,
        intake: intake::Intake::start(db.clone()),
        limiter: auth::limiter(cfg.rate_limit_per_second, cfg.rate_limit_burst),
        body_limit: cfg.body_limit_bytes,
    };
    tokio::spawn(counts::run(db.pool.clone(), hub.clone(), state.stopping.clone()));
    let retention = SignedDuration::from_hours(i64::from(cfg.event_retention_hours));
    tokio::spawn(scheduler::run(db, hub, retention, state.stopping.clone()));
    Ok(state)
}

/// Binds `addr` and serves `state` until stopped.
pub async fn serve(state: AppState, addr: &str) -> Result<Running, StartError> {
    let listener =
        TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr: addr.to_owned(), source })?;
    let local = listener.local_addr().map_err(|source| StartError::Bind { addr: addr.to_owned(), source })?;
    let app: Router = routes::router(state.clone());
    let mut stop = state.stopping.clone();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                stopped(&mut stop).await;
            })
            .await;
        if let Err(err) = served {
            tracing::error!(error = %err, "server stopped");
        }
    });
    tracing::info!(addr = %local, "serving");
    Ok(Running { addr: local, state, task })
}

/// `prepare` then `serve`.
pub async fn start(cfg: &ServerConfig, database_url: &str, addr: &str) -> Result<Running, StartError> {
    let state = prepare(cfg, database_url).await?;
    serve(state, addr).await
}
