//! Moving a team from one database to another (`SQLite` to PostgreSQL, or back): every
//! table, rows as stored, in an order that keeps references whole, in one transaction
//! on the target, so a failed copy leaves it empty. The search index fills through
//! the target's own triggers; numbering (messages, events, training pairs) goes on
//! past the copied rows; then every table's rows are counted on both sides.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Connection as _, QueryBuilder, Row as _};

use super::{postgres, redact, sqlite};

/// What a column holds, as both schemas store it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    /// 0/1 on `SQLite`, BOOLEAN on PostgreSQL.
    Bool,
}

use Kind::{Bool, Int, Text};

struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    /// The key rows are read in order of, a page at a time.
    key: &'static [&'static str],
}

/// Every table, parents first. `search` is not copied: the target's triggers fill it.
const TABLES: &[Table] = &[
    Table {
        name: "orgs",
        columns: &[("id", Text), ("name", Text), ("first_response_secs", Int), ("created_at", Int)],
        key: &["id"],
    },
    Table {
        name: "agents",
        columns: &[
            ("id", Text),
            ("org_id", Text),
            ("name", Text),
            ("email", Text),
            ("role", Text),
            ("team", Text),
            ("created_at", Int),
        ],
        key: &["id"],
    },
    Table {
        name: "api_keys",
        columns: &[
            ("hash", Text),
            ("org_id", Text),
            ("agent_id", Text),
            ("label", Text),
            ("prefix", Text),
            ("created_at", Int),
            ("revoked_at", Int),
        ],
        key: &["hash"],
    },
    Table {
        name: "contacts",
        columns: &[
            ("id", Text),
            ("org_id", Text),
            ("name", Text),
            ("handle", Text),
            ("email", Text),
            ("phone", Text),
            ("company", Text),
            ("created_at", Int),
        ],
        key: &["id"],
    },
    Table {
        name: "conversations",
        columns: &[
            ("id", Text),
            ("org_id", Text),
            ("contact_id", Text),
            ("channel", Text),
            ("subject", Text),
            ("status", Text),
            ("snoozed_until", Int),
            ("assignee_id", Text),
            ("team", Text),
            ("tags", Text),
            ("starred", Bool),
            ("unread", Bool),
            ("archived", Bool),
            ("priority", Text),
            ("last_preview", Text),
            ("last_direction", Text),
            ("last_message_at", Int),
            ("waiting_since", Int),
            ("sla_due_at", Int),
            ("ai_state", Text),
            ("ai_agent", Text),
            ("pending_suggestion", Bool),
            ("message_count", Int),
            ("activity_at", Int),
            ("created_at", Int),
            ("updated_at", Int),
        ],
        key: &["id"],
    },
    Table {
        name: "messages",
        columns: &[
            ("seq", Int),
            ("id", Text),
            ("org_id", Text),
            ("conversation_id", Text),
            ("direction", Text),
            ("author_kind", Text),
            ("author_id", Text),
            ("author_name", Text),
            ("kind", Text),
            ("body", Text),
            ("attachments", Text),
            ("call", Text),
            ("delivery", Text),
            ("provider_message_id", Text),
            ("created_at", Int),
        ],
        key: &["seq"],
    },
    Table {
        name: "suggestions",
        columns: &[
            ("id", Text),
            ("org_id", Text),
            ("conversation_id", Text),
            ("body", Text),
            ("actions", Text),
            ("status", Text),
            ("engine", Text),
            ("sources", Text),
            ("created_at", Int),
            ("resolved_at", Int),
            ("confidence", Int),
            ("lang", Text),
            ("before_sending", Text),
            ("withheld", Text),
            ("resolved_by", Text),
        ],
        key: &["id"],
    },
    Table {
        name: "training_pairs",
        columns: &[
            ("id", Int),
            ("org_id", Text),
            ("suggestion_id", Text),
            ("conversation_id", Text),
            ("agent_id", Text),
            ("draft", Text),
            ("sent", Text),
            ("edited", Bool),
            ("created_at", Int),
            ("edit_distance", Int),
        ],
        key: &["id"],
    },
    Table {
        name: "saved_views",
        columns: &[("id", Text), ("org_id", Text), ("name", Text), ("filter", Text), ("created_at", Int)],
        key: &["id"],
    },
    Table {
        name: "events",
        columns: &[
            ("id", Int),
            ("org_id", Text),
            ("kind", Text),
            ("conversation_id", Text),
            ("payload", Text),
            ("created_at", Int),
            ("seq", Int),
        ],
        key: &["id"],
    },
    Table {
        name: "event_sequences",
        columns: &[("org_id", Text), ("last_seq", Int), ("pruned_through", Int)],
        key: &["org_id"],
    },
    Table {
        name: "idempotency_keys",
        columns: &[
            ("org_id", Text),
            ("key", Text),
            ("request_hash", Text),
            ("status", Int),
            ("response", Text),
            ("created_at", Int),
        ],
        key: &["org_id", "key"],
    },
    Table { name: "meta", columns: &[("key", Text), ("value", Text)], key: &["key"] },
];

/// Identity columns whose numbering must go on past the copied rows (PostgreSQL;
/// `SQLite`'s AUTOINCREMENT follows inserted ids by itself).
const NUMBERED: &[(&str, &str)] = &[("messages", "seq"), ("events", "id"), ("training_pairs", "id")];

/// Rows read a page at a time.
const PAGE: i64 = 5_000;

#[derive(Clone, Debug, PartialEq)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Open(#[from] super::DbError),
    #[error("the target database already holds {0} org(s): copy into an empty database")]
    NotEmpty(i64),
    #[error("the source and the target are the same database")]
    Same,
    #[error("copying {table}: {source}")]
    Table { table: &'static str, source: sqlx::Error },
    #[error("{table}: {source_rows} rows in the source, {target_rows} in the target after the copy")]
    Count { table: &'static str, source_rows: i64, target_rows: i64 },
    #[error("{0}")]
    Db(#[from] sqlx::Error),
}

/// How many rows each table holds on both sides, after the copy.
#[derive(Debug)]
pub struct Copied {
    pub tables: Vec<(&'static str, i64)>,
}

/// A database, as the copy reads and writes it.
enum Side {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Copies every table of `from` into the empty database `to`, and checks the counts.
///
/// # Errors
/// When either database cannot be opened or migrated, the target is not empty, or a
/// table cannot be copied (nothing is then left in the target).
pub async fn copy_database(from: &str, to: &str) -> Result<Copied, CopyError> {
    if from == to {
        return Err(CopyError::Same);
    }
    let source = Side::open(from).await?;
    let target = Side::open(to).await?;
    let orgs = target.count("orgs").await?;
    if orgs > 0 {
        return Err(CopyError::NotEmpty(orgs));
    }
    target.copy_from(&source).await?;
    let mut tables = Vec::with_capacity(TABLES.len());
    for t in TABLES {
        let (source_rows, target_rows) = (source.count(t.name).await?, target.count(t.name).await?);
        if source_rows != target_rows {
            return Err(CopyError::Count { table: t.name, source_rows, target_rows });
        }
        tables.push((t.name, source_rows));
    }
    Ok(Copied { tables })
}

fn open_failed(url: &str, e: &sqlx::Error) -> CopyError {
    CopyError::Open(super::open_error(url, e))
}

/// `a, b` and `$n, $n+1` for a key: `(a, b) > ($1, $2)` pages in key order.
fn key_condition(t: &Table) -> String {
    let cols = t.key.join(", ");
    let binds: Vec<String> = (1..=t.key.len()).map(|i| format!("${i}")).collect();
    format!("({cols}) > ({})", binds.join(", "))
}

fn select(t: &Table, after: bool) -> String {
    let cols: Vec<&str> = t.columns.iter().map(|(c, _)| *c).collect();
    let filter = if after { format!(" WHERE {}", key_condition(t)) } else { String::new() };
    format!("SELECT {} FROM {}{filter} ORDER BY {} LIMIT {PAGE}", cols.join(", "), t.name, t.key.join(", "))
}

fn key_of(t: &Table, row: &[Value]) -> Vec<Value> {
    t.key
        .iter()
        .filter_map(|k| t.columns.iter().position(|(c, _)| c == k))
        .filter_map(|i| row.get(i).cloned())
        .collect()
}

/// Reads a row by the table's kinds; booleans come back as booleans from either side.
macro_rules! read_row {
    ($row:expr, $t:expr) => {{
        let mut values = Vec::with_capacity($t.columns.len());
        for (i, (_, kind)) in $t.columns.iter().enumerate() {
            values.push(match kind {
                Text => Value::Text($row.try_get(i)?),
                Int => Value::Int($row.try_get(i)?),
                Bool => Value::Bool($row.try_get(i)?),
            });
        }
        values
    }};
}

macro_rules! bind_value {
    ($b:expr, $v:expr) => {
        match $v {
            Value::Text(v) => $b.push_bind(v.clone()),
            Value::Int(v) => $b.push_bind(*v),
            Value::Bool(v) => $b.push_bind(*v),
        }
    };
}

impl Side {
    /// Opens the database and brings its schema up to date (as any frontdesk command
    /// that opens it would).
    async fn open(url: &str) -> Result<Self, CopyError> {
        if url.starts_with("sqlite:") {
            let options =
                SqliteConnectOptions::from_str(url).map_err(|e| open_failed(url, &e))?.create_if_missing(true);
            let mut conn = sqlx::SqliteConnection::connect_with(&options).await.map_err(|e| open_failed(url, &e))?;
            sqlite::migrate::run(&mut conn).await?;
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .map_err(|e| open_failed(url, &e))?;
            return Ok(Self::Sqlite(pool));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(|e| open_failed(url, &e))?;
            let mut conn = sqlx::PgConnection::connect_with(&options).await.map_err(|e| open_failed(url, &e))?;
            postgres::migrate::run(&mut conn).await?;
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .map_err(|e| open_failed(url, &e))?;
            return Ok(Self::Postgres(pool));
        }
        Err(CopyError::Open(super::DbError::Open {
            url: redact(url),
            reason: "not a database URL (sqlite://PATH or postgres://USER@HOST/DB)".to_owned(),
        }))
    }

    async fn count(&self, table: &'static str) -> Result<i64, CopyError> {
        let sql = AssertSqlSafe(format!("SELECT count(*) FROM {table}"));
        let n = match self {
            Self::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
            Self::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        };
        n.map_err(|source| CopyError::Table { table, source })
    }

    /// One page of rows after `after` (the key of the last row read).
    async fn page(&self, t: &Table, after: Option<&[Value]>) -> Result<Vec<Vec<Value>>, sqlx::Error> {
        let sql = select(t, after.is_some());
        macro_rules! fetch {
            ($pool:expr) => {{
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for v in after.unwrap_or_default() {
                    q = match v {
                        Value::Text(v) => q.bind(v.clone()),
                        Value::Int(v) => q.bind(*v),
                        Value::Bool(v) => q.bind(*v),
                    };
                }
                let mut rows = Vec::new();
                for row in q.fetch_all($pool).await? {
                    rows.push(read_row!(row, t));
                }
                rows
            }};
        }
        Ok(match self {
            Self::Sqlite(pool) => fetch!(pool),
            Self::Postgres(pool) => fetch!(pool),
        })
    }

    /// Copies every table from `source`, in one transaction.
    async fn copy_from(&self, source: &Side) -> Result<(), CopyError> {
        macro_rules! copy_into {
            ($pool:expr) => {{
                let mut tx = $pool.begin().await?;
                for t in TABLES {
                    let failed = |source| CopyError::Table { table: t.name, source };
                    // Well under either engine's bound parameters per statement.
                    let per_statement = 30_000 / t.columns.len();
                    let mut after: Option<Vec<Value>> = None;
                    loop {
                        let rows = source.page(t, after.as_deref()).await.map_err(failed)?;
                        let Some(last) = rows.last() else { break };
                        after = Some(key_of(t, last));
                        for chunk in rows.chunks(per_statement) {
                            let cols: Vec<&str> = t.columns.iter().map(|(c, _)| *c).collect();
                            let mut qb = QueryBuilder::new(format!("INSERT INTO {} ({}) ", t.name, cols.join(", ")));
                            qb.push_values(chunk, |mut b, row| {
                                for v in row {
                                    bind_value!(b, v);
                                }
                            });
                            qb.build().execute(&mut *tx).await.map_err(failed)?;
                        }
                        if i64::try_from(rows.len()).unwrap_or(i64::MAX) < PAGE {
                            break;
                        }
                    }
                }
                tx
            }};
        }
        match self {
            Self::Sqlite(pool) => {
                let tx = copy_into!(pool);
                tx.commit().await?;
            }
            Self::Postgres(pool) => {
                let mut tx = copy_into!(pool);
                for (table, column) in NUMBERED {
                    let sql = format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                         coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
                    );
                    sqlx::query(AssertSqlSafe(sql))
                        .execute(&mut *tx)
                        .await
                        .map_err(|source| CopyError::Table { table, source })?;
                }
                tx.commit().await?;
                // Plans on a freshly filled database need its statistics now, not when
                // autovacuum next looks.
                sqlx::raw_sql("ANALYZE").execute(pool).await?;
            }
        }
        Ok(())
    }
}
