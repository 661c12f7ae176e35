//! A conversation's timeline: messages, calls, notes and the setter's drafts in one
//! list. Its paging is unpublished: a server cursor handed out with a page is
//! followed (a few pages at most), so whichever end Iron starts from, the newest
//! rows are among those read.

use reqwest::Method;
use serde_json::Value;

use super::CrmProvider;
use super::wire::{self, Activity, Ctx, Row};
use frontdesk_domain::ConversationId;
use frontdesk_provider::{ProviderError, ProviderResult};

/// How many pages of one timeline are read at most.
const TIMELINE_PAGES: usize = 10;

impl CrmProvider {
    /// The timeline of a conversation, read into messages and suggestions.
    pub(super) async fn timeline(&self, id: &ConversationId) -> ProviderResult<Vec<Row>> {
        let path = Self::conv_path(id, "/messages");
        let mut rows = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..TIMELINE_PAGES {
            let query: Vec<(&str, String)> = cursor.iter().map(|c| ("cursor", c.clone())).collect();
            let mut v = self.call(Method::GET, &path, &query, None).await?;
            let page = wire::rows_of(&mut v, &["messages", "items", "results", "activities", "data"])
                .ok_or_else(|| ProviderError::Malformed("Iron sent a thread that is not a list".into()))?;
            let more = v.get("has_more").and_then(Value::as_bool) != Some(false) && !page.is_empty();
            rows.extend(page);
            let next = ["next_cursor", "cursor"]
                .iter()
                .find_map(|k| v.get(*k).and_then(Value::as_str))
                .map(str::trim)
                .filter(|c| !c.is_empty() && cursor.as_deref() != Some(*c))
                .map(str::to_owned);
            cursor = next.filter(|_| more);
            if cursor.is_none() {
                break;
            }
        }
        if cursor.is_some() {
            tracing::warn!(%id, pages = TIMELINE_PAGES, "an Iron timeline longer than read");
        }
        // A server that ignores the cursor sends a page again: each row once.
        let mut seen = std::collections::HashSet::new();
        rows.retain(|r| r.get("id").is_none_or(|i| seen.insert(i.to_string())));
        let me = self.ctx_user().await;
        let ctx = Ctx { me: &me };
        Ok(rows.into_iter().filter_map(|r| Activity::read(r)?.into_row(id, &ctx)).collect())
    }
}
