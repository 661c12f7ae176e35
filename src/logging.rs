//! Logging: tracing to a file under the XDG state directory (never to a terminal a
//! TUI may be drawing on), or to stderr for the headless server.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Log lines waiting for the writer thread.
const LOG_QUEUE_LINES: usize = 8192;

/// Where the logs go.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    Stderr,
    File(&'a Path),
}

/// Installs the global subscriber. Keep the guard alive for the life of the program:
/// dropping it flushes and stops the writer. `FRONTDESK_LOG` sets the filter
/// (default `info`).
pub fn init(target: Target<'_>) -> anyhow::Result<Option<WorkerGuard>> {
    let filter = EnvFilter::try_from_env("FRONTDESK_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    match target {
        Target::Stderr => {
            // Colour only for a person at a terminal, never into a file or a pipe.
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_writer(std::io::stderr)
                .try_init()
                .map_err(|e| anyhow::anyhow!(e))?;
            Ok(None)
        }
        Target::File(path) => {
            let dir = path.parent().unwrap_or_else(|| Path::new("."));
            std::fs::create_dir_all(dir)?;
            let name = path.file_name().map_or_else(|| PathBuf::from("frontdesk.log"), PathBuf::from);
            let appender = tracing_appender::rolling::never(dir, name);
            // The default queue holds 128,000 lines and is laid out in full at once
            // (4 MB, about 4 ms of page faults before the first screen). A shorter
            // one that waits when full, rather than dropping lines, loses nothing.
            let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .buffered_lines_limit(LOG_QUEUE_LINES)
                .lossy(false)
                .finish(appender);
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(writer)
                .try_init()
                .map_err(|e| anyhow::anyhow!(e))?;
            Ok(Some(guard))
        }
    }
}
