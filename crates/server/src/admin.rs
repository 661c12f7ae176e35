//! `frontdesk admin …`: setting up orgs, agents and keys without SQL, exporting the
//! copilot's training pairs, and reporting what became of its drafts. These work on the database directly, so they also
//! work while no server runs.

use std::io::Write;

use frontdesk_domain::{Agent, AgentRole, OrgId};

use super::error::ApiResult;
use super::store::Db;

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
            let org = w.create_org(&name, first_response_secs).await?;
            let admin = w.create_agent(&org, &admin_name, &admin_email, AgentRole::Admin, None).await?;
            let key = w.create_key(&org, &admin.id, "admin").await?;
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
    let org = db.find_org(org).await?;
    let (name, email, team) = (name.to_owned(), email.to_owned(), team.map(str::to_owned));
    db.write(move |w| {
        Box::pin(async move {
            let agent = w.create_agent(&org, &name, &email, role, team.as_deref()).await?;
            let key = w.create_key(&org, &agent.id, "cli").await?;
            Ok((agent, key))
        })
    })
    .await
}

/// Another key for an existing agent, found by email.
pub async fn create_key(db: &Db, org: &str, email: &str, label: &str) -> ApiResult<String> {
    let org = db.find_org(org).await?;
    let agent = db
        .agents(&org)
        .await?
        .into_iter()
        .find(|a| a.email.eq_ignore_ascii_case(email))
        .ok_or_else(|| super::error::ApiError::not_found("agent"))?;
    let label = label.to_owned();
    db.write(move |w| Box::pin(async move { w.create_key(&org, &agent.id, &label).await })).await
}

/// Revokes every key that starts with `prefix` (as listed); returns how many.
pub async fn revoke_key(db: &Db, prefix: &str) -> ApiResult<u64> {
    let prefix = prefix.to_owned();
    db.write(move |w| Box::pin(async move { w.revoke_keys(&prefix).await })).await
}

/// What became of the copilot's drafts, per article and per agent.
pub async fn copilot_report(db: &Db, org: Option<&str>) -> anyhow::Result<crate::copilot::report::Report> {
    let org = match org {
        Some(o) => Some(db.find_org(o).await?),
        None => None,
    };
    let outcomes = db.suggestion_outcomes(org.as_ref()).await?;
    Ok(crate::copilot::report::Report::new(&outcomes))
}

/// Writes the training pairs as JSON Lines; returns how many.
pub async fn export_training_pairs(db: &Db, org: Option<&str>, out: &mut dyn Write) -> anyhow::Result<usize> {
    let org = match org {
        Some(o) => Some(db.find_org(o).await?),
        None => None,
    };
    let pairs = db.training_pairs(org.as_ref()).await?;
    for pair in &pairs {
        serde_json::to_writer(&mut *out, pair)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(pairs.len())
}

/// Copies everything from one database into another, empty one (`SQLite` to
/// PostgreSQL, or back) and checks every table's count. Neither may be in use by a
/// server meanwhile: a `SQLite` file is locked for the copy.
///
/// # Errors
/// When a database cannot be opened or is in use, the target is not empty, or a table
/// does not copy whole (the target is then left empty).
pub async fn copy_database(from: &str, to: &str) -> anyhow::Result<crate::store::copy::Copied> {
    let _locks = (crate::lock_database(from)?, crate::lock_database(to)?);
    Ok(crate::store::copy::copy_database(from, to).await?)
}
