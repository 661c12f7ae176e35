//! View counts: computed per org after writes (debounced, so a burst of inbound
//! messages costs one count), published on the stream as `view_counts_changed` where
//! some stream of the org is open.
//! Views that depend on who asks ("Mine") are counted for every agent at once, and
//! each stream picks its agent's numbers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use frontdesk_domain::{AgentId, OrgId, ViewCount, ViewId};

use super::error::ApiResult;
use super::hub::{Hub, Payload, Published};
use super::store::Db;

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

/// The org's counts now: those kept since its last change (a write, a deadline
/// passed), or counted afresh and kept. Counting reads every conversation of the
/// org (about 200 ms at 100,000), where a client's start asks for them each time;
/// callers that arrive while a count is under way wait for it instead of counting
/// too (a team's clients starting together after a write).
pub async fn current(db: &Db, hub: &Hub, org: &OrgId) -> ApiResult<Arc<OrgCounts>> {
    if let Some(counts) = hub.counted(org) {
        return Ok(counts);
    }
    let turn = hub.counting_turn(org);
    let _turn = turn.lock().await;
    if let Some(counts) = hub.counted(org) {
        return Ok(counts);
    }
    let at = hub.changes(org);
    let counts = Arc::new(db.count_views(org, Timestamp::now()).await?);
    hub.keep_counts(org, at, Arc::clone(&counts));
    Ok(counts)
}

/// The task that keeps counts current: waits for dirty orgs, debounces, counts, and
/// publishes when something changed.
pub async fn run(db: Db, hub: Hub, mut stopping: tokio::sync::watch::Receiver<bool>) {
    // What each org's streams were last told (the hub keeps the newest counts; this,
    // the ones published, so unchanged counts are not sent again).
    let mut last: HashMap<OrgId, Arc<OrgCounts>> = HashMap::new();
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
            // Only for orgs with a stream open here: a client that opens one later asks
            // for the counts as it starts, and its stream has them taken and sent
            // (`Hub::listen`), whatever streams before it were told.
            if !hub.worth_counting(&org) {
                last.remove(&org);
                continue;
            }
            match current(&db, &hub, &org).await {
                Ok(counts) if last.get(&org) != Some(&counts) => {
                    last.insert(org.clone(), Arc::clone(&counts));
                    hub.publish(Published { org_id: org, id: None, payload: Payload::Counts(counts) });
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(org = %org, error = %err, "cannot count views"),
            }
        }
        last_cost = started.elapsed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes to an org no stream listens to are not counted; the first stream to
    /// open after them has the counts taken and sent, even the same counts as a
    /// stream before it was sent.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn views_are_counted_for_orgs_someone_listens_to() {
        let dir = tempfile::tempdir().expect("dir");
        let hub = Hub::default();
        let db = Db::open_path(&dir.path().join("heard.db"), hub.clone()).await.expect("a database");
        let org = crate::admin::create_org(&db, "Heard", "Ada", "ada@heard.test", 3600).await.expect("an org").org;
        let (_stop, stopping) = tokio::sync::watch::channel(false);
        tokio::spawn(run(db.clone(), hub.clone(), stopping));
        let mut events = hub.subscribe();
        let mut sent = Vec::new();
        for round in 1..=2 {
            hub.publish_committed(Vec::new(), std::iter::once(org.clone()), false);
            // Past the debounce, twice over: nothing counted.
            tokio::time::sleep(DEBOUNCE * 3).await;
            assert_eq!(hub.counts_kept(), round - 1, "no stream open: not counted");
            let _listening = hub.listen(&org);
            let counts = tokio::time::timeout(Duration::from_secs(30), async {
                loop {
                    match events.recv().await {
                        Ok(e) if e.org_id == org => {
                            if let Payload::Counts(counts) = &e.payload {
                                return Arc::clone(counts);
                            }
                        }
                        Ok(_) => {}
                        Err(err) => panic!("the hub closed: {err}"),
                    }
                }
            })
            .await
            .expect("counts sent to the stream that opened");
            assert_eq!(hub.counts_kept(), round);
            sent.push(counts);
        }
        assert_eq!(sent[0], sent[1], "the same counts, sent to each stream that opened");
    }

    /// Callers that find no counts kept wait for the count under way: eight at once
    /// read the org once; after a write, once more.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_at_once_share_one_count() {
        let dir = tempfile::tempdir().expect("dir");
        let hub = Hub::default();
        let db = Db::open_path(&dir.path().join("counts.db"), hub.clone()).await.expect("a database");
        let made = crate::admin::create_org(&db, "Counts", "Ada", "ada@counts.test", 3600).await.expect("an org");
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let (db, hub, org) = (db.clone(), hub.clone(), made.org.clone());
                tokio::spawn(async move { current(&db, &hub, &org).await })
            })
            .collect();
        let mut answers = Vec::new();
        for call in calls {
            answers.push(call.await.expect("joined").expect("counts"));
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "one answer");
        assert_eq!(hub.counts_kept(), 1, "eight callers, one count");
        hub.publish_committed(Vec::new(), std::iter::once(made.org.clone()), false);
        current(&db, &hub, &made.org).await.expect("counts");
        current(&db, &hub, &made.org).await.expect("counts");
        assert_eq!(hub.counts_kept(), 2, "a write, one more count");
    }
}
