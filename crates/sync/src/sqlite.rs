//! Opening the client's own `SQLite` files (the store and the cache) the same way:
//! one client per file, made if missing, the schema applied, its version checked.
//!
//! One client: a lock file beside it (`<file>.lock`, an exclusive advisory lock
//! held while any handle on the file lives) refuses a second frontdesk with a
//! clear error; `SQLite`'s own locking would let two clients share the outbox and
//! send each reply twice. Within one process the lock is shared, so an account
//! opened again (switched away from and back to) is not refused by itself.
//!
//! A file is set aside (to `<file>.broken`, its journal with it, with a log line)
//! only when setting it aside cannot lose what a working file holds: `SQLite`
//! says it is damaged or no database at all, and this process is its only
//! client. A busy file, one that cannot be opened (permissions), or one a newer
//! release wrote is an error and stays as it is. A [`Schema::disposable`] file
//! (the cache) is also set aside when it is of another version or shape.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::store::StoreError;

pub struct Schema {
    /// What it is, for log lines.
    pub what: &'static str,
    pub sql: &'static str,
    pub version: i64,
    /// Columns added since files of this version were first written: added where
    /// missing, so an existing file keeps what it holds (a new version number would
    /// make older releases refuse it).
    pub added: &'static [Added],
    /// A query that reads every table: proves the file is ours, not merely present.
    pub probe: &'static str,
    /// `Full` for promises (the outbox), `Normal` for what can be fetched again.
    pub synchronous: SqliteSynchronous,
    /// Everything in it can be fetched again: a file of another version or shape
    /// is set aside and started anew rather than refused.
    pub disposable: bool,
}

/// A column a later release added to a table (nullable or with a default, as
/// `ALTER TABLE … ADD COLUMN` needs).
pub struct Added {
    pub table: &'static str,
    pub column: &'static str,
    /// The type and constraints, as after the name in `CREATE TABLE`.
    pub decl: &'static str,
}

/// This process's hold on a file: kept by every handle on it, released when the
/// last goes.
pub struct Lock {
    /// `None` where the file system has no locks: the file is then opened as
    /// before, but never set aside (nothing proves it has no other client).
    _file: Option<File>,
}

/// The locks this process holds, by file: a second open in the same process
/// shares the first's.
static HELD: Mutex<Vec<(PathBuf, Weak<Lock>)>> = Mutex::new(Vec::new());

/// How long a statement waits for another connection's lock before it fails.
/// Short in tests, which make a file busy on purpose.
const BUSY_TIMEOUT: Duration = if cfg!(test) { Duration::from_millis(200) } else { Duration::from_secs(5) };

/// `SQLite`'s primary result codes that prove the file itself is bad.
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_NOTADB: i32 = 26;

/// Why a file did not open, by what may be done about it.
enum Failure {
    /// `SQLite` says it is damaged, or not a database at all.
    Damaged(String),
    /// A database, but not one of ours this version can read.
    Foreign(String),
    /// Written by a newer release.
    Newer(i64),
    /// Anything else (busy, permissions, a full disk): nothing wrong with the file.
    Other(sqlx::Error),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        let code = match &e {
            sqlx::Error::Database(db) => db.code().and_then(|c| c.parse::<i32>().ok()),
            _ => None,
        };
        // Extended result codes (SQLITE_CORRUPT_INDEX …) keep the primary code in
        // their low byte.
        match code.map(|c| c & 0xff) {
            Some(SQLITE_CORRUPT | SQLITE_NOTADB) => Self::Damaged(e.to_string()),
            _ => Self::Other(e),
        }
    }
}

impl Failure {
    fn into_error(self, path: &Path, schema: &Schema) -> StoreError {
        let path = path.display().to_string();
        match self {
            Self::Newer(found) => StoreError::Newer { path, found, known: schema.version },
            Self::Damaged(e) => StoreError::Open { path, reason: format!("damaged ({e}); left as it is") },
            Self::Foreign(why) => {
                StoreError::Open { path, reason: format!("not a file this version can read ({why}); left as it is") }
            }
            Self::Other(e) => StoreError::Open { path, reason: e.to_string() },
        }
    }
}

pub async fn memory(schema: &Schema) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str("sqlite::memory:")?;
    connect(options, schema, 1).await.map_err(|f| f.into_error(Path::new(":memory:"), schema))
}

/// Opens (or makes) the file at `path` as its only client; the returned lock
/// must live as long as the pool.
pub async fn open(path: &Path, schema: &Schema) -> Result<(SqlitePool, Arc<Lock>), StoreError> {
    let open_error = |e: std::io::Error| StoreError::Open { path: path.display().to_string(), reason: e.to_string() };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(open_error)?;
    }
    let (lock, sole) = lock(path).map_err(|e| match e {
        TryLockError::WouldBlock => StoreError::Locked { path: path.display().to_string() },
        TryLockError::Error(e) => open_error(e),
    })?;
    // A file that does not start as a database is damaged without asking SQLite,
    // which would open its journal, find nothing in it, and delete it on a close
    // that may come after the file was set aside (the fresh file's journal by then).
    let failure = match foreign_header(path) {
        Some(why) => Failure::Damaged(why),
        None => match open_file(path, schema).await {
            Ok(pool) => return Ok((pool, lock)),
            Err(f) => f,
        },
    };
    let set_aside = match &failure {
        Failure::Damaged(_) => true,
        Failure::Foreign(_) | Failure::Newer(_) => schema.disposable,
        Failure::Other(_) => false,
    };
    if !(set_aside && sole) {
        return Err(failure.into_error(path, schema));
    }
    let reason = failure.into_error(path, schema);
    let aside = aside(path);
    // The journal goes with its file: a fresh file must not replay it, and it may
    // hold what the damaged one lost.
    for suffix in ["", "-wal", "-shm"] {
        let (from, to) = (format!("{}{suffix}", path.display()), format!("{}{suffix}", aside.display()));
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::Open { path: from, reason: format!("cannot set it aside: {e}") }),
        }
    }
    tracing::warn!(error = %reason, aside = %aside.display(), "{} unreadable; set aside, starting a fresh one", schema.what);
    Ok((open_file(path, schema).await.map_err(|f| f.into_error(path, schema))?, lock))
}

/// Why the file at `path` is not an `SQLite` database, read from its first bytes;
/// `None` for a database, an empty file or none at all (made fresh), and anything
/// that cannot be read (`SQLite` says why).
fn foreign_header(path: &Path) -> Option<String> {
    use std::io::Read;
    const MAGIC: &[u8; 16] = b"SQLite format 3\0";
    let mut head = Vec::with_capacity(MAGIC.len());
    let file = std::fs::File::open(path).ok()?;
    file.take(MAGIC.len() as u64).read_to_end(&mut head).ok()?;
    (!head.is_empty() && head != MAGIC).then(|| "not a database: its first bytes are not SQLite's".to_owned())
}

/// The first free name to set `path` aside under: `<path>.broken`, then
/// `<path>.broken.2` … so that an earlier one is kept too.
fn aside(path: &Path) -> PathBuf {
    let taken = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    (1u32..=1000)
        .map(|n| match n {
            1 => PathBuf::from(format!("{}.broken", path.display())),
            n => PathBuf::from(format!("{}.broken.{n}", path.display())),
        })
        .find(|p| !taken(p))
        .unwrap_or_else(|| PathBuf::from(format!("{}.broken", path.display())))
}

/// This process's lock on `path`, and whether it is the file's only client (it
/// holds the lock, and no other handle in this process has the file).
fn lock(path: &Path) -> Result<(Arc<Lock>, bool), TryLockError> {
    // One name per file, however it was spelled (the directory exists by now).
    let key = match (path.parent().map(std::fs::canonicalize), path.file_name()) {
        (Some(Ok(dir)), Some(name)) => dir.join(name),
        _ => path.to_owned(),
    };
    // A panic elsewhere while it was held leaves the list as it was: still right.
    let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    held.retain(|(_, l)| l.strong_count() > 0);
    if let Some(lock) = held.iter().find(|(p, _)| *p == key).and_then(|(_, l)| l.upgrade()) {
        return Ok((lock, false));
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(format!("{}.lock", key.display()))
        .map_err(TryLockError::Error)?;
    let (file, sole) = match file.try_lock() {
        Ok(()) => (Some(file), true),
        Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
            tracing::warn!(path = %key.display(), "no file locks here: another client would not be stopped");
            (None, false)
        }
        Err(e) => return Err(e),
    };
    let lock = Arc::new(Lock { _file: file });
    held.push((key, Arc::downgrade(&lock)));
    Ok((lock, sole))
}

async fn open_file(path: &Path, schema: &Schema) -> Result<SqlitePool, Failure> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(schema.synchronous)
        .busy_timeout(BUSY_TIMEOUT);
    connect(options, schema, 2).await
}

async fn connect(options: SqliteConnectOptions, schema: &Schema, max: u32) -> Result<SqlitePool, Failure> {
    let pool = SqlitePoolOptions::new().max_connections(max).connect_with(options).await?;
    match prepare(&pool, schema).await {
        Ok(()) => Ok(pool),
        Err(f) => {
            // Closed before the caller may move the file and its journal: a
            // connection closing later would act on the journal's old name, which
            // by then belongs to a fresh file.
            pool.close().await;
            Err(f)
        }
    }
}

/// Checks the file's version and brings its schema up to date.
async fn prepare(pool: &SqlitePool, schema: &Schema) -> Result<(), Failure> {
    let version: i64 = sqlx::query_scalar("PRAGMA user_version").fetch_one(pool).await?;
    if version > schema.version {
        return Err(Failure::Newer(version));
    }
    if version != 0 && version != schema.version {
        return Err(Failure::Foreign(format!("version {version}, expected {}", schema.version)));
    }
    sqlx::raw_sql(schema.sql).execute(pool).await.map_err(shape)?;
    for a in schema.added {
        let present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = $2")
            .bind(a.table)
            .bind(a.column)
            .fetch_one(pool)
            .await?;
        if present == 0 {
            // Names and declarations are the program's own constants, never input.
            let sql = format!("ALTER TABLE {} ADD COLUMN {} {}", a.table, a.column, a.decl);
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await.map_err(shape)?;
        }
    }
    sqlx::raw_sql(schema.probe).execute(pool).await.map_err(shape)?;
    if version == 0 {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA user_version = {}", schema.version))).execute(pool).await?;
    }
    Ok(())
}

/// A failure of the program's own schema statements. A plain SQL error (no such
/// column, an index on a column that is not there) means tables of ours in name
/// but not in shape: the file is foreign, not damaged.
fn shape(e: sqlx::Error) -> Failure {
    const SQLITE_ERROR: &str = "1";
    match Failure::from(e) {
        Failure::Other(sqlx::Error::Database(db)) if db.code().as_deref() == Some(SQLITE_ERROR) => {
            Failure::Foreign(db.message().to_owned())
        }
        other => other,
    }
}
