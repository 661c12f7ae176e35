//! Orbit's views: the built-in ones its list filters can answer, saved views'
//! filters as the domain reads them, and a domain filter as Orbit's list parameters.

use serde_json::Value;

use frontdesk_domain::{AssigneeFilter, BuiltinView, Status, View, ViewFilter, ViewId, ViewKind};

/// Saved views' ids carry this, so they never meet the built-in ones.
pub(crate) const SAVED: &str = "saved:";

/// A domain filter as Orbit's list parameters.
pub(crate) fn filter_params(f: &ViewFilter) -> Vec<(&'static str, String)> {
    let mut p = Vec::new();
    if !f.status.is_empty() {
        let names: Vec<&str> = f
            .status
            .iter()
            .map(|s| match s {
                Status::Open => "open",
                Status::Pending => "pending",
                Status::Snoozed => "snoozed",
                Status::Closed => "closed",
            })
            .collect();
        // `status` takes one value; several go in `statuses`, comma-separated.
        match names.as_slice() {
            [one] => p.push(("status", (*one).to_owned())),
            many => p.push(("statuses", many.join(","))),
        }
    }
    match &f.assignee {
        Some(AssigneeFilter::Me) => p.push(("assignee", "me".to_owned())),
        Some(AssigneeFilter::Unassigned) => p.push(("assignee", "unassigned".to_owned())),
        Some(AssigneeFilter::Agent(id)) => p.push(("assignee", id.clone())),
        None => {}
    }
    if !f.tags.is_empty() {
        p.push(("tags", f.tags.join(",")));
    }
    if !f.channels.is_empty() {
        p.push(("channel", f.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")));
    }
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
    f.status = statuses.iter().filter_map(|s| Status::parse(s)).collect();
    f.tags = strings("tags");
    let channels = [strings("channel"), strings("channels")].concat();
    f.channels = channels.iter().filter_map(|c| frontdesk_domain::Channel::parse(c)).collect();
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
