//! Orgs, agents and API keys. A key is shown once when made and stored only as its
//! SHA-256, so a copied database leaks no usable key.

use super::engine::{Conn, Engine};
use jiff::Timestamp;
use sqlx::Executor;

use crate::error::{ApiError, ApiResult};
use frontdesk_domain::{Agent, AgentId, AgentRole, OrgId};

use super::conversations::role;
use super::{found, to_ms};
use crate::store::keys::{KEY_PREFIX, hash_key, new_key};

pub async fn create_org(conn: &mut Conn, name: &str, first_response_secs: i64) -> ApiResult<OrgId> {
    let id = OrgId::generate();
    sqlx::query("INSERT INTO orgs (id, name, first_response_secs, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id.as_str())
        .bind(name)
        .bind(first_response_secs)
        .bind(to_ms(Timestamp::now()))
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn create_agent(
    conn: &mut Conn,
    org: &OrgId,
    name: &str,
    email: &str,
    role: AgentRole,
    team: Option<&str>,
) -> ApiResult<Agent> {
    let id = AgentId::generate();
    let role_str = match role {
        AgentRole::Admin => "admin",
        AgentRole::Agent => "agent",
    };
    sqlx::query(
        "INSERT INTO agents (id, org_id, name, email, role, team, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.as_str())
    .bind(org.as_str())
    .bind(name)
    .bind(email)
    .bind(role_str)
    .bind(team)
    .bind(to_ms(Timestamp::now()))
    .execute(conn)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            ApiError::conflict("AGENT_EXISTS", format!("an agent with email {email} already exists in this org"))
        }
        other => other.into(),
    })?;
    Ok(Agent { id, name: name.to_owned(), email: email.to_owned(), role, team: team.map(str::to_owned) })
}

/// Makes a key for the agent and returns it: the only time it is ever seen whole.
pub async fn create_key(conn: &mut Conn, org: &OrgId, agent: &AgentId, label: &str) -> ApiResult<String> {
    let key = new_key();
    sqlx::query(
        "INSERT INTO api_keys (hash, org_id, agent_id, label, prefix, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash_key(&key))
    .bind(org.as_str())
    .bind(agent.as_str())
    .bind(label)
    .bind(&key[..KEY_PREFIX.len() + 6])
    .bind(to_ms(Timestamp::now()))
    .execute(conn)
    .await?;
    Ok(key)
}

/// Who a key belongs to, by the key's hash, if it is live.
pub async fn authenticate_hash<'e, E: Executor<'e, Database = Engine>>(
    db: E,
    hash: &str,
) -> ApiResult<Option<(OrgId, Agent)>> {
    let row: Option<(String, String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT k.org_id, a.id, a.name, a.email, a.role, a.team FROM api_keys k JOIN agents a ON a.id = k.agent_id \
         WHERE k.hash = $1 AND k.revoked_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(org, id, name, email, r, team)| {
        (OrgId::from(org), Agent { id: AgentId::from(id), name, email, role: role(&r), team })
    }))
}

pub async fn agent<'e, E: Executor<'e, Database = Engine>>(db: E, org: &OrgId, id: &AgentId) -> ApiResult<Agent> {
    let row: Option<(String, String, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, name, email, role, team FROM agents WHERE org_id = $1 AND id = $2")
            .bind(org.as_str())
            .bind(id.as_str())
            .fetch_optional(db)
            .await?;
    found(row, "agent").map(|(id, name, email, r, team)| Agent {
        id: AgentId::from(id),
        name,
        email,
        role: role(&r),
        team,
    })
}

pub async fn agents<'e, E: Executor<'e, Database = Engine>>(db: E, org: &OrgId) -> ApiResult<Vec<Agent>> {
    let rows: Vec<(String, String, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, name, email, role, team FROM agents WHERE org_id = $1 ORDER BY name")
            .bind(org.as_str())
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, r, team)| Agent { id: AgentId::from(id), name, email, role: role(&r), team })
        .collect())
}

/// An org by name or id, for the admin verbs.
pub async fn find_org<'e, E: Executor<'e, Database = Engine>>(db: E, name_or_id: &str) -> ApiResult<OrgId> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT id FROM orgs WHERE id = $1 OR name = $1 ORDER BY created_at LIMIT 1")
            .bind(name_or_id)
            .fetch_optional(db)
            .await?;
    id.map(OrgId::from).ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("no org is named or has the id {name_or_id:?}"),
        )
    })
}

pub async fn first_response_secs<'e, E: Executor<'e, Database = Engine>>(db: E, org: &OrgId) -> ApiResult<i64> {
    let secs: Option<i64> = sqlx::query_scalar("SELECT first_response_secs FROM orgs WHERE id = $1")
        .bind(org.as_str())
        .fetch_optional(db)
        .await?;
    found(secs, "org")
}

/// Sets the first-response target and moves the running SLA clocks to match.
pub async fn set_first_response_secs(conn: &mut Conn, org: &OrgId, secs: i64) -> ApiResult<()> {
    sqlx::query("UPDATE orgs SET first_response_secs = $1 WHERE id = $2")
        .bind(secs)
        .bind(org.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE conversations SET sla_due_at = waiting_since + $1 * 1000 WHERE org_id = $2 AND waiting_since IS NOT NULL")
        .bind(secs)
        .bind(org.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn name<'e, E: Executor<'e, Database = Engine>>(db: E, org: &OrgId) -> ApiResult<String> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM orgs WHERE id = $1").bind(org.as_str()).fetch_optional(db).await?;
    found(name, "org")
}

/// Revokes every live key whose listed prefix is `prefix`; returns how many.
pub async fn revoke_keys(conn: &mut Conn, prefix: &str) -> ApiResult<u64> {
    let done = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE revoked_at IS NULL AND prefix = $2")
        .bind(to_ms(Timestamp::now()))
        .bind(prefix)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
