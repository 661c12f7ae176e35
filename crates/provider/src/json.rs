//! Small pieces every JSON adapter needs: the object an answer wraps, a thread cut
//! to its newest messages, and field readers for vendors whose shapes are loose or
//! unpublished (`#[serde(deserialize_with = "…")]`): a field of an unexpected type
//! reads as absent instead of failing the whole row.

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use frontdesk_domain::{Message, UNKNOWN_TIME, known_time};

/// The object an answer may wrap under `key` or `data` (`{"conversation": {…}}`),
/// or the answer itself when it is already the object (it has an `id`).
pub fn unwrap_object(v: Value, key: &str) -> Value {
    match v {
        Value::Object(mut o) if !o.contains_key("id") => {
            o.remove(key).or_else(|| o.remove("data")).filter(Value::is_object).unwrap_or(Value::Object(o))
        }
        other => other,
    }
}

/// Oldest first (stable: messages of the same second keep the server's order). A
/// message with no time stays next to the one the server sent before it, rather than
/// jumping to the top as the oldest.
pub fn oldest_first(messages: &mut Vec<Message>) {
    let mut last = UNKNOWN_TIME;
    let mut keyed: Vec<(Timestamp, Message)> = messages
        .drain(..)
        .map(|m| {
            last = known_time(m.created_at).unwrap_or(last);
            (last, m)
        })
        .collect();
    keyed.sort_by_key(|(at, _)| *at);
    messages.extend(keyed.into_iter().map(|(_, m)| m));
}

/// Oldest first ([`oldest_first`]), cut to the newest `limit` (0 keeps them all).
pub fn newest(messages: &mut Vec<Message>, limit: u32) {
    oldest_first(messages);
    let keep = usize::try_from(limit).unwrap_or(usize::MAX);
    if keep > 0 && messages.len() > keep {
        messages.drain(..messages.len() - keep);
    }
}

/// A string, or a number written as one (ids come as either); anything else, or a
/// blank string, reads as absent.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// RFC 3339, or unix seconds (a float's fraction cut); anything else reads as absent.
pub fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(Value::Number(n)) =>
        {
            #[allow(clippy::cast_possible_truncation, reason = "whole seconds; an absurd value fails below")]
            n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).and_then(|s| Timestamp::from_second(s).ok())
        }
        _ => None,
    })
}

/// A bool, `"true"`/`"false"`/`"yes"`/`"no"`, or 0/1.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::Number(n)) => n.as_u64().map(|n| n != 0),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// A non-negative number, or one written as a string (a float is rounded down).
pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.as_ref().and_then(count_of))
}

/// A count as [`number`] reads it, from a value already parsed.
pub fn count_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked finite and >= 0")]
            n.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A nested object that may be missing, null or of another shape.
pub fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(|v| serde_json::from_value(v).ok()))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Row {
        #[serde(default, deserialize_with = "super::text")]
        id: Option<String>,
        #[serde(default, deserialize_with = "super::time")]
        at: Option<jiff::Timestamp>,
        #[serde(default, deserialize_with = "super::flag")]
        on: Option<bool>,
        #[serde(default, deserialize_with = "super::number")]
        n: Option<u64>,
    }

    fn row(v: serde_json::Value) -> Row {
        serde_json::from_value(v).expect("a row of any shape reads")
    }

    #[test]
    fn loose_fields_read_what_they_can_and_the_rest_as_absent() {
        let r = row(json!({ "id": 42, "at": 1_795_597_200.9, "on": "yes", "n": "12" }));
        assert_eq!((r.id.as_deref(), r.on, r.n), (Some("42"), Some(true), Some(12)));
        assert_eq!(r.at.map(jiff::Timestamp::as_second), Some(1_795_597_200), "a float's fraction is cut");
        let r = row(json!({ "id": "  ", "at": "2026-03-01T10:00:00Z", "on": 0, "n": 12.7 }));
        assert_eq!((r.id, r.on, r.n), (None, Some(false), Some(12)));
        assert!(r.at.is_some());
        let r = row(json!({ "id": [1], "at": "soon", "on": "maybe", "n": -3 }));
        assert!(r.id.is_none() && r.at.is_none() && r.on.is_none() && r.n.is_none());
    }
}
