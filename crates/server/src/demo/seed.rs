//! Writes a [`DemoPlan`] into the database as if it had happened: contacts,
//! conversations with their summaries and SLA clocks, threads, and pending copilot
//! suggestions. Seeding is the starting state, so it emits no events.

use std::collections::HashMap;

use jiff::Timestamp;
use sqlx::{QueryBuilder, Sqlite};

use crate::AppState;
use crate::copilot::{ContextMessage, SuggestContext};
use crate::db::suggestions::{self, NewSuggestion};
use crate::db::{WriteCtx, orgs, to_ms};
use crate::error::ApiResult;
use frontdesk_domain::text::preview;
use frontdesk_domain::{Agent, AuthorKind, ContactId, ConversationId, MessageId, MessageKind, OrgId, Status};

use super::AgentKey;
use super::plan::{DemoAuthor, DemoConversation, DemoMessage, DemoPlan};

/// Seeds the plan; returns the demo org.
pub async fn seed(state: &AppState, plan: DemoPlan, first_response_secs: i64) -> ApiResult<OrgId> {
    let wants: Vec<usize> =
        plan.conversations.iter().enumerate().filter(|(_, c)| c.wants_suggestion).map(|(i, _)| i).collect();
    let contexts: Vec<SuggestContext> =
        wants.iter().filter_map(|i| plan.conversations.get(*i)).map(|c| context(c, &plan)).collect();
    let (org, ids) = state
        .db
        .write(move |w| {
            Box::pin(async move {
                let org = orgs::create_org(w.conn(), &plan.org_name, first_response_secs).await?;
                let mut agents: HashMap<String, Agent> = HashMap::new();
                for a in &plan.agents {
                    let agent =
                        orgs::create_agent(w.conn(), &org, &a.name, &a.email, a.role, a.team.as_deref()).await?;
                    agents.insert(a.email.clone(), agent);
                }
                let ids = insert_conversations(w, &org, &agents, &plan.conversations, first_response_secs).await?;
                Ok((org, ids))
            })
        })
        .await?;
    // Drafting runs outside the writer (an LLM engine may take seconds each).
    let mut drafts = Vec::new();
    for (i, ctx) in wants.iter().zip(contexts) {
        match state.copilot.suggest(&ctx).await {
            Ok(draft) => drafts.push((ids[*i].clone(), draft)),
            Err(err) => tracing::warn!(error = %err, "demo: no suggestion drafted"),
        }
    }
    let org_for_drafts = org.clone();
    state
        .db
        .write(move |w| {
            Box::pin(async move {
                for (id, d) in drafts {
                    suggestions::create(w, &org_for_drafts, &id, NewSuggestion::from(d)).await?;
                }
                Ok(())
            })
        })
        .await?;
    tracing::info!(org = %org, conversations = ids.len(), "demo seeded");
    Ok(org)
}

/// New keys for the first `n` agents of the org.
pub async fn fresh_keys(state: &AppState, org: &OrgId, n: usize) -> ApiResult<Vec<AgentKey>> {
    let agents: Vec<Agent> = orgs::agents(&state.db.pool, org).await?;
    let org = org.clone();
    let mut ordered: Vec<Agent> = agents;
    // Admins first: the first key printed can do everything.
    ordered.sort_by_key(|a| (a.role != frontdesk_domain::AgentRole::Admin, a.name.clone()));
    ordered.truncate(n);
    state
        .db
        .write(move |w| {
            Box::pin(async move {
                let mut keys = Vec::new();
                for a in ordered {
                    let key = orgs::create_key(w.conn(), &org, &a.id, "demo").await?;
                    keys.push(AgentKey { name: a.name, email: a.email, key });
                }
                Ok(keys)
            })
        })
        .await
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
            s.preview = Some((
                preview(&text, crate::db::messages::PREVIEW_CHARS),
                if inbound { "inbound" } else { "outbound" },
                at,
            ));
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

/// One conversation, ready for the multi-row INSERTs.
struct Row<'a> {
    id: ConversationId,
    contact_id: String,
    conv: &'a DemoConversation,
    summary: Summary,
}

/// Writes every conversation, its contact and its thread with a handful of multi-row
/// INSERTs: one statement per row cost most of a fresh demo's start.
async fn insert_conversations(
    w: &mut WriteCtx,
    org: &OrgId,
    agents: &HashMap<String, Agent>,
    plan: &[DemoConversation],
    first_response_secs: i64,
) -> ApiResult<Vec<ConversationId>> {
    let now = Timestamp::now();
    let contacts = insert_contacts(w, org, plan, now).await?;
    let rows: Vec<Row<'_>> = plan
        .iter()
        .map(|conv| Row {
            id: ConversationId::generate(),
            contact_id: contacts.get(conv.contact.handle.as_str()).cloned().unwrap_or_default(),
            conv,
            summary: summarise(conv, now),
        })
        .collect();
    for chunk in rows.chunks(200) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, snoozed_until, assignee_id, \
             team, tags, starred, unread, archived, priority, last_preview, last_direction, last_message_at, \
             waiting_since, sla_due_at, ai_state, ai_agent, message_count, activity_at, created_at, updated_at) ",
        );
        qb.push_values(chunk, |mut b, r| {
            let (conv, summary) = (r.conv, &r.summary);
            let live = matches!(conv.status, Status::Open | Status::Pending);
            let waiting = summary.waiting_since.filter(|_| live);
            let assignee = conv.assignee_email.as_ref().and_then(|e| agents.get(e)).map(|a| a.id.0.to_string());
            let preview = summary.preview.as_ref();
            b.push_bind(r.id.as_str())
                .push_bind(org.as_str())
                .push_bind(&r.contact_id)
                .push_bind(conv.channel.as_str())
                .push_bind(conv.subject.as_deref())
                .push_bind(conv.status.as_str())
                .push_bind(conv.snoozed_until.filter(|_| conv.status == Status::Snoozed).map(to_ms))
                .push_bind(assignee)
                .push_bind(conv.team.as_deref())
                .push_bind(serde_json::to_string(&conv.tags).unwrap_or_else(|_| "[]".to_owned()))
                .push_bind(conv.starred)
                .push_bind(conv.unread)
                .push_bind(conv.archived)
                .push_bind(conv.priority.as_str())
                .push_bind(preview.map(|(p, _, _)| p.clone()))
                .push_bind(preview.map(|(_, d, _)| *d))
                .push_bind(preview.map(|(_, _, at)| *at))
                .push_bind(waiting)
                .push_bind(waiting.map(|t| t + first_response_secs * 1000))
                .push_bind(conv.ai_state.as_str())
                .push_bind(conv.ai_agent.as_deref())
                .push_bind(summary.count)
                .push_bind(summary.activity)
                .push_bind(conv.messages.first().map_or(summary.activity, |m| to_ms(m.at)))
                .push_bind(summary.activity);
        });
        qb.build().execute(w.conn()).await?;
    }
    insert_messages(w, org, agents, &rows).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The plan's contacts, one per handle (the org is new: a handle's first
/// conversation names it); returns each handle's contact id.
async fn insert_contacts<'a>(
    w: &mut WriteCtx,
    org: &OrgId,
    plan: &'a [DemoConversation],
    now: Timestamp,
) -> ApiResult<HashMap<&'a str, String>> {
    let mut ids: HashMap<&str, String> = HashMap::new();
    let mut firsts: Vec<(&str, &DemoConversation)> = Vec::new();
    for c in plan {
        if !ids.contains_key(c.contact.handle.as_str()) {
            ids.insert(&c.contact.handle, ContactId::generate().as_str().to_owned());
            firsts.push((&c.contact.handle, c));
        }
    }
    for chunk in firsts.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO contacts (id, org_id, name, handle, email, phone, company, created_at) ");
        qb.push_values(chunk, |mut b, (handle, c)| {
            b.push_bind(ids.get(handle).cloned().unwrap_or_default())
                .push_bind(org.as_str())
                .push_bind(&c.contact.name)
                .push_bind(*handle)
                .push_bind(c.contact.email.as_deref())
                .push_bind(c.contact.phone.as_deref())
                .push_bind(c.contact.company.as_deref())
                .push_bind(to_ms(now));
        });
        qb.push(" ON CONFLICT (org_id, handle) DO NOTHING");
        qb.build().execute(w.conn()).await?;
    }
    Ok(ids)
}

/// Every thread, a thousand messages a statement.
async fn insert_messages(
    w: &mut WriteCtx,
    org: &OrgId,
    agents: &HashMap<String, Agent>,
    rows: &[Row<'_>],
) -> ApiResult<()> {
    let messages: Vec<(&Row<'_>, &DemoMessage)> =
        rows.iter().flat_map(|r| r.conv.messages.iter().map(move |m| (r, m))).collect();
    for chunk in messages.chunks(1_000) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_id, author_name, kind, \
             body, attachments, call, delivery, created_at) ",
        );
        qb.push_values(chunk, |mut b, (r, m)| {
            let (kind, author_id, name, direction) = match &m.author {
                DemoAuthor::Contact => ("contact", Some(r.contact_id.clone()), r.conv.contact.name.clone(), "inbound"),
                DemoAuthor::Agent(email) => match agents.get(email) {
                    Some(a) => ("agent", Some(a.id.0.to_string()), a.name.clone(), "outbound"),
                    None => ("system", None, "frontdesk".to_owned(), "outbound"),
                },
                DemoAuthor::Ai(name) => ("ai", None, name.clone(), "outbound"),
                DemoAuthor::System => ("system", None, "frontdesk".to_owned(), "outbound"),
            };
            b.push_bind(MessageId::generate().as_str().to_owned())
                .push_bind(org.as_str())
                .push_bind(r.id.as_str())
                .push_bind(direction)
                .push_bind(kind)
                .push_bind(author_id)
                .push_bind(name)
                .push_bind(m.kind.as_str())
                .push_bind(&m.body)
                .push_bind(serde_json::to_string(&m.attachments).unwrap_or_else(|_| "[]".to_owned()))
                .push_bind(m.call.as_ref().and_then(|c| serde_json::to_string(c).ok()))
                .push_bind(if direction == "outbound" && m.kind == MessageKind::Reply { "delivered" } else { "read" })
                .push_bind(to_ms(m.at));
        });
        qb.build().execute(w.conn()).await?;
    }
    Ok(())
}
