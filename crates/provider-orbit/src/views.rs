//! Orbit's views: the built-in ones its list filters can answer, saved views'
//! filters as the domain reads them, and a domain filter as Orbit's list parameters.

use serde_json::Value;

use frontdesk_domain::{AssigneeFilter, BuiltinView, Channel, Status, View, ViewFilter, ViewId, ViewKind};

/// Saved views' ids carry this, so they never meet the built-in ones.
pub(crate) const SAVED: &str = "saved:";

/// A domain filter as Orbit's list parameters.
pub(crate) fn filter_params(f: &ViewFilter) -> Vec<(&'static str, String)> {
    let mut p = Vec::new();
    // `status` and `channel` take one value; several go in `statuses` and
    // `channels`, comma-separated (NOTES.md).
    let one_or_many =
        |p: &mut Vec<(&'static str, String)>, one: &'static str, many: &'static str, names: Vec<&str>| match names
            .as_slice()
        {
            [] => {}
            [name] => p.push((one, (*name).to_owned())),
            names => p.push((many, names.join(","))),
        };
    one_or_many(&mut p, "status", "statuses", f.status.iter().map(Status::as_str).collect());
    match &f.assignee {
        Some(AssigneeFilter::Me) => p.push(("assignee", "me".to_owned())),
        Some(AssigneeFilter::Unassigned) => p.push(("assignee", "unassigned".to_owned())),
        Some(AssigneeFilter::Agent(id)) => p.push(("assignee", id.clone())),
        None => {}
    }
    if !f.tags.is_empty() {
        p.push(("tags", f.tags.join(",")));
    }
    one_or_many(&mut p, "channel", "channels", f.channels.iter().map(Channel::as_str).collect());
    if let Some(u) = f.unread {
        p.push(("unread", u.to_string()));
    }
    if f.archived {
        p.push(("status", "archived".to_owned()));
    }
    p
}

/// A saved view's filters, as far as the domain can say them.
pub(crate) fn saved_filter(v: &Value) -> ViewFilter {
    let strings = |key: &str| -> Vec<String> {
        match v.get(key) {
            Some(Value::String(s)) => s.split(',').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect(),
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    };
    let mut f = ViewFilter::default();
    let statuses = [strings("status"), strings("statuses")].concat();
    // Read as rows are, so a live update is judged by the same names; one we have no
    // word for is kept, and the view asks Orbit for what it was saved with.
    f.status = statuses.iter().map(|s| crate::wire::status(Some(s))).collect();
    f.tags = strings("tags");
    let channels = [strings("channel"), strings("channels")].concat();
    f.channels = channels.iter().map(|c| crate::wire::channel(Some(c))).collect();
    f.assignee = match v.get("assignee").and_then(Value::as_str) {
        Some("me") => Some(AssigneeFilter::Me),
        Some("unassigned") => Some(AssigneeFilter::Unassigned),
        Some(id) if !id.is_empty() => Some(AssigneeFilter::Agent(id.to_owned())),
        _ => None,
    };
    f.unread = v.get("unread").and_then(Value::as_bool);
    f
}

/// The views Orbit's list filters can answer: Unread, Mine, Unassigned, All.
pub(crate) fn builtin_views() -> Vec<View> {
    let mut views: Vec<View> =
        [BuiltinView::Unread, BuiltinView::Mine, BuiltinView::All].into_iter().map(BuiltinView::view).collect();
    views.insert(
        2,
        View {
            id: ViewId::from("unassigned"),
            name: "Unassigned".to_owned(),
            kind: ViewKind::Builtin,
            filter: ViewFilter {
                assignee: Some(AssigneeFilter::Unassigned),
                status: vec![Status::Open, Status::Pending],
                ..ViewFilter::default()
            },
        },
    );
    views
}
