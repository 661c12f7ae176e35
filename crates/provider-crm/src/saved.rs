//! Saving and deleting Iron's inbox views, and opening a conversation from the `N`
//! form. Views have one call, `PUT /conversations/views`, which replaces the list:
//! it is read, changed and written back (a view saved by someone else a moment ago
//! is kept, unless it lands between the read and the write). The body is not
//! published: rows go back as they came, a new one as `{name, filters}` with the
//! filters in the list's own words (`scope`, `archived`, `overdue`) plus `unread`,
//! `starred` and `q`.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{CrmProvider, permanent, views, wire};
use frontdesk_domain::text::sanitize_line;
use frontdesk_domain::{AssigneeFilter, Conversation, NewConversation, View, ViewFilter, ViewId, ViewKind};
use frontdesk_provider::{ProviderError, ProviderResult};

const VIEWS: &str = "/conversations/views";

fn name_of(row: &Value) -> String {
    ["name", "label", "title"]
        .iter()
        .find_map(|k| row.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// What a view keeps, as Iron's list is asked for it.
fn filters_of(f: &ViewFilter) -> Value {
    let mut o = Map::new();
    let mine = f.assignee == Some(AssigneeFilter::Me);
    o.insert("scope".into(), json!(if mine { "mine" } else { "team" }));
    for (key, on) in [("archived", f.archived), ("overdue", f.overdue)] {
        if on {
            o.insert(key.into(), json!(true));
        }
    }
    for (key, value) in [("unread", f.unread), ("starred", f.starred)] {
        if let Some(v) = value {
            o.insert(key.into(), json!(v));
        }
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        o.insert("q".into(), json!(q));
    }
    Value::Object(o)
}

/// Whether a row is one of the four Iron keeps (as the list reads it).
fn built_in(row: &Value) -> bool {
    views::read_views(json!([row])).first().is_some_and(|v| v.kind == ViewKind::Builtin)
}

impl CrmProvider {
    async fn raw_views(&self) -> ProviderResult<Vec<Value>> {
        let mut v = self.call(Method::GET, VIEWS, &[], None).await?;
        wire::rows_of(&mut v, &["views", "items", "results", "data"])
            .ok_or_else(|| ProviderError::Malformed("Iron sent views that are not a list".into()))
    }

    pub(super) async fn put_new_view(&self, name: &str, filter: ViewFilter) -> ProviderResult<View> {
        let name = sanitize_line(name.trim());
        if name.is_empty() {
            return Err(permanent("VIEW_NAME", "a view needs a name"));
        }
        let mut rows = self.raw_views().await?;
        let taken = |n: &str| n.eq_ignore_ascii_case(&name);
        if rows.iter().any(|r| taken(&name_of(r))) || views::BUILTIN.iter().any(|b| taken(b)) {
            return Err(ProviderError::Conflict(format!("a view named {name} exists already")));
        }
        rows.push(json!({ "name": name, "filters": filters_of(&filter) }));
        let mut answer = self.call(Method::PUT, VIEWS, &[], Some(&json!({ "views": rows }))).await?;
        // The answer, when it is the new list, says the new view's id; else ask.
        let listed = match wire::rows_of(&mut answer, &["views", "items", "results", "data"]) {
            Some(rows) if !rows.is_empty() => rows,
            _ => self.raw_views().await?,
        };
        let id = listed
            .iter()
            .find(|r| taken(&name_of(r)))
            .and_then(views::id_of)
            .unwrap_or_else(|| name.to_ascii_lowercase());
        Ok(View { id: ViewId::from(id.as_str()), name, kind: ViewKind::Saved, filter })
    }

    pub(super) async fn put_without_view(&self, id: &ViewId) -> ProviderResult<()> {
        let rows = self.raw_views().await?;
        let (gone, kept): (Vec<Value>, Vec<Value>) =
            rows.into_iter().partition(|r| views::id_of(r).is_some_and(|i| i.eq_ignore_ascii_case(id.as_str())));
        let Some(row) = gone.first() else { return Err(ProviderError::NotFound(format!("Iron has no view {id}"))) };
        if built_in(row) {
            return Err(permanent("BUILTIN_VIEW", format!("{} is built in: Iron keeps it", name_of(row))));
        }
        self.call(Method::PUT, VIEWS, &[], Some(&json!({ "views": kept }))).await?;
        Ok(())
    }

    /// Iron opens conversations for a CRM contact: the form's `contact`, and its
    /// channel (sms or email); a first message, when given, is sent in it.
    pub(super) async fn open_from_form(&self, new: NewConversation) -> ProviderResult<Conversation> {
        let contact = new.contact_id.as_deref().map(str::trim).filter(|c| !c.is_empty()).ok_or_else(|| {
            permanent("CONTACT_NEEDED", "Iron opens conversations for a CRM contact: give its id as contact = \"…\"")
        })?;
        let c = self.open_conversation(contact, new.channel.as_deref()).await?;
        if let Some(first) = new.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            self.send(&c.id, first).await.map_err(|e| {
                permanent("FIRST_MESSAGE", format!("the conversation is open, but its first message was not sent: {e}"))
            })?;
        }
        Ok(c)
    }
}
