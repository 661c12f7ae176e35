//! Live traffic for the demo: customers write in every few seconds; AI-led
//! conversations get their AI agent's answer or a request for a human; some new
//! messages get a copilot suggestion, as a busy inbox would.

use std::time::Duration;

use jiff::Timestamp;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::AppState;
use crate::copilot::{ContextMessage, SuggestContext};
use crate::error::ApiResult;
use crate::store::{Inbound, NewMessage, NewSuggestion};
use frontdesk_domain::Change;
use frontdesk_domain::{AiState, Author, AuthorKind, Conversation, EventKind, MessageKind, OrgId};

use super::plan::Simulator;

pub async fn run(state: AppState, org: OrgId, mut sim: Simulator, period: Duration) {
    let mut stopping = state.stopping.clone();
    let mut rng = SmallRng::seed_from_u64(u64::from(jiff::Timestamp::now().subsec_nanosecond().unsigned_abs()));
    loop {
        let wait = period.mul_f64(rng.random_range(0.4..1.6));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = crate::stopped(&mut stopping) => return,
        }
        let line = sim.next();
        let inbound = Inbound {
            channel: line.channel,
            handle: line.contact.handle.clone(),
            name: Some(line.contact.name.clone()),
            email: line.contact.email.clone(),
            phone: line.contact.phone.clone(),
            subject: line.subject.clone(),
            body: line.body.clone(),
            attachments: Vec::new(),
            provider_message_id: Some(format!("sim-{}", uuid::Uuid::now_v7())),
            received_at: None,
            ai_agent: None,
        };
        let done = match state.intake.ingest(org.clone(), inbound).await {
            Ok(done) => done,
            Err(err) => {
                tracing::warn!(error = %err, "simulator: inbound failed");
                continue;
            }
        };
        let roll: f64 = rng.random();
        let result = match done.conversation.ai_state {
            AiState::AiLed if roll < 0.65 => ai_reply(&state, &org, &done.conversation).await,
            AiState::AiLed => request_handoff(&state, &org, &done.conversation).await,
            _ if roll < 0.35 => suggest(&state, &org, &done.conversation).await,
            _ => Ok(()),
        };
        if let Err(err) = result {
            tracing::warn!(error = %err, "simulator: follow-up failed");
        }
    }
}

async fn context(state: &AppState, org: &OrgId, c: &Conversation) -> ApiResult<SuggestContext> {
    let mut recent = state.db.thread(org, &c.id, None, 30, true).await?.items;
    recent.reverse();
    Ok(SuggestContext {
        contact_name: c.contact.name.clone(),
        agent_name: c.assignee.as_ref().map_or_else(|| "the team".to_owned(), |a| a.name.clone()),
        channel: c.channel.clone(),
        subject: c.subject.clone(),
        messages: recent
            .into_iter()
            .filter(|m| m.kind != MessageKind::Event)
            .map(|m| ContextMessage { author: m.author.kind, kind: m.kind, body: m.body })
            .collect(),
    })
}

async fn suggest(state: &AppState, org: &OrgId, c: &Conversation) -> ApiResult<()> {
    let ctx = context(state, org, c).await?;
    let draft = state.copilot.suggest_kb(&ctx);
    let (org, id) = (org.clone(), c.id.clone());
    state
        .db
        .write(move |w| {
            Box::pin(async move { w.create_suggestion(&org, &id, NewSuggestion::from(draft)).await.map(|_| ()) })
        })
        .await
}

/// The AI agent answers from the knowledge base, as a deployed AI agent would.
async fn ai_reply(state: &AppState, org: &OrgId, c: &Conversation) -> ApiResult<()> {
    let mut ctx = context(state, org, c).await?;
    let name = c.ai_agent.clone().unwrap_or_else(|| "Nova".to_owned());
    ctx.agent_name.clone_from(&name);
    let draft = state.copilot.suggest_kb(&ctx);
    let (org, id) = (org.clone(), c.id.clone());
    state
        .db
        .write(move |w| {
            Box::pin(async move {
                let message = NewMessage {
                    conversation_id: id.clone(),
                    author: Author { kind: AuthorKind::Ai, id: None, name },
                    kind: MessageKind::Reply,
                    body: draft.body,
                    attachments: Vec::new(),
                    call: None,
                    at: Timestamp::now(),
                    provider_message_id: None,
                };
                w.insert_message(&org, message).await?;
                let after = w.conversation(&org, &id).await?;
                w.emit(&org, EventKind::ConversationUpdated(Box::new(after))).await?;
                Ok(())
            })
        })
        .await
}

async fn request_handoff(state: &AppState, org: &OrgId, c: &Conversation) -> ApiResult<()> {
    // The change needs an actor; the event line it leaves is the AI agent's own.
    let Some(actor) = state.db.agents(org).await?.into_iter().next() else { return Ok(()) };
    let (org, id) = (org.clone(), c.id.clone());
    let reason = Some("the customer asked for a person".to_owned());
    state
        .db
        .write(move |w| {
            Box::pin(async move { w.apply(&org, &actor, &id, &Change::RequestHandoff { reason }).await.map(|_| ()) })
        })
        .await
}
