//! For those who build the chatbot: calls to the conversation's bot from the palette
//! (a message as from the customer, a channel event, a custom event, a flow step),
//! its answer shown in the thread; and finding a conversation by its channel's ids.

use super::{error, info, no_target, unavailable};
use crate::effect::Effect;
use crate::state::{PickItem, PickPurpose, PickValue, State};
use frontdesk_domain::{
    Author, AuthorKind, Conversation, ConversationId, Delivery, Direction, Message, MessageId, MessageKind,
};
use frontdesk_provider::ProviderError;
use frontdesk_provider::bot::{BotCall, BotReply, Step};
use frontdesk_sync::SyncCommand;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BotKind {
    Message,
    Event,
    CustomEvent,
    Step,
}

impl BotKind {
    fn title(self) -> &'static str {
        match self {
            Self::Message => "Hand the bot a message as from the customer",
            Self::Event => "Send the bot a channel event (user_seen_message…)",
            Self::CustomEvent => "Trigger a custom event (order_completed…)",
            Self::Step => "Run a step: flow=… step=… event=… payload={…}",
        }
    }

    fn call(self, typed: &str) -> Result<BotCall, String> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err("type it first".to_owned());
        }
        let word = || {
            if typed.contains(char::is_whitespace) {
                Err("an event name is one word".to_owned())
            } else {
                Ok(typed.to_owned())
            }
        };
        Ok(match self {
            Self::Message => BotCall::Message(typed.to_owned()),
            Self::Event => BotCall::Event(word()?),
            Self::CustomEvent => BotCall::CustomEvent(word()?),
            Self::Step => BotCall::Step(Step::parse(typed)?),
        })
    }
}

fn picker(state: &mut State, title: &str, purpose: PickPurpose) -> Vec<Effect> {
    let items = items(&purpose, "");
    super::pickers::open(state, title, purpose, items)
}

/// The one item of a typed prompt: what Enter will do, or why it cannot yet.
pub fn items(purpose: &PickPurpose, query: &str) -> Vec<PickItem> {
    let (label, value) = match purpose {
        PickPurpose::Bot { kind, .. } => match kind.call(query) {
            Ok(call) => (describe(&call), query.trim().to_owned()),
            Err(why) if query.trim().is_empty() => (why, String::new()),
            Err(why) => (format!("cannot send: {why}"), String::new()),
        },
        PickPurpose::Find => match find_ids(query) {
            Some((channel, contact)) => (format!("Find: channel {channel}, contact {contact}"), query.to_owned()),
            None => ("type: <channel id> <the contact's id on it>".to_owned(), String::new()),
        },
        _ => return Vec::new(),
    };
    vec![PickItem { label, detail: String::new(), value: PickValue::Text(value) }]
}

fn describe(call: &BotCall) -> String {
    match call {
        BotCall::Message(text) => format!("Send as the customer: {text}"),
        BotCall::Event(e) => format!("Send event: {e}"),
        BotCall::CustomEvent(e) => format!("Trigger: {e}"),
        BotCall::Step(s) => {
            let parts: Vec<String> = [("flow", &s.flow_id), ("step", &s.step_id), ("event", &s.event)]
                .into_iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
                .chain(s.payload.as_ref().map(|_| "with payload".to_owned()))
                .collect();
            format!("Run: {}", parts.join(", "))
        }
    }
}

fn find_ids(query: &str) -> Option<(&str, &str)> {
    let mut words = query.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(channel), Some(contact), None) => Some((channel, contact)),
        _ => None,
    }
}

pub fn open(state: &mut State, kind: BotKind) -> Vec<Effect> {
    let Some(conversation) = state.target().map(|c| c.id.clone()) else {
        return no_target(state);
    };
    picker(state, kind.title(), PickPurpose::Bot { kind, conversation })
}

pub fn open_find(state: &mut State) -> Vec<Effect> {
    picker(state, "Find by channel id and the contact's id on it", PickPurpose::Find)
}

/// Enter on a typed prompt.
pub fn chosen(state: &mut State, purpose: PickPurpose, typed: &str) -> Vec<Effect> {
    match purpose {
        PickPurpose::Bot { kind, conversation } => match kind.call(typed) {
            Ok(call) => {
                info(state, "asking the bot…");
                vec![Effect::Sync(SyncCommand::Bot { conversation, call })]
            }
            Err(why) => unavailable(state, &why),
        },
        PickPurpose::Find => match find_ids(typed) {
            Some((channel, contact)) => {
                info(state, "looking…");
                vec![Effect::Sync(SyncCommand::Find {
                    channel_id: channel.to_owned(),
                    provider_id: contact.to_owned(),
                })]
            }
            None => unavailable(state, "type the channel id, a space, and the contact's id on it"),
        },
        _ => Vec::new(),
    }
}

/// The bot answered. Its messages join the thread at once, after the message handed
/// over (shown as the customer's until the thread is next read): reading the thread
/// again now could lose them to a backend still writing. An answer without
/// messages reads the thread again for whatever the call put there.
pub fn answered(
    state: &mut State,
    conversation: &ConversationId,
    call: &BotCall,
    result: Result<BotReply, ProviderError>,
) -> Vec<Effect> {
    match result {
        Ok(BotReply::Messages(messages)) => {
            let n = messages.len();
            if let BotCall::Message(text) = call {
                let handed = handed_over(state, conversation, text);
                add_messages(state, conversation, vec![handed]);
            }
            add_messages(state, conversation, messages);
            info(
                state,
                if n == 1 { "the bot answered".to_owned() } else { format!("the bot answered ({n} messages)") },
            );
            Vec::new()
        }
        Ok(BotReply::Said(said)) => {
            info(
                state,
                if said.is_empty() { "the bot took it".to_owned() } else { format!("the bot took it: {said}") },
            );
            match &mut state.thread {
                Some(t) if t.id == *conversation => {
                    t.generation += 1;
                    vec![Effect::Sync(SyncCommand::Thread { generation: t.generation, id: t.id.clone() })]
                }
                _ => Vec::new(),
            }
        }
        Err(e) => {
            error(state, format!("the bot call failed: {e}"));
            Vec::new()
        }
    }
}

/// The message handed to the bot, as the thread will show it once read again.
fn handed_over(state: &State, conversation: &ConversationId, text: &str) -> Message {
    let name = state.target().filter(|c| c.id == *conversation).map_or_else(String::new, |c| c.contact.name.clone());
    Message {
        id: MessageId::generate(),
        conversation_id: conversation.clone(),
        direction: Direction::Inbound,
        author: Author { kind: AuthorKind::Contact, id: None, name },
        kind: MessageKind::Reply,
        body: frontdesk_domain::text::sanitize(text),
        attachments: Vec::new(),
        call: None,
        created_at: state.now,
        delivery: Delivery::Sent,
    }
}

fn add_messages(state: &mut State, conversation: &ConversationId, messages: Vec<Message>) {
    let Some(t) = state.thread.as_mut().filter(|t| t.id == *conversation) else { return };
    for m in messages {
        if !t.messages.iter().any(|x| x.id == m.id) {
            t.messages.push(m);
        }
    }
}

pub fn found(state: &mut State, result: Result<Option<Box<Conversation>>, ProviderError>) -> Vec<Effect> {
    match result {
        Ok(Some(c)) => {
            state.status.flash = None;
            super::sync::show(state, *c)
        }
        Ok(None) => {
            info(state, "no conversation has those ids");
            Vec::new()
        }
        Err(e) => {
            error(state, format!("could not look: {e}"));
            Vec::new()
        }
    }
}
