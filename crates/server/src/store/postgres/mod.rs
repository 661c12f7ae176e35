//! The PostgreSQL engine, for a team that outgrows one machine: several `serve`
//! instances on one database. Each instance has a pool of readers and one writer,
//! batching its jobs into transactions as the `SQLite` engine does; what keeps event
//! numbers gap-free and in commit order across instances is the org's counter row,
//! which a writing transaction holds until it commits.
//!
//! The SQL is the `SQLite` engine's own (`../sql`, compiled once per engine against
//! the types below); what only PostgreSQL says is in `dialect`.

/// The driver types the shared SQL is compiled against.
mod engine {
    pub type Engine = sqlx::Postgres;
    pub type Conn = sqlx::PgConnection;
    pub type Pool = sqlx::PgPool;
}
#[cfg(test)]
mod dedupe_tests;
mod dialect;
mod listen;
#[cfg(test)]
mod search_plan_tests;
#[cfg(test)]
#[path = "../sql/search_tests.rs"]
mod search_tests;

/// A migrated database of its own on the test run's cluster, for the shared SQL's
/// tests.
#[cfg(test)]
async fn test_connection() -> engine::Conn {
    use sqlx::Connection as _;
    let url = frontdesk_testpg::database().await;
    let mut conn = engine::Conn::connect(&url).await.expect("the test database");
    migrate::run(&mut conn).await.expect("migrated");
    conn
}
#[path = "../sql/migrate.rs"]
pub mod migrate;

#[path = "../sql/clock.rs"]
mod clock;
#[path = "../sql/conversations.rs"]
mod conversations;
#[path = "../sql/counts.rs"]
mod counts;
#[path = "../sql/events.rs"]
mod events;
#[path = "../sql/filter.rs"]
mod filter;
#[path = "../sql/idempotency.rs"]
mod idempotency;
#[path = "../sql/ingest.rs"]
mod ingest;
#[path = "../sql/load.rs"]
mod load;
#[path = "../sql/messages.rs"]
mod messages;
#[path = "../sql/mutations.rs"]
mod mutations;
#[path = "../sql/orgs.rs"]
mod orgs;
#[path = "../sql/outbound.rs"]
mod outbound;
#[path = "../sql/store.rs"]
mod store;
#[path = "../sql/suggestions.rs"]
mod suggestions;
#[path = "../sql/summaries.rs"]
mod summaries;
#[path = "../sql/tx.rs"]
mod tx;
#[path = "../sql/views.rs"]
mod views;
#[path = "../sql/word_bits.rs"]
mod word_bits;
#[cfg(test)]
mod word_bits_parser_tests;
#[cfg(test)]
#[path = "../sql/word_bits_tests.rs"]
mod word_bits_tests;
#[path = "../sql/writer.rs"]
mod writer;

use std::str::FromStr;

use sqlx::ConnectOptions as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use store::EngineStore as PgStore;
use writer::WriteCtx;

use super::{DbError, found, from_ms, open_error, to_ms};
use crate::hub::Hub;

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host/db`), runs
    /// the migrations and starts the writer.
    pub async fn open(url: &str, hub: Hub) -> Result<Self, DbError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| open_error(url, &e))?
            .application_name("frontdesk")
            // Statements are logged by the server's own settings, not ours.
            .disable_statement_logging();
        let mut writer_conn = options.connect().await.map_err(|e| open_error(url, &e))?;
        migrate::run(&mut writer_conn).await?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(|e| open_error(url, &e))?;
        // Listening before the first write, so no commit goes unpublished.
        let listening = listen::start(&pool).await.map_err(|e| open_error(url, &e))?;
        let listener = tokio::spawn(listening.run(pool.clone(), hub.clone()));
        let reconnect: writer::Reconnect = {
            let options = options.clone();
            Box::new(move || {
                let options = options.clone();
                Box::pin(async move { options.connect().await })
            })
        };
        let writer = writer::Writer::start(writer_conn, hub.clone(), Some(reconnect));
        let background = store::Background(vec![listener.abort_handle(), word_bits::start(writer.clone())]);
        Ok(Self { pool, writer, hub, terms: dialect::Terms::default(), _background: background })
    }
}
