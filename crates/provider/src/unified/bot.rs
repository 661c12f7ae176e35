//! The bot calls and deletes of the unified inbox: each goes to the account its
//! conversation belongs to, and what comes back is tagged with that account.

use super::Unified;
use super::tag::Tagger;
use crate::bot::{BotBuilder, BotCall, BotReply};
use crate::{ProviderError, ProviderFuture, ProviderResult};
use frontdesk_domain::{Conversation, ConversationId};

impl Unified {
    pub(super) async fn delete(&self, id: ConversationId) -> ProviderResult<()> {
        let (m, raw) = self.route(&id)?;
        m.provider.delete_conversation(raw).await
    }

    async fn bot_call(&self, id: ConversationId, call: BotCall) -> ProviderResult<BotReply> {
        let (m, raw) = self.route(&id)?;
        let bot = m.provider.bot().ok_or(ProviderError::Unsupported("calls to a chatbot"))?;
        let mut reply = bot.call(raw, call).await?;
        if let BotReply::Messages(messages) = &mut reply {
            let (account, me) = self.tagger_parts(m).await;
            let t = Tagger { account: &account, me: me.as_deref() };
            for x in messages.iter_mut() {
                t.message(x);
            }
        }
        Ok(reply)
    }

    /// Asks every account with a chatbot; the first that knows the ids answers.
    async fn find_in_members(&self, channel_id: String, provider_id: String) -> ProviderResult<Option<Conversation>> {
        let mut last_error = None;
        for m in &self.members {
            let Some(bot) = m.provider.bot() else { continue };
            match bot.find(channel_id.clone(), provider_id.clone()).await {
                Ok(Some(mut c)) => {
                    let (account, me) = self.tagger_parts(m).await;
                    Tagger { account: &account, me: me.as_deref() }.conversation(&mut c);
                    return Ok(Some(c));
                }
                Ok(None) => {}
                Err(e) => last_error = Some(e),
            }
        }
        last_error.map_or(Ok(None), Err)
    }
}

impl BotBuilder for Unified {
    fn call(&self, conversation: ConversationId, call: BotCall) -> ProviderFuture<'_, BotReply> {
        Box::pin(self.bot_call(conversation, call))
    }

    fn find(&self, channel_id: String, provider_id: String) -> ProviderFuture<'_, Option<Conversation>> {
        Box::pin(self.find_in_members(channel_id, provider_id))
    }
}
