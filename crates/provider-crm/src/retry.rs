//! Whether a reply already reached Iron, which documents no idempotency: a retry
//! after a lost answer first looks for it in the timeline (see
//! [`frontdesk_provider::Provider::already_applied`]). Our own outbound message with
//! the same text, from when the reply was queued on, is the one already sent.

use jiff::Timestamp;

use super::CrmProvider;
use frontdesk_domain::{AuthorKind, Direction, Op};
use frontdesk_provider::{Applied, Provider as _, ProviderResult, dedupe};

impl CrmProvider {
    pub(super) async fn reply_already_sent(&self, op: Op, since: Timestamp) -> ProviderResult<Option<Applied>> {
        // Files change what was sent: such a reply is not looked for (it is sent again).
        if matches!(&op, Op::Send { attachments, .. } if !attachments.is_empty()) {
            return Ok(None);
        }
        let Some((conversation, body)) = dedupe::reply_of(&op) else { return Ok(None) };
        let me = self.ctx_user().await.id;
        let thread = self.thread(conversation, 0).await?;
        let ours = |m: &frontdesk_domain::Message| {
            m.direction == Direction::Outbound
                && m.author.kind == AuthorKind::Agent
                // A row that names its author must name me; one that names none
                // (Iron's actors are not always there) is taken as ours.
                && m.author.id.as_deref().is_none_or(|id| me.as_deref().is_none_or(|me| id == me))
        };
        Ok(dedupe::sent_in(thread, &body, since, ours).map(|m| Applied::Message(Box::new(m))))
    }
}
