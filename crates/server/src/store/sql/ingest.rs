//! Customer messages coming in from channels, many at a time.
//!
//! Ingestion is set-based: a batch of inbound messages (every request that arrived
//! while the previous batch was being written) costs a fixed dozen statements —
//! dedupe, contacts, live conversations, new conversations, messages, summaries,
//! read-back, events — whatever its size. One message is a batch of one, so there is
//! one code path. Text is sanitised here, where it enters.

use std::collections::HashMap;

use super::engine::Engine;
use jiff::Timestamp;
use sqlx::{AssertSqlSafe, QueryBuilder};

use crate::error::{ApiError, ApiResult};
use frontdesk_domain::text::{preview, sanitize, sanitize_line};
use frontdesk_domain::{
    Attachment, Author, AuthorKind, Channel, ContactId, Conversation, ConversationId, Delivery, Direction, EventKind,
    Message, MessageId, MessageKind, OrgId, Status,
};

use super::conversations::{SELECT_CONVERSATION, get, message};
use super::messages::event_line;
use super::summaries::{Opening, Shape, Summaries, open_conversations, summarise};
use super::{WriteCtx, dialect, to_ms};
use crate::store::PREVIEW_CHARS;
use crate::store::words::Common;
use crate::store::{Inbound, Ingested};

/// One message, cleaned, with what the batch decided for it.
struct Item {
    channel: Channel,
    handle: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    subject: Option<String>,
    body: String,
    attachments: Vec<Attachment>,
    pid: Option<String>,
    at: Timestamp,
    ai_agent: Option<String>,
    /// Index of an earlier item with the same provider message id.
    same_as: Option<usize>,
    /// The stored message an earlier request already made from this provider id.
    seen: Option<(MessageId, ConversationId)>,
    conversation: Option<ConversationId>,
    opened: bool,
    message_id: MessageId,
    /// Where its conversation's search rows sort (see `insert_messages`).
    search_order: SearchOrder,
    /// The common words its text holds (`store/words.rs`).
    words: i64,
    /// Its row in the full-text index, where the engine has ingestion place it
    /// (`dialect::PLACES_SEARCH_ROWS`).
    search_row: Option<i64>,
}

impl Item {
    fn new(i: Inbound, now: Timestamp) -> Self {
        let handle = sanitize_line(&i.handle);
        let name = i.name.as_deref().map(sanitize_line).filter(|n| !n.is_empty()).unwrap_or_else(|| handle.clone());
        Self {
            channel: i.channel,
            email: i.email.as_deref().map(sanitize_line).or_else(|| handle.contains('@').then(|| handle.clone())),
            phone: i.phone.as_deref().map(sanitize_line).or_else(|| handle.starts_with('+').then(|| handle.clone())),
            handle,
            name,
            subject: i.subject.as_deref().map(sanitize_line).filter(|s| !s.is_empty()),
            body: sanitize(&i.body),
            attachments: i.attachments.iter().map(sanitize_attachment).collect(),
            pid: i.provider_message_id,
            // A claimed receive time in the future (a skewed clock) would pin the row to the top.
            at: i.received_at.map_or(now, |t| t.min(now)),
            ai_agent: i.ai_agent.as_deref().map(sanitize_line).filter(|s| !s.is_empty()),
            same_as: None,
            seen: None,
            conversation: None,
            opened: false,
            message_id: MessageId::generate(),
            search_order: (false, 0),
            words: -1,
            search_row: None,
        }
    }

    fn is_new(&self) -> bool {
        self.same_as.is_none() && self.seen.is_none()
    }
}

fn sanitize_attachment(a: &Attachment) -> Attachment {
    Attachment {
        name: sanitize_line(&a.name),
        content_type: sanitize_line(&a.content_type),
        size: a.size,
        url: a.url.as_deref().map(sanitize_line),
    }
}

/// `(?, ?, …)` for `n` values, numbered from `first`.
fn placeholders(first: usize, n: usize) -> String {
    let list: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    format!("({})", list.join(", "))
}

/// Ingests a batch for one org: dedupes by provider message id (against the store and
/// within the batch), threads each message into its contact's live conversation on
/// that channel or opens one, and returns one answer per input, in order.
pub async fn ingest_many(w: &mut WriteCtx, org: &OrgId, inbound: Vec<Inbound>) -> ApiResult<Vec<Ingested>> {
    for i in &inbound {
        i.validate()?;
    }
    let now = Timestamp::now();
    let mut items: Vec<Item> = inbound.into_iter().map(|i| Item::new(i, now)).collect();
    mark_duplicates(w, org, &mut items).await?;
    let common = w.common().await?;
    for item in items.iter_mut().filter(|i| i.is_new()) {
        item.words = common.mask([item.body.as_str()]);
    }
    let (contacts, contact_texts) = upsert_contacts(w, org, &items, now).await?;
    let Threads { woken, opening, live } =
        thread_or_open(w, org, &mut items, &contacts, &contact_texts, &common).await?;
    // The scheduler's next wake moves only where a clock starts or a snooze ends: a
    // message to a conversation already waiting leaves it where it was (it read it
    // again after every batch, some 2% of a core under load).
    let clocks_moved = !opening.is_empty() || live.values().any(|s| s.start_clock || s.clear_snooze || s.reopen);
    let summaries = summaries(&items);
    open_conversations(w, org, &opening, &summaries, now).await?;
    insert_messages(w, org, &items, &contacts).await?;
    summarise(w, org, &summaries, &live, now).await?;
    for id in &woken {
        event_line(w, org, id, None, "Woken from snooze by a new message".to_owned()).await?;
    }
    // Read back what changed, then tell the stream.
    let mut touched: Vec<&ConversationId> = Vec::new();
    for item in items.iter().filter(|i| i.is_new()) {
        if let Some(c) = &item.conversation
            && !touched.contains(&c)
        {
            touched.push(c);
        }
    }
    let conversations = read_conversations(w, org, &touched).await?;
    let mut events: Vec<EventKind> = Vec::new();
    let mut out: Vec<Ingested> = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let answer = if let Some(first) = item.same_as {
            let mut a: Ingested = out.get(first).cloned().ok_or_else(|| ApiError::internal("duplicate order"))?;
            a.duplicate = true;
            a.opened = false;
            a
        } else if let Some((mid, cid)) = &item.seen {
            Ingested {
                message: message(w.conn(), org, mid).await?,
                conversation: get(w.conn(), org, cid).await?,
                opened: false,
                duplicate: true,
            }
        } else {
            let cid =
                item.conversation.clone().ok_or_else(|| ApiError::internal(format!("item {n} has no conversation")))?;
            let conversation = conversations.get(&cid).cloned().ok_or_else(|| ApiError::not_found("conversation"))?;
            let message = Message {
                id: item.message_id.clone(),
                conversation_id: cid,
                direction: Direction::Inbound,
                author: Author {
                    kind: AuthorKind::Contact,
                    id: contacts.get(&item.handle).map(|c| c.0.to_string()),
                    name: item.name.clone(),
                },
                kind: MessageKind::Reply,
                body: item.body.clone(),
                attachments: item.attachments.clone(),
                call: None,
                created_at: from_ms_exact(item.at),
                delivery: Delivery::Delivered,
            };
            events.push(EventKind::MessageCreated(Box::new(message.clone())));
            Ingested { message, conversation, opened: item.opened, duplicate: false }
        };
        out.push(answer);
    }
    for id in touched {
        if let Some(c) = conversations.get(id) {
            events.push(EventKind::ConversationUpdated(Box::new(c.clone())));
        }
    }
    w.emit_many(org, events).await?;
    if clocks_moved {
        w.reschedule();
    }
    Ok(out)
}

/// Times are stored in milliseconds; answer with what a read would give.
fn from_ms_exact(t: Timestamp) -> Timestamp {
    super::from_ms(to_ms(t))
}

async fn mark_duplicates(w: &mut WriteCtx, org: &OrgId, items: &mut [Item]) -> ApiResult<()> {
    let mut first: HashMap<String, usize> = HashMap::new();
    for (n, item) in items.iter_mut().enumerate() {
        if let Some(pid) = &item.pid {
            match first.get(pid) {
                Some(f) => item.same_as = Some(*f),
                None => {
                    first.insert(pid.clone(), n);
                }
            }
        }
    }
    if first.is_empty() {
        return Ok(());
    }
    let pids: Vec<&String> = first.keys().collect();
    let sql = provider_id_lookup(pids.len());
    let mut q = sqlx::query_as::<_, (String, String, String)>(AssertSqlSafe(sql)).bind(org.as_str());
    for pid in &pids {
        q = q.bind(pid.as_str());
    }
    for (pid, mid, cid) in q.fetch_all(w.conn()).await? {
        if let Some(n) = first.get(&pid).copied()
            && let Some(item) = items.get_mut(n)
        {
            item.seen = Some((MessageId::from(mid), ConversationId::from(cid)));
        }
    }
    Ok(())
}

/// The stored messages an org already has for `n` provider ids (`$1` the org, then
/// the ids).
pub(super) fn provider_id_lookup(n: usize) -> String {
    format!(
        "SELECT provider_message_id, id, conversation_id FROM messages WHERE org_id = $1 AND provider_message_id IN {}",
        placeholders(2, n)
    )
}

/// A contact's text as stored, which its conversations' own search rows hold: its
/// name, email and company (the handle is the key beside it).
type ContactText = [String; 3];

/// Each handle's contact and its text as stored.
type Contacts = (HashMap<String, ContactId>, HashMap<String, ContactText>);

/// Makes the batch's new contacts (an existing one keeps what it has); returns each
/// handle's contact, and its text as stored. Read first: most messages come from
/// contacts there already, and an insert that does nothing still probes its unique
/// index (the insert and the read were 580 µs of a batch's 3.9 ms, timed in the server).
async fn upsert_contacts(w: &mut WriteCtx, org: &OrgId, items: &[Item], now: Timestamp) -> ApiResult<Contacts> {
    let mut fresh: Vec<&Item> = Vec::new();
    for item in items.iter().filter(|i| i.is_new()) {
        if !fresh.iter().any(|f| f.handle == item.handle) {
            fresh.push(item);
        }
    }
    let mut found = (HashMap::with_capacity(fresh.len()), HashMap::with_capacity(fresh.len()));
    read_contacts(w, org, &fresh, &mut found).await?;
    let missing: Vec<&Item> = fresh.into_iter().filter(|i| !found.0.contains_key(&i.handle)).collect();
    if missing.is_empty() {
        return Ok(found);
    }
    let mut qb: QueryBuilder<Engine> =
        QueryBuilder::new("INSERT INTO contacts (id, org_id, name, handle, email, phone, created_at) ");
    qb.push_values(&missing, |mut b, item| {
        b.push_bind(ContactId::generate().0.to_string())
            .push_bind(org.as_str().to_owned())
            .push_bind(item.name.clone())
            .push_bind(item.handle.clone())
            .push_bind(item.email.clone())
            .push_bind(item.phone.clone())
            .push_bind(to_ms(now));
    });
    // Another instance (PostgreSQL) may have made one since the read.
    qb.push(" ON CONFLICT (org_id, handle) DO NOTHING");
    qb.build().execute(w.conn()).await?;
    read_contacts(w, org, &missing, &mut found).await?;
    Ok(found)
}

/// Adds the stored contacts of `items`' handles to `found`.
async fn read_contacts(w: &mut WriteCtx, org: &OrgId, items: &[&Item], found: &mut Contacts) -> ApiResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT handle, id, name, coalesce(email, ''), coalesce(company, '') FROM contacts \
         WHERE org_id = $1 AND handle IN {}",
        placeholders(2, items.len())
    );
    let mut q = sqlx::query_as::<_, (String, String, String, String, String)>(AssertSqlSafe(sql)).bind(org.as_str());
    for item in items {
        q = q.bind(item.handle.as_str());
    }
    for (handle, id, name, email, company) in q.fetch_all(w.conn()).await? {
        found.0.insert(handle.clone(), ContactId::from(id));
        found.1.insert(handle, [name, email, company]);
    }
    Ok(())
}

/// Where a conversation's rows sort in the full-text index: after every other if the
/// batch opens it (in the order it does), else by `dialect::SEARCH_ORDER`.
type SearchOrder = (bool, i64);

/// A contact's live conversation on a channel.
struct Live {
    id: ConversationId,
    /// Snoozed: the batch wakes it.
    snoozed: bool,
    /// What its summary update must change beyond the usual (`summarise`).
    shape: Shape,
    order: SearchOrder,
    /// Its number, where ingestion places its rows in the full-text index
    /// (`dialect::PLACES_SEARCH_ROWS`); one with none yet is left to the trigger.
    num: Option<i64>,
    /// Its next message's place among those rows.
    next_place: i64,
}

/// What `thread_or_open` decided for the batch.
struct Threads {
    /// Snoozed conversations the batch wakes.
    woken: Vec<ConversationId>,
    /// Conversations the batch opens.
    opening: Vec<Opening>,
    /// Conversations that were there, by id.
    live: HashMap<ConversationId, Shape>,
}

/// Finds each new message's live conversation or decides to open one.
async fn thread_or_open(
    w: &mut WriteCtx,
    org: &OrgId,
    items: &mut [Item],
    contacts: &HashMap<String, ContactId>,
    contact_texts: &HashMap<String, ContactText>,
    common: &Common,
) -> ApiResult<Threads> {
    let mut threads = Threads { woken: Vec::new(), opening: Vec::new(), live: HashMap::new() };
    let ids: Vec<&ContactId> = contacts.values().collect();
    if ids.is_empty() {
        return Ok(threads);
    }
    let sql = format!(
        "SELECT contact_id, channel, id, status, snoozed_until IS NOT NULL, \
         (waiting_since IS NULL OR sla_due_at IS NULL), NOT unread, {}, {} \
         FROM conversations {} \
         WHERE contact_id IN {} AND status != 'closed' AND org_id = $1 AND archived = FALSE ORDER BY activity_at DESC",
        dialect::SEARCH_ORDER,
        dialect::SEARCH_ROWS,
        dialect::BY_CONTACT_INDEX,
        placeholders(2, ids.len())
    );
    let mut q = sqlx::query_as::<_, (String, String, String, String, bool, bool, bool, i64, i64)>(AssertSqlSafe(sql))
        .bind(org.as_str());
    for id in &ids {
        q = q.bind(id.as_str());
    }
    let mut live: HashMap<(String, String), Live> = HashMap::new();
    for (contact, channel, id, status, wake_set, clock_stopped, read, order, rows) in q.fetch_all(w.conn()).await? {
        let snoozed = status == Status::Snoozed.as_str();
        let reopen = snoozed || status == Status::Pending.as_str();
        let shape = Shape { reopen, clear_snooze: wake_set, start_clock: clock_stopped, mark_unread: read };
        // Newest first: the first seen per (contact, channel) is the live one.
        live.entry((contact, channel)).or_insert(Live {
            id: ConversationId::from(id),
            snoozed,
            shape,
            order: (false, order),
            // A conversation that was there sorts by its number (`dialect::SEARCH_ORDER`).
            num: (dialect::PLACES_SEARCH_ROWS && order > 0).then_some(order),
            next_place: rows.saturating_add(1),
        });
    }
    // Where ingestion numbers the conversations it opens: after the last one there is.
    let mut last_num: Option<i64> = None;
    let Threads { woken, opening, live: shapes } = &mut threads;
    for item in items.iter_mut().filter(|i| i.is_new()) {
        let contact = contacts.get(&item.handle).ok_or_else(|| ApiError::internal("contact missing after upsert"))?;
        let key = (contact.0.to_string(), item.channel.as_str().to_owned());
        if let Some(Live { id, snoozed, shape, order, num, next_place }) = live.get_mut(&key) {
            item.conversation = Some(id.clone());
            item.search_order = *order;
            item.search_row = place(*num, next_place);
            // One the batch opens has no shape: its summary goes in with it.
            if !order.0 {
                if *snoozed && !woken.contains(id) {
                    woken.push(id.clone());
                }
                shapes.insert(id.clone(), *shape);
            }
            continue;
        }
        let id = ConversationId::generate();
        // Opened in this order after every conversation there is: its rows sort last.
        let order = i64::try_from(opening.len()).unwrap_or(i64::MAX);
        let num = if dialect::PLACES_SEARCH_ROWS {
            let last = match last_num {
                Some(n) => n,
                None => {
                    sqlx::query_scalar("SELECT coalesce(max(num), 0) FROM conversations").fetch_one(w.conn()).await?
                }
            };
            last_num = Some(last + 1);
            Some(last + 1)
        } else {
            None
        };
        let mut next_place = 1;
        item.search_order = (true, order);
        // Its search row is its subject and its contact as stored: read now, the
        // conversation is searched by its bits from its first message on.
        let words = match contact_texts.get(&item.handle) {
            Some([name, email, company]) => {
                let subject = item.subject.as_deref().unwrap_or_default();
                common.mask([subject, name.as_str(), item.handle.as_str(), email.as_str(), company.as_str()])
            }
            None => -1,
        };
        opening.push(Opening {
            num,
            id: id.clone(),
            contact: contact.clone(),
            channel: item.channel.clone(),
            subject: item.subject.clone(),
            ai_agent: item.ai_agent.clone(),
            at: to_ms(item.at),
            words,
        });
        item.search_row = place(num, &mut next_place);
        live.insert(
            key,
            Live { id: id.clone(), snoozed: false, shape: Shape::default(), order: (true, order), num, next_place },
        );
        item.conversation = Some(id);
        item.opened = true;
    }
    Ok(threads)
}

/// The next message's row in the full-text index, where ingestion places it (its
/// conversation has a `num`): the number shifted left 24 bits, plus its place
/// (migration 0004). Past the last place there is none, and the trigger stores the
/// message unsearchable.
fn place(num: Option<i64>, next_place: &mut i64) -> Option<i64> {
    let num = num.filter(|_| *next_place < 1 << 24)?;
    let row = (num << 24) + *next_place;
    *next_place += 1;
    Some(row)
}

async fn insert_messages(
    w: &mut WriteCtx,
    org: &OrgId,
    items: &[Item],
    contacts: &HashMap<String, ContactId>,
) -> ApiResult<()> {
    let mut fresh: Vec<&Item> = items.iter().filter(|i| i.is_new()).collect();
    if fresh.is_empty() {
        return Ok(());
    }
    // In the order of their search rows, each conversation's in arrival order: SQLite's
    // full-text index writes out what it holds whenever a row comes in below the last
    // one, which in arrival order is most rows (a fifth of the instructions of the
    // insert and its commit, counted with callgrind; `dialect::SEARCH_ORDER`).
    fresh.sort_by_key(|i| i.search_order);
    let mut rows = Vec::with_capacity(fresh.len());
    for item in fresh {
        rows.push((item, serde_json::to_string(&item.attachments)?));
    }
    let mut qb: QueryBuilder<Engine> = QueryBuilder::new(if dialect::PLACES_SEARCH_ROWS {
        "INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_id, author_name, kind, body, \
         attachments, delivery, provider_message_id, created_at, words, search_row) "
    } else {
        "INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_id, author_name, kind, body, \
         attachments, delivery, provider_message_id, created_at, words) "
    });
    qb.push_values(&rows, |mut b, (item, attachments)| {
        b.push_bind(item.message_id.0.to_string())
            .push_bind(org.as_str().to_owned())
            .push_bind(item.conversation.as_ref().map(|c| c.0.to_string()))
            .push_bind("inbound")
            .push_bind("contact")
            .push_bind(contacts.get(&item.handle).map(|c| c.0.to_string()))
            .push_bind(item.name.clone())
            .push_bind("reply")
            .push_bind(item.body.clone())
            .push_bind(attachments.clone())
            .push_bind(Delivery::Delivered.as_str())
            .push_bind(item.pid.clone())
            .push_bind(to_ms(item.at))
            .push_bind(item.words);
        if dialect::PLACES_SEARCH_ROWS {
            b.push_bind(item.search_row);
        }
    });
    qb.build().execute(w.conn()).await?;
    Ok(())
}

fn summaries(items: &[Item]) -> Summaries {
    let mut out = Summaries::default();
    for item in items.iter().filter(|i| i.is_new()) {
        if let Some(cid) = &item.conversation {
            let text = preview(&item.body, PREVIEW_CHARS);
            out.add(cid, to_ms(item.at), text, item.words, item.search_row.is_some());
        }
    }
    out
}

async fn read_conversations(
    w: &mut WriteCtx,
    org: &OrgId,
    ids: &[&ConversationId],
) -> ApiResult<HashMap<ConversationId, Conversation>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut qb: QueryBuilder<Engine> = QueryBuilder::new(SELECT_CONVERSATION);
    qb.push(" WHERE ")
        .push(dialect::ORG_NOT_BY_INDEX)
        .push(" = ")
        .push_bind(org.as_str().to_owned())
        .push(" AND c.id IN (");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(id.0.to_string());
    }
    qb.push(")");
    let rows: Vec<Conversation> = super::conversations::fetch_conversations(qb, w.conn()).await?;
    Ok(rows.into_iter().map(|c| (c.id.clone(), c)).collect())
}
