//! Talking to a conversation's chatbot the way a channel integration does: handing it
//! a message as the customer, a channel event, a custom event, or a step of one of
//! its flows. For people who build the bot (`ChatCaptain` has these calls), run from
//! the command palette; the bot's answer lands in the thread.

use frontdesk_domain::{Conversation, ConversationId, Message};

use super::ProviderFuture;

/// One call to the bot, in a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BotCall {
    /// An incoming message, as if the customer had written it on the channel.
    Message(String),
    /// A channel event ("`user_seen_message`").
    Event(String),
    /// A custom event of the bot's flows ("`order_completed`").
    CustomEvent(String),
    /// A flow step (or an event) with an optional JSON payload.
    Step(Step),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    pub flow_id: Option<String>,
    pub step_id: Option<String>,
    pub event: Option<String>,
    /// JSON, checked to parse before it is sent.
    pub payload: Option<String>,
}

impl BotCall {
    /// What the status bar calls it.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Message(_) => "message handed to the bot",
            Self::Event(_) => "event sent to the bot",
            Self::CustomEvent(_) => "custom event triggered",
            Self::Step(_) => "step run",
        }
    }
}

impl Step {
    /// Reads `flow=… step=… event=… payload={…}` (any order; the payload is the
    /// rest of the line, so it may hold spaces). A step needs a flow, a step or
    /// an event, and a payload must be JSON.
    pub fn parse(typed: &str) -> Result<Self, String> {
        let mut step = Self::default();
        let mut rest = typed.trim();
        while !rest.is_empty() {
            let (key, after) = rest.split_once('=').ok_or_else(|| format!("expected key=value at {rest:?}"))?;
            let key = key.trim();
            if key == "payload" {
                let json = after.trim();
                serde_json::from_str::<serde_json::Value>(json).map_err(|e| format!("the payload is not JSON: {e}"))?;
                step.payload = Some(json.to_owned());
                break;
            }
            let (value, next) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
            let value = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
            match key {
                "flow" => step.flow_id = value,
                "step" => step.step_id = value,
                "event" => step.event = value,
                other => return Err(format!("unknown key {other:?} (flow, step, event, payload)")),
            }
            rest = next.trim_start();
        }
        if step.flow_id.is_none() && step.step_id.is_none() && step.event.is_none() {
            return Err("name a flow=, a step= or an event=".to_owned());
        }
        Ok(step)
    }
}

/// What the bot answered.
#[derive(Clone, Debug, PartialEq)]
pub enum BotReply {
    /// Its messages, oldest first.
    Messages(Vec<Message>),
    /// An answer that is not messages, as one clean line (empty: nothing, as for
    /// a call processed in the background).
    Said(String),
}

/// A backend whose chatbot takes calls like a channel's.
pub trait BotBuilder: Send + Sync {
    fn call(&self, conversation: ConversationId, call: BotCall) -> ProviderFuture<'_, BotReply>;
    /// A conversation found by the channel's id and the contact's id on that
    /// channel (a phone number on `WhatsApp`); none when there is none.
    fn find(&self, channel_id: String, provider_id: String) -> ProviderFuture<'_, Option<Conversation>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_reads_its_keys_in_any_order_with_a_payload_holding_spaces() {
        let s = Step::parse("step=s1 flow=f9 payload={\"orderId\": \"12 34\"}").unwrap();
        assert_eq!(s.flow_id.as_deref(), Some("f9"));
        assert_eq!(s.step_id.as_deref(), Some("s1"));
        assert_eq!(s.payload.as_deref(), Some("{\"orderId\": \"12 34\"}"));
        assert_eq!(Step::parse("event=paid").unwrap().event.as_deref(), Some("paid"));
    }

    #[test]
    fn a_step_without_a_target_or_with_bad_json_is_refused_with_why() {
        assert!(Step::parse("").unwrap_err().contains("flow="));
        assert!(Step::parse("payload={}").unwrap_err().contains("flow="));
        assert!(Step::parse("flow=f payload={oops").unwrap_err().contains("not JSON"));
        assert!(Step::parse("colour=red").unwrap_err().contains("unknown key"));
        assert!(Step::parse("flow").unwrap_err().contains("key=value"));
    }
}
