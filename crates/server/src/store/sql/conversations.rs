//! Reading conversations and messages: one conversation, a filtered page of them,
//! a thread. Rows become domain values here and nowhere else.

use super::engine::{Conn, Engine};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use sqlx::{Executor, FromRow, QueryBuilder};

use crate::error::{ApiError, ApiResult};
use frontdesk_domain::{
    Agent, AgentId, AgentRole, AiState, Author, AuthorKind, Channel, Contact, ContactId, Conversation, ConversationId,
    Delivery, Direction, LastMessage, Message, MessageId, MessageKind, OrgId, Page, Priority, Status, ViewFilter,
};

use super::dialect;
use super::filter::{Me, TextPlan, push_conditions, text_query};
use super::{found, from_ms, to_ms};
use crate::store::ListSpec;
use crate::store::{json_or_default, opt_from_ms};

/// The columns every conversation query reads (a macro so `concat!` can share it).
macro_rules! conversation_columns {
    () => {
        "SELECT c.id, c.channel, c.subject, c.status, c.snoozed_until, c.team, c.tags, \
         c.starred, c.unread, c.archived, c.priority, c.last_preview, c.last_direction, c.last_message_at, \
         c.waiting_since, c.sla_due_at, c.ai_state, c.ai_agent, c.pending_suggestion, c.message_count, \
         c.activity_at, c.created_at, c.updated_at, \
         ct.id AS contact_id, ct.name AS contact_name, ct.handle AS contact_handle, ct.email AS contact_email, \
         ct.phone AS contact_phone, ct.company AS contact_company, \
         a.id AS agent_id, a.name AS agent_name, a.email AS agent_email, a.role AS agent_role, a.team AS agent_team "
    };
}

pub const SELECT_CONVERSATION: &str = concat!(
    conversation_columns!(),
    "FROM conversations c JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN agents a ON a.id = c.assignee_id"
);

/// The same columns, from the full-text hits (`dialect::push_hits` follows).
const SELECT_CONVERSATION_FROM: &str = concat!(conversation_columns!(), "FROM ");

#[derive(FromRow)]
struct ConversationRow {
    id: String,
    channel: String,
    subject: Option<String>,
    status: String,
    snoozed_until: Option<i64>,
    team: Option<String>,
    tags: String,
    starred: bool,
    unread: bool,
    archived: bool,
    priority: String,
    last_preview: Option<String>,
    last_direction: Option<String>,
    last_message_at: Option<i64>,
    waiting_since: Option<i64>,
    sla_due_at: Option<i64>,
    ai_state: String,
    ai_agent: Option<String>,
    pending_suggestion: bool,
    message_count: i64,
    activity_at: i64,
    created_at: i64,
    updated_at: i64,
    contact_id: String,
    contact_name: String,
    contact_handle: String,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    contact_company: Option<String>,
    agent_id: Option<String>,
    agent_name: Option<String>,
    agent_email: Option<String>,
    agent_role: Option<String>,
    agent_team: Option<String>,
}

fn direction(s: &str) -> Direction {
    if s == "inbound" { Direction::Inbound } else { Direction::Outbound }
}

pub fn role(s: &str) -> AgentRole {
    if s == "admin" { AgentRole::Admin } else { AgentRole::Agent }
}

impl From<ConversationRow> for Conversation {
    fn from(r: ConversationRow) -> Self {
        let assignee = match (r.agent_id, r.agent_name, r.agent_email) {
            (Some(id), Some(name), Some(email)) => Some(Agent {
                id: AgentId::from(id),
                name,
                email,
                role: role(r.agent_role.as_deref().unwrap_or_default()),
                team: r.agent_team,
            }),
            _ => None,
        };
        let last_message = match (r.last_preview, r.last_direction, r.last_message_at) {
            (Some(preview), Some(dir), Some(at)) => {
                Some(LastMessage { preview, direction: direction(&dir), at: from_ms(at) })
            }
            _ => None,
        };
        Conversation {
            id: ConversationId::from(r.id),
            contact: Contact {
                id: ContactId::from(r.contact_id),
                name: r.contact_name,
                handle: r.contact_handle,
                email: r.contact_email,
                phone: r.contact_phone,
                company: r.contact_company,
            },
            channel: Channel::from_wire(&r.channel),
            subject: r.subject,
            status: Status::from_wire(&r.status),
            snoozed_until: opt_from_ms(r.snoozed_until),
            assignee: assignee.map(std::sync::Arc::new),
            team: r.team,
            tags: json_or_default(&r.tags, "conversations.tags"),
            starred: r.starred,
            unread: r.unread,
            archived: r.archived,
            priority: Priority::from_wire(&r.priority),
            last_message,
            waiting_since: opt_from_ms(r.waiting_since),
            sla_due_at: opt_from_ms(r.sla_due_at),
            ai_state: AiState::parse(&r.ai_state).unwrap_or_default(),
            ai_agent: r.ai_agent,
            has_pending_suggestion: r.pending_suggestion,
            message_count: u32::try_from(r.message_count).unwrap_or(u32::MAX),
            created_at: from_ms(r.created_at),
            updated_at: from_ms(r.updated_at),
            origin: None,
        }
    }
}

/// One conversation of the org, or 404 (another org's id is "not found" too).
pub async fn get<'e, E: Executor<'e, Database = Engine>>(
    db: E,
    org: &OrgId,
    id: &ConversationId,
) -> ApiResult<Conversation> {
    let sql = format!("{SELECT_CONVERSATION} WHERE c.org_id = $1 AND c.id = $2");
    let row: Option<ConversationRow> =
        sqlx::query_as(AssertSqlSafe(sql)).bind(org.as_str()).bind(id.as_str()).fetch_optional(db).await?;
    found(row, "conversation").map(Conversation::from)
}

/// Runs a query built on [`SELECT_CONVERSATION`].
pub async fn fetch_conversations(mut qb: QueryBuilder<Engine>, conn: &mut Conn) -> ApiResult<Vec<Conversation>> {
    let rows: Vec<ConversationRow> = qb.build_query_as().fetch_all(conn).await?;
    Ok(rows.into_iter().map(Conversation::from).collect())
}

/// How a page is ordered: the inbox order (latest activity first), or the change
/// feed order a poller walks (`updated_since`, oldest change first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Order {
    #[serde(rename = "a")]
    Activity,
    #[serde(rename = "u")]
    Updated,
}

/// Where a page ends, and which way the next one goes from it. Opaque to clients.
#[derive(Serialize, Deserialize)]
struct Cursor {
    o: Order,
    t: i64,
    id: String,
    /// The page above this row (a `prev_cursor`) rather than below it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    up: bool,
}

fn encode_cursor(c: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(c).unwrap_or_default())
}

fn decode_cursor(s: &str) -> ApiResult<Cursor> {
    let invalid =
        || ApiError::bad_request("INVALID_CURSOR", "the cursor is not one this server issued; start again without it");
    let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

pub async fn list(conn: &mut Conn, spec: &ListSpec<'_>, terms: &dialect::Terms) -> ApiResult<Page<Conversation>> {
    list_as(conn, spec, None, terms).await
}

/// [`list`], with the words' plan given instead of estimated: tests hold every plan
/// to the same pages.
pub async fn list_as(
    conn: &mut Conn,
    spec: &ListSpec<'_>,
    plan: Option<TextPlan>,
    terms: &dialect::Terms,
) -> ApiResult<Page<Conversation>> {
    let order = if spec.updated_since.is_some() { Order::Updated } else { Order::Activity };
    let cursor = spec.cursor.map(decode_cursor).transpose()?;
    if spec.urgent && (cursor.is_some() || spec.updated_since.is_some()) {
        return Err(ApiError::invalid("sort", "sort=urgency takes neither a cursor nor updated_since"));
    }
    if spec.from_end && (cursor.is_some() || spec.updated_since.is_some() || spec.urgent) {
        return Err(ApiError::invalid(
            "from",
            "from=end starts a listing: not with a cursor, updated_since or sort=urgency",
        ));
    }
    if cursor.as_ref().is_some_and(|c| c.o != order || (c.up && order == Order::Updated)) {
        return Err(ApiError::bad_request("INVALID_CURSOR", "the cursor belongs to a different kind of listing"));
    }
    // Upwards, the rows are read in the reverse order and turned back.
    let up = spec.from_end || cursor.as_ref().is_some_and(|c| c.up);
    // The words are planned apart; the rest of the filter applies as usual.
    let filter = ViewFilter { q: None, ..spec.filter.clone() };
    let mut page = Listing {
        spec,
        order,
        cursor: cursor.as_ref(),
        up,
        filter: &filter,
        text: None,
        rows: None,
        marks: None,
        index: None,
    };
    if let Some(text) = spec.filter.q.as_deref().and_then(text_query) {
        page.text = Some(match plan {
            // Asked for by a test: spelled out where it can be, else walked.
            Some(TextPlan::Seek) => match dialect::seek_query(&mut *conn, &text, terms).await? {
                Some((terms, marks)) => {
                    page.marks = marks;
                    (terms, TextPlan::Seek)
                }
                None => (text, TextPlan::Walk),
            },
            Some(plan) => (text, plan),
            None => {
                let planned = dialect::plan_text(&mut *conn, &text, terms).await?;
                page.rows = planned.rows;
                page.marks = planned.marks;
                (planned.query, planned.plan)
            }
        });
    } else if filter.overdue {
        page.index = dialect::overdue_index(&mut *conn, spec.org, to_ms(spec.now)).await?;
    }
    let limit = spec.limit as usize;
    let mut rows = if let Some((_, TextPlan::Seek)) = &page.text
        && plan.is_none()
    {
        seek_or_walk(conn, &mut page).await?
    } else {
        page.fetch(conn).await?
    };
    let more = rows.len() > limit && !spec.urgent;
    rows.truncate(limit);
    if up {
        rows.reverse();
    }
    let at = |r: Option<&ConversationRow>, up: bool| {
        r.map(|r| {
            let t = match order {
                Order::Activity => r.activity_at,
                Order::Updated => r.updated_at,
            };
            encode_cursor(&Cursor { o: order, t, id: r.id.clone(), up })
        })
    };
    // Below a page read upwards is at least the row its cursor named; above one
    // read downwards from a cursor, at least that row. The change feed only goes on.
    let (next_cursor, prev_cursor) = match (up, order) {
        (true, _) => (
            if spec.from_end { None } else { at(rows.last(), false) },
            if more { at(rows.first(), true) } else { None },
        ),
        (false, Order::Activity) => (
            if more { at(rows.last(), false) } else { None },
            if cursor.is_some() { at(rows.first(), true) } else { None },
        ),
        (false, Order::Updated) => (if more { at(rows.last(), false) } else { None }, None),
    };
    Ok(Page { items: rows.into_iter().map(Conversation::from).collect(), next_cursor, prev_cursor })
}

/// Seeks that gave way, for the test that makes one.
#[cfg(test)]
pub static SEEKS_GIVEN_WAY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A page by [`TextPlan::Seek`], bounded (`dialect::bound_seek`); past the bound, by
/// `dialect::AFTER_SEEK`, whose cost is gathering the hits once (about 80 ms for
/// "the" at 100,000 on `SQLite`), not the rows walked.
async fn seek_or_walk(conn: &mut Conn, page: &mut Listing<'_>) -> ApiResult<Vec<ConversationRow>> {
    let mut bound = dialect::bound_seek(&mut *conn, page.rows, page.marks.is_some()).await?;
    let sought = page.fetch(bound.conn()).await;
    let gave_way = sought.as_ref().is_err_and(|e| bound.gave_way(e));
    let ended = bound.end().await;
    if !gave_way {
        // The statement's own error, if any, says more than ending the bound's.
        let rows = sought?;
        ended?;
        return Ok(rows);
    }
    ended?;
    tracing::debug!("a seek ran past its bound; gathering the hits instead");
    #[cfg(test)]
    SEEKS_GIVEN_WAY.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Some(text) = page.spec.filter.q.as_deref().and_then(text_query) {
        page.text = Some((text, dialect::AFTER_SEEK));
        page.marks = None;
    }
    Ok(page.fetch(conn).await?)
}

/// One page's query, once its words are planned.
struct Listing<'a> {
    spec: &'a ListSpec<'a>,
    order: Order,
    cursor: Option<&'a Cursor>,
    /// Read from the bottom up: `from=end`, or a `prev_cursor`.
    up: bool,
    /// The filter without its words.
    filter: &'a ViewFilter,
    text: Option<(String, TextPlan)>,
    /// The search rows the words are estimated to match, where the engine says.
    rows: Option<f64>,
    /// A seek's words tested by their bits first (`dialect::Marks`).
    marks: Option<dialect::Marks>,
    /// How the engine is told to read `conversations c` (`dialect::overdue_index`).
    index: Option<&'static str>,
}

impl Listing<'_> {
    /// The page's rows, one more than asked when another page follows.
    async fn fetch(&self, conn: &mut Conn) -> Result<Vec<ConversationRow>, sqlx::Error> {
        let mut qb: QueryBuilder<Engine> = match &self.text {
            Some((expr, TextPlan::Hits)) => {
                let mut qb = QueryBuilder::new(SELECT_CONVERSATION_FROM);
                dialect::push_hits(&mut qb, expr.clone(), self.spec.org);
                qb.push(" JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN agents a ON a.id = c.assignee_id");
                qb
            }
            _ => match self.index {
                Some(hint) => QueryBuilder::new(format!(
                    "{}FROM conversations c {hint} JOIN contacts ct ON ct.id = c.contact_id \
                     LEFT JOIN agents a ON a.id = c.assignee_id",
                    conversation_columns!()
                )),
                None => QueryBuilder::new(SELECT_CONVERSATION),
            },
        };
        self.push_where(&mut qb);
        match (&self.text, &self.marks) {
            (Some((expr, TextPlan::Seek)), Some(marks)) => dialect::push_marked_seek(&mut qb, expr.clone(), marks),
            (Some((expr, plan @ (TextPlan::Walk | TextPlan::Seek))), _) => {
                dialect::push_text_condition(&mut qb, expr.clone(), self.spec.org, *plan);
            }
            _ => {}
        }
        qb.push(match self.order {
            _ if self.spec.urgent => {
                " ORDER BY c.sla_due_at IS NULL, c.sla_due_at ASC, c.waiting_since IS NULL, c.waiting_since ASC, c.id ASC"
            }
            Order::Activity if self.up => " ORDER BY c.activity_at ASC, c.id ASC",
            Order::Activity => " ORDER BY c.activity_at DESC, c.id DESC",
            Order::Updated => " ORDER BY c.updated_at ASC, c.id ASC",
        });
        // One extra row tells whether another page exists without a COUNT.
        qb.push(" LIMIT ").push_bind(i64::from(self.spec.limit) + 1);
        qb.build_query_as().fetch_all(&mut *conn).await
    }

    /// ` WHERE` the org, the filter, the change feed's start and the cursor.
    fn push_where(&self, qb: &mut QueryBuilder<Engine>) {
        let spec = self.spec;
        qb.push(" WHERE c.org_id = ").push_bind(spec.org.as_str());
        push_conditions(qb, spec.org, self.filter, Me::Agent(spec.me), spec.my_team, spec.now);
        if let Some(since) = spec.updated_since {
            qb.push(" AND c.updated_at > ").push_bind(to_ms(since));
        }
        match (self.cursor, self.order) {
            (Some(c), Order::Activity) if c.up => {
                qb.push(" AND (c.activity_at > ")
                    .push_bind(c.t)
                    .push(" OR (c.activity_at = ")
                    .push_bind(c.t)
                    .push(" AND c.id > ")
                    .push_bind(c.id.clone())
                    .push("))");
            }
            (Some(c), Order::Activity) => {
                qb.push(" AND (c.activity_at < ")
                    .push_bind(c.t)
                    .push(" OR (c.activity_at = ")
                    .push_bind(c.t)
                    .push(" AND c.id < ")
                    .push_bind(c.id.clone())
                    .push("))");
            }
            (Some(c), Order::Updated) => {
                qb.push(" AND (c.updated_at > ")
                    .push_bind(c.t)
                    .push(" OR (c.updated_at = ")
                    .push_bind(c.t)
                    .push(" AND c.id > ")
                    .push_bind(c.id.clone())
                    .push("))");
            }
            (None, _) => {}
        }
    }
}

#[derive(FromRow)]
struct MessageRow {
    seq: i64,
    id: String,
    conversation_id: String,
    direction: String,
    author_kind: String,
    author_id: Option<String>,
    author_name: String,
    kind: String,
    body: String,
    attachments: String,
    call: Option<String>,
    delivery: String,
    created_at: i64,
}

impl From<MessageRow> for Message {
    fn from(r: MessageRow) -> Self {
        Message {
            id: MessageId::from(r.id),
            conversation_id: ConversationId::from(r.conversation_id),
            direction: direction(&r.direction),
            author: Author { kind: AuthorKind::from_wire(&r.author_kind), id: r.author_id, name: r.author_name },
            kind: MessageKind::parse(&r.kind).unwrap_or(MessageKind::Event),
            body: r.body,
            attachments: json_or_default(&r.attachments, "messages.attachments"),
            call: r.call.as_deref().and_then(|c| serde_json::from_str(c).ok()),
            created_at: from_ms(r.created_at),
            delivery: Delivery::parse(&r.delivery).unwrap_or_default(),
        }
    }
}

pub const SELECT_MESSAGE: &str = "SELECT seq, id, conversation_id, direction, author_kind, author_id, author_name, \
    kind, body, attachments, call, delivery, created_at FROM messages";

/// One message by id, within the org.
pub async fn message<'e, E: Executor<'e, Database = Engine>>(db: E, org: &OrgId, id: &MessageId) -> ApiResult<Message> {
    let sql = format!("{SELECT_MESSAGE} WHERE org_id = $1 AND id = $2");
    let row: Option<MessageRow> =
        sqlx::query_as(AssertSqlSafe(sql)).bind(org.as_str()).bind(id.as_str()).fetch_optional(db).await?;
    found(row, "message").map(Message::from)
}

/// A page of a thread. `newest_first` pages backwards from the latest message, which
/// is what a client opening a long thread wants.
pub async fn thread(
    conn: &mut Conn,
    org: &OrgId,
    id: &ConversationId,
    cursor: Option<&str>,
    limit: u32,
    newest_first: bool,
) -> ApiResult<Page<Message>> {
    get(&mut *conn, org, id).await?;
    let after: Option<i64> = match cursor {
        None => None,
        Some(c) => Some(
            URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.strip_prefix('m').and_then(|n| n.parse().ok()))
                .ok_or_else(|| ApiError::bad_request("INVALID_CURSOR", "the cursor is not one this server issued"))?,
        ),
    };
    let (cmp, dir) = if newest_first { ("<", "DESC") } else { (">", "ASC") };
    let sql = format!(
        "{SELECT_MESSAGE} WHERE org_id = $1 AND conversation_id = $2 AND ($3 IS NULL OR seq {cmp} $3) ORDER BY seq {dir} LIMIT $4"
    );
    let mut rows: Vec<MessageRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(org.as_str())
        .bind(id.as_str())
        .bind(after)
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *conn)
        .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = more.then(|| rows.last().map(|r| URL_SAFE_NO_PAD.encode(format!("m{}", r.seq)))).flatten();
    Ok(Page { items: rows.into_iter().map(Message::from).collect(), next_cursor, prev_cursor: None })
}
