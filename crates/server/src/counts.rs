//! View counts: computed per org after writes (debounced, so a burst of inbound
//! messages costs one count), published on the stream as `view_counts_changed`.
//! Views that depend on who asks ("Mine") are counted for every agent at once, and
//! each stream picks its agent's numbers.

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::{QueryBuilder, Row as _, Sqlite, SqlitePool};

use frontdesk_domain::{AgentId, AssigneeFilter, OrgId, ViewCount, ViewId};

use super::db::filter::{Me, push_conditions};
use super::db::views;
use super::error::ApiResult;
use super::hub::{Hub, Payload, Published};

/// How long after a write the counts are taken: writes in that window share one count,
/// so a burst of inbound messages costs one pass, not one per message.
const DEBOUNCE: Duration = Duration::from_millis(400);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Count {
    Total(u64),
    /// For views that mean "mine": a count per assignee.
    PerAgent(HashMap<AgentId, u64>),
}

/// Every view's count for one org.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrgCounts {
    pub views: Vec<(ViewId, Count)>,
}

impl OrgCounts {
    /// The counts as `agent` sees them.
    #[must_use]
    pub fn for_agent(&self, agent: &AgentId) -> Vec<ViewCount> {
        self.views
            .iter()
            .map(|(id, count)| ViewCount {
                view_id: id.clone(),
                count: match count {
                    Count::Total(n) => *n,
                    Count::PerAgent(by) => by.get(agent).copied().unwrap_or(0),
                },
            })
            .collect()
    }
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Counts every view of the org in one pass over its conversations: a `CASE` per
/// view, grouped by assignee so that views meaning "mine" come out per agent.
pub async fn count(pool: &SqlitePool, org: &OrgId, now: Timestamp) -> ApiResult<OrgCounts> {
    let mut conn = pool.acquire().await?;
    let all = views::all(&mut *conn, org).await?;
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT c.assignee_id");
    for view in &all {
        qb.push(", sum(CASE WHEN 1 = 1");
        // `scope=team` in saved views is resolved per request, not here.
        push_conditions(&mut qb, org, &view.filter, Me::GroupByAssignee, None, now);
        qb.push(" THEN 1 ELSE 0 END)");
    }
    qb.push(" FROM conversations c WHERE c.org_id = ").push_bind(org.as_str()).push(" GROUP BY c.assignee_id");
    let rows = qb.build().fetch_all(&mut *conn).await?;
    let mut totals = vec![0_u64; all.len()];
    let mut per_agent: Vec<HashMap<AgentId, u64>> = vec![HashMap::new(); all.len()];
    for row in &rows {
        let assignee: Option<String> = row.try_get(0)?;
        for (i, total) in totals.iter_mut().enumerate() {
            let n = to_u64(row.try_get::<Option<i64>, _>(i + 1)?.unwrap_or(0));
            *total += n;
            if let Some(a) = &assignee
                && n > 0
            {
                per_agent[i].insert(AgentId::from(a.clone()), n);
            }
        }
    }
    let views = all
        .into_iter()
        .zip(totals.into_iter().zip(per_agent))
        .map(|(view, (total, by_agent))| {
            let count = if matches!(view.filter.assignee, Some(AssigneeFilter::Me)) {
                Count::PerAgent(by_agent)
            } else {
                Count::Total(total)
            };
            (view.id, count)
        })
        .collect();
    Ok(OrgCounts { views })
}

/// The task that keeps counts current: waits for dirty orgs, debounces, counts, and
/// publishes when something changed.
pub async fn run(pool: SqlitePool, hub: Hub, mut stopping: tokio::sync::watch::Receiver<bool>) {
    let mut last: HashMap<OrgId, OrgCounts> = HashMap::new();
    let mut last_cost = Duration::ZERO;
    loop {
        let mut dirty = tokio::select! {
            dirty = hub.dirty_orgs() => dirty,
            () = super::stopped(&mut stopping) => return,
        };
        // Under steady writes on a big inbox, counting would never stop: wait at least
        // three times what the last count took, so counting stays under a quarter of a core.
        tokio::time::sleep(DEBOUNCE.max(last_cost * 3)).await;
        let started = std::time::Instant::now();
        // Whatever became dirty while we slept rides along.
        dirty.extend(hub.take_dirty());
        for org in dirty {
            match count(&pool, &org, Timestamp::now()).await {
                Ok(counts) if last.get(&org) != Some(&counts) => {
                    last.insert(org.clone(), counts.clone());
                    hub.publish(Published { org_id: org, id: None, payload: Payload::Counts(counts.into()) });
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(org = %org, error = %err, "cannot count views"),
            }
        }
        last_cost = started.elapsed();
    }
}
