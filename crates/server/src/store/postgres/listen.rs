//! Each instance's ear on the database. Every commit, by any instance (this one
//! included), is announced on [`CHANNEL`]; the listener reads the org's new events
//! back from the log, after the last it published, and publishes them to this
//! instance's streams: one order per org, the commit order, gap-free. The org's
//! counts are marked to refresh, and the scheduler looks again when a time moved.
//! Presence, which is not stored, comes whole in its announcement.
//! A lost connection is reopened and whatever committed meanwhile is read then.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};

use super::dialect::CHANNEL;
use super::events;
use crate::error::ApiResult;
use crate::hub::{Hub, Published};
use frontdesk_domain::OrgId;

/// Events read back per query.
const BATCH: i64 = 500;

/// The listener, listening, with every org's newest event number as its starting
/// point: what committed before it listened was never this instance's to publish.
pub async fn start(pool: &PgPool) -> Result<Listening, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT org_id, last_seq FROM event_sequences").fetch_all(pool).await?;
    let cursors = rows.into_iter().map(|(org, seq)| (OrgId::from(org), seq)).collect();
    Ok(Listening { listener, cursors })
}

pub struct Listening {
    listener: PgListener,
    cursors: HashMap<OrgId, i64>,
}

impl Listening {
    /// Publishes what is announced until the store is dropped (the task is aborted).
    pub async fn run(mut self, pool: PgPool, hub: Hub) {
        loop {
            match self.listener.try_recv().await {
                Ok(Some(note)) if note.payload().starts_with('~') => {
                    if let Some((org, data)) = note.payload()[1..].split_once('\n') {
                        let org = OrgId::from(org.to_owned());
                        hub.publish(Published::ephemeral(org, "presence", data.to_owned()));
                    }
                }
                Ok(Some(note)) => {
                    let payload = note.payload();
                    let reschedule = payload.ends_with('!');
                    let org = payload.trim_end_matches('!');
                    if org.is_empty() {
                        hub.publish_committed(Vec::new(), std::iter::empty(), reschedule);
                        continue;
                    }
                    let org = OrgId::from(org.to_owned());
                    if let Err(err) = self.publish_after(&pool, &hub, &org).await {
                        tracing::warn!(org = %org, error = %err, "cannot read announced events");
                    }
                    hub.publish_committed(Vec::new(), std::iter::once(org), reschedule);
                }
                // The connection was lost; the next call reconnects. Whatever was
                // announced meanwhile is read now, for every org.
                Ok(None) => self.catch_up(&pool, &hub).await,
                Err(err) => {
                    tracing::warn!(error = %err, "the commit listener lost the database; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn catch_up(&mut self, pool: &PgPool, hub: &Hub) {
        let orgs: Result<Vec<(String, i64)>, _> =
            sqlx::query_as("SELECT org_id, last_seq FROM event_sequences").fetch_all(pool).await;
        let orgs = match orgs {
            Ok(orgs) => orgs,
            Err(err) => return tracing::warn!(error = %err, "cannot catch up on announced events"),
        };
        for (org, last) in orgs {
            let org = OrgId::from(org);
            if self.cursors.get(&org).copied().unwrap_or(0) < last {
                if let Err(err) = self.publish_after(pool, hub, &org).await {
                    tracing::warn!(org = %org, error = %err, "cannot catch up on announced events");
                }
                hub.publish_committed(Vec::new(), std::iter::once(org), true);
            }
        }
    }

    /// Publishes the org's events after the last one published, in order.
    async fn publish_after(&mut self, pool: &PgPool, hub: &Hub, org: &OrgId) -> ApiResult<()> {
        // An org this instance has not seen yet is new: all its events are news.
        let cursor = self.cursors.entry(org.clone()).or_insert(0);
        loop {
            let batch = events::after(pool, org, *cursor, BATCH).await?;
            if batch.is_empty() {
                return Ok(());
            }
            for event in batch {
                *cursor = event.id.unwrap_or(*cursor);
                hub.publish(event);
            }
        }
    }
}
