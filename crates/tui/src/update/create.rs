//! Opening a new conversation (`N`): a form in `$EDITOR` (TOML), sent to the
//! backend, and the new conversation opened. A form that does not parse, or that
//! the backend refuses, is kept for the next try.

use crate::effect::Effect;
use crate::state::{Focus, State};
use frontdesk_domain::{Data, NewConversation, Priority, Settings};
use frontdesk_sync::SyncCommand;

use super::{error, info, nav};

pub const FORM: &str = r#"# A new conversation. Save and quit to open it; empty the file to give up.
subject = ""                 # what it is about (required by helpdesks)
email = ""                   # the customer's address (found, or created)
first_name = ""
last_name = ""
message = ""                 # the first message, or context
priority = "normal"          # low, normal, high, urgent
channel = ""                 # the backend's own: web, email, api, callback, sms…
contact = ""                 # the customer's id in a CRM (Iron opens conversations for a contact)

# Anything else the backend keeps with it:
[metadata]
# phone = "+1 555 0100"
"#;

pub fn open(state: &mut State) -> Vec<Effect> {
    let text = state.new_conversation.take().unwrap_or_else(|| FORM.to_owned());
    vec![Effect::EditNewConversation { text }]
}

/// A TOML value as the domain's: a date or time goes as the text it was written as.
fn data_of(v: &toml::Value) -> Data {
    match v {
        toml::Value::String(s) => Data::Text(s.clone()),
        toml::Value::Integer(n) => Data::Integer(*n),
        toml::Value::Float(f) => Data::Float(*f),
        toml::Value::Boolean(b) => Data::Bool(*b),
        toml::Value::Datetime(d) => Data::Text(d.to_string()),
        toml::Value::Array(items) => Data::List(items.iter().map(data_of).collect()),
        toml::Value::Table(t) => Data::Table(t.iter().map(|(k, v)| (k.clone(), data_of(v))).collect()),
    }
}

fn text(t: &toml::Table, key: &str) -> Option<String> {
    t.get(key).and_then(toml::Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The form as the backend takes it; `None` when emptied.
pub fn parse(form: &str) -> Result<Option<NewConversation>, String> {
    if form.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Ok(None);
    }
    let t: toml::Table = toml::from_str(form).map_err(|e| format!("the form is not valid TOML: {}", e.message()))?;
    let priority = match text(&t, "priority").as_deref() {
        None | Some("normal") => None,
        Some("low") => Some(Priority::Low),
        Some("high") => Some(Priority::High),
        Some("urgent") => Some(Priority::Urgent),
        Some(other) => return Err(format!("priority {other:?}: low, normal, high or urgent")),
    };
    let metadata: Settings = match t.get("metadata") {
        Some(toml::Value::Table(m)) => m.iter().map(|(k, v)| (k.clone(), data_of(v))).collect(),
        Some(_) => return Err("metadata must be a table ([metadata] with key = value lines)".to_owned()),
        None => Settings::new(),
    };
    Ok(Some(NewConversation {
        subject: text(&t, "subject").unwrap_or_default(),
        user_email: text(&t, "email"),
        user_first_name: text(&t, "first_name"),
        user_last_name: text(&t, "last_name"),
        description: text(&t, "message"),
        contact_id: text(&t, "contact"),
        priority,
        channel: text(&t, "channel"),
        metadata,
    }))
}

pub fn edited(state: &mut State, result: Result<String, String>) -> Vec<Effect> {
    let form = match result {
        Ok(f) => f,
        Err(why) => {
            error(state, format!("$EDITOR failed: {why}"));
            return Vec::new();
        }
    };
    match parse(&form) {
        Ok(None) => {
            info(state, "no conversation opened (the form was empty)");
            Vec::new()
        }
        Ok(Some(new)) => {
            // Kept until the backend has it: a refusal leaves it for the next try.
            state.new_conversation = Some(form);
            info(state, "opening the conversation…");
            vec![Effect::Sync(SyncCommand::Create(Box::new(new)))]
        }
        Err(why) => {
            state.new_conversation = Some(form);
            let again = state.settings.keymap.hint(crate::command::Command::NewConversation);
            error(state, format!("{why}; your form is kept: {again} opens it again"));
            Vec::new()
        }
    }
}

/// The backend answered: the new conversation goes on top and opens.
pub fn created(
    state: &mut State,
    result: Result<Box<frontdesk_domain::Conversation>, frontdesk_provider::ProviderError>,
) -> Vec<Effect> {
    match result {
        Ok(c) => {
            state.new_conversation = None;
            let id = c.id.clone();
            state.list.insert_item(0, *c);
            nav::apply_filter(state);
            nav::select_id(state, &id);
            info(state, "conversation opened");
            let mut effects = nav::open_thread(state, &id, false);
            state.focus = Focus::Thread;
            effects.shrink_to_fit();
            effects
        }
        Err(e) => {
            let again = state.settings.keymap.hint(crate::command::Command::NewConversation);
            error(state, format!("not opened: {e}. Your form is kept: {again} opens it again"));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use frontdesk_domain::Data;

    use super::parse;

    #[test]
    fn metadata_is_a_table_of_plain_values_with_dates_as_written() {
        let form = "subject = \"Callback\"\n[metadata]\nphone = \"+15550100\"\nattempts = 2\nvip = true\nat = 2026-12-07T10:00:00Z\n";
        let new = parse(form).expect("parses").expect("a form");
        assert_eq!(new.metadata.get("phone"), Some(&Data::Text("+15550100".into())));
        assert_eq!(new.metadata.get("attempts"), Some(&Data::Integer(2)));
        assert_eq!(new.metadata.get("vip"), Some(&Data::Bool(true)));
        assert_eq!(new.metadata.get("at"), Some(&Data::Text("2026-12-07T10:00:00Z".into())));
        let flat = "subject = \"Callback\"\nmetadata = \"phone\"\n";
        assert!(parse(flat).map(|_| ()).expect_err("not a table").contains("must be a table"));
    }
}
