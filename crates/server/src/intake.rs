//! The inbound queue: customer messages from every request in flight are gathered
//! and written together, as one batch per turn of the writer. Under load a batch
//! grows to whatever arrived while the previous one was being written, so the cost
//! per message falls as traffic rises; when quiet, a message is a batch of one.
//!
//! Senders a batch answered send again: a channel's webhook deliveries, a load
//! generator. They come back just after the batch, while the few that arrived during
//! its commit are already waiting. Written at once, those few would be a batch of
//! their own, a commit paid for a handful, and the returning senders the next: at 32
//! senders here batches went 25, 7, 25, 7. So a batch smaller than the last waits up
//! to [`GATHER`] for the rest.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use frontdesk_domain::OrgId;

use super::error::{ApiError, ApiResult};
use super::store::{Db, Inbound, Ingested};

/// Most messages in one batch: bounds one transaction's size and latency.
const MAX_BATCH: usize = 512;

/// Longest a batch waits for as many senders as the last one answered (tokio's timer
/// makes it 2–3 ms): the load generator's came back 0.25–2 ms after their answers on
/// this 2-core machine, nine in ten within one. A wait of 1 ms left the tenth for a
/// batch of its own: 3,794–4,476 msg/s at 32 senders against 4,450–4,663 with 2.
const GATHER: Duration = Duration::from_millis(2);

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

/// Takes the next batch into `batch`: what is waiting and, while that is fewer than
/// `last` (the batch answered at `answered`), what arrives within [`GATHER`] of the
/// first. A first message that came more than that after the answers is taken alone:
/// the senders answered were not on their way. Returns 0 once the queue has closed.
async fn gather<T>(rx: &mut mpsc::Receiver<T>, batch: &mut Vec<T>, last: usize, answered: Instant) -> usize {
    if rx.recv_many(batch, MAX_BATCH).await == 0 {
        return 0;
    }
    let first = Instant::now();
    if first - answered > GATHER {
        return batch.len();
    }
    let until = first + GATHER;
    while batch.len() < last {
        let room = MAX_BATCH - batch.len();
        match tokio::time::timeout_at(until, rx.recv_many(batch, room)).await {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
    batch.len()
}

async fn run(db: Db, mut rx: mpsc::Receiver<Request>) {
    let mut batch: Vec<Request> = Vec::with_capacity(MAX_BATCH);
    let (mut last, mut answered) = (0, Instant::now());
    while gather(&mut rx, &mut batch, last, answered).await > 0 {
        last = batch.len();
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
        answered = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The senders the last batch answered, back while the batch is being taken, join
    /// the few already waiting.
    #[tokio::test(start_paused = true)]
    async fn a_batch_smaller_than_the_last_waits_for_the_senders_coming_back() {
        let (tx, mut rx) = mpsc::channel(16);
        let answered = Instant::now();
        for n in 0..2 {
            tx.send(n).await.expect("queued");
        }
        tokio::spawn(async move {
            for n in 2..5 {
                tx.send(n).await.expect("queued");
            }
        });
        let mut batch = Vec::new();
        assert_eq!(gather(&mut rx, &mut batch, 5, answered).await, 5);
        assert_eq!(batch, [0, 1, 2, 3, 4]);
    }

    /// Those that are not back within the wait are left for the next batch.
    #[tokio::test(start_paused = true)]
    async fn those_not_back_within_the_wait_are_left_for_the_next_batch() {
        let (tx, mut rx) = mpsc::channel(16);
        let answered = Instant::now();
        tx.send(0).await.expect("queued");
        let late = tokio::spawn(async move {
            tokio::time::sleep(GATHER * 2).await;
            tx.send(1).await.expect("queued");
        });
        let mut batch = Vec::new();
        assert_eq!(gather(&mut rx, &mut batch, 5, answered).await, 1);
        assert_eq!(Instant::now() - answered, GATHER);
        late.await.expect("sent");
        batch.clear();
        assert_eq!(gather(&mut rx, &mut batch, 1, Instant::now()).await, 1);
    }

    /// A message after a quiet spell is written at once: its batch does not wait for
    /// senders answered long ago.
    #[tokio::test(start_paused = true)]
    async fn a_message_after_a_quiet_spell_does_not_wait() {
        let (tx, mut rx) = mpsc::channel(16);
        let answered = Instant::now();
        tokio::time::sleep(Duration::from_secs(60)).await;
        tx.send(0).await.expect("queued");
        let arrived = Instant::now();
        tokio::spawn(async move {
            tokio::time::sleep(GATHER / 2).await;
            tx.send(1).await.expect("queued");
        });
        let mut batch = Vec::new();
        assert_eq!(gather(&mut rx, &mut batch, 30, answered).await, 1);
        assert_eq!(Instant::now(), arrived, "no wait");
    }
}
