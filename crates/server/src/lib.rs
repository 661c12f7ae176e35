//! The reference inbox server: axum over `SQLite`. `start()` binds, spawns the
//! background tasks (writer, counts, scheduler) and serves; `frontdesk serve`, `frontdesk
//! demo` and the end-to-end tests all start it the same way.

pub mod admin;
pub mod auth;
pub mod config;
pub mod copilot;
pub mod counts;
pub mod demo;
pub mod error;
pub mod extract;
pub mod hub;
pub mod intake;
pub mod refusals;
pub mod routes;
pub mod scheduler;
pub mod store;
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use jiff::SignedDuration;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::ServerConfig;

use self::copilot::Copilot;
use self::hub::Hub;
use self::store::Db;

/// What every handler can reach. Cloned for every request (axum hands each handler
/// and middleware its own), so it is one shared pointer, not a dozen.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The server's parts, shared by every request (`AppState`).
pub struct Shared {
    pub db: Db,
    pub hub: Hub,
    pub copilot: Arc<Copilot>,
    pub intake: intake::Intake,
    pub limiter: Option<Arc<auth::Limiter>>,
    pub keys: Arc<auth::KeyCache>,
    pub guesses: Arc<auth::Guesses>,
    pub body_limit: usize,
    /// Between keep-alive comments on idle event streams.
    pub keep_alive: std::time::Duration,
    /// Held while the server runs: a second server on the same database file would
    /// number events from the same counter.
    _lock: Option<Arc<std::fs::File>>,
    /// HTTPS, when `server.tls_cert` and `server.tls_key` are set.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Flips to true when the server stops: open event streams end on it.
    pub stopping: watch::Receiver<bool>,
    stop: watch::Sender<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] store::DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("copilot: {0}")]
    Copilot(#[from] copilot::CopilotError),
    #[error("another frontdesk server is using {path}; stop it first, or give this one its own database")]
    InUse { path: String },
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot lock {path}: {source}")]
    Lock { path: String, source: std::io::Error },
}

/// Takes the database's lock file (`PATH.lock`), so that one server at a time writes
/// to it. In-memory databases need none.
pub(crate) fn lock_database(url: &str) -> Result<Option<Arc<std::fs::File>>, StartError> {
    // Only SQLite is one process per database: PostgreSQL takes several instances.
    let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
        return Ok(None);
    };
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.starts_with(":memory:") {
        return Ok(None);
    }
    let lock_path = format!("{path}.lock");
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| StartError::Lock { path: lock_path.clone(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(Some(Arc::new(file))),
        Err(std::fs::TryLockError::WouldBlock) => Err(StartError::InUse { path: path.to_owned() }),
        Err(std::fs::TryLockError::Error(source)) => Err(StartError::Lock { path: lock_path, source }),
    }
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
        let scheme = if self.state.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
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
    let database = open_database(database_url).await?;
    assemble(cfg, database, Arc::new(Copilot::new(&cfg.copilot)?))
}

/// The database, locked and opened (migrated, its writer running), before the
/// state around it is built: the demo makes its copilot and data meanwhile.
pub struct OpenDatabase {
    lock: Option<Arc<std::fs::File>>,
    hub: Hub,
    db: Db,
}

/// Locks and opens the database at `database_url`.
pub async fn open_database(database_url: &str) -> Result<OpenDatabase, StartError> {
    let lock = lock_database(database_url)?;
    let hub = Hub::default();
    let db = Db::open(database_url, hub.clone()).await?;
    Ok(OpenDatabase { lock, hub, db })
}

/// Builds the shared state around an open database and starts its background tasks.
pub fn assemble(cfg: &ServerConfig, database: OpenDatabase, copilot: Arc<Copilot>) -> Result<AppState, StartError> {
    let OpenDatabase { lock, hub, db } = database;
    let (stop, stopping) = watch::channel(false);
    let tls = match (cfg.tls_cert.as_deref(), cfg.tls_key.as_deref()) {
        (None, None) => None,
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
        _ => return Err(tls::TlsError::Half.into()),
    };
    let state = AppState(Arc::new(Shared {
        tls,
        _lock: lock,
        stopping,
        stop,
        db: db.clone(),
        hub: hub.clone(),
        copilot,
        intake: intake::Intake::start(db.clone()),
        keys: Arc::default(),
        guesses: Arc::default(),
        limiter: auth::limiter(cfg.rate_limit_per_second, cfg.rate_limit_burst),
        body_limit: cfg.body_limit_bytes,
        keep_alive: std::time::Duration::from_secs(u64::from(cfg.event_keep_alive_secs)),
    }));
    tokio::spawn(counts::run(db.clone(), hub.clone(), state.stopping.clone()));
    let retention = SignedDuration::from_hours(i64::from(cfg.event_retention_hours));
    tokio::spawn(scheduler::run(db, hub, retention, state.stopping.clone()));
    Ok(state)
}

/// Binds `addr` and serves `state` until stopped.
pub async fn serve(state: AppState, addr: &str) -> Result<Running, StartError> {
    let listener =
        TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr: addr.to_owned(), source })?;
    let tls = state.tls.clone();
    if tls.is_none() && !listener.local_addr().is_ok_and(|a| a.ip().is_loopback()) {
        tracing::warn!(
            addr,
            "serving plain HTTP beyond loopback: keys cross the network in the clear \
            unless a proxy in front ends TLS (or set server.tls_cert and server.tls_key)"
        );
    }
    let listener =
        refusals::Listener::new(listener, tls).map_err(|source| StartError::Bind { addr: addr.to_owned(), source })?;
    let local = axum::serve::Listener::local_addr(&listener)
        .map_err(|source| StartError::Bind { addr: addr.to_owned(), source })?;
    let app: Router = routes::router(state.clone());
    let mut stop = state.stopping.clone();
    let task = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<auth::Peer>();
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
