//! Writes a [`DemoPlan`] into the database as if it had happened: contacts,
//! conversations with their summaries and SLA clocks, threads, and pending copilot
//! suggestions. Seeding is the starting state, so it emits no events.

use std::collections::HashMap;

use jiff::Timestamp;

use crate::AppState;
use crate::copilot::{ContextMessage, SuggestContext};
use crate::db::suggestions::{self, NewSuggestion};
use crate::db::{WriteCtx, orgs, to_ms};
use crate::error::ApiResult;
use frontdesk_domain::text::preview;
use frontdesk_domain::{Agent, AuthorKind, ContactId, ConversationId, MessageId, MessageKind, OrgId, Status};

use super::AgentKey;
use super::plan::{DemoAuthor, DemoConversation, DemoPlan};

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
                let mut ids = Vec::with_capacity(plan.conversations.len());
                for c in &plan.conversations {
                    ids.push(insert_conversation(w, &org, &agents, c, first_response_secs).await?);
                }
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

async fn insert_conversation(
    w: &mut WriteCtx,
    org: &OrgId,
    agents: &HashMap<String, Agent>,
    conv: &DemoConversation,
    first_response_secs: i64,
) -> ApiResult<ConversationId> {
    let now = Timestamp::now();
    let contact_id = ContactId::generate();
    sqlx::query(
        "INSERT INTO contacts (id, org_id, name, handle, email, phone, company, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (org_id, handle) DO NOTHING",
    )
    .bind(contact_id.as_str())
    .bind(org.as_str())
    .bind(&conv.contact.name)
    .bind(&conv.contact.handle)
    .bind(conv.contact.email.as_deref())
    .bind(conv.contact.phone.as_deref())
    .bind(conv.contact.company.as_deref())
    .bind(to_ms(now))
    .execute(w.conn())
    .await?;
    let contact_id: String = sqlx::query_scalar("SELECT id FROM contacts WHERE org_id = $1 AND handle = $2")
        .bind(org.as_str())
        .bind(&conv.contact.handle)
        .fetch_one(w.conn())
        .await?;
    let id = ConversationId::generate();
    let summary = summarise(conv, now);
    let live = matches!(conv.status, Status::Open | Status::Pending);
    let waiting = summary.waiting_since.filter(|_| live);
    let assignee = conv.assignee_email.as_ref().and_then(|e| agents.get(e)).map(|a| a.id.0.to_string());
    let (preview, direction, last_at) = match summary.preview.clone() {
        Some((p, d, at)) => (Some(p), Some(d), Some(at)),
        None => (None, None, None),
    };
    sqlx::query(
        "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, snoozed_until, assignee_id, team, tags, \
         starred, unread, archived, priority, last_preview, last_direction, last_message_at, waiting_since, sla_due_at, \
         ai_state, ai_agent, message_count, activity_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)",
    )
    .bind(id.as_str())
    .bind(org.as_str())
    .bind(&contact_id)
    .bind(conv.channel.as_str())
    .bind(conv.subject.as_deref())
    .bind(conv.status.as_str())
    .bind(conv.snoozed_until.filter(|_| conv.status == Status::Snoozed).map(to_ms))
    .bind(assignee)
    .bind(conv.team.as_deref())
    .bind(serde_json::to_string(&conv.tags)?)
    .bind(conv.starred)
    .bind(conv.unread)
    .bind(conv.archived)
    .bind(conv.priority.as_str())
    .bind(preview)
    .bind(direction)
    .bind(last_at)
    .bind(waiting)
    .bind(waiting.map(|t| t + first_response_secs * 1000))
    .bind(conv.ai_state.as_str())
    .bind(conv.ai_agent.as_deref())
    .bind(summary.count)
    .bind(summary.activity)
    .bind(conv.messages.first().map_or(summary.activity, |m| to_ms(m.at)))
    .bind(summary.activity)
    .execute(w.conn())
    .await?;
    for m in &conv.messages {
        let (kind, author_id, name, direction) = match &m.author {
            DemoAuthor::Contact => ("contact", Some(contact_id.clone()), conv.contact.name.clone(), "inbound"),
            DemoAuthor::Agent(email) => match agents.get(email) {
                Some(a) => ("agent", Some(a.id.0.to_string()), a.name.clone(), "outbound"),
                None => ("system", None, "frontdesk".to_owned(), "outbound"),
            },
            DemoAuthor::Ai(name) => ("ai", None, name.clone(), "outbound"),
            DemoAuthor::System => ("system", None, "frontdesk".to_owned(), "outbound"),
        };
        sqlx::query(
            "INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_id, author_name, kind, body, \
             attachments, call, delivery, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(MessageId::generate().as_str())
        .bind(org.as_str())
        .bind(id.as_str())
        .bind(direction)
        .bind(kind)
        .bind(author_id)
        .bind(name)
        .bind(m.kind.as_str())
        .bind(&m.body)
        .bind(serde_json::to_string(&m.attachments)?)
        .bind(m.call.as_ref().map(serde_json::to_string).transpose()?)
        .bind(if direction == "outbound" && m.kind == MessageKind::Reply { "delivered" } else { "read" })
        .bind(to_ms(m.at))
        .execute(w.conn())
        .await?;
    }
    Ok(id)
}
