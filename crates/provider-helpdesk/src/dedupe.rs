//! Whether a reply already reached Bancroft, which honours no idempotency key: a
//! retry after a lost answer first reads the conversation's messages (oldest
//! first, see [`frontdesk_provider::Provider::already_applied`]). A reply from the
//! agent's address with the same body, from when it was queued on, is the one
//! already sent.

use jiff::Timestamp;

use super::HelpdeskProvider;
use frontdesk_domain::{AuthorKind, Op};
use frontdesk_provider::{Applied, Provider as _, ProviderFuture, dedupe};

pub(super) fn already_applied<'a>(
    p: &'a HelpdeskProvider,
    op: &Op,
    since: Timestamp,
) -> ProviderFuture<'a, Option<Applied>> {
    let reply = dedupe::reply_of(op);
    Box::pin(async move {
        let Some((conversation, body)) = reply else { return Ok(None) };
        let thread = p.thread(conversation, 0).await?;
        // The thread reads a message as the agent's when it is from the configured address.
        let found = dedupe::sent_in(thread, &body, since, |m| m.author.kind == AuthorKind::Agent);
        Ok(found.map(|m| Applied::Message(Box::new(m))))
    })
}
