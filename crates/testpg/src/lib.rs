//! A PostgreSQL cluster of the suite's own: `initdb` and `postgres` in a temporary
//! directory on a free loopback port, started once per test run (as the `postgres`
//! user when the run is root's: PostgreSQL refuses root) and stopped when the run
//! ends, by a watchdog that sees the test process gone. Each server under test gets a
//! database of its own. Nothing is skipped: without PostgreSQL's programs the suite
//! fails, saying what to install (`.ci/run` installs it). `FRONTDESK_TEST_PG_LOG=path`
//! keeps the cluster's log, with every statement that failed.
//!
//! Shared by the end-to-end suite, the server's own PostgreSQL tests and the engines
//! bench.
#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::missing_panics_doc,
    reason = "test support: a cluster that cannot start fails the run, saying why"
)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::Connection as _;

pub struct Cluster {
    port: u16,
    log: PathBuf,
    /// Never waited on: it outlives the tests, to stop the server after them.
    _watchdog: std::process::Child,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// A new, empty database on the suite's cluster; its URL.
pub async fn database() -> String {
    let cluster = CLUSTER.get_or_init(start);
    let name = format!("t{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::Relaxed));
    let admin = cluster.url("postgres");
    // The port answers before the server accepts sessions ("starting up"): ask again.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut conn = loop {
        match sqlx::PgConnection::connect(&admin).await {
            Ok(conn) => break conn,
            Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => panic!("cannot reach the test cluster at {admin}: {e}\n{}", cluster.tail()),
        }
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    cluster.url(&name)
}

impl Cluster {
    fn url(&self, database: &str) -> String {
        format!("postgres://frontdesk@127.0.0.1:{}/{database}", self.port)
    }

    /// The end of the server's log, for a failure message.
    fn tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

fn start() -> Cluster {
    let root = output("id", &["-u"]) == "0";
    let dir = tempfile::Builder::new().prefix("frontdesk-pg-").tempdir().expect("temp dir").keep();
    if root {
        let uid = output("id", &["-u", "postgres"]).parse().expect("the postgres user's uid");
        let gid = output("id", &["-g", "postgres"]).parse().expect("the postgres user's gid");
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("hand the cluster directory to postgres");
    }
    let data = dir.join("data");
    // FRONTDESK_TEST_PG_LOG=path keeps the server's log (every failed statement) after the run.
    let log = std::env::var_os("FRONTDESK_TEST_PG_LOG").map_or_else(|| dir.join("log"), PathBuf::from);
    let initdb = bin("initdb");
    let status = as_cluster_user(
        root,
        &format!(
            "{} -D {} -U frontdesk --auth=trust -E UTF8 --no-locale -N >{} 2>&1",
            initdb.display(),
            data.display(),
            log.display()
        ),
    )
    .status()
    .expect("run initdb");
    assert!(status.success(), "initdb failed:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
    let port = free_port();
    // The watchdog: runs the server, and stops it and removes the directory once the
    // test process is gone (checked by /proc, which needs no permission on it).
    let script = format!(
        "{postgres} -D {data} -p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 >>{log} 2>&1 & pg=$!; \
         while [ -d /proc/{pid} ] && kill -0 $pg 2>/dev/null; do sleep 1; done; \
         kill -INT $pg 2>/dev/null; wait $pg; rm -rf {dir}",
        postgres = bin("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        log = log.display(),
        pid = std::process::id(),
    );
    let watchdog = as_cluster_user(root, &script).spawn().expect("start postgres");
    let cluster = Cluster { port, log, _watchdog: watchdog };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "PostgreSQL did not start on port {port}:\n{}", cluster.tail());
        std::thread::sleep(Duration::from_millis(50));
    }
    cluster
}

/// `sh -c script`, as `postgres` when we are root.
fn as_cluster_user(root: bool, script: &str) -> Command {
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", "sh", "-c", script]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    };
    cmd.current_dir("/");
    cmd
}

/// A PostgreSQL program: on PATH, or where Debian keeps the server's programs.
fn bin(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    let debian = || {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin").join(name))
            .filter(|p| p.is_file())
            .collect();
        versions.sort();
        versions.pop()
    };
    on_path.or_else(debian).unwrap_or_else(|| {
        panic!(
            "PostgreSQL's `{name}` is not on PATH nor in /usr/lib/postgresql/*/bin: the PostgreSQL suite needs \
             the server installed (Debian: apt-get install postgresql; .ci/run does this)"
        )
    })
}

fn output(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("run {cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}
