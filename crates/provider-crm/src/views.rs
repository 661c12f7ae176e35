//! Iron's saved inbox views and their counts. `GET /conversations/views` lists them
//! (Unread, Recents, Starred and All are built in and cannot be deleted);
//! `GET /conversations/views/counts` gives per-view unread/total counts. Neither
//! shape is published: a view is read as `{id|key|slug, name|label, deletable?}`,
//! and counts as a map `{view: n | {unread, total}}` or a list of
//! `{view_id|id|key, unread?, total?, count?}`, bare or under `counts`.

use std::collections::HashMap;

use serde_json::Value;

use super::wire::count_of;
use frontdesk_domain::text::sanitize_line;
use frontdesk_domain::{View, ViewFilter, ViewId, ViewKind};

/// The views Iron always has, by the ids we give them when the server names none.
pub const BUILTIN: [&str; 4] = ["unread", "recents", "starred", "all"];

fn str_at<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str)).map(str::trim).filter(|s| !s.is_empty())
}

/// A view's id: the server's, or its name in lower case (the built-in ones are
/// known by name).
pub fn id_of(v: &Value) -> Option<String> {
    v.get("id")
        .and_then(|i| i.as_str().map(str::to_owned).or_else(|| i.as_u64().map(|n| n.to_string())))
        .or_else(|| str_at(v, &["key", "slug"]).map(str::to_owned))
        .or_else(|| str_at(v, &["name", "label"]).map(str::to_ascii_lowercase))
        .map(|s| sanitize_line(&s))
        .filter(|s| !s.is_empty())
}

/// What a view keeps, as far as our filter can say: Unread and Starred by their
/// flags; the rest (Recents, All, saved ones) are left to the server.
pub fn filter_for(id: &str) -> ViewFilter {
    match id.to_ascii_lowercase().as_str() {
        "unread" => ViewFilter { unread: Some(true), ..ViewFilter::default() },
        "starred" => ViewFilter { starred: Some(true), ..ViewFilter::default() },
        _ => ViewFilter::default(),
    }
}

pub fn read_views(mut v: Value) -> Vec<View> {
    let rows = super::wire::rows_of(&mut v, &["views", "items", "results", "data"]).unwrap_or_default();
    let mut out: Vec<View> = rows
        .iter()
        .filter_map(|row| {
            let id = id_of(row)?;
            let name = str_at(row, &["name", "label", "title"]).map_or_else(|| id.clone(), sanitize_line);
            let fixed = row.get("deletable").and_then(Value::as_bool).map(|d| !d);
            let fixed = fixed
                .or_else(|| {
                    ["builtin", "is_builtin", "system", "is_default"].iter().find_map(|k| row.get(*k)?.as_bool())
                })
                .unwrap_or_else(|| BUILTIN.contains(&name.to_ascii_lowercase().as_str()));
            Some(View {
                id: ViewId::from(id.as_str()),
                filter: filter_for(&name),
                name,
                kind: if fixed { ViewKind::Builtin } else { ViewKind::Saved },
            })
        })
        .collect();
    if out.is_empty() {
        // A server that lists none still has the four the page promises.
        out = BUILTIN
            .iter()
            .map(|id| {
                let mut name = (*id).to_owned();
                if let Some(first) = name.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                View { id: ViewId::from(*id), name, kind: ViewKind::Builtin, filter: filter_for(id) }
            })
            .collect();
    }
    out
}

/// One view's count: its total, or (without one) its unread count.
fn count_in(v: &Value) -> Option<u64> {
    count_of(v).or_else(|| ["total", "count", "unread"].iter().find_map(|k| v.get(*k).and_then(count_of)))
}

/// Each view's entry in a counts answer (a number or an object), by view id
/// lower-cased, so a count keyed "Unread" finds view "unread".
fn entries(v: Value) -> Vec<(String, Value)> {
    let v = match v {
        Value::Object(mut o) if o.contains_key("counts") => o.remove("counts").unwrap_or(Value::Null),
        other => other,
    };
    match v {
        Value::Object(o) => o.into_iter().map(|(k, c)| (k.to_ascii_lowercase(), c)).collect(),
        Value::Array(rows) => rows
            .into_iter()
            .filter_map(|row| {
                let id = str_at(&row, &["view_id", "id", "key", "name"]).map(str::to_owned).or_else(|| {
                    row.get("view_id").or_else(|| row.get("id")).and_then(Value::as_u64).map(|n| n.to_string())
                })?;
                Some((id.to_ascii_lowercase(), row))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Counts by view id (lower-cased).
pub fn read_counts(v: Value) -> HashMap<String, u64> {
    entries(v).into_iter().filter_map(|(id, c)| Some((id, count_in(&c)?))).collect()
}

/// The numbers a view's count carries that a change can move. Named ones only: a
/// server timestamp or sequence beside them would make every probe differ.
const COUNT_KEYS: [&str; 5] = ["unread", "total", "count", "unread_count", "total_count"];

/// The counts as one string for the poller's probe: every view with its unread and
/// total both (a reply on a read thread can move one and not the other), views in
/// id order so the order the server lists them in does not matter. `None` when no
/// count could be read: an unknown shape must not look like "nothing moved".
pub fn fingerprint(v: Value) -> Option<String> {
    let mut parts: Vec<String> = entries(v)
        .into_iter()
        .filter_map(|(id, c)| {
            if let Some(n) = count_of(&c) {
                return Some(format!("{id}={n}"));
            }
            let named: Vec<String> =
                COUNT_KEYS.iter().filter_map(|k| c.get(*k).and_then(count_of).map(|n| format!("{k}:{n}"))).collect();
            if named.is_empty() {
                return None;
            }
            Some(format!("{id}={}", named.join(",")))
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    parts.sort();
    Some(parts.join(";"))
}
