//! Saving what the list shows (its view and search) as a view for the team, under a
//! name typed; and what happens when a view is saved or deleted (the question
//! before deleting is `delete`'s).

use super::{error, info, nav, unavailable};
use crate::effect::Effect;
use crate::state::{PickItem, PickPurpose, PickValue, State, ViewEntry};
use frontdesk_domain::{AssigneeFilter, View, ViewFilter, ViewId};
use frontdesk_provider::ProviderError;
use frontdesk_sync::SyncCommand;

pub fn open_save(state: &mut State) -> Vec<Effect> {
    let Some(v) = state.view() else { return unavailable(state, "no view selected") };
    let mut filter = v.filter.clone();
    let search = state.list.search.clone().or_else(|| state.list.filter.clone());
    if let Some(q) = search.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()) {
        filter.q = Some(q);
    }
    let purpose = PickPurpose::ViewName { filter };
    let items = items(state, &purpose, "");
    super::pickers::open(state, "Save as a view for the team (type its name)", purpose, items)
}

fn checked<'a>(state: &State, name: &'a str) -> Result<&'a str, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("type the view's name".to_owned());
    }
    if state.views.iter().any(|v| v.view.name.eq_ignore_ascii_case(name)) {
        return Err(format!("a view named {name} exists already"));
    }
    Ok(name)
}

pub fn items(state: &State, purpose: &PickPurpose, query: &str) -> Vec<PickItem> {
    let PickPurpose::ViewName { filter } = purpose else { return Vec::new() };
    let label = match checked(state, query) {
        Ok(name) => format!("Save \u{201c}{name}\u{201d}: {}", describe(filter)),
        Err(why) => why,
    };
    vec![PickItem { label, detail: String::new(), value: PickValue::Text(query.trim().to_owned()) }]
}

/// What a filter keeps, in a few words.
fn describe(f: &ViewFilter) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !f.status.is_empty() {
        parts.push(f.status.iter().map(|s| format!("{s:?}").to_lowercase()).collect::<Vec<_>>().join("/"));
    }
    match &f.assignee {
        Some(AssigneeFilter::Me) => parts.push("mine".to_owned()),
        Some(AssigneeFilter::Unassigned) => parts.push("unassigned".to_owned()),
        Some(AssigneeFilter::Agent(id)) => parts.push(format!("assigned to {id}")),
        None => {}
    }
    if !f.tags.is_empty() {
        parts.push(format!("tagged {}", f.tags.join(" or ")));
    }
    if !f.channels.is_empty() {
        parts.push(f.channels.iter().map(|c| format!("{c:?}").to_lowercase()).collect::<Vec<_>>().join("/"));
    }
    for (on, word) in [(f.unread == Some(true), "unread"), (f.starred == Some(true), "starred")] {
        if on {
            parts.push(word.to_owned());
        }
    }
    if f.overdue {
        parts.push("overdue".to_owned());
    }
    if f.archived {
        parts.push("archived".to_owned());
    }
    if let Some(q) = &f.q {
        parts.push(format!("matching \u{201c}{q}\u{201d}"));
    }
    if parts.is_empty() { "everything".to_owned() } else { parts.join(", ") }
}

pub fn chosen(state: &mut State, filter: ViewFilter, typed: &str) -> Vec<Effect> {
    match checked(state, typed) {
        Ok(name) => {
            let name = name.to_owned();
            info(state, "saving the view…");
            vec![Effect::Sync(SyncCommand::SaveView { name, filter })]
        }
        Err(why) => unavailable(state, &why),
    }
}

/// Saved: it joins the sidebar and the list goes to it; the counts are read again.
pub fn saved(state: &mut State, result: Result<View, ProviderError>) -> Vec<Effect> {
    let view = match result {
        Ok(v) => v,
        Err(e) => {
            error(state, format!("view not saved: {e}"));
            return Vec::new();
        }
    };
    let name = view.name.clone();
    let at = if let Some(i) = state.views.iter().position(|v| v.view.id == view.id) {
        i
    } else {
        state.views.push(ViewEntry { view, count: None });
        state.views.len() - 1
    };
    let mut effects = nav::go_view(state, at);
    info(state, format!("saved the view {name}"));
    effects.push(Effect::Sync(SyncCommand::Views));
    effects
}

pub fn deleted(state: &mut State, id: &ViewId, result: Result<(), ProviderError>) -> Vec<Effect> {
    if let Err(e) = result {
        error(state, format!("view not deleted: {e}"));
        return Vec::new();
    }
    let Some(i) = state.views.iter().position(|v| v.view.id == *id) else { return Vec::new() };
    let was_active = i == state.active_view;
    let gone = state.views.remove(i);
    let mut effects = if was_active {
        nav::go_view(state, 0)
    } else {
        if state.active_view > i {
            state.active_view -= 1;
        }
        state.sidebar_cursor = state.sidebar_cursor.min(state.views.len().saturating_sub(1));
        Vec::new()
    };
    info(state, format!("deleted the view {}", gone.view.name));
    effects.push(Effect::Sync(SyncCommand::Views));
    effects
}
