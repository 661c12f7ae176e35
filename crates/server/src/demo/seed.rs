//! Writes a [`DemoPlan`] into the database as if it had happened: contacts,
//! conversations with their summaries and SLA clocks, threads, and pending copilot
//! suggestions. Seeding is the starting state: its rows emit no events (the copilot's
//! suggestions do, as they always do).

use std::collections::HashMap;

use jiff::Timestamp;

use crate::copilot::{ContextMessage, Copilot, Draft, SuggestContext};
use crate::error::ApiResult;
use crate::store::rows::{ContactRow, ConversationRow, MessageRow};
use crate::store::{Db, NewSuggestion, PREVIEW_CHARS, Tx, to_ms};
use frontdesk_domain::text::preview;
use frontdesk_domain::{Agent, AuthorKind, ContactId, ConversationId, MessageId, MessageKind, OrgId, Status};

use super::AgentKey;
use super::plan::{DemoAuthor, DemoConversation, DemoMessage, DemoPlan};

/// The copilot's drafts for the conversations of the plan that want one, by their
/// place in the plan. A draft the engine cannot make is left out (and logged): the
/// demo starts without it.
pub async fn drafts(copilot: &Copilot, plan: &DemoPlan) -> Vec<(usize, Draft)> {
    let mut drafts = Vec::new();
    for (i, c) in plan.conversations.iter().enumerate().filter(|(_, c)| c.wants_suggestion) {
        match copilot.suggest(&context(c, plan)).await {
            Ok(draft) => drafts.push((i, draft)),
            Err(err) => tracing::warn!(error = %err, "demo: no suggestion drafted"),
        }
    }
    drafts
}

/// Seeds the plan and its drafts (see [`drafts`]: made beforehand, as an LLM engine
/// may take seconds each) in one transaction, with keys for the first `keys`
/// agents; returns the demo org and those keys.
pub async fn seed(
    db: &Db,
    plan: DemoPlan,
    drafts: Vec<(usize, Draft)>,
    first_response_secs: i64,
    keys: usize,
) -> ApiResult<(OrgId, Vec<AgentKey>)> {
    let (org, made, conversations) = db
        .write(move |w| {
            Box::pin(async move {
                let org = w.create_org(&plan.org_name, first_response_secs).await?;
                let mut agents: HashMap<String, Agent> = HashMap::new();
                for a in &plan.agents {
                    let agent = w.create_agent(&org, &a.name, &a.email, a.role, a.team.as_deref()).await?;
                    agents.insert(a.email.clone(), agent);
                }
                let ids = insert_conversations(w, &org, &agents, &plan.conversations, first_response_secs).await?;
                for (i, draft) in drafts {
                    if let Some(id) = ids.get(i) {
                        w.create_suggestion(&org, id, NewSuggestion::from(draft)).await?;
                    }
                }
                let made = make_keys(w, &org, first_agents(agents.into_values().collect(), keys)).await?;
                Ok((org, made, ids.len()))
            })
        })
        .await?;
    tracing::info!(org = %org, conversations, "demo seeded");
    Ok((org, made))
}

/// New keys for the first `n` agents of the org.
pub async fn fresh_keys(db: &Db, org: &OrgId, n: usize) -> ApiResult<Vec<AgentKey>> {
    let ordered = first_agents(db.agents(org).await?, n);
    let org = org.clone();
    db.write(move |w| Box::pin(async move { make_keys(w, &org, ordered).await })).await
}

/// The seed's copy brought to now, in one transaction: every time moved `by`
/// milliseconds, the snoozes the plan words by the calendar ("tomorrow 09:00") set
/// as `plan` (made now) has them, and keys for the first `n` agents. The copy's
/// conversations are numbered in the plan's order.
pub async fn settle(db: &Db, org: &OrgId, by: i64, plan: &DemoPlan, n: usize) -> ApiResult<Vec<AgentKey>> {
    let ordered = first_agents(db.agents(org).await?, n);
    let org = org.clone();
    let snoozes: Vec<(i64, Option<i64>, Option<String>)> = (1_i64..)
        .zip(&plan.conversations)
        .filter_map(|(num, c)| {
            let until = c.snoozed_until.filter(|_| c.status == Status::Snoozed).map(to_ms);
            let line = c
                .messages
                .iter()
                .find(|m| m.kind == MessageKind::Event && m.body.starts_with("Snoozed until "))
                .map(|m| m.body.clone());
            (until.is_some() || line.is_some()).then_some((num, until, line))
        })
        .collect();
    db.write(move |w| {
        Box::pin(async move {
            w.shift_times(&org, by).await?;
            for (num, until, line) in &snoozes {
                w.resnooze(&org, *num, *until, line.as_deref()).await?;
            }
            w.touch(&org);
            w.reschedule();
            make_keys(w, &org, ordered).await
        })
    })
    .await
}

/// The first `n` agents, admins first (the first key printed can do everything), by name.
fn first_agents(mut agents: Vec<Agent>, n: usize) -> Vec<Agent> {
    agents.sort_by_key(|a| (a.role != frontdesk_domain::AgentRole::Admin, a.name.clone()));
    agents.truncate(n);
    agents
}

async fn make_keys(w: &mut dyn Tx, org: &OrgId, agents: Vec<Agent>) -> ApiResult<Vec<AgentKey>> {
    let mut keys = Vec::with_capacity(agents.len());
    for a in agents {
        let key = w.create_key(org, &a.id, "demo").await?;
        keys.push(AgentKey { name: a.name, email: a.email, key });
    }
    Ok(keys)
}

fn context(c: &DemoConversation, plan: &DemoPlan) -> SuggestContext {
    SuggestContext {
        contact_name: c.contact.name.clone(),
        agent_name: plan.agents.first().map(|a| a.name.clone()).unwrap_or_default(),
        channel: c.channel.clone(),
        subject: c.subject.clone(),
        messages: c
            .messages
            .iter()
            .filter(|m| m.kind != MessageKind::Event)
            .map(|m| {
                let summary = m.call.as_ref().and_then(|c| c.summary.as_deref());
                ContextMessage::read(author_kind(&m.author), m.kind, &m.body, summary)
            })
            .collect(),
    }
}

fn author_kind(a: &DemoAuthor) -> AuthorKind {
    match a {
        DemoAuthor::Contact => AuthorKind::Contact,
        DemoAuthor::Agent(_) => AuthorKind::Agent,
        DemoAuthor::Ai(_) => AuthorKind::Ai,
        DemoAuthor::System => AuthorKind::System,
    }
}

/// The summary columns a thread implies.
struct Summary {
    preview: Option<(String, &'static str, i64)>,
    waiting_since: Option<i64>,
    count: i64,
    activity: i64,
}

fn summarise(c: &DemoConversation, now: Timestamp) -> Summary {
    let mut s = Summary {
        preview: None,
        waiting_since: None,
        count: 0,
        activity: c.messages.first().map_or(to_ms(now), |m| to_ms(m.at)),
    };
    for m in c.messages.iter().filter(|m| m.kind != MessageKind::Event) {
        let at = to_ms(m.at);
        s.count += 1;
        s.activity = s.activity.max(at);
        let inbound = matches!(m.author, DemoAuthor::Contact);
        if m.kind != MessageKind::Note {
            let text = if m.body.trim().is_empty() {
                m.call.as_ref().and_then(|c| c.summary.clone()).unwrap_or_default()
            } else {
                m.body.clone()
            };
            s.preview = Some((preview(&text, PREVIEW_CHARS), if inbound { "inbound" } else { "outbound" }, at));
        }
        match (&m.author, m.kind) {
            (DemoAuthor::Contact, _) => s.waiting_since = s.waiting_since.or(Some(at)),
            (DemoAuthor::Agent(_) | DemoAuthor::Ai(_), MessageKind::Reply | MessageKind::Call) => {
                s.waiting_since = None;
            }
            _ => {}
        }
    }
    s
}

/// Writes every conversation, its contact and its thread as rows: loading them many
/// a statement, not one by one, is what keeps a fresh demo's start short.
async fn insert_conversations(
    w: &mut dyn Tx,
    org: &OrgId,
    agents: &HashMap<String, Agent>,
    plan: &[DemoConversation],
    first_response_secs: i64,
) -> ApiResult<Vec<ConversationId>> {
    let now = Timestamp::now();
    let (contacts, ids) = contact_rows(plan, now);
    w.load_contacts(org, &contacts).await?;
    let mut conversations = Vec::with_capacity(plan.len());
    let mut messages = Vec::new();
    for conv in plan {
        let id = ConversationId::generate();
        let contact_id = ids.get(conv.contact.handle.as_str()).cloned().unwrap_or_default();
        let summary = summarise(conv, now);
        let live = matches!(conv.status, Status::Open | Status::Pending);
        let waiting = summary.waiting_since.filter(|_| live);
        let preview = summary.preview.as_ref();
        messages.extend(conv.messages.iter().map(|m| message_row(m, &id, &contact_id, conv, agents)));
        conversations.push(ConversationRow {
            id: id.as_str().to_owned(),
            contact_id,
            channel: conv.channel.as_str().to_owned(),
            subject: conv.subject.clone(),
            status: conv.status.as_str().to_owned(),
            snoozed_until: conv.snoozed_until.filter(|_| conv.status == Status::Snoozed).map(to_ms),
            assignee_id: conv.assignee_email.as_ref().and_then(|e| agents.get(e)).map(|a| a.id.as_str().to_owned()),
            team: conv.team.clone(),
            tags: serde_json::to_string(&conv.tags).unwrap_or_else(|_| "[]".to_owned()),
            starred: conv.starred,
            unread: conv.unread,
            archived: conv.archived,
            priority: conv.priority.as_str().to_owned(),
            last_preview: preview.map(|(p, _, _)| p.clone()),
            last_direction: preview.map(|(_, d, _)| *d),
            last_message_at: preview.map(|(_, _, at)| *at),
            waiting_since: waiting,
            sla_due_at: waiting.map(|t| t + first_response_secs * 1000),
            ai_state: conv.ai_state.as_str().to_owned(),
            ai_agent: conv.ai_agent.clone(),
            message_count: summary.count,
            activity_at: summary.activity,
            created_at: conv.messages.first().map_or(summary.activity, |m| to_ms(m.at)),
            updated_at: summary.activity,
        });
    }
    w.load_conversations(org, &conversations).await?;
    w.load_messages(org, &messages).await?;
    Ok(conversations.into_iter().map(|r| ConversationId::from(r.id)).collect())
}

/// The plan's contacts, one per handle (the org is new: a handle's first
/// conversation names it), and each handle's contact id.
fn contact_rows(plan: &[DemoConversation], now: Timestamp) -> (Vec<ContactRow>, HashMap<&str, String>) {
    let mut ids: HashMap<&str, String> = HashMap::new();
    let mut rows = Vec::new();
    for c in plan {
        if !ids.contains_key(c.contact.handle.as_str()) {
            let id = ContactId::generate().as_str().to_owned();
            ids.insert(&c.contact.handle, id.clone());
            rows.push(ContactRow {
                id,
                name: c.contact.name.clone(),
                handle: c.contact.handle.clone(),
                email: c.contact.email.clone(),
                phone: c.contact.phone.clone(),
                company: c.contact.company.clone(),
                created_at: to_ms(now),
            });
        }
    }
    (rows, ids)
}

fn message_row(
    m: &DemoMessage,
    conversation: &ConversationId,
    contact_id: &str,
    conv: &DemoConversation,
    agents: &HashMap<String, Agent>,
) -> MessageRow {
    let (author_kind, author_id, author_name, direction) = match &m.author {
        DemoAuthor::Contact => ("contact", Some(contact_id.to_owned()), conv.contact.name.clone(), "inbound"),
        DemoAuthor::Agent(email) => match agents.get(email) {
            Some(a) => ("agent", Some(a.id.as_str().to_owned()), a.name.clone(), "outbound"),
            None => ("system", None, "frontdesk".to_owned(), "outbound"),
        },
        DemoAuthor::Ai(name) => ("ai", None, name.clone(), "outbound"),
        DemoAuthor::System => ("system", None, "frontdesk".to_owned(), "outbound"),
    };
    MessageRow {
        id: MessageId::generate().as_str().to_owned(),
        conversation_id: conversation.as_str().to_owned(),
        direction,
        author_kind,
        author_id,
        author_name,
        kind: m.kind.as_str(),
        body: m.body.clone(),
        attachments: serde_json::to_string(&m.attachments).unwrap_or_else(|_| "[]".to_owned()),
        call: m.call.as_ref().and_then(|c| serde_json::to_string(c).ok()),
        delivery: if direction == "outbound" && m.kind == MessageKind::Reply { "delivered" } else { "read" },
        created_at: to_ms(m.at),
    }
}
