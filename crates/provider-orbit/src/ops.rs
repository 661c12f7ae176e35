//! Orbit's writes: each domain op as the endpoint the page lists, with the outbox
//! entry's idempotency key. The bodies of assign, snooze, tags, bulk and handoff are
//! unpublished; the names here follow Orbit's other objects and are the ones to
//! correct if Orbit documents them differently.

use reqwest::Method;
use serde_json::{Value, json};

use super::wire::{BulkAnswer, Conv, Envelope, Msg, Suggest};
use super::{Companion, OrbitProvider};
use frontdesk_domain::{
    Change, Clean, Conversation, ConversationId, Op, ReplyKind, Suggestion, SuggestionId, SuggestionStatus,
};
use frontdesk_provider::{Applied, ProviderError, ProviderResult};

/// A change as Orbit's endpoint and body, or why it has none.
fn endpoint(change: &Change) -> ProviderResult<(Method, &'static str, Value)> {
    Ok(match change {
        Change::Close => (Method::POST, "/close", json!({})),
        Change::Reopen => (Method::POST, "/reopen", json!({})),
        Change::Snooze { until } => (Method::POST, "/snooze", json!({ "until": until.to_string() })),
        Change::Assign { agent_id, team } => (
            Method::POST,
            "/assign",
            json!({ "assignee_id": agent_id.as_ref().map(ToString::to_string), "team_id": team }),
        ),
        Change::Unassign => (Method::POST, "/assign", json!({ "assignee_id": null })),
        Change::SetTags { tags } => (Method::PUT, "/tags", json!({ "tags": tags })),
        Change::Handoff { reason } | Change::RequestHandoff { reason } => {
            (Method::POST, "/handoff", json!({ "reason": reason }))
        }
        Change::ResolveHandoff => (Method::POST, "/handoff/resolve", json!({})),
        Change::Star | Change::Unstar => return Err(ProviderError::Unsupported("starring (Orbit has no star)")),
        Change::Read | Change::Unread => {
            return Err(ProviderError::Unsupported("marking read or unread (Orbit has no endpoint for it)"));
        }
        Change::Archive | Change::Unarchive => return Err(ProviderError::Unsupported("archiving (use close)")),
        Change::Pending => return Err(ProviderError::Unsupported("setting pending (Orbit sets it itself)")),
        Change::SetPriority { .. } => return Err(ProviderError::Unsupported("priority")),
        // Read, merged and written whole: see `change`.
        Change::AddTags { .. } | Change::RemoveTags { .. } => return Err(ProviderError::Unsupported("tag edits")),
    })
}

/// The bulk endpoint's action and its parameters, for the changes it takes.
fn bulk_action(change: &Change) -> Option<Value> {
    Some(match change {
        Change::Close => json!({ "action": "close" }),
        Change::Reopen => json!({ "action": "reopen" }),
        Change::Snooze { until } => json!({ "action": "snooze", "until": until.to_string() }),
        Change::Assign { agent_id, team } => json!({
            "action": "assign",
            "assignee_id": agent_id.as_ref().map(ToString::to_string),
            "team_id": team,
        }),
        Change::Unassign => json!({ "action": "assign", "assignee_id": null }),
        Change::AddTags { tags } => json!({ "action": "add_tags", "tags": tags }),
        Change::RemoveTags { tags } => json!({ "action": "remove_tags", "tags": tags }),
        _ => return None,
    })
}

impl OrbitProvider {
    pub(super) async fn apply_op(&self, op: Op, key: String) -> ProviderResult<Applied> {
        match op {
            Op::Change { conversation, change } => {
                Ok(Applied::Conversation(Box::new(self.change(&conversation, &change, &key).await?)))
            }
            Op::Bulk { conversations, change } => self.bulk(conversations, &change, &key).await,
            Op::Send { conversation, kind, body, suggestion, .. } => {
                let m = self.reply(&conversation, kind, &body, &key).await?;
                if let Some(s) = suggestion {
                    self.settle(&s, SuggestionStatus::Edited);
                }
                Ok(Applied::Message(Box::new(m)))
            }
            Op::SendSuggestion { suggestion } => {
                let s = self.remembered(&suggestion)?;
                let m = self.reply(&s.conversation_id, ReplyKind::Reply, &s.body, &key).await?;
                self.settle(&suggestion, SuggestionStatus::Sent);
                Ok(Applied::Message(Box::new(m)))
            }
            Op::DismissSuggestion { suggestion } => {
                let mut s = self.remembered(&suggestion)?;
                self.settle(&suggestion, SuggestionStatus::Dismissed);
                s.status = SuggestionStatus::Dismissed;
                Ok(Applied::Suggestion(Box::new(s)))
            }
            Op::RequestSuggestion { conversation } => {
                Ok(Applied::Suggestion(Box::new(self.suggest(&conversation).await?)))
            }
        }
    }

    async fn change(&self, id: &ConversationId, change: &Change, key: &str) -> ProviderResult<Conversation> {
        let change = match change {
            // Orbit replaces the list: read it now, merge, write it whole, so a tag
            // another agent added a moment ago is kept.
            Change::AddTags { tags } | Change::RemoveTags { tags } => {
                let current = self.get_conversation(id).await?;
                let mut merged = current.tags.clone();
                if matches!(change, Change::AddTags { .. }) {
                    merged.extend(tags.iter().filter(|t| !current.tags.contains(t)).cloned());
                } else {
                    merged.retain(|t| !tags.contains(t));
                }
                Change::SetTags { tags: merged }
            }
            other => other.clone(),
        };
        let (method, rest, body) = endpoint(&change)?;
        let bytes = self.send(self.write(method, &Self::path(id, rest), key).json(&body)).await?;
        // The answer is the conversation when Orbit says so; otherwise ask for it.
        match serde_json::from_slice::<Envelope<Conv>>(&bytes) {
            Ok(e) => {
                let mut c = e.data.into_domain();
                c.has_pending_suggestion = self.pending_suggestion(&c.id).is_some();
                c.clean();
                Ok(c)
            }
            Err(_) => self.get_conversation(id).await,
        }
    }

    async fn bulk(&self, ids: Vec<ConversationId>, change: &Change, key: &str) -> ProviderResult<Applied> {
        let Some(mut body) = bulk_action(change) else {
            // No bulk form: one at a time, each with its own key derived from the
            // entry's, so a retry is still recognised.
            let mut out = Vec::with_capacity(ids.len());
            for (n, id) in ids.into_iter().enumerate() {
                let result = self.change(&id, change, &format!("{key}-{n}")).await;
                out.push((id, result.map(Box::new).map_err(|e| e.to_string())));
            }
            return Ok(Applied::Bulk(out));
        };
        body["ids"] = json!(ids.iter().map(ConversationId::as_str).collect::<Vec<_>>());
        let e: Envelope<BulkAnswer> =
            self.call(self.write(Method::POST, "/conversations/bulk", key).json(&body)).await?;
        let failed: Vec<(ConversationId, String)> =
            e.data.failed.iter().map(|f| (ConversationId::from(f.id.as_str()), f.message())).collect();
        // Each success is read back, so the list shows what Orbit now holds.
        let fetched = futures::future::join_all(
            ids.iter().filter(|id| !failed.iter().any(|(f, _)| f == *id)).map(|id| self.get_conversation(id)),
        )
        .await;
        let mut fetched = fetched.into_iter();
        let out = ids
            .into_iter()
            .map(|id| {
                if let Some((_, why)) = failed.iter().find(|(f, _)| *f == id) {
                    (id, Err(frontdesk_domain::text::sanitize_line(why)))
                } else {
                    let got = fetched.next().unwrap_or(Err(ProviderError::Malformed("bulk".into())));
                    (id, got.map(Box::new).map_err(|e| e.to_string()))
                }
            })
            .collect();
        Ok(Applied::Bulk(out))
    }

    async fn reply(
        &self,
        id: &ConversationId,
        kind: ReplyKind,
        body: &str,
        key: &str,
    ) -> ProviderResult<frontdesk_domain::Message> {
        let path = match kind {
            ReplyKind::Reply => Self::path(id, "/reply"),
            ReplyKind::Note if self.is_refused(Companion::Notes) => {
                return Err(ProviderError::Unsupported(Companion::Notes.why()));
            }
            ReplyKind::Note => Self::inbox_path(id, "/internal-notes"),
        };
        let result = self.send(self.write(Method::POST, &path, key).json(&json!({ "body": body }))).await;
        let bytes = match kind {
            ReplyKind::Note => self.companion(Companion::Notes, result)?,
            ReplyKind::Reply => result?,
        };
        // Orbit's answer may be the message, or only an id: what was sent is known.
        let wire = serde_json::from_slice::<Envelope<Msg>>(&bytes).map(|e| e.data).ok();
        let mut m = match wire {
            Some(w) => w.into_domain(id, kind == ReplyKind::Note, key),
            None => Msg::sent(body).into_domain(id, kind == ReplyKind::Note, key),
        };
        if m.body.is_empty() {
            body.clone_into(&mut m.body);
        }
        m.direction = frontdesk_domain::Direction::Outbound;
        m.clean();
        Ok(m)
    }

    async fn suggest(&self, id: &ConversationId) -> ProviderResult<Suggestion> {
        let req = self.request(Method::POST, &Self::path(id, "/copilot/suggest")).json(&json!({}));
        let e: Envelope<Suggest> = self.call(req).await?;
        let body = e.data.suggestion.clone().filter(|b| !b.trim().is_empty());
        let body = body.ok_or_else(|| ProviderError::Malformed("Orbit's copilot answered without a reply".into()))?;
        let mut s = Suggestion {
            id: SuggestionId::from(e.data.id.clone().unwrap_or_else(|| SuggestionId::generate().to_string())),
            conversation_id: id.clone(),
            body,
            actions: e.data.actions(),
            status: SuggestionStatus::Pending,
            engine: "orbit".to_owned(),
            sources: Vec::new(),
            created_at: jiff::Timestamp::now(),
            resolved_at: None,
            confidence: None,
            lang: None,
            before_sending: None,
            withheld: None,
        };
        s.clean();
        if let Ok(mut map) = self.suggestions.lock() {
            // One pending suggestion per conversation: a new one replaces the last.
            map.retain(|_, x| !(x.conversation_id == *id && x.status == SuggestionStatus::Pending));
            map.insert(s.id.clone(), s.clone());
        }
        Ok(s)
    }

    fn remembered(&self, id: &SuggestionId) -> ProviderResult<Suggestion> {
        self.suggestions
            .lock()
            .ok()
            .and_then(|m| m.get(id).cloned())
            .ok_or_else(|| ProviderError::NotFound("that suggestion was drafted in an earlier run; ask again".into()))
    }

    fn settle(&self, id: &SuggestionId, status: SuggestionStatus) {
        if let Ok(mut map) = self.suggestions.lock()
            && let Some(s) = map.get_mut(id)
        {
            s.status = status;
            s.resolved_at = Some(jiff::Timestamp::now());
        }
    }
}
