//! A new demo database starts as a copy of the demo's seed, made beforehand and
//! built into the binary (`assets/demo/seeded.db`), its times then moved to now in
//! one statement a table, with fresh keys. Migrating a new database and seeding it
//! took some 60 ms of a fresh demo's start; the copy and the move take a few.
//!
//! The copy is the seed of the default configuration: the built-in copilot's
//! drafts, the default first-response target. Any other configuration seeds as
//! before. The seed's events are left out (pruned, as old events are), since their
//! payloads hold times the move cannot reach: a client resuming from one is told
//! to reload. The test below seeds afresh and compares every column; when the
//! seed, the schema or the copilot changes, it fails and says how to make the copy
//! again: `FRONTDESK_BLESS_DEMO=1 cargo test -p frontdesk-server demo::snapshot`.

use std::path::Path;

use crate::config::ServerConfig;
use crate::copilot::CopilotConfig;

/// The seeded database, and what it was seeded with: `at=` the instant (unix ms)
/// its times were laid out from, `first_response_minutes=` its SLA target.
static SEEDED: &[u8] = include_bytes!("../../assets/demo/seeded.db");
const SEEDED_WITH: &str = include_str!("../../assets/demo/seeded.txt");

/// One value of [`SEEDED_WITH`].
fn seeded_with(key: &str) -> Option<i64> {
    SEEDED_WITH.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('=')?.trim().parse().ok())
}

fn seeded_at() -> Option<i64> {
    seeded_with("at")
}

/// Whether the copy is what seeding would make with this configuration: the
/// built-in copilot's drafts and the same SLA target.
pub fn fits(cfg: &ServerConfig) -> bool {
    seeded_with("first_response_minutes") == Some(i64::from(cfg.first_response_minutes))
        && cfg.copilot == CopilotConfig::default()
        && seeded_at().is_some()
}

/// Writes the copy as the database `file`, which must not exist yet. A log left
/// beside it belonged to a database that is gone: SQLite would replay it into the
/// copy, so it goes (once the file is known to be new).
pub fn write(file: &Path) -> std::io::Result<()> {
    write_bytes(file, SEEDED)
}

fn write_bytes(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::fs::OpenOptions::new().write(true).create_new(true).open(file)?;
    let written = ["-wal", "-shm"]
        .into_iter()
        .try_for_each(|end| {
            let mut orphan = file.as_os_str().to_owned();
            orphan.push(end);
            match std::fs::remove_file(&orphan) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
        .and_then(|()| out.write_all(bytes));
    if written.is_err() {
        // Half a copy is no database: the demo seeds a new one instead.
        drop(out);
        let _ = std::fs::remove_file(file);
    }
    written
}

/// How far the copy's times move to be laid out from `now`.
pub fn moved_by(now: jiff::Timestamp) -> i64 {
    now.as_millisecond() - seeded_at().unwrap_or(0)
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
