//! The inbound webhook: channels post customer messages here.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorEnvelope};
use crate::extract::JsonBody;
use crate::store::Inbound;
use frontdesk_domain::{Attachment, Channel, Conversation, Message};

#[derive(Deserialize, ToSchema)]
pub struct InboundContact {
    /// Phone number, email address or visitor id on the channel.
    pub handle: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct InboundBody {
    pub channel: Channel,
    pub contact: InboundContact,
    #[serde(default)]
    pub subject: Option<String>,
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// The channel's id for the message: a repeat is recognised and not stored twice.
    #[serde(default)]
    pub provider_message_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<Timestamp>,
    /// The AI agent answering on this channel: a conversation this opens is AI-led.
    #[serde(default)]
    pub ai_agent: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Ingested {
    pub message: Message,
    pub conversation: Conversation,
    /// A new conversation was opened.
    pub opened: bool,
    /// Seen before (same provider message id): nothing was stored.
    pub duplicate: bool,
}

/// Ingests a customer message: threads it into the contact's live conversation on
/// that channel, or opens one. 201 when stored, 200 for a duplicate.
#[utoipa::path(post, path = "/v1/inbound", tag = "inbound", request_body = InboundBody,
    responses((status = 201, body = Ingested), (status = 200, body = Ingested, description = "A duplicate"),
              (status = 413, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn ingest(
    State(st): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<InboundBody>,
) -> ApiResult<(StatusCode, Json<Ingested>)> {
    let inbound = Inbound {
        channel: b.channel,
        handle: b.contact.handle,
        name: b.contact.name,
        email: b.contact.email,
        phone: b.contact.phone,
        subject: b.subject,
        body: b.body,
        attachments: b.attachments,
        provider_message_id: b.provider_message_id,
        received_at: b.received_at,
        ai_agent: b.ai_agent,
    };
    let done = st.intake.ingest(caller.org, inbound).await?;
    let status = if done.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((
        status,
        Json(Ingested {
            message: done.message,
            conversation: done.conversation,
            opened: done.opened,
            duplicate: done.duplicate,
        }),
    ))
}
