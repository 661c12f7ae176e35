//! The inbound queue: customer messages from every request in flight are gathered
//! and written together, as one batch per turn of the writer. Under load a batch
//! grows to whatever arrived while the previous one was being written, so the cost
//! per message falls as traffic rises; when quiet, a message is a batch of one.

use tokio::sync::{mpsc, oneshot};

use frontdesk_domain::OrgId;

use super::error::{ApiError, ApiResult};
use super::store::{Db, Inbound, Ingested};

/// Most messages in one batch: bounds one transaction's size and latency.
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<ApiResult<Ingested>>;

struct Request {
    org: OrgId,
    inbound: Inbound,
    reply: Reply,
}

#[derive(Clone)]
pub struct Intake {
    tx: mpsc::Sender<Request>,
}

impl Intake {
    pub fn start(db: Db) -> Self {
        let (tx, rx) = mpsc::channel(8192);
        tokio::spawn(run(db, rx));
        Self { tx }
    }

    /// Ingests one message with whatever else is arriving.
    pub async fn ingest(&self, org: OrgId, inbound: Inbound) -> ApiResult<Ingested> {
        // Refuse bad input here, so it never fails a batch it shares with others.
        inbound.validate()?;
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Request { org, inbound, reply })
            .await
            .map_err(|_| ApiError::internal("the inbound queue has stopped"))?;
        answer.await.map_err(|_| ApiError::internal("the inbound batch was dropped"))?
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Request>) {
    let mut batch: Vec<Request> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Group by org, keeping arrival order within each.
        let mut work: Vec<(OrgId, Vec<Inbound>)> = Vec::new();
        let mut waiting: Vec<Vec<Reply>> = Vec::new();
        for r in batch.drain(..) {
            if let Some(n) = work.iter().position(|(org, _)| *org == r.org) {
                work[n].1.push(r.inbound);
                waiting[n].push(r.reply);
            } else {
                work.push((r.org, vec![r.inbound]));
                waiting.push(vec![r.reply]);
            }
        }
        let result = db
            .write(move |w| {
                Box::pin(async move {
                    let mut out = Vec::with_capacity(work.len());
                    for (org, inbound) in work {
                        out.push(w.ingest(&org, inbound).await?);
                    }
                    Ok(out)
                })
            })
            .await;
        match result {
            Ok(answers) => {
                for (replies, answers) in waiting.into_iter().zip(answers) {
                    for (reply, answer) in replies.into_iter().zip(answers) {
                        // The client may have gone; the message is stored all the same.
                        let _ = reply.send(Ok(answer));
                    }
                }
            }
            Err(err) => {
                for replies in waiting {
                    for reply in replies {
                        let _ = reply.send(Err(err.clone()));
                    }
                }
            }
        }
    }
}
