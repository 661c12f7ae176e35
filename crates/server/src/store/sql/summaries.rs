//! What a batch of inbound messages does to its conversations' summaries (activity,
//! count, preview, unread, the first-response clock, status): written with the
//! conversations the batch opens, updated in those it threads into, each in as few
//! statements as their shapes allow (`sql/ingest.rs` decides which is which).

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use sqlx::QueryBuilder;

use super::engine::Engine;
use super::{WriteCtx, dialect, orgs, to_ms};
use crate::error::{ApiError, ApiResult};
use frontdesk_domain::{Channel, ContactId, ConversationId, OrgId};

/// The columns a conversation's summary update sets beyond activity, preview and
/// count. Each column set is an index entry rewritten, changed or not: a status or a
/// clock only where it moves.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(super) struct Shape {
    /// Snoozed or pending: back to open.
    pub reopen: bool,
    /// A wake time set: it goes.
    pub clear_snooze: bool,
    /// No first-response clock running: it starts.
    pub start_clock: bool,
    /// Read: unread again. Most messages go to a conversation still unread, and leave
    /// the view counts' index alone (SQLite's `conversations_counts`).
    pub mark_unread: bool,
}

/// A conversation the batch opens.
pub(super) struct Opening {
    pub id: ConversationId,
    pub contact: ContactId,
    pub channel: Channel,
    pub subject: Option<String>,
    pub ai_agent: Option<String>,
    pub at: i64,
    /// The common words its own search row holds (`store/words.rs`).
    pub words: i64,
    /// Its number, where ingestion numbers what it opens (`dialect::PLACES_SEARCH_ROWS`).
    pub num: Option<i64>,
}

/// Inserts the conversations the batch opens, each with its summary of the batch's
/// messages (written once, not inserted and then updated) and its first-response
/// clock started.
pub(super) async fn open_conversations(
    w: &mut WriteCtx,
    org: &OrgId,
    opening: &[Opening],
    summaries: &Summaries,
    now: Timestamp,
) -> ApiResult<()> {
    if opening.is_empty() {
        return Ok(());
    }
    let first_response_secs = orgs::first_response_secs(w.conn(), org).await?;
    let mut rows = Vec::with_capacity(opening.len());
    for o in opening {
        let s = summaries.get(&o.id).ok_or_else(|| ApiError::internal("a conversation opened with no message"))?;
        rows.push((o, s));
    }
    let mut qb: QueryBuilder<Engine> = QueryBuilder::new(
        "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, ai_state, ai_agent, \
         activity_at, created_at, updated_at, words, message_count, last_preview, last_direction, last_message_at, \
         unread, waiting_since, sla_due_at",
    );
    qb.push(if dialect::PLACES_SEARCH_ROWS { ", num, search_rows) " } else { ") " });
    qb.push_values(&rows, |mut b, (o, s)| {
        b.push_bind(o.id.0.to_string())
            .push_bind(org.as_str().to_owned())
            .push_bind(o.contact.0.to_string())
            .push_bind(o.channel.as_str())
            .push_bind(o.subject.clone())
            .push_bind("open")
            .push_bind(if o.ai_agent.is_some() { "ai_led" } else { "human" })
            .push_bind(o.ai_agent.clone())
            .push_bind(s.last_at.max(o.at))
            .push_bind(o.at)
            .push_bind(to_ms(now))
            // Its messages' bits too: an engine whose trigger adds them finds them there.
            .push_bind(o.words | s.words)
            .push_bind(s.count)
            .push_bind(s.preview.clone())
            .push_bind("inbound")
            .push_bind(s.last_at)
            .push_bind(true)
            .push_bind(s.first_at)
            .push_bind(s.first_at.saturating_add(first_response_secs.saturating_mul(1000)));
        if dialect::PLACES_SEARCH_ROWS {
            b.push_bind(o.num).push_bind(s.rows);
        }
    });
    qb.build().execute(w.conn()).await?;
    Ok(())
}

/// Per conversation, what the batch adds to its summary.
pub(super) struct Summary {
    pub preview: String,
    pub last_at: i64,
    pub first_at: i64,
    pub count: i64,
    /// The bits of its messages' common words.
    pub words: i64,
    /// How many of its messages the batch placed in the full-text index.
    pub rows: i64,
}

/// Each conversation's summary of the batch's new messages, in the order the
/// conversations first appear.
#[derive(Default)]
pub(super) struct Summaries {
    list: Vec<(ConversationId, Summary)>,
    at: HashMap<ConversationId, usize>,
}

impl Summaries {
    fn get(&self, id: &ConversationId) -> Option<&Summary> {
        self.at.get(id).and_then(|n| self.list.get(*n)).map(|(_, s)| s)
    }

    /// Adds a message received `at` (unix ms) to its conversation's summary; `placed`
    /// where the batch gave it a row in the full-text index.
    pub fn add(&mut self, id: &ConversationId, at: i64, preview: String, words: i64, placed: bool) {
        let placed = i64::from(placed);
        if let Some((_, s)) = self.at.get(id).and_then(|n| self.list.get_mut(*n)) {
            s.count += 1;
            s.words |= words;
            s.rows += placed;
            s.first_at = s.first_at.min(at);
            if at >= s.last_at {
                s.last_at = at;
                s.preview = preview;
            }
        } else {
            self.at.insert(id.clone(), self.list.len());
            let summary = Summary { preview, last_at: at, first_at: at, count: 1, words, rows: placed };
            self.list.push((id.clone(), summary));
        }
    }
}

/// Brings the summaries of the conversations that were there up to date: preview,
/// unread, the first-response clock (started if it was not running), and a snoozed
/// or pending conversation back to open. One statement per shape (`Shape`), most
/// batches one.
pub(super) async fn summarise(
    w: &mut WriteCtx,
    org: &OrgId,
    summaries: &Summaries,
    live: &HashMap<ConversationId, Shape>,
    now: Timestamp,
) -> ApiResult<()> {
    // In one order whatever the batch: instances sharing a database take the rows'
    // locks statement by statement.
    let mut by_shape: BTreeMap<Shape, Vec<(&ConversationId, &Summary)>> = BTreeMap::new();
    for (id, s) in &summaries.list {
        if let Some(shape) = live.get(id) {
            by_shape.entry(*shape).or_default().push((id, s));
        }
    }
    for (shape, rows) in by_shape {
        summarise_shape(w, org, shape, &rows, now).await?;
    }
    Ok(())
}

async fn summarise_shape(
    w: &mut WriteCtx,
    org: &OrgId,
    shape: Shape,
    rows: &[(&ConversationId, &Summary)],
    now: Timestamp,
) -> ApiResult<()> {
    let mut qb: QueryBuilder<Engine> = QueryBuilder::new(
        "UPDATE conversations SET activity_at = CASE WHEN activity_at > v.last_at THEN activity_at ELSE v.last_at END, \
         updated_at = ",
    );
    qb.push_bind(to_ms(now)).push(
        ", message_count = message_count + v.n, \
         last_preview = CASE WHEN v.last_at >= coalesce(last_message_at, 0) THEN v.preview ELSE last_preview END, \
         last_direction = CASE WHEN v.last_at >= coalesce(last_message_at, 0) THEN 'inbound' ELSE last_direction END, \
         last_message_at = CASE WHEN v.last_at >= coalesce(last_message_at, 0) THEN v.last_at ELSE last_message_at END",
    );
    if shape.mark_unread {
        qb.push(", unread = TRUE");
    }
    if dialect::PLACES_SEARCH_ROWS {
        qb.push(", search_rows = conversations.search_rows + v.rows, words = conversations.words | v.words");
    }
    if shape.start_clock {
        qb.push(
            ", waiting_since = coalesce(waiting_since, v.first_at), \
             sla_due_at = coalesce(sla_due_at, coalesce(waiting_since, v.first_at) \
               + (SELECT first_response_secs * 1000 FROM orgs WHERE orgs.id = conversations.org_id))",
        );
    }
    if shape.reopen {
        qb.push(", status = CASE WHEN status IN ('snoozed', 'pending') THEN 'open' ELSE status END");
    }
    if shape.clear_snooze {
        qb.push(", snoozed_until = NULL");
    }
    qb.push(
        " FROM (SELECT column1 AS id, column2 AS preview, column3 AS last_at, column4 AS first_at, column5 AS n, \
         column6 AS words, column7 AS rows FROM (",
    );
    qb.push_values(rows, |mut b, (id, s)| {
        b.push_bind(id.0.to_string())
            .push_bind(s.preview.clone())
            .push_bind(s.last_at)
            .push_bind(s.first_at)
            .push_bind(s.count)
            .push_bind(s.words)
            .push_bind(s.rows);
    });
    qb.push(") AS r) AS v WHERE conversations.id = v.id AND conversations.org_id = ")
        .push_bind(org.as_str().to_owned());
    qb.build().execute(w.conn()).await?;
    Ok(())
}
