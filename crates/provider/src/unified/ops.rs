//! Ops in the unified inbox: each goes to the account its conversation belongs to,
//! in that account's own ids (and "me" as that account's agent), and the answer
//! comes back tagged; a bulk change is split per account.

use super::tag::{self, Tagger};
use super::{Member, Unified};
use crate::{Applied, ProviderError, ProviderResult};
use frontdesk_domain::{Change, Conversation, ConversationId, Op};

impl Unified {
    pub(super) async fn apply_op(&self, op: Op, key: String) -> ProviderResult<Applied> {
        if let Op::Bulk { conversations, change } = op {
            return self.bulk(conversations, change, key).await;
        }
        let (m, op) = self.member_op(op).await?;
        // The unified inbox has a capability when any account has it: the account
        // the op goes to must have it too.
        m.provider.capabilities().check(&op)?;
        let applied = m.provider.apply(op, key).await?;
        Ok(self.retagged(m, applied).await)
    }

    /// Asks the member that owns the op's conversation, in its own ids, and tags
    /// what it found. A bulk op is never asked about (changes are idempotent).
    pub(super) async fn already_applied_op(&self, op: Op, since: jiff::Timestamp) -> ProviderResult<Option<Applied>> {
        if matches!(op, Op::Bulk { .. }) {
            return Ok(None);
        }
        let (m, op) = self.member_op(op).await?;
        match m.provider.already_applied(&op, since).await? {
            Some(applied) => Ok(Some(self.retagged(m, applied).await)),
            None => Ok(None),
        }
    }

    /// The member a single-conversation op goes to, and the op in its own ids.
    async fn member_op(&self, op: Op) -> ProviderResult<(&Member, Op)> {
        Ok(match op {
            Op::Bulk { .. } => return Err(ProviderError::Unsupported("a bulk change to one account")),
            Op::Change { conversation, change } => {
                let (m, raw) = self.route(&conversation)?;
                let change = self.change_for(m, &change).await?;
                (m, Op::Change { conversation: raw, change })
            }
            Op::Send { conversation, kind, body, suggestion, attachments } => {
                let (m, raw) = self.route(&conversation)?;
                let suggestion = suggestion.as_ref().and_then(tag::suggestion).map(|(_, s)| s);
                (m, Op::Send { conversation: raw, kind, body, suggestion, attachments })
            }
            Op::SendSuggestion { suggestion } => {
                let (account, raw) = tag::suggestion(&suggestion)
                    .ok_or_else(|| ProviderError::NotFound(format!("{suggestion} names no account")))?;
                (self.member(account)?, Op::SendSuggestion { suggestion: raw })
            }
            Op::DismissSuggestion { suggestion } => {
                let (account, raw) = tag::suggestion(&suggestion)
                    .ok_or_else(|| ProviderError::NotFound(format!("{suggestion} names no account")))?;
                (self.member(account)?, Op::DismissSuggestion { suggestion: raw })
            }
            Op::RequestSuggestion { conversation } => {
                let (m, raw) = self.route(&conversation)?;
                (m, Op::RequestSuggestion { conversation: raw })
            }
        })
    }

    /// A member's answer in the unified inbox's ids.
    async fn retagged(&self, m: &Member, applied: Applied) -> Applied {
        let (account, me) = self.tagger_parts(m).await;
        let t = Tagger { account: &account, me: me.as_deref() };
        match applied {
            Applied::Conversation(mut c) => {
                t.conversation(&mut c);
                Applied::Conversation(c)
            }
            Applied::Message(mut x) => {
                t.message(&mut x);
                Applied::Message(x)
            }
            Applied::Suggestion(mut s) => {
                t.suggestion(&mut s);
                Applied::Suggestion(s)
            }
            Applied::Bulk(results) => Applied::Bulk(retag_bulk(&t, results)),
            Applied::Done => Applied::Done,
        }
    }

    /// One bulk request per account (each with its own key, derived from the
    /// entry's, so a retry is still recognised); the answers put back together.
    async fn bulk(&self, conversations: Vec<ConversationId>, change: Change, key: String) -> ProviderResult<Applied> {
        let mut by_member: Vec<(&Member, Vec<ConversationId>)> = Vec::new();
        let mut out = Vec::new();
        for id in conversations {
            match self.route(&id) {
                Ok((m, raw)) => match by_member.iter_mut().find(|(x, _)| x.name == m.name) {
                    Some((_, ids)) => ids.push(raw),
                    None => by_member.push((m, vec![raw])),
                },
                Err(e) => out.push((id, Err(e.to_string()))),
            }
        }
        for (m, ids) in by_member {
            let (account, me) = self.tagger_parts(m).await;
            let t = Tagger { account: &account, me: me.as_deref() };
            let result = match self.change_for(m, &change).await {
                Ok(change) => {
                    let op = Op::Bulk { conversations: ids.clone(), change };
                    m.provider.apply(op, format!("{key}-{account}")).await
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(Applied::Bulk(results)) => out.extend(retag_bulk(&t, results)),
                Ok(_) => {}
                Err(e) => out.extend(ids.into_iter().map(|raw| {
                    let mut id = raw;
                    t.conversation_id(&mut id);
                    (id, Err(format!("{account}: {e}")))
                })),
            }
        }
        Ok(Applied::Bulk(out))
    }
}

type BulkResults = Vec<(ConversationId, Result<Box<Conversation>, String>)>;

fn retag_bulk(t: &Tagger<'_>, results: BulkResults) -> BulkResults {
    results
        .into_iter()
        .map(|(mut id, r)| {
            t.conversation_id(&mut id);
            let r = r.map(|mut c| {
                t.conversation(&mut c);
                c
            });
            (id, r)
        })
        .collect()
}
