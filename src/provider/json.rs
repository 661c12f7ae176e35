//! Small pieces every JSON adapter needs: the object an answer wraps, and a
//! thread cut to its newest messages.

use serde_json::Value;

use crate::domain::Message;

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

/// Oldest first (stable: messages of the same second keep the server's order),
/// cut to the newest `limit` (0 keeps them all).
pub fn newest(messages: &mut Vec<Message>, limit: u32) {
    messages.sort_by_key(|m| m.created_at);
    let keep = usize::try_from(limit).unwrap_or(usize::MAX);
    if keep > 0 && messages.len() > keep {
        messages.drain(..messages.len() - keep);
    }
}
