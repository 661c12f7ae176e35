//! Whether a reply already reached ChatCaptain, which honours no idempotency key:
//! a retry after a lost answer first looks for it in the thread (see
//! [`frontdesk_provider::Provider::already_applied`]). An agent's message with the same
//! text, from when the reply was queued on, is the one already sent.

use jiff::Timestamp;

use super::ChatCaptainProvider;
use frontdesk_domain::{AuthorKind, Op};
use frontdesk_provider::{Applied, Provider as _, ProviderFuture, dedupe};

pub(super) fn already_applied<'a>(
    p: &'a ChatCaptainProvider,
    op: &Op,
    since: Timestamp,
) -> ProviderFuture<'a, Option<Applied>> {
    let reply = dedupe::reply_of(op);
    Box::pin(async move {
        let Some((conversation, body)) = reply else { return Ok(None) };
        // The thread has no paging: all of it, oldest first.
        let thread = p.thread(conversation, 0).await?;
        // The key is the chatbot's, not a person's: any agent's message may be ours.
        let found = dedupe::sent_in(thread, &body, since, |m| m.author.kind == AuthorKind::Agent);
        Ok(found.map(|m| Applied::Message(Box::new(m))))
    })
}
