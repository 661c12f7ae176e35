//! What ChatCaptain's answers mean: a conversation, a list, a search's hits, and
//! a refusal in ChatCaptain's own words.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use frontdesk_domain::{Clean, Conversation};
use frontdesk_provider::http::by_status;
use frontdesk_provider::{ProviderError, ProviderResult};

use super::wire;

/// A conversation from an answer, or why not.
pub(crate) fn conversation_from(v: &Value) -> ProviderResult<Conversation> {
    let v = wire::unwrap_object(v.clone(), "conversation");
    let mut c = wire::conversation(&v)
        .ok_or_else(|| ProviderError::Malformed("ChatCaptain sent a conversation without an id".into()))?;
    c.clean();
    Ok(c)
}

/// The search's answer: `{results: {found, facetCounts, hits}}`, each hit the
/// conversation itself or wrapping it in `document` (the search engine's way); a
/// plain `{conversations: […]}` is read too.
pub(crate) fn search_from(v: Value) -> ProviderResult<Vec<Conversation>> {
    let Some(hits) = v.get("results").and_then(|r| r.get("hits")).and_then(Value::as_array) else {
        return conversations_from(v);
    };
    let mut items: Vec<Conversation> = hits
        .iter()
        .filter_map(|h| wire::conversation(h.get("document").filter(|d| d.is_object()).unwrap_or(h)))
        .collect();
    items.clean();
    Ok(items)
}

pub(crate) fn conversations_from(v: Value) -> ProviderResult<Vec<Conversation>> {
    let mut items: Vec<Conversation> = wire::rows(v, "conversations")?.iter().filter_map(wire::conversation).collect();
    items.clean();
    Ok(items)
}

/// What a failed answer means, with ChatCaptain's own words in it.
pub(crate) fn error(status: StatusCode, wait: Option<Duration>, body: &[u8]) -> ProviderError {
    let detail = wire::error_text(body);
    match status {
        StatusCode::UNAUTHORIZED => ProviderError::Auth(format!(
            "the ChatCaptain key is wrong or revoked ({})",
            detail.as_deref().unwrap_or("HTTP 401")
        )),
        // "Insufficient permissions.": the key lacks the permission the call needs.
        StatusCode::FORBIDDEN => ProviderError::Auth(format!(
            "ChatCaptain refused this key: {}",
            detail.as_deref().unwrap_or("Insufficient permissions.")
        )),
        _ => by_status(status, wait, status.as_u16().to_string(), detail.unwrap_or_else(|| format!("HTTP {status}"))),
    }
}
