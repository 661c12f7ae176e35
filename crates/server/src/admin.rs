//! `frontdesk admin …`: setting up orgs, agents and keys without SQL, exporting the
//! copilot's training pairs, and reporting what became of its drafts. These work on the database directly, so they also
//! work while no server runs.

use std::io::Write;

use frontdesk_domain::{Agent, AgentRole, OrgId};

use super::db::{Db, orgs, suggestions};
use super::error::ApiResult;

/// A new org with its first admin, and that admin's key.
pub struct NewOrg {
    pub org: OrgId,
    pub admin: Agent,
    pub key: String,
}

pub async fn create_org(
    db: &Db,
    name: &str,
    admin_name: &str,
    admin_email: &str,
    first_response_secs: i64,
) -> ApiResult<NewOrg> {
    let (name, admin_name, admin_email) = (name.to_owned(), admin_name.to_owned(), admin_email.to_owned());
    db.write(move |w| {
        Box::pin(async move {
            let org = orgs::create_org(w.conn(), &name, first_response_secs).await?;
            let admin = orgs::create_agent(w.conn(), &org, &admin_name, &admin_email, AgentRole::Admin, None).await?;
            let key = orgs::create_key(w.conn(), &org, &admin.id, "admin").await?;
            Ok(NewOrg { org, admin, key })
        })
    })
    .await
}

/// A new agent in an org (by name or id) and its key.
pub async fn create_agent(
    db: &Db,
    org: &str,
    name: &str,
    email: &str,
    role: AgentRole,
    team: Option<&str>,
) -> ApiResult<(Agent, String)> {
    let org = orgs::find_org(&db.pool, org).await?;
    let (name, email, team) = (name.to_owned(), email.to_owned(), team.map(str::to_owned));
    db.write(move |w| {
        Box::pin(async move {
            let agent = orgs::create_agent(w.conn(), &org, &name, &email, role, team.as_deref()).await?;
            let key = orgs::create_key(w.conn(), &org, &agent.id, "cli").await?;
            Ok((agent, key))
        })
    })
    .await
}

/// Another key for an existing agent, found by email.
pub async fn create_key(db: &Db, org: &str, email: &str, label: &str) -> ApiResult<String> {
    let org = orgs::find_org(&db.pool, org).await?;
    let agent = orgs::agents(&db.pool, &org)
        .await?
        .into_iter()
        .find(|a| a.email.eq_ignore_ascii_case(email))
        .ok_or_else(|| super::error::ApiError::not_found("agent"))?;
    let label = label.to_owned();
    db.write(move |w| Box::pin(async move { orgs::create_key(w.conn(), &org, &agent.id, &label).await })).await
}

/// Revokes every key that starts with `prefix` (as listed); returns how many.
pub async fn revoke_key(db: &Db, prefix: &str) -> ApiResult<u64> {
    let prefix = prefix.to_owned();
    db.write(move |w| {
        Box::pin(async move {
            let done = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE revoked_at IS NULL AND prefix = $2")
                .bind(jiff::Timestamp::now().as_millisecond())
                .bind(&prefix)
                .execute(w.conn())
                .await?;
            Ok(done.rows_affected())
        })
    })
    .await
}

/// What became of the copilot's drafts, per article and per agent.
pub async fn copilot_report(db: &Db, org: Option<&str>) -> anyhow::Result<crate::copilot::report::Report> {
    let org = match org {
        Some(o) => Some(orgs::find_org(&db.pool, o).await?),
        None => None,
    };
    let outcomes = suggestions::outcomes(&db.pool, org.as_ref()).await?;
    Ok(crate::copilot::report::Report::new(&outcomes))
}

/// Writes the training pairs as JSON Lines; returns how many.
pub async fn export_training_pairs(db: &Db, org: Option<&str>, out: &mut dyn Write) -> anyhow::Result<usize> {
    let org = match org {
        Some(o) => Some(orgs::find_org(&db.pool, o).await?),
        None => None,
    };
    let pairs = suggestions::training_pairs(&db.pool, org.as_ref()).await?;
    for pair in &pairs {
        serde_json::to_writer(&mut *out, pair)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(pairs.len())
}
